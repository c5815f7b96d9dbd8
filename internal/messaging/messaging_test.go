package messaging

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"zerodesk/internal/crypt"
	"zerodesk/internal/store"
	"zerodesk/internal/store/storetest"
	"zerodesk/internal/testsupport"
)

type env struct {
	t   *testing.T
	db  *store.DB
	clk *testsupport.Clock
	c   *Core
}

func newEnv(t *testing.T) *env {
	db := storetest.OpenMigrated(t)
	clk := testsupport.NewClock(time.Unix(1_800_000_000, 0))
	c, err := New(context.Background(), db, testsupport.SecretA, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, db: db, clk: clk, c: c}
}

func (e *env) tx(fn func(*sql.Tx) error) {
	e.t.Helper()
	if err := e.db.Tx(context.Background(), fn); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) thread(meta string, parts map[string]Keyring) *Thread {
	e.t.Helper()
	var th *Thread
	e.tx(func(tx *sql.Tx) (err error) {
		th, err = e.c.CreateThread(context.Background(), tx, []byte(meta), parts)
		return err
	})
	return th
}

func (e *env) post(th *Thread, p Post) int64 {
	e.t.Helper()
	var id int64
	e.tx(func(tx *sql.Tx) (err error) {
		id, err = e.c.Post(context.Background(), tx, th, p)
		return err
	})
	return id
}

func TestThread_OpensForDeskAndParticipantsOnly(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	guestKey, otherKey := crypt.NewKey(), crypt.NewKey()
	th := e.thread("subject: printer on fire", map[string]Keyring{"guest": KeyringOf(guestKey)})
	e.post(th, Post{Author: "customer", Kind: "reply", Body: []byte("it is still burning")})

	tests := []struct {
		name    string
		open    func() (*Thread, error)
		wantErr bool
	}{
		{"desk", func() (*Thread, error) { return e.c.OpenAsDesk(ctx, e.db.Read, th.ID) }, false},
		{"guest", func() (*Thread, error) { return e.c.OpenAs(ctx, e.db.Read, th.ID, "guest", KeyringOf(guestKey)) }, false},
		{"guest, wrong key", func() (*Thread, error) { return e.c.OpenAs(ctx, e.db.Read, th.ID, "guest", KeyringOf(otherKey)) }, true},
		{"not a participant", func() (*Thread, error) {
			return e.c.OpenAs(ctx, e.db.Read, th.ID, "account:9", KeyringOf(guestKey))
		}, true},
		{"unknown thread", func() (*Thread, error) { return e.c.OpenAsDesk(ctx, e.db.Read, th.ID+1) }, true},
		{"other server secret", func() (*Thread, error) {
			other, err := New(ctx, e.db, testsupport.SecretB, e.clk.Now)
			if err != nil {
				t.Fatal(err)
			}
			return other.OpenAsDesk(ctx, e.db.Read, th.ID)
		}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.open()
			if tc.wantErr {
				if !errors.Is(err, ErrNoAccess) {
					t.Fatalf("err = %v, want ErrNoAccess", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got.Meta) != "subject: printer on fire" {
				t.Fatalf("meta = %q", got.Meta)
			}
			msgs, err := e.c.Messages(ctx, e.db.Read, got, false)
			if err != nil || len(msgs) != 1 || string(msgs[0].Body) != "it is still burning" || msgs[0].Author != "customer" {
				t.Fatalf("messages = %+v, %v", msgs, err)
			}
		})
	}
}

func TestSeals_AreBoundToTheirRow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.thread("A", nil)
	b := e.thread("B", nil)
	e.post(a, Post{Author: "x", Body: []byte("alpha body")})
	e.post(b, Post{Author: "x", Body: []byte("bravo body")})
	// Move b's sealed body and key into a's message: nothing opens.
	e.tx(func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE msg_messages SET body_sealed = (SELECT body_sealed FROM msg_messages WHERE thread_id = $2),
			key_wrapped = (SELECT key_wrapped FROM msg_messages WHERE thread_id = $2) WHERE thread_id = $1`, a.ID, b.ID)
		return err
	})
	if _, err := e.c.Messages(ctx, e.db.Read, a, false); err == nil {
		t.Fatal("a message moved from another thread opened")
	}
	// Swapping thread metadata fails as well.
	e.tx(func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE msg_threads SET meta_sealed = (SELECT meta_sealed FROM msg_threads WHERE id = $2) WHERE id = $1`, a.ID, b.ID)
		return err
	})
	if _, err := e.c.OpenAsDesk(ctx, e.db.Read, a.ID); !errors.Is(err, ErrNoAccess) {
		t.Fatalf("swapped metadata: err = %v", err)
	}
	// Extra data is bound to its thread and purpose.
	sealed, _ := b.Seal("rating", []byte("great"))
	if _, err := b.Open("other", sealed); err == nil {
		t.Fatal("opened under another purpose")
	}
	if got, err := b.Open("rating", sealed); err != nil || string(got) != "great" {
		t.Fatalf("Open = %q, %v", got, err)
	}
}

func TestRelease_AndExpiry_WithAClock(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	th := e.thread("m", nil)
	now := e.clk.Now()
	e.post(th, Post{Author: "agent:1", Body: []byte("plain")})
	later := e.post(th, Post{Author: "agent:1", Body: []byte("released in an hour"), ReleaseAt: now.Add(time.Hour)})
	expiring := e.post(th, Post{Author: "agent:1", Body: []byte("self-destructs"), ExpiresAt: now.Add(2 * time.Hour),
		Files: []File{{Name: "plan.txt", Type: "text/plain", Data: []byte("attached secret plan")}}})

	bodies := func(unreleased bool) []string {
		t.Helper()
		msgs, err := e.c.Messages(ctx, e.db.Read, th, unreleased)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range msgs {
			if m.Expired {
				out = append(out, "(expired)")
				continue
			}
			out = append(out, string(m.Body))
		}
		return out
	}
	steps := []struct {
		name       string
		advance    time.Duration
		unreleased bool
		want       []string
	}{
		{"before release", 0, false, []string{"plain", "self-destructs"}},
		{"before release, as the desk", 0, true, []string{"plain", "released in an hour", "self-destructs"}},
		{"after release", time.Hour, false, []string{"plain", "released in an hour", "self-destructs"}},
		{"after expiry, before the sweep", time.Hour, false, []string{"plain", "released in an hour", "(expired)"}},
	}
	for _, s := range steps {
		e.clk.Add(s.advance)
		if got := bodies(s.unreleased); !equal(got, s.want) {
			t.Fatalf("%s: %q, want %q", s.name, got, s.want)
		}
	}
	if _, _, err := e.c.File(ctx, e.db.Read, th, 1, true); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired attachment: err = %v", err)
	}
	_ = later
	// The sweep destroys the key and the ciphertexts.
	var wrapped, body []byte
	e.db.Read.QueryRow(`SELECT key_wrapped, body_sealed FROM msg_messages WHERE id = $1`, expiring).Scan(&wrapped, &body)
	n, err := e.c.Sweep(ctx)
	if err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v", n, err)
	}
	var left int
	e.db.Read.QueryRow(`SELECT count(*) FROM msg_messages WHERE id = $1 AND (key_wrapped IS NOT NULL OR body_sealed IS NOT NULL)`, expiring).Scan(&left)
	var files int
	e.db.Read.QueryRow(`SELECT count(*) FROM msg_attachments WHERE data_sealed IS NOT NULL OR meta_sealed IS NOT NULL`).Scan(&files)
	if left != 0 || files != 0 {
		t.Fatalf("after the sweep: %d messages and %d attachments still sealed", left, files)
	}
	if found := storetest.FindSecrets(t, e.db, nil, map[string]string{"wrapped key": string(wrapped), "sealed body": string(body)}); len(found) > 0 {
		t.Fatalf("the destroyed message is still on disk: %v", found)
	}
	if n, _ := e.c.Sweep(ctx); n != 0 {
		t.Fatalf("second sweep destroyed %d", n)
	}
	if got := bodies(true); !equal(got, []string{"plain", "released in an hour", "(expired)"}) {
		t.Fatalf("after the sweep: %q", got)
	}
}

func TestFiles_RoundTripAndFollowTheirMessage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	th := e.thread("m", nil)
	e.post(th, Post{Author: "a", Body: []byte("see file"), ReleaseAt: e.clk.Now().Add(time.Minute),
		Files: []File{{Name: "photo.png", Type: "image/png", Data: []byte("\x89PNG fake")}}})
	msgs, _ := e.c.Messages(ctx, e.db.Read, th, true)
	if len(msgs) != 1 || len(msgs[0].Files) != 1 || msgs[0].Files[0].Name != "photo.png" || msgs[0].Files[0].Size != 9 {
		t.Fatalf("files = %+v", msgs)
	}
	id := msgs[0].Files[0].ID
	if _, _, err := e.c.File(ctx, e.db.Read, th, id, false); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unreleased file: %v", err)
	}
	info, data, err := e.c.File(ctx, e.db.Read, th, id, true)
	if err != nil || info.Type != "image/png" || !bytes.Equal(data, []byte("\x89PNG fake")) {
		t.Fatalf("File = %+v %q %v", info, data, err)
	}
	other := e.thread("n", nil)
	if _, _, err := e.c.File(ctx, e.db.Read, other, id, true); !errors.Is(err, ErrNotFound) {
		t.Fatalf("file through another thread: %v", err)
	}
}

func TestReceipts_PerParticipant(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	th := e.thread("m", nil)
	m1 := e.post(th, Post{Author: "agent:1", Body: []byte("one")})
	m2 := e.post(th, Post{Author: "agent:1", Body: []byte("two")})
	e.tx(func(tx *sql.Tx) error {
		n, err := e.c.MarkRead(ctx, tx, th, "customer", []int64{m1})
		if n != 1 {
			t.Errorf("new receipts = %d", n)
		}
		return err
	})
	first := e.clk.Now()
	e.clk.Add(time.Minute)
	e.tx(func(tx *sql.Tx) error {
		n, err := e.c.MarkRead(ctx, tx, th, "customer", []int64{m1, m2, 999})
		if n != 1 {
			t.Errorf("new receipts = %d, want 1 (m2 only)", n)
		}
		return err
	})
	msgs, _ := e.c.Messages(ctx, e.db.Read, th, false)
	if !msgs[0].ReadBy["customer"].Equal(first) || !msgs[1].ReadBy["customer"].Equal(first.Add(time.Minute)) {
		t.Fatalf("receipts = %v / %v", msgs[0].ReadBy, msgs[1].ReadBy)
	}
	if _, ok := msgs[0].ReadBy["desk"]; ok {
		t.Fatal("the desk read a message it never opened")
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
