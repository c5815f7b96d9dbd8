package mail

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"zerodesk/internal/store"
	"zerodesk/internal/store/testengine"
	"zerodesk/internal/testsupport"
)

// TestOutbox_TwoInstancesSendEachMessageOnce: two instances' outboxes on one
// database deliver at the same time, and every queued message goes out
// exactly once (each claim leases its batch in a write transaction, one
// after the other across instances). On SQLite the two outboxes share one
// process's database, the same guarantee.
func TestOutbox_TwoInstancesSendEachMessageOnce(t *testing.T) {
	t.Parallel()
	dbA := openDB(t)
	dbB := dbA
	if testengine.Name() == testengine.Postgres {
		var err error
		if dbB, err = store.Open(dbA.URL()); err != nil {
			t.Fatal(err)
		}
		defer dbB.Close()
	}
	ctx := context.Background()
	senders := []*flaky{{}, {}}
	var outboxes []*Outbox
	for i, db := range []*store.DB{dbA, dbB} {
		o, err := NewOutbox(db, OutboxOptions{Secret: testsupport.SecretA, Sender: senders[i]})
		if err != nil {
			t.Fatal(err)
		}
		outboxes = append(outboxes, o)
	}
	const n = 60
	for i := range n {
		m := welcome
		m.Subject = fmt.Sprintf("Message %d", i)
		if err := outboxes[i%2].Enqueue(ctx, nil, m); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for _, o := range outboxes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				sent, err := o.Deliver(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if sent == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	seen := map[string]int{}
	for _, s := range senders {
		for _, e := range s.sent {
			seen[e.Message.Subject]++
		}
	}
	for i := range n {
		if c := seen[fmt.Sprintf("Message %d", i)]; c != 1 {
			t.Errorf("message %d sent %d times", i, c)
		}
	}
}
