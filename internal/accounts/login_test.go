package accounts

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
	"zerodesk/internal/testsupport"
)

func TestRegister_MailsTheUsercodeOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.register("Zoë Tester", "zoe@example.org")
	m := e.box.Last(t)
	if m.To != "zoe@example.org" || strings.Contains(m.TextBody, "Zoë") ||
		!strings.Contains(m.TextBody, "https://desk.example/en/login") || !strings.Contains(m.TextBody, u.Display()) {
		t.Fatalf("welcome mail:\n%+v", m)
	}
	c, err := e.acc.Step1(context.Background(), u.Display())
	if err != nil || !c.FirstLogin || c.Phrase != "" {
		t.Fatalf("Step1 of a pending account = %+v, %v", c, err)
	}
}

func TestRegister_RefusesBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	ok := Registration{Name: "Zoë", Email: "zoe@example.org", Lang: "en", Type: Premium}
	for _, c := range []struct {
		change func(*Registration)
		id     string
	}{
		{func(r *Registration) { r.Name = "  " }, MsgNameInvalid},
		{func(r *Registration) { r.Name = strings.Repeat("n", 101) }, MsgNameInvalid},
		{func(r *Registration) { r.Email = "zoe" }, MsgEmailInvalid},
		{func(r *Registration) { r.Email = "Zoë <zoe@example.org>" }, MsgEmailInvalid},
		{func(r *Registration) { r.Email = "zoe@example.org\r\nBcc: x@example.org" }, MsgEmailInvalid},
		{func(r *Registration) { r.Lang = "english!" }, MsgLanguageInvalid},
		{func(r *Registration) { r.Type = Admin }, MsgTypeInvalid},
	} {
		r := ok
		c.change(&r)
		wantErr(t, e.acc.Register(ctx, r), errs.Invalid, c.id)
	}
	mustOK(t, e.acc.Register(ctx, ok))
}

func TestRegister_LimitsPerAddressAndSilentlyPerEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	for i := range 3 {
		mustOK(t, e.acc.Register(ctx, Registration{Name: "Zoë", Email: "zoe@example.org", Lang: "en", Type: Basic, Addr: fmt.Sprint("198.51.100.", i)}))
	}
	// A fourth registration for the same address in a day: same answer, no mail.
	mustOK(t, e.acc.Register(ctx, Registration{Name: "Zoë", Email: "ZOE@example.org", Lang: "en", Type: Basic, Addr: "198.51.100.9"}))
	if n, _ := e.outbox.Deliver(ctx); n != 3 {
		t.Fatalf("%d mails sent, want 3", n)
	}
	for i := range 10 {
		mustOK(t, e.acc.Register(ctx, Registration{Name: "Bot", Email: fmt.Sprintf("bot%d@example.org", i), Lang: "en", Type: Basic, Addr: "203.0.113.5"}))
	}
	err := e.acc.Register(ctx, Registration{Name: "Bot", Email: "bot99@example.org", Lang: "en", Type: Basic, Addr: "203.0.113.5"})
	wantErr(t, err, errs.RateLimited, MsgTooManyRegistrations)
	e.clk.Add(time.Hour)
	mustOK(t, e.acc.Register(ctx, Registration{Name: "Bot", Email: "bot99@example.org", Lang: "en", Type: Basic, Addr: "203.0.113.5"}))
}

func TestActivate_SetsPasswordAndPhraseOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := e.register("Zoë Tester", "zoe@example.org")
	first := func(pw, phrase string) (*Login, error) {
		return e.acc.Activate(ctx, FirstLogin{Credentials: Credentials{Usercode: strings.ToLower(string(u)), Password: pw}, Phrase: phrase})
	}
	_, err := first("password1234", goodPhrase)
	wantErr(t, err, errs.Invalid, MsgPasswordCommon)
	_, err = first("zoe tester is my name", goodPhrase)
	wantErr(t, err, errs.Invalid, MsgPasswordPersonal)
	_, err = first(goodPassword, "x")
	wantErr(t, err, errs.Invalid, MsgPhraseInvalid)
	// Free text is refused: a real phrase must look like a decoy.
	for _, own := range []string{"my own phrase", "Ada's blue cat", "copper heron", "heron copper drifts", "copper heron drifts away"} {
		_, err = first(goodPassword, own)
		wantErr(t, err, errs.Invalid, MsgPhraseInvalid)
	}

	l, err := first(goodPassword, "  Quiet   OTTER swims ")
	if err != nil || l.SecondFactor || l.Role != Basic || l.Token == "" {
		t.Fatalf("Activate = %+v, %v", l, err)
	}
	e.session(l.Token)
	c, _ := e.acc.Step1(ctx, u.Display())
	if c.FirstLogin || c.Phrase != "quiet otter swims" {
		t.Fatalf("Step1 after activation = %+v", c)
	}
	_, err = first(goodPassword+"x", goodPhrase)
	wantErr(t, err, errs.Forbidden, MsgLoginFailed)
	if _, err := e.login(u, goodPassword, "192.0.2.7"); err != nil {
		t.Fatal(err)
	}
}

func TestActivate_UnknownAndExpiredLookLikeAFailedLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := e.register("Zoë", "zoe@example.org")
	before := e.hasher.Stats().Total
	_, err := e.acc.Activate(ctx, FirstLogin{Credentials: Credentials{Usercode: string(NewUsercode()), Password: goodPassword}, Phrase: goodPhrase})
	wantErr(t, err, errs.Forbidden, MsgLoginFailed)
	if e.hasher.Stats().Total != before+1 {
		t.Error("an unknown usercode skipped the Argon2id work")
	}
	e.clk.Add(7 * 24 * time.Hour)
	c, _ := e.acc.Step1(ctx, string(u))
	if c.FirstLogin || !isSuggestion(e.acc, c.Phrase) {
		t.Fatalf("Step1 of an expired registration = %+v, want a decoy", c)
	}
	_, err = e.acc.Activate(ctx, FirstLogin{Credentials: Credentials{Usercode: string(u), Password: goodPassword}, Phrase: goodPhrase})
	wantErr(t, err, errs.Forbidden, MsgLoginFailed)
	mustOK(t, e.acc.Prune(ctx))
	var n int
	e.db.Read.QueryRow(`SELECT count(*) FROM accounts`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d expired registrations survived Prune", n)
	}
}

func TestStep1_UnknownUsercodeLooksLikeKnown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	known, _ := e.active("Zoë", "zoe@example.org")
	k, err := e.acc.Step1(ctx, known.Display())
	if err != nil || k.Phrase != goodPhrase || k.FirstLogin {
		t.Fatalf("Step1(known) = %+v, %v", k, err)
	}
	unknown := make([]Usercode, 20)
	decoys := make([]string, len(unknown))
	for i := range unknown {
		unknown[i] = NewUsercode()
		c, err := e.acc.Step1(ctx, unknown[i].Display())
		if err != nil || c.FirstLogin || !isSuggestion(e.acc, c.Phrase) {
			t.Fatalf("Step1(unknown) = %+v, %v", c, err)
		}
		again, _ := e.acc.Step1(ctx, strings.ToLower(string(unknown[i])))
		if again != c {
			t.Fatalf("the decoy changed between two visits: %q, %q", c.Phrase, again.Phrase)
		}
		decoys[i] = c.Phrase
	}

	// A restart, and another instance on another database, with the same
	// secret: the same decoys. Another secret: other decoys.
	same := newEnv(t)
	other := newEnv(t)
	other.start(testsupport.SecretB)
	differ := 0
	for i, u := range unknown {
		c, _ := same.acc.Step1(ctx, u.Display())
		if c.Phrase != decoys[i] {
			t.Fatalf("decoy for the same usercode and secret differs: %q, %q", c.Phrase, decoys[i])
		}
		if c, _ := other.acc.Step1(ctx, u.Display()); c.Phrase != decoys[i] {
			differ++
		}
	}
	if differ < len(unknown)-1 {
		t.Fatalf("only %d of %d decoys changed with the secret", differ, len(unknown))
	}
}

func TestStep2_WrongUnknownPendingAndLockedLookAlike(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	known, _ := e.active("Zoë", "zoe@example.org")
	pending := e.register("Pat", "pat@example.org")
	var real, dummy atomic.Int64
	e.acc.verifying = func(own bool) {
		if own {
			real.Add(1)
		} else {
			dummy.Add(1)
		}
	}
	attempt := func(u Usercode, pw string) error {
		before := e.hasher.Stats().Total
		_, err := e.login(u, pw, "192.0.2.50")
		if e.hasher.Stats().Total != before+1 {
			t.Fatalf("attempt ran %d hashes, want 1", e.hasher.Stats().Total-before)
		}
		return err
	}
	wrong := attempt(known, "not the password at all")
	unknown := attempt(NewUsercode(), goodPassword)
	pend := attempt(pending, goodPassword)
	for range 4 {
		attempt(known, "still not the password")
	}
	locked := attempt(known, goodPassword) // the right password, refused while locked
	for name, err := range map[string]error{"wrong": wrong, "unknown": unknown, "pending": pend, "locked": locked} {
		wantErr(t, err, errs.Forbidden, MsgLoginFailed)
		if err.Error() != wrong.Error() {
			t.Errorf("%s: %q differs from %q", name, err.Error(), wrong.Error())
		}
	}
	if real.Load() != 5 || dummy.Load() != 3 {
		t.Errorf("real hashes %d, dummy %d; want 5 and 3", real.Load(), dummy.Load())
	}
}

func TestLockout_FiveFailuresLockFifteenMinutesAndSurviveRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, _ := e.active("Zoë", "zoe@example.org")
	for i := range 5 {
		_, err := e.login(u, fmt.Sprint("wrong password ", i), fmt.Sprint("192.0.2.", i))
		wantErr(t, err, errs.Forbidden, MsgLoginFailed)
	}
	e.start(testsupport.SecretA) // a restart keeps the lock
	_, err := e.login(u, goodPassword, "198.51.100.1")
	wantErr(t, err, errs.Forbidden, MsgLoginFailed)
	e.clk.Add(14*time.Minute + 59*time.Second)
	_, err = e.login(u, goodPassword, "198.51.100.1")
	wantErr(t, err, errs.Forbidden, MsgLoginFailed)
	e.clk.Add(time.Second)
	if _, err := e.login(u, goodPassword, "198.51.100.1"); err != nil {
		t.Fatalf("still locked after 15 minutes: %v", err)
	}
}

func TestLockout_SuccessResetsAndWindowExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, _ := e.active("Zoë", "zoe@example.org")
	fail := func(n int) {
		for range n {
			e.login(u, "wrong password here", "192.0.2.9")
		}
	}
	fail(4)
	if _, err := e.login(u, goodPassword, "192.0.2.9"); err != nil {
		t.Fatal(err)
	}
	fail(4) // counted from zero again
	e.clk.Add(15 * time.Minute)
	fail(4) // a new window
	if _, err := e.login(u, goodPassword, "192.0.2.9"); err != nil {
		t.Fatalf("locked although no window held 5 failures: %v", err)
	}
}

func TestLockout_ConcurrentAttemptsNeverExceedTheLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, _ := e.active("Zoë", "zoe@example.org")
	var real atomic.Int64
	e.acc.verifying = func(own bool) {
		if own {
			real.Add(1)
		}
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 20 {
		wg.Go(func() {
			<-start
			_, err := e.login(u, fmt.Sprint("wrong guess number ", i), fmt.Sprint("203.0.113.", i))
			if errs.MessageIDOf(err) != MsgLoginFailed {
				t.Errorf("err = %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if n := real.Load(); n != 5 {
		t.Fatalf("%d of 20 concurrent attempts reached the password check, want 5", n)
	}
	_, err := e.login(u, goodPassword, "198.51.100.1")
	wantErr(t, err, errs.Forbidden, MsgLoginFailed)
}

func TestAddressLimit_TwentyFailuresPerAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, _ := e.active("Zoë", "zoe@example.org")
	for range 20 {
		_, err := e.login(NewUsercode(), goodPassword, "203.0.113.9")
		wantErr(t, err, errs.Forbidden, MsgLoginFailed)
	}
	before := e.hasher.Stats().Total
	_, err := e.login(u, goodPassword, "203.0.113.9")
	wantErr(t, err, errs.RateLimited, MsgTooManyAttempts)
	if e.hasher.Stats().Total != before {
		t.Error("a rate-limited attempt still hashed")
	}
	if _, err := e.login(u, goodPassword, "203.0.113.10"); err != nil {
		t.Fatalf("another address was refused: %v", err)
	}
	e.clk.Add(15 * time.Minute)
	if _, err := e.login(u, goodPassword, "203.0.113.9"); err != nil {
		t.Fatalf("the address is still limited after 15 minutes: %v", err)
	}
}

func TestStep2_SuspendedAccountIsToldAfterTheRightPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, l := e.active("Zoë", "zoe@example.org")
	mustOK(t, e.acc.SetState(ctx, l.AccountID, Suspended))
	if _, err := e.acc.Session(ctx, l.Token); errs.MessageIDOf(err) != MsgSessionExpired {
		t.Fatalf("a suspended account's session lives on: %v", err)
	}
	_, err := e.login(u, "wrong password here", "192.0.2.1")
	wantErr(t, err, errs.Forbidden, MsgLoginFailed)
	_, err = e.login(u, goodPassword, "192.0.2.1")
	wantErr(t, err, errs.Forbidden, MsgSuspended)
	mustOK(t, e.acc.SetState(ctx, l.AccountID, Active))
	if _, err := e.login(u, goodPassword, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
}

// The Argon2id pool holds: 200 logins at once, never more than 4 hashes.
func TestStep2_200ConcurrentLoginsHoldAtMostMaxHashes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// 20 accounts (one usercode's concurrent attempts count against its own
	// limit, so each account takes one login), 180 unknown usercodes.
	users := make([]Usercode, 20)
	for i := range users {
		users[i], _ = e.active("Zoë", fmt.Sprintf("zoe%d@example.org", i))
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	var ok atomic.Int64
	for i := range 200 {
		wg.Go(func() {
			<-start
			target, pw := NewUsercode(), goodPassword
			if i%10 == 0 {
				target = users[i/10]
			}
			if _, err := e.login(target, pw, fmt.Sprintf("2001:db8::%x", i)); err == nil {
				ok.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	s := e.hasher.Stats()
	if s.Peak > s.Max || s.Max != 4 || s.InFlight != 0 {
		t.Fatalf("hasher stats %+v", s)
	}
	if ok.Load() != 20 {
		t.Fatalf("%d logins succeeded, want the 20 with the right usercode", ok.Load())
	}
}

// With the production cost: one full journey, timed.
func TestLogin_WithProductionArgon2(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("real Argon2id cost")
	}
	e := newEnv(t)
	e.hasher = crypt.NewHasher(crypt.DefaultArgon2, 0)
	e.start(testsupport.SecretA)
	u, _ := e.active("Zoë", "zoe@example.org")
	start := time.Now()
	if _, err := e.login(u, goodPassword, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	right := time.Since(start)
	start = time.Now()
	e.login(NewUsercode(), goodPassword, "192.0.2.1")
	unknown := time.Since(start)
	t.Logf("login with %+v: right password %v, unknown usercode %v", crypt.DefaultArgon2, right, unknown)
}

// BenchmarkLogin is step 2 with the right password at the production cost.
func BenchmarkLogin(b *testing.B) {
	e := newEnv(b)
	e.hasher = crypt.NewHasher(crypt.DefaultArgon2, 0)
	e.start(testsupport.SecretA, func(o *Options) { o.Limits.AddressFailures = 1 << 30 })
	u := e.register("Zoë", "zoe@example.org")
	_, err := e.acc.Activate(context.Background(), FirstLogin{Credentials: Credentials{Usercode: string(u), Password: goodPassword}, Phrase: goodPhrase})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := e.login(u, goodPassword, "192.0.2.1"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(e.hasher.Stats().Peak), "peak-hashes")
}

// BenchmarkLoginParallel is many clients logging in at once (each its own
// account) at the production cost: the rate the pool sustains and the most
// hashes, so Argon2id buffers, ever held at once.
func BenchmarkLoginParallel(b *testing.B) {
	e := newEnv(b)
	e.hasher = crypt.NewHasher(crypt.DefaultArgon2, 0)
	e.start(testsupport.SecretA, func(o *Options) { o.Limits.AddressFailures = 1 << 30 })
	users := make([]Usercode, 200)
	for i := range users {
		users[i] = e.register("Zoë", fmt.Sprintf("zoe%d@example.org", i))
		_, err := e.acc.Activate(context.Background(), FirstLogin{Credentials: Credentials{Usercode: string(users[i]), Password: goodPassword}, Phrase: goodPhrase})
		if err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	b.SetParallelism(100) // 100 x GOMAXPROCS: 200 clients on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		u := users[int(next.Add(1)-1)%len(users)]
		for pb.Next() {
			if _, err := e.login(u, goodPassword, "192.0.2.1"); err != nil {
				b.Error(err)
				return
			}
		}
	})
	s := e.hasher.Stats()
	b.ReportMetric(float64(s.Peak), "peak-hashes")
	b.ReportMetric(float64(s.Peak)*float64(crypt.DefaultArgon2.MemoryKiB)/1024, "peak-argon-MiB")
}

func TestDummyParams_CostLikeARealAccountAndStablePerUsercode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, _ := e.active("Zoë", "zoe@example.org")
	var text string
	e.db.Read.QueryRow(`SELECT pw_params FROM accounts`).Scan(&text)
	var stored crypt.Argon2Params
	mustOK(t, stored.UnmarshalText([]byte(text)))
	other := NewUsercode()
	d1, d2 := e.acc.dummyParams(e.acc.lookupOf(other)), e.acc.dummyParams(e.acc.lookupOf(other))
	if !d1.SameCost(stored) || string(d1.Salt) != string(d2.Salt) || len(d1.Salt) != len(stored.Salt) {
		t.Fatalf("dummy %+v vs stored %+v", d1, stored)
	}
	if string(e.acc.dummyParams(e.acc.lookupOf(u)).Salt) == string(stored.Salt) {
		t.Fatal("the dummy salt is the real salt")
	}
}

func TestLogin_RehashesAtTheNewCost(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, _ := e.active("Zoë", "zoe@example.org")
	stronger := testsupport.TinyArgon
	stronger.Time = 2
	e.hasher = crypt.NewHasher(stronger, 2)
	e.start(testsupport.SecretA) // a restart with higher defaults
	if _, err := e.login(u, goodPassword, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	var text string
	e.db.Read.QueryRow(`SELECT pw_params FROM accounts`).Scan(&text)
	var stored crypt.Argon2Params
	mustOK(t, stored.UnmarshalText([]byte(text)))
	if !stored.SameCost(stronger) {
		t.Fatalf("stored cost %+v, want %+v", stored, stronger)
	}
	if _, err := e.login(u, goodPassword, "192.0.2.1"); err != nil {
		t.Fatalf("login after the rehash: %v", err)
	}
}

// Every phrase a user can set is one the decoy generator makes: the same
// distribution (a guard for the whole class, not for one phrase).
func TestPhrase_SuggestionsAndDecoysShareOneGenerator(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, p := range e.acc.SuggestPhrases(200) {
		if !GeneratedPhrase(p) || !isSuggestion(e.acc, p) {
			t.Fatalf("suggestion %q is not accepted", p)
		}
	}
	for range 200 {
		d := e.acc.decoyPhrase(NewUsercode())
		if !GeneratedPhrase(d) {
			t.Fatalf("decoy %q would be refused as a phrase", d)
		}
	}
}
