package accounts

import (
	"bytes"
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
	"zerodesk/internal/store/storetest"
)

func TestSession_TokenIsRandomAndStoredOnlyHashed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, l := e.active("Zoë", "zoe@example.org")
	if len(l.Token) != 43 || !wellFormedToken(l.Token) {
		t.Fatalf("token %q is not 256 bits of base64url", l.Token)
	}
	var stored []byte
	e.db.Read.QueryRow(`SELECT token_hash FROM account_sessions`).Scan(&stored)
	if h := sha256.Sum256([]byte(l.Token)); !bytes.Equal(stored, h[:]) {
		t.Fatal("the stored value is not SHA-256 of the token")
	}
	if found := storetest.FindSecrets(t, e.db, nil, map[string]string{"token": l.Token}); len(found) > 0 {
		t.Fatal(found)
	}
}

func TestSession_LoginRenewsAndLogoutEnds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, first := e.active("Zoë", "zoe@example.org")
	second, err := e.acc.Step2(ctx, Credentials{Usercode: string(u), Password: goodPassword, PrevToken: first.Token})
	mustOK(t, err)
	if second.Token == first.Token {
		t.Fatal("login kept the old token")
	}
	if _, err := e.acc.Session(ctx, first.Token); errs.MessageIDOf(err) != MsgSessionExpired {
		t.Fatalf("the token from before the login still works: %v", err)
	}
	s := e.session(second.Token)
	if s.Role != Basic || s.Lang != "en" || s.AccountID != second.AccountID {
		t.Fatalf("session = %+v", s)
	}
	mustOK(t, e.acc.Logout(ctx, second.Token))
	if _, err := e.acc.Session(ctx, second.Token); errs.MessageIDOf(err) != MsgSessionExpired {
		t.Fatalf("a replayed token after logout works: %v", err)
	}
	for _, bad := range []string{"", "short", second.Token + "x", "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"} {
		_, err := e.acc.Session(ctx, bad)
		wantErr(t, err, errs.Forbidden, MsgSessionExpired)
	}
}

func TestSession_IdleTimeoutThirtyMinutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, l := e.active("Zoë", "zoe@example.org")
	for range 4 { // kept alive by use
		e.clk.Add(29 * time.Minute)
		e.session(l.Token)
	}
	e.clk.Add(30 * time.Minute)
	_, err := e.acc.Session(ctx, l.Token)
	wantErr(t, err, errs.Forbidden, MsgSessionExpired)
}

func TestSession_AbsoluteTimeoutTwelveHours(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, l := e.active("Zoë", "zoe@example.org")
	for elapsed := time.Duration(0); elapsed < 12*time.Hour-20*time.Minute; elapsed += 20 * time.Minute {
		e.clk.Add(20 * time.Minute)
		e.session(l.Token)
	}
	e.clk.Add(20 * time.Minute)
	_, err := e.acc.Session(ctx, l.Token)
	wantErr(t, err, errs.Forbidden, MsgSessionExpired)
	var n int
	e.db.Read.QueryRow(`SELECT count(*) FROM account_sessions`).Scan(&n)
	if n != 0 {
		t.Fatal("an expired session stays stored")
	}
}

func TestSession_ListEndOneEndOthersEndAll(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, l := e.active("Zoë", "zoe@example.org")
	tokens := []string{l.Token}
	for _, label := range []string{"phone", "laptop", "library"} {
		e.clk.Add(time.Minute)
		l, err := e.acc.Step2(ctx, Credentials{Usercode: string(u), Password: goodPassword, Label: label})
		mustOK(t, err)
		tokens = append(tokens, l.Token)
	}
	other, _ := e.active("Pat", "pat@example.org")
	_ = other
	me := e.session(tokens[0])
	list, err := e.acc.Sessions(ctx, me)
	mustOK(t, err)
	byLabel := map[string]SessionInfo{}
	for _, s := range list {
		byLabel[s.Label] = s
	}
	// Most recently used first.
	if len(list) != 4 || !byLabel["test browser"].Current || byLabel["phone"].Current || list[3].Label != "phone" {
		t.Fatalf("Sessions = %+v", list)
	}
	mustOK(t, e.acc.EndSession(ctx, me, byLabel["library"].ID))
	if _, err := e.acc.Session(ctx, tokens[3]); err == nil {
		t.Fatal("the ended session still works")
	}
	mustOK(t, e.acc.EndOtherSessions(ctx, me))
	for _, tok := range tokens[1:] {
		if _, err := e.acc.Session(ctx, tok); err == nil {
			t.Fatal("another session survived EndOtherSessions")
		}
	}
	e.session(tokens[0])
	renewed, err := e.acc.RenewSession(ctx, me)
	mustOK(t, err)
	if _, err := e.acc.Session(ctx, tokens[0]); err == nil {
		t.Fatal("the token before RenewSession still works")
	}
	if s := e.session(renewed); !s.ExpiresAt.Equal(me.ExpiresAt) {
		t.Fatal("RenewSession moved the absolute end")
	}
	if _, err := e.acc.Profile(ctx, me); err != nil { // me now carries the new token
		t.Fatal(err)
	}
	mustOK(t, e.acc.EndAllSessions(ctx, me))
	if _, err := e.acc.Session(ctx, renewed); err == nil {
		t.Fatal("sign out everywhere left a session")
	}
	var n int
	e.db.Read.QueryRow(`SELECT count(*) FROM account_sessions`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d sessions left, want only the other account's", n)
	}
}

func TestWrapForAccount_OnlyTheSameAccountUnwraps(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, l := e.active("Ana", "ana@example.org")
	_, other := e.active("Ben", "ben@example.org")
	key := crypt.NewKey()
	ad := []byte("thread|7")
	wrapped, err := e.acc.WrapForAccount(e.session(l.Token), key, ad)
	mustOK(t, err)
	// A later session of the same account opens it: the data key, not the
	// session, is what wraps.
	again, err := e.login(u, goodPassword, "192.0.2.9")
	mustOK(t, err)
	got, err := e.acc.UnwrapForAccount(e.session(again.Token), wrapped, ad)
	mustOK(t, err)
	if !bytes.Equal(got, key) {
		t.Fatal("unwrapped a different key")
	}
	if _, err := e.acc.UnwrapForAccount(e.session(other.Token), wrapped, ad); err == nil {
		t.Fatal("another account unwrapped the key")
	}
	if _, err := e.acc.UnwrapForAccount(e.session(again.Token), wrapped, []byte("thread|8")); err == nil {
		t.Fatal("unwrapped under other associated data")
	}
}

func TestPeekSession_DoesNotKeepAnIdleSessionAlive(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, l := e.active("Zoë", "zoe@example.org")
	for range 2 { // a polling page, every 10 minutes
		e.clk.Add(10 * time.Minute)
		s, err := e.acc.PeekSession(ctx, l.Token)
		mustOK(t, err)
		if s.AccountID != l.AccountID {
			t.Fatalf("peeked session = %+v", s)
		}
	}
	e.clk.Add(10 * time.Minute) // 30 minutes since the last real use
	_, err := e.acc.PeekSession(ctx, l.Token)
	wantErr(t, err, errs.Forbidden, MsgSessionExpired)
	_, err = e.acc.Session(ctx, l.Token)
	wantErr(t, err, errs.Forbidden, MsgSessionExpired)
}
