package accounts

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"zerodesk/internal/errs"
	"zerodesk/internal/store"
	"zerodesk/internal/store/storetest"
)

// Sessions on scs (issue 12), with the test clock injected into the store.

// rows counts scs's rows and the index lines.
func (e *env) rows() (store, index int) {
	e.t.Helper()
	mustOK(e.t, e.db.Read.QueryRow(`SELECT count(*) FROM sessions`).Scan(&store))
	mustOK(e.t, e.db.Read.QueryRow(`SELECT count(*) FROM account_sessions`).Scan(&index))
	return store, index
}

// storedExpiry is scs's expiry of token's row, unix milliseconds (0: none).
func (e *env) storedExpiry(token string) int64 {
	var ms int64
	e.db.Read.QueryRow(`SELECT expiry FROM sessions WHERE token = $1`, tokenHash(token)).Scan(&ms)
	return ms
}

func TestSCS_FixationTokenChangesOnSecondFactor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, secret, _ := withTOTP(t, e)
	half, err := e.login(u, goodPassword, "192.0.2.1")
	mustOK(t, err)
	e.clk.Add(30 * time.Second)
	code, _ := totp.GenerateCode(secret, e.clk.Now())
	full, err := e.acc.SecondFactor(ctx, half.Token, code)
	mustOK(t, err)
	if full.Token == half.Token || len(full.Token) != tokenLen {
		t.Fatal("the second factor kept the half-open token")
	}
	if e.storedExpiry(half.Token) != 0 {
		t.Fatal("the half-open token's row survived RenewToken")
	}
	// The signed-in session lives 12 hours from the second factor, not 5 minutes.
	if got, want := e.storedExpiry(full.Token), e.clk.Now().Add(30*time.Minute).UnixMilli(); got < want-1000 || got > want {
		t.Fatalf("expiry %d, want %d (idle timeout from now)", got, want)
	}
	if s := e.session(full.Token); !s.ExpiresAt.Equal(time.Unix(e.clk.Now().Add(12*time.Hour).Unix(), 0)) {
		t.Fatalf("absolute end %v", s.ExpiresAt)
	}
}

func TestSCS_FixationRoleChangeEndsTheSessionsAndALoginGetsANewToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, l := e.active("Zoë", "zoe@example.org")
	mustOK(t, e.acc.SetRole(ctx, l.AccountID, Manager))
	_, err := e.acc.Session(ctx, l.Token)
	wantErr(t, err, errs.Forbidden, MsgSessionExpired)
	if st, ix := e.rows(); st != 0 || ix != 0 {
		t.Fatalf("after a role change: %d scs rows, %d index lines", st, ix)
	}
	l2, err := e.acc.Step2(ctx, Credentials{Usercode: string(u), Password: goodPassword, PrevToken: l.Token})
	mustOK(t, err)
	if l2.Token == l.Token || e.session(l2.Token).Role != Manager {
		t.Fatal("the login after the role change did not start a new token with the new role")
	}
}

func TestSCS_RenewSessionKeepsTheIndexLineAndTheDataKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, l := e.active("Zoë", "zoe@example.org")
	s := e.session(l.Token)
	wrapped, err := e.acc.WrapForAccount(s, []byte("0123456789abcdef0123456789abcdef"), []byte("thread|1"))
	mustOK(t, err)
	created := s.CreatedAt
	token, err := e.acc.RenewSession(ctx, s)
	mustOK(t, err)
	if token == l.Token {
		t.Fatal("RenewSession kept the token")
	}
	if st, ix := e.rows(); st != 1 || ix != 1 {
		t.Fatalf("after renewal: %d scs rows, %d index lines", st, ix)
	}
	s2 := e.session(token)
	if !s2.CreatedAt.Equal(created) || s2.Label != "test browser" {
		t.Fatalf("renewed session %+v", s2)
	}
	if _, err := e.acc.UnwrapForAccount(s2, wrapped, []byte("thread|1")); err != nil {
		t.Fatal("the renewed session lost the data key")
	}
	// Renewing a session that has ended meanwhile fails; nothing comes back.
	mustOK(t, e.acc.Logout(ctx, token))
	if _, err := e.acc.RenewSession(ctx, s2); errs.MessageIDOf(err) != MsgSessionExpired {
		t.Fatalf("renewing an ended session: %v", err)
	}
	if st, ix := e.rows(); st != 0 || ix != 0 {
		t.Fatalf("after logout: %d scs rows, %d index lines", st, ix)
	}
}

// TestSCS_IdleAndAbsoluteExpiryOnTheInjectedClock: the store's rows expire
// on the test's clock, and the sweep deletes them with their index lines.
func TestSCS_IdleAndAbsoluteExpiryOnTheInjectedClock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, idle := e.active("Zoë", "zoe@example.org")
	_, busy := e.active("Pat", "pat@example.org")
	for elapsed := time.Duration(0); elapsed < 12*time.Hour-25*time.Minute; elapsed += 25 * time.Minute {
		e.clk.Add(25 * time.Minute)
		e.session(busy.Token) // kept alive by use, up to its absolute end
		if elapsed == 25*time.Minute {
			// Zoë's session idled out after 30 minutes; nobody loaded it.
			if st, _ := e.rows(); st != 2 {
				t.Fatalf("%d rows before the sweep", st)
			}
			mustOK(t, e.acc.Prune(ctx))
			if st, ix := e.rows(); st != 1 || ix != 1 {
				t.Fatalf("after the sweep: %d scs rows, %d index lines", st, ix)
			}
			_, err := e.acc.Session(ctx, idle.Token)
			wantErr(t, err, errs.Forbidden, MsgSessionExpired)
		}
	}
	e.clk.Add(25 * time.Minute) // past 12 hours
	_, err := e.acc.Session(ctx, busy.Token)
	wantErr(t, err, errs.Forbidden, MsgSessionExpired)
	if st, ix := e.rows(); st != 0 || ix != 0 {
		t.Fatalf("after the absolute end: %d scs rows, %d index lines", st, ix)
	}
}

// TestSCS_LastSeenWritesAtMostOnceAMinute: a session used many times a
// minute is committed (scs's idle expiry, last seen) once; PeekSession never.
func TestSCS_LastSeenWritesAtMostOnceAMinute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, l := e.active("Zoë", "zoe@example.org")
	first := e.storedExpiry(l.Token)
	for range 20 {
		e.clk.Add(2 * time.Second)
		e.session(l.Token)
	}
	if e.storedExpiry(l.Token) != first {
		t.Fatal("uses within a minute wrote the store")
	}
	e.clk.Add(30 * time.Second) // 70 s since the login
	for range 5 {
		_, err := e.acc.PeekSession(ctx, l.Token)
		mustOK(t, err)
	}
	if e.storedExpiry(l.Token) != first {
		t.Fatal("PeekSession committed the session")
	}
	s := e.session(l.Token)
	if got, want := e.storedExpiry(l.Token), e.clk.Now().Add(30*time.Minute).UnixMilli(); got < want-1000 || got > want {
		t.Fatalf("a use after a minute: expiry %d, want %d", got, want)
	}
	if !s.LastSeenAt.Equal(time.Unix(e.clk.Now().Unix(), 0)) {
		t.Fatalf("last seen %v", s.LastSeenAt)
	}
}

// TestSCS_ConcurrentUseAndRenewalNeverBringBackAnOldToken runs uses that
// commit (a minute has passed) alongside a renewal of the same session: the
// renewed token lives, the old one stays dead, one index line.
func TestSCS_ConcurrentUseAndRenewalNeverBringBackAnOldToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, l := e.active("Zoë", "zoe@example.org")
	for round := range 5 {
		s := e.session(l.Token)
		e.clk.Add(2 * time.Minute)
		var wg sync.WaitGroup
		var renewed string
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i == 0 {
					tok, err := e.acc.RenewSession(ctx, s)
					if err != nil {
						t.Errorf("round %d: renew: %v", round, err)
					}
					renewed = tok
					return
				}
				// A use either commits before the renewal or finds
				// the session gone; it never fails otherwise.
				if _, err := e.acc.Session(ctx, l.Token); err != nil && errs.MessageIDOf(err) != MsgSessionExpired {
					t.Errorf("round %d: use: %v", round, err)
				}
			}()
		}
		wg.Wait()
		if _, err := e.acc.Session(ctx, l.Token); errs.MessageIDOf(err) != MsgSessionExpired {
			t.Fatalf("round %d: the token before the renewal came back: %v", round, err)
		}
		e.session(renewed)
		if st, ix := e.rows(); st != 1 || ix != 1 {
			t.Fatalf("round %d: %d scs rows, %d index lines", round, st, ix)
		}
		l.Token = renewed
	}
}

func TestSCS_AccountDeletionLeavesNoSessionRow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, l := e.active("Zoë", "zoe@example.org")
	_, err := e.login(u, goodPassword, "192.0.2.9")
	mustOK(t, err)
	mustOK(t, e.acc.Delete(ctx, e.session(l.Token), goodPassword))
	if st, ix := e.rows(); st != 0 || ix != 0 {
		t.Fatalf("after deletion: %d scs rows, %d index lines", st, ix)
	}
}

// TestSCS_LiveSessionsHoldNoTokenOrKey scans the database while sessions are
// live: scs's rows hold neither the tokens nor the keys derived from them.
func TestSCS_LiveSessionsHoldNoTokenOrKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, l := e.active("Zoë", "zoe@example.org")
	l2, err := e.login(u, goodPassword, "192.0.2.2")
	mustOK(t, err)
	e.clk.Add(2 * time.Minute)
	e.session(l.Token) // a commit of a use, too
	secrets := map[string]string{"token 1": l.Token, "token 2": l2.Token,
		"session key 1": string(e.acc.sessionKey(l.Token)), "session key 2": string(e.acc.sessionKey(l2.Token))}
	if storetest.WALSize(e.db) == 0 {
		t.Fatal("no WAL to scan")
	}
	for _, f := range storetest.FindSecrets(t, e.db, e.logs.Bytes(), secrets) {
		t.Error(f)
	}
	// What is stored is SHA-256 of the token, and the data key only wrapped.
	var data []byte
	mustOK(t, e.db.Read.QueryRow(`SELECT data FROM sessions WHERE token = $1`, tokenHash(l.Token)).Scan(&data))
	if bytes.Contains(data, []byte(l.Token)) || len(data) == 0 {
		t.Fatal("scs's data holds the token")
	}
}

func TestSessionCodec_RoundTripAndRefusals(t *testing.T) {
	t.Parallel()
	var c sessionCodec
	deadline := time.Unix(1_800_000_000, 123).UTC()
	in := map[string]any{keyAccount: int64(-42), keyWrapped: []byte{0, 1, 2, 255}, "s": "zoë", "__rememberMe": true, "empty": []byte{}}
	b, err := c.Encode(deadline, in)
	mustOK(t, err)
	d, out, err := c.Decode(b)
	mustOK(t, err)
	if !d.Equal(deadline) || len(out) != len(in) || out[keyAccount] != int64(-42) || !bytes.Equal(out[keyWrapped].([]byte), []byte{0, 1, 2, 255}) ||
		out["s"] != "zoë" || out["__rememberMe"] != true {
		t.Fatalf("decoded %v %v", d, out)
	}
	if _, err := c.Encode(deadline, map[string]any{"f": 1.5}); err == nil {
		t.Fatal("a float was encoded")
	}
	for i := range b { // every truncation and a trailing byte are refused, never a panic
		if _, _, err := c.Decode(b[:i]); err == nil {
			t.Fatalf("a truncation to %d bytes decoded", i)
		}
	}
	if _, _, err := c.Decode(append(b, 0)); err == nil {
		t.Fatal("a trailing byte decoded")
	}
}

func FuzzSessionCodec(f *testing.F) {
	b, _ := sessionCodec{}.Encode(time.Unix(1, 0), map[string]any{"a": int64(1), "k": []byte("x")})
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		d, v, err := sessionCodec{}.Decode(b)
		if err != nil {
			return
		}
		again, err := sessionCodec{}.Encode(d, v)
		if err != nil {
			t.Fatal(err)
		}
		if _, v2, err := (sessionCodec{}).Decode(again); err != nil || len(v2) != len(v) {
			t.Fatal("a decoded value does not round-trip")
		}
	})
}

// TestSCS_ConcurrentUsesAfterAMinuteCommitOnce: many requests of one session
// that all find the minute over write the store once, not once each.
func TestSCS_ConcurrentUsesAfterAMinuteCommitOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, l := e.active("Zoë", "zoe@example.org")
	// Count scs's commits on the writer's one connection (PostgreSQL: in
	// the test's own database).
	counting := []string{`CREATE TEMP TABLE commits (n INTEGER)`,
		`CREATE TEMP TRIGGER commit_insert AFTER INSERT ON main.sessions BEGIN INSERT INTO commits VALUES (1); END`,
		`CREATE TEMP TRIGGER commit_update AFTER UPDATE ON main.sessions BEGIN INSERT INTO commits VALUES (1); END`}
	if e.db.Engine == store.Postgres {
		counting = []string{`CREATE TABLE commits (n INTEGER)`,
			`CREATE FUNCTION count_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO commits VALUES (1); RETURN NULL; END $$`,
			`CREATE TRIGGER commit_count AFTER INSERT OR UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION count_commit()`}
	}
	for _, q := range counting {
		if _, err := e.db.Write.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for round := 1; round <= 3; round++ {
		e.clk.Add(90 * time.Second)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if _, err := e.acc.Session(ctx, l.Token); err != nil {
					t.Error(err)
				}
			}()
		}
		close(start)
		wg.Wait()
		var n int
		mustOK(t, e.db.Write.QueryRowContext(ctx, `SELECT count(*) FROM commits`).Scan(&n))
		if n != round {
			t.Fatalf("after %d minutes of 32 concurrent uses each: %d commits, want %d", round, n, round)
		}
	}
}
