package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"zerodesk/internal/store"
	"zerodesk/internal/store/storetest"
	"zerodesk/internal/testsupport"
)

// The store is scs's, with the context variant.
var (
	_ scs.Store    = (*store.SessionStore)(nil)
	_ scs.CtxStore = (*store.SessionStore)(nil)
)

func hashed(token string) string {
	h := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

func TestSessionStore_FindCommitDeleteOnTheInjectedClock(t *testing.T) {
	db := storetest.Open(t)
	clk := testsupport.NewClock(time.Unix(1_800_000_000, 0))
	st := store.NewSessionStore(db, clk.Now)
	ctx := context.Background()
	tok := hashed("a token")
	// scs hands over expiries on the wall clock: 30 minutes from now.
	if err := st.CommitCtx(ctx, tok, []byte("data one"), time.Now().Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := st.Commit(tok, []byte("data two"), time.Now().Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	clk.Add(29 * time.Minute)
	b, found, err := st.Find(tok)
	if err != nil || !found || string(b) != "data two" {
		t.Fatalf("Find = %q, %v, %v", b, found, err)
	}
	var key []byte
	if err := db.Read.QueryRow(`SELECT token FROM sessions`).Scan(&key); err != nil {
		t.Fatal(err)
	}
	if want := sha256.Sum256([]byte("a token")); !bytes.Equal(key, want[:]) {
		t.Fatal("the row's key is not the 32 bytes scs hashed")
	}
	clk.Add(time.Minute) // 30 minutes on the store's clock
	if _, found, err := st.FindCtx(ctx, tok); found || err != nil {
		t.Fatalf("an expired row was found (%v)", err)
	}
	var n int
	db.Read.QueryRow(`SELECT count(*) FROM sessions`).Scan(&n)
	if n != 0 {
		t.Fatal("an expired row found stays stored")
	}
	// Tampered or malformed tokens are not found, and no error.
	for _, bad := range []string{"", "!!!", "not base64url at all?"} {
		if _, found, err := st.Find(bad); found || err != nil {
			t.Fatalf("Find(%q) = %v, %v", bad, found, err)
		}
		if err := st.Delete(bad); err != nil {
			t.Fatalf("Delete(%q) = %v", bad, err)
		}
	}
	if err := st.Commit(tok, []byte("x"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteCtx(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := st.Find(tok); found {
		t.Fatal("a deleted row was found")
	}
}

func TestSessionStore_RunsInTheContextsTransactionAndSweeps(t *testing.T) {
	db := storetest.Open(t)
	clk := testsupport.NewClock(time.Unix(1_800_000_000, 0))
	st := store.NewSessionStore(db, clk.Now)
	ctx := context.Background()
	rollback := errors.New("roll back")
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		tctx := store.WithTx(ctx, tx)
		if err := st.CommitCtx(tctx, hashed("in tx"), []byte("d"), time.Now().Add(time.Hour)); err != nil {
			return err
		}
		if _, found, err := st.FindCtx(tctx, hashed("in tx")); !found || err != nil {
			t.Errorf("the transaction does not see its own row (%v)", err)
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	if _, found, _ := st.Find(hashed("in tx")); found {
		t.Fatal("a rolled-back commit stayed")
	}
	for i, life := range []time.Duration{time.Minute, 2 * time.Minute, time.Hour} {
		if err := st.Commit(hashed(string(rune('a'+i))), []byte("d"), time.Now().Add(life)); err != nil {
			t.Fatal(err)
		}
	}
	clk.Add(5 * time.Minute)
	if n, err := st.Sweep(ctx); err != nil || n != 2 {
		t.Fatalf("Sweep = %d, %v; want 2", n, err)
	}
	if _, found, _ := st.Find(hashed("c")); !found {
		t.Fatal("the sweep took a live row")
	}
}

// TestSessionStore_UnderSCS runs scs's own life cycle on the store: a new
// session commits, loads, renews (the old token gone) and is destroyed.
func TestSessionStore_UnderSCS(t *testing.T) {
	db := storetest.Open(t)
	m := scs.New()
	m.Store = store.NewSessionStore(db, nil)
	m.HashTokenInStore = true
	m.IdleTimeout = 30 * time.Minute
	ctx, err := m.Load(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	m.Put(ctx, "n", int64(7))
	token, _, err := m.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ctx2, err := m.Load(context.Background(), token)
	if err != nil || m.GetInt64(ctx2, "n") != 7 {
		t.Fatalf("Load: %v", err)
	}
	if err := m.RenewToken(ctx2); err != nil {
		t.Fatal(err)
	}
	renewed, _, err := m.Commit(ctx2)
	if err != nil || renewed == token {
		t.Fatalf("RenewToken: %v", err)
	}
	if ctx3, _ := m.Load(context.Background(), token); m.Token(ctx3) != "" {
		t.Fatal("the token before RenewToken still loads")
	}
	ctx4, _ := m.Load(context.Background(), renewed)
	if err := m.Destroy(ctx4); err != nil {
		t.Fatal(err)
	}
	var n int
	db.Read.QueryRow(`SELECT count(*) FROM sessions`).Scan(&n)
	if n != 0 {
		t.Fatal("Destroy left the row")
	}
}
