package tickets

import (
	"context"
	"testing"
	"time"

	"zerodesk/internal/accounts"
	"zerodesk/internal/store"
)

// sameDatabase opens e's database a second time, as another instance does:
// PostgreSQL by its URL, SQLite by its file.
func sameDatabase(t *testing.T, e *env) *store.DB {
	t.Helper()
	target := e.db.Path
	if e.db.Engine == store.Postgres {
		target = e.db.URL()
	}
	db, err := store.Open(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestHere_InstancesOnOneDatabaseSeeEachOthersAgents: two ticket services,
// each on its own connection to one database (two instances behind a load
// balancer), warn of each other's agents: who is on the ticket, who starts
// writing, who leaves (issue 15; presence was one process's memory).
func TestHere_InstancesOnOneDatabaseSeeEachOthersAgents(t *testing.T) {
	t.Parallel()
	a := newEnv(t, Limits{})
	b := newEnvOn(t, sameDatabase(t, a), Limits{}, nil)
	ctx := context.Background()
	ana := a.agent(accounts.Agent, "Ana", "ana@desk.example")
	bo := a.agent(accounts.Agent, "Bo", "bo@desk.example")
	rc := a.submit(guestSubmission())
	if o, err := a.svc.Here(ctx, staff(ana), rc.Reference, false); err != nil || len(o) != 0 {
		t.Fatalf("alone: %v %v", o, err)
	}
	o, err := b.svc.Here(ctx, staff(bo), rc.Reference, true)
	must(t, err)
	if len(o) != 1 || o[0].Name != "Ana" || o[0].Writing {
		t.Errorf("Bo on B sees %+v; want Ana, reading", o)
	}
	o, err = a.svc.Here(ctx, staff(ana), rc.Reference, false)
	must(t, err)
	if len(o) != 1 || o[0].Name != "Bo" || !o[0].Writing {
		t.Errorf("Ana on A sees %+v; want Bo, writing", o)
	}
	// Bo stops writing: A knows at its next poll, not a refresh later.
	_, err = b.svc.Here(ctx, staff(bo), rc.Reference, false)
	must(t, err)
	if o, _ := a.svc.Here(ctx, staff(ana), rc.Reference, false); len(o) != 1 || o[0].Writing {
		t.Errorf("after Bo stopped writing, Ana sees %+v", o)
	}
	must(t, b.svc.Leave(ctx, staff(bo), rc.Reference))
	if o, _ := a.svc.Here(ctx, staff(ana), rc.Reference, false); len(o) != 0 {
		t.Errorf("after Bo left on B, Ana sees %+v", o)
	}
}

// TestHere_PollsWriteOnlyAnOldRowOrAChange: a poll writes its row when the
// row is missing, presenceRefresh old, or wrong about writing; the polls in
// between only read (every 10 seconds: one write in two polls). The sweep
// deletes rows older than PresenceTTL.
func TestHere_PollsWriteOnlyAnOldRowOrAChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{})
	ctx := context.Background()
	ana := e.agent(accounts.Agent, "Ana", "ana@desk.example")
	rc := e.submit(guestSubmission())
	seen := func() (at, writing int64) {
		t.Helper()
		if err := e.db.Read.QueryRowContext(ctx, `SELECT seen_at, writing FROM ticket_presence WHERE reference = $1 AND agent_id = $2`,
			rc.Reference, ana.AccountID).Scan(&at, &writing); err != nil {
			t.Fatal(err)
		}
		return at, writing
	}
	poll := func(writing bool) {
		t.Helper()
		_, err := e.svc.Here(ctx, staff(ana), rc.Reference, writing)
		must(t, err)
	}
	start := e.clk.Now().Unix()
	writes := 0
	last := int64(-1)
	for range 6 { // a minute of polls, every 10 seconds
		poll(false)
		if at, _ := seen(); at != last {
			writes++
			last = at
		}
		e.clk.Add(10 * time.Second)
	}
	if writes != 3 {
		t.Errorf("6 polls wrote %d times; want 3 (one in two)", writes)
	}
	poll(true) // she starts writing: at once
	if at, w := seen(); w != 1 || at != e.clk.Now().Unix() {
		t.Errorf("started writing: row at %d (start %d), writing %d", at, start, w)
	}
	e.clk.Add(PresenceTTL + time.Second)
	must(t, e.svc.Tick(ctx))
	var n int
	must(t, e.db.Read.QueryRowContext(ctx, `SELECT count(*) FROM ticket_presence`).Scan(&n))
	if n != 0 {
		t.Errorf("%d presence rows after the sweep; want 0", n)
	}
}
