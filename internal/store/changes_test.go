package store_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"zerodesk/internal/store"
	"zerodesk/internal/store/storetest"
	"zerodesk/internal/store/testengine"
)

// TestChanges_ReachTheOtherInstanceWithinASecond: on PostgreSQL a change
// announced by one instance calls the other's handler of that name (and not
// its own, nor another name's) within a second; every handler is called when
// the listener connects, so nothing changed before it listened is missed. On
// SQLite (one process) Run returns at once and nothing is announced.
func TestChanges_ReachTheOtherInstanceWithinASecond(t *testing.T) {
	t.Parallel()
	a := storetest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if testengine.Name() == testengine.SQLite {
		c := store.NewChanges(a, nil)
		c.On("tickets", func(context.Context) { t.Error("a handler called on SQLite") })
		c.Announce("tickets")
		done := make(chan struct{})
		go func() { c.Run(ctx); close(done) }()
		select {
		case <-done:
		case <-time.After(time.Second):
			t.Error("Run did not return on SQLite")
		}
		return
	}
	b, err := store.Open(a.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	ca, cb := store.NewChanges(a, nil), store.NewChanges(b, nil)
	ca.HeartbeatEvery, cb.HeartbeatEvery = 150*time.Millisecond, 150*time.Millisecond
	var aTickets, bTickets, bKB atomic.Int64
	ca.On("tickets", func(context.Context) { aTickets.Add(1) })
	cb.On("tickets", func(context.Context) { bTickets.Add(1) })
	cb.On("kb", func(context.Context) { bKB.Add(1) })
	go ca.Run(ctx)
	go cb.Run(ctx)
	waitFor(t, "the listeners' first call", func() bool { return aTickets.Load() == 1 && bTickets.Load() == 1 && bKB.Load() == 1 })

	start := time.Now()
	ca.Announce("tickets")
	waitFor(t, "B's tickets handler", func() bool { return bTickets.Load() == 2 })
	if d := time.Since(start); d > time.Second {
		t.Errorf("the change reached B in %v", d)
	}
	time.Sleep(300 * time.Millisecond)
	if n := aTickets.Load(); n != 1 {
		t.Errorf("A's own announcement called A's handler: %d calls", n)
	}
	if n := bKB.Load(); n != 1 {
		t.Errorf("an announcement of tickets called B's kb handler: %d calls", n)
	}

	// Several heartbeats later the listeners still hold their connection
	// (a reconnection would call every handler) and still hear.
	time.Sleep(time.Second)
	if n := bKB.Load(); n != 1 {
		t.Errorf("B's listener reconnected %d times with the server up", n-1)
	}
	ca.Announce("kb")
	waitFor(t, "B's kb handler", func() bool { return bKB.Load() == 2 })
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
