package messaging

import (
	"context"
	"database/sql"
	"testing"
)

// DeleteThread removes the thread and every row under it, and nothing of
// another thread; it needs no cascade.
func TestDeleteThread_RemovesEverythingOfTheThreadOnly(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	kek := []byte("0123456789abcdef0123456789abcdef")
	th := e.thread("gone", map[string]Keyring{"guest": KeyringOf(kek)})
	m := e.post(th, Post{Author: "customer", Body: []byte("bye"), Files: []File{{Name: "a.txt", Type: "text/plain", Data: []byte("x")}}})
	keep := e.thread("kept", map[string]Keyring{"guest": KeyringOf(kek)})
	e.post(keep, Post{Author: "customer", Body: []byte("stay"), Files: []File{{Name: "b.txt", Type: "text/plain", Data: []byte("y")}}})
	e.tx(func(tx *sql.Tx) error {
		_, err := e.c.MarkRead(ctx, tx, th, "desk", []int64{m})
		return err
	})
	e.tx(func(tx *sql.Tx) error { return e.c.DeleteThread(ctx, tx, th.ID) })
	for _, q := range []string{
		`SELECT count(*) FROM msg_threads WHERE id = $1`,
		`SELECT count(*) FROM msg_participants WHERE thread_id = $1`,
		`SELECT count(*) FROM msg_messages WHERE thread_id = $1`,
		`SELECT count(*) FROM msg_attachments WHERE message_id NOT IN (SELECT id FROM msg_messages) AND $1 > 0`,
		`SELECT count(*) FROM msg_receipts WHERE message_id NOT IN (SELECT id FROM msg_messages) AND $1 > 0`,
	} {
		var n int
		if err := e.db.Read.QueryRow(q, th.ID).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d left, %v", q, n, err)
		}
	}
	if _, err := e.c.OpenAs(ctx, e.db.Read, th.ID, "guest", KeyringOf(kek)); err == nil {
		t.Error("the deleted thread opens")
	}
	kept, err := e.c.OpenAs(ctx, e.db.Read, keep.ID, "guest", KeyringOf(kek))
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := e.c.Messages(ctx, e.db.Read, kept, false)
	if err != nil || len(msgs) != 1 || string(msgs[0].Body) != "stay" || len(msgs[0].Files) != 1 {
		t.Fatalf("the other thread: %+v, %v", msgs, err)
	}
}
