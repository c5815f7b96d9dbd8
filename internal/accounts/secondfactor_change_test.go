package accounts

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"zerodesk/internal/store"
	"zerodesk/internal/testsupport"
)

// TestSecondFactor_AChangeIsAnnouncedToTheOtherInstances: the staff policy
// and an account's second factor are kept a few seconds by the web side of
// every instance (handlers' needsSecondFactor); a change calls
// OnSecondFactorChange, which serve wires to store.Changes, so that another
// service on the same database hears of it within a second (on PostgreSQL:
// two services, each with its own connections and listener) and its answer
// is the new one.
func TestSecondFactor_AChangeIsAnnouncedToTheOtherInstances(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.NewTextHandler(e.logs, nil))
	changesA := store.NewChanges(e.db, log)
	var local atomic.Int64
	e.start(testsupport.SecretA, func(o *Options) {
		o.OnSecondFactorChange = func() { local.Add(1); changesA.Announce("second-factor") }
	})
	target := e.db.Path
	if e.db.Engine == store.Postgres {
		target = e.db.URL()
	}
	dbB, err := store.Open(target)
	mustOK(t, err)
	t.Cleanup(func() { dbB.Close() })
	b, err := New(dbB, Options{Secret: testsupport.SecretA, Hasher: e.hasher, Outbox: e.outbox, Now: e.clk.Now, PortalURL: "https://desk.example", Texts: catalog()})
	mustOK(t, err)
	changesB := store.NewChanges(dbB, log)
	heard := make(chan struct{}, 10)
	changesB.On("second-factor", func(context.Context) { heard <- struct{}{} })
	go changesA.Run(ctx)
	go changesB.Run(ctx)

	admin := e.signedIn(Admin, "Ada Admin", "ada@example.com")
	agent := e.signedIn(Agent, "Abe Agent", "abe@example.com")
	agentOnB, err := b.Session(ctx, agent.token)
	mustOK(t, err)
	// On PostgreSQL the listeners first say "everything" when they connect:
	// let that pass before the change.
	if e.db.Engine == store.Postgres {
		select {
		case <-heard:
		case <-time.After(5 * time.Second):
			t.Fatal("B's listener did not connect")
		}
		time.Sleep(100 * time.Millisecond)
		for len(heard) > 0 {
			<-heard
		}
	}

	changed := time.Now()
	mustOK(t, e.acc.AsAdmin(admin).SetPolicy(ctx, true))
	mustOK(t, e.acc.AsAdmin(admin).SetPolicy(ctx, true)) // no change: no announcement
	if local.Load() != 1 {
		t.Errorf("OnSecondFactorChange called %d times for one change of the policy", local.Load())
	}
	if _, err := e.db.Write.ExecContext(ctx, `UPDATE accounts SET totp_sealed = $2 WHERE id = $1`, agent.AccountID, []byte{1}); err != nil {
		t.Fatal(err)
	}
	mustOK(t, e.acc.DisableTOTP(ctx, agent, goodPassword))
	if local.Load() != 2 {
		t.Errorf("OnSecondFactorChange called %d times after a second factor was turned off, want 2", local.Load())
	}
	if e.db.Engine != store.Postgres {
		return // one process: nothing is announced (store.Changes)
	}
	select {
	case <-heard:
		t.Logf("B heard of A's change %v after it", time.Since(changed))
	case <-time.After(time.Until(changed.Add(time.Second))):
		t.Fatal("B did not hear of the policy's change within a second")
	}
	if need, err := b.NeedsSecondFactor(ctx, agentOnB); err != nil || !need {
		t.Errorf("B's answer after the change: %v %v, want the agent sent to set up a second factor", need, err)
	}
}
