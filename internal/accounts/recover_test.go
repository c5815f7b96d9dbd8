package accounts

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"zerodesk/internal/errs"
	"zerodesk/internal/store/storetest"
	"zerodesk/internal/testsupport"
)

const (
	recoverPassword = "cobalt meadow 39 giraffes"
	recoverPhrase   = "patient walrus sings"
	theAnswer       = "  Rue de la Paix! "
)

// premium registers and activates a premium user.
func (e *env) premium(name, email string) (Usercode, *Login) {
	e.t.Helper()
	ctx := context.Background()
	mustOK(e.t, e.acc.Register(ctx, Registration{Name: name, Email: email, Lang: "en", Type: Premium, Addr: "registrant of " + email}))
	e.delivered()
	u, err := NormalizeUsercode(usercodeInMail.FindString(e.box.Last(e.t).TextBody))
	mustOK(e.t, err)
	l, err := e.acc.Activate(ctx, FirstLogin{
		Credentials: Credentials{Usercode: u.Display(), Password: goodPassword, Addr: "192.0.2.1"},
		Phrase:      goodPhrase,
	})
	mustOK(e.t, err)
	return u, l
}

func recoverWith(u Usercode, secret string) RecoverRequest {
	return RecoverRequest{Usercode: u.Display(), Secret: secret, Password: recoverPassword, Phrase: recoverPhrase, Addr: "192.0.2.50"}
}

func TestRecover_WithTheAnswerKeepsTheDataAndEndsEverySession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, l := e.premium("Zoë", "zoe@example.org")
	s := e.session(l.Token)
	// TOTP on, and another room's key under the data key.
	setup, err := e.acc.BeginTOTP(ctx, s, goodPassword)
	mustOK(t, err)
	code, _ := totp.GenerateCode(setup.Secret, e.clk.Now())
	_, err = e.acc.ConfirmTOTP(ctx, s, code)
	mustOK(t, err)
	wrapped, err := e.acc.WrapForAccount(s, []byte("thread key 0123456789abcdef01234"), []byte("thread|1"))
	mustOK(t, err)

	_, err = e.acc.SetUpRecovery(ctx, s, RecoverySetup{Password: goodPassword, Method: RecoveryByQuestion, Question: "accounts.recover.question.nope", Answer: "x y z"})
	wantErr(t, err, errs.Invalid, MsgRecoverQuestion)
	_, err = e.acc.SetUpRecovery(ctx, s, RecoverySetup{Password: goodPassword, Method: RecoveryByQuestion, Question: MsgQuestionStreet, Answer: " ! "})
	wantErr(t, err, errs.Invalid, MsgRecoverAnswer)
	_, err = e.acc.SetUpRecovery(ctx, s, RecoverySetup{Password: "not it at all", Method: RecoveryByQuestion, Question: MsgQuestionStreet, Answer: theAnswer})
	wantErr(t, err, errs.Forbidden, MsgPasswordWrong)
	issued, err := e.acc.SetUpRecovery(ctx, s, RecoverySetup{Password: goodPassword, Method: RecoveryByQuestion, Question: MsgQuestionStreet, Answer: theAnswer, Keep: true})
	mustOK(t, err)
	if issued.Key != "" || issued.File != nil {
		t.Fatalf("a kept question record issued %+v", issued)
	}
	info, err := e.acc.Recovery(ctx, s)
	mustOK(t, err)
	if !info.Allowed || !info.Set || !info.Kept || info.Method != RecoveryByQuestion || info.Question != MsgQuestionStreet {
		t.Fatalf("Recovery = %+v", info)
	}
	// Step 1 shows the question.
	p, err := e.acc.RecoverStart(ctx, u.Display())
	mustOK(t, err)
	if p.Method != RecoveryByQuestion || p.Question != MsgQuestionStreet {
		t.Fatalf("prompt = %+v", p)
	}
	// A wrong answer; then the right one, typed differently.
	wantErr(t, e.acc.Recover(ctx, recoverWith(u, "rue de la guerre")), errs.Forbidden, MsgRecoverFailed)
	mustOK(t, e.acc.Recover(ctx, recoverWith(u, "RUE  de la paix")))

	if _, err := e.acc.Session(ctx, l.Token); errs.MessageIDOf(err) != MsgSessionExpired {
		t.Errorf("the session lives on after the recovery: %v", err)
	}
	_, err = e.login(u, goodPassword, "192.0.2.1")
	wantErr(t, err, errs.Forbidden, MsgLoginFailed)
	l2, err := e.login(u, recoverPassword, "192.0.2.1")
	mustOK(t, err)
	if !l2.SecondFactor {
		t.Fatal("two-step verification was lost: the recovered account should still read its TOTP secret")
	}
	code, _ = totp.GenerateCode(setup.Secret, e.clk.Now().Add(30*time.Second))
	full, err := e.acc.SecondFactor(ctx, l2.Token, code)
	mustOK(t, err)
	s2 := e.session(full.Token)
	prof, err := e.acc.Profile(ctx, s2)
	mustOK(t, err)
	if prof.Name != "Zoë" {
		t.Errorf("name after recovery = %q", prof.Name)
	}
	key, err := e.acc.UnwrapForAccount(s2, wrapped, []byte("thread|1"))
	if err != nil || string(key) != "thread key 0123456789abcdef01234" {
		t.Errorf("the recovered account cannot open its data: %v", err)
	}
	ch, _ := e.acc.Step1(ctx, u.Display())
	if ch.Phrase != recoverPhrase {
		t.Errorf("phrase = %q", ch.Phrase)
	}
	e.delivered()
	if m := e.box.Last(t); m.To != "zoe@example.org" || !strings.Contains(m.Subject, "recovered") {
		t.Errorf("last mail %q to %q", m.Subject, m.To)
	}
	// The record still works (same data key) until it is removed.
	info, err = e.acc.Recovery(ctx, s2)
	mustOK(t, err)
	if !info.Set {
		t.Error("the record went away with the recovery")
	}
	wantErr(t, e.acc.RemoveRecovery(ctx, s2, "wrong password here"), errs.Forbidden, MsgPasswordWrong)
	mustOK(t, e.acc.RemoveRecovery(ctx, s2, recoverPassword))
	wantErr(t, e.acc.RemoveRecovery(ctx, s2, recoverPassword), errs.Conflict, MsgRecoverNone)
	wantErr(t, e.acc.Recover(ctx, recoverWith(u, theAnswer)), errs.Forbidden, MsgRecoverFailed)
}

func TestRecover_WithAKeyAndADownloadedFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, l := e.premium("Zoë", "zoe@example.org")
	s := e.session(l.Token)
	issued, err := e.acc.SetUpRecovery(ctx, s, RecoverySetup{Password: goodPassword, Method: RecoveryByKey})
	mustOK(t, err)
	if len(strings.ReplaceAll(issued.Key, "-", "")) != recoveryKeyLen || issued.File == nil {
		t.Fatalf("issued %+v", issued)
	}
	info, err := e.acc.Recovery(ctx, s)
	mustOK(t, err)
	if !info.Set || info.Kept || info.Method != RecoveryByKey {
		t.Fatalf("Recovery = %+v", info)
	}
	p, err := e.acc.RecoverStart(ctx, u.Display())
	mustOK(t, err)
	if p.Method != RecoveryByKey {
		t.Fatalf("prompt = %+v", p)
	}
	// The key alone is not enough when the record was not kept here.
	wantErr(t, e.acc.Recover(ctx, recoverWith(u, issued.Key)), errs.Forbidden, MsgRecoverFailed)
	// The file with a wrong key neither.
	r := recoverWith(u, newRecoveryKey())
	r.File = issued.File
	wantErr(t, e.acc.Recover(ctx, r), errs.Forbidden, MsgRecoverFailed)
	// A new set-up makes the old file useless.
	again, err := e.acc.SetUpRecovery(ctx, s, RecoverySetup{Password: goodPassword, Method: RecoveryByKey})
	mustOK(t, err)
	r = recoverWith(u, issued.Key)
	r.File = issued.File
	wantErr(t, e.acc.Recover(ctx, r), errs.Forbidden, MsgRecoverFailed)
	// The new key, typed in lower case with spaces, and the new file.
	r = recoverWith(u, strings.ToLower(strings.ReplaceAll(again.Key, "-", " ")))
	r.File = again.File
	mustOK(t, e.acc.Recover(ctx, r))
	_, err = e.login(u, recoverPassword, "192.0.2.1")
	mustOK(t, err)
}

func TestRecover_FiveAttemptsPerDayCountedBeforeHashingAndSurviveRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, l := e.premium("Zoë", "zoe@example.org")
	_, err := e.acc.SetUpRecovery(ctx, e.session(l.Token), RecoverySetup{Password: goodPassword, Method: RecoveryByQuestion, Question: MsgQuestionPet, Answer: "Biscuit", Keep: true})
	mustOK(t, err)
	unknown := NewUsercode()
	for _, who := range []Usercode{u, unknown} {
		hashes := e.hasher.Stats().Total
		for i := 0; i < RecoverAttempts; i++ {
			wantErr(t, e.acc.Recover(ctx, recoverWith(who, "Muffin")), errs.Forbidden, MsgRecoverFailed)
		}
		if got := e.hasher.Stats().Total - hashes; got != RecoverAttempts {
			t.Errorf("%d hashes for %d attempts: unknown and known must cost the same", got, RecoverAttempts)
		}
		// Restarted: the lock holds, the right answer included, without hashing.
		e.start(testsupport.SecretA)
		hashes = e.hasher.Stats().Total
		err := e.acc.Recover(ctx, recoverWith(who, "Biscuit"))
		wantErr(t, err, errs.RateLimited, MsgRecoverLocked)
		var e2 *errs.Error
		if !errors.As(err, &e2) || !e2.Data["Until"].(time.Time).Equal(e.clk.Now().Add(RecoverWindow).Truncate(time.Second)) {
			t.Errorf("lock data = %v", e2.Data)
		}
		if e.hasher.Stats().Total != hashes {
			t.Error("a locked attempt ran Argon2id")
		}
		_, err = e.acc.RecoverStart(ctx, who.Display())
		wantErr(t, err, errs.RateLimited, MsgRecoverLocked)
	}
	// A day later the account may try again.
	e.clk.Add(RecoverWindow - time.Second)
	wantErr(t, e.acc.Recover(ctx, recoverWith(u, "Biscuit")), errs.RateLimited, MsgRecoverLocked)
	e.clk.Add(time.Second)
	mustOK(t, e.acc.Recover(ctx, recoverWith(u, "biscuit")))
}

func TestRecover_DecoyQuestionIsStableAcrossRestartsAndDependsOnTheSecret(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, _ := e.active("Basic Bea", "bea@example.org") // no record: a decoy too
	seen := map[RecoveryMethod]int{}
	for i := 0; i < 40; i++ {
		unknown := NewUsercode()
		first, err := e.acc.RecoverStart(ctx, unknown.Display())
		mustOK(t, err)
		seen[first.Method]++
		if first.Method == RecoveryByQuestion && !contains(Questions, first.Question) {
			t.Fatalf("decoy question %q is not one of ours", first.Question)
		}
		if i == 0 {
			e.start(testsupport.SecretA) // a restart
			again, err := e.acc.RecoverStart(ctx, unknown.Display())
			mustOK(t, err)
			if again != first {
				t.Errorf("decoy changed across a restart: %+v, then %+v", first, again)
			}
			e.start(testsupport.SecretB)
			other := 0
			for j := 0; j < 20; j++ {
				x := NewUsercode()
				e.start(testsupport.SecretA)
				a, _ := e.acc.RecoverStart(ctx, x.Display())
				e.start(testsupport.SecretB)
				b, _ := e.acc.RecoverStart(ctx, x.Display())
				if a != b {
					other++
				}
			}
			if other == 0 {
				t.Error("the decoy does not depend on the server secret")
			}
			e.start(testsupport.SecretA)
		}
	}
	if seen[RecoveryByKey] == 0 || seen[RecoveryByQuestion] == 0 {
		t.Errorf("decoys are all of one kind: %v", seen)
	}
	p1, _ := e.acc.RecoverStart(ctx, u.Display())
	p2, _ := e.acc.RecoverStart(ctx, u.Display())
	if p1 != p2 || p1 != e.acc.decoyMethod(u) {
		t.Errorf("a user without a record gets %+v and %+v", p1, p2)
	}
}

func TestRecovery_OnlyPremiumAndManagersAndResetRevokesIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, basic := e.active("Basic Bea", "bea@example.org")
	bs := e.session(basic.Token)
	_, err := e.acc.SetUpRecovery(ctx, bs, RecoverySetup{Password: goodPassword, Method: RecoveryByKey})
	wantErr(t, err, errs.Forbidden, MsgRecoverNotAllowed)
	info, err := e.acc.Recovery(ctx, bs)
	mustOK(t, err)
	if info.Allowed || info.Set {
		t.Errorf("basic: %+v", info)
	}

	u, l := e.premium("Zoë", "zoe@example.org")
	issued, err := e.acc.SetUpRecovery(ctx, e.session(l.Token), RecoverySetup{Password: goodPassword, Method: RecoveryByKey, Keep: true})
	mustOK(t, err)
	flow, err := e.acc.StartReset(ctx, ResetRequest{Usercode: u.Display(), Email: "zoe@example.org", Addr: "a"})
	mustOK(t, err)
	mustOK(t, e.acc.FinishReset(ctx, finish(u, flow, e.resetCode())))
	wantErr(t, e.acc.Recover(ctx, recoverWith(u, issued.Key)), errs.Forbidden, MsgRecoverFailed)
	l2, err := e.login(u, resetPassword, "192.0.2.1")
	mustOK(t, err)
	info, err = e.acc.Recovery(ctx, e.session(l2.Token))
	mustOK(t, err)
	if info.Set || !info.Allowed {
		t.Errorf("after the reset: %+v", info)
	}
}

func TestNormalizeAnswer(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"  Rue de la Paix! ": "rue de la paix",
		"RUE-de-la-PAIX":     "rue de la paix",
		"Ｍｕｆｆｉｎ":             "muffin",
		"北京":                 "北京",
		"Ελένη":              "ελένη",
		"...":                "",
	} {
		if got := NormalizeAnswer(in); got != want {
			t.Errorf("NormalizeAnswer(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSelfService_NoSecretAtRest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, l := e.premium("Zoë", "zoe@example.org")
	// Secrets of this run alone: on PostgreSQL the byte scan reads the
	// cluster's WAL, which every test running at the same time writes.
	answer := storetest.Secret(t, "Grandmother Wilhelmina ")
	recovered, reset := storetest.Secret(t, "cobalt meadow giraffes "), storetest.Secret(t, "amber lighthouse whistles ")
	recoveredPhrase, resetToPhrase := e.acc.SuggestPhrases(1)[0], e.acc.SuggestPhrases(1)[0]
	_, err := e.acc.SetUpRecovery(ctx, e.session(l.Token), RecoverySetup{Password: goodPassword, Method: RecoveryByQuestion, Question: MsgQuestionTeacher, Answer: answer, Keep: true})
	mustOK(t, err)
	rq := recoverWith(u, answer)
	rq.Password, rq.Phrase = recovered, recoveredPhrase
	mustOK(t, e.acc.Recover(ctx, rq))
	l2, err := e.login(u, recovered, "192.0.2.1")
	mustOK(t, err)
	issued, err := e.acc.SetUpRecovery(ctx, e.session(l2.Token), RecoverySetup{Password: recovered, Method: RecoveryByKey, Keep: true})
	mustOK(t, err)
	flow, err := e.acc.StartReset(ctx, ResetRequest{Usercode: u.Display(), Email: "zoe@example.org", Addr: "a"})
	mustOK(t, err)
	code := e.resetCode()
	fin := finish(u, flow, code)
	fin.Password, fin.Phrase = reset, resetToPhrase
	mustOK(t, e.acc.FinishReset(ctx, fin))
	secrets := map[string]string{
		"answer":                 answer,
		"normalized answer":      NormalizeAnswer(answer),
		"recovery key":           issued.Key,
		"normalized key":         normalizeRecoveryKey(issued.Key),
		"recovered password":     recovered,
		"reset password":         reset,
		"usercode":               string(u),
		"usercode (display)":     u.Display(),
		"phrase after recovery":  recoveredPhrase,
		"phrase after the reset": resetToPhrase,
		"flow":                   flow,
	}
	if found := storetest.FindSecrets(t, e.db, e.logs.Bytes(), secrets); len(found) > 0 {
		t.Errorf("secrets at rest:\n%s", strings.Join(found, "\n"))
	}
}
