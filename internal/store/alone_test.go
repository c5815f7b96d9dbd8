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

// TestRunAlone_OneInstanceAtATime: of two instances running the same job,
// one runs it; when that one stops (its instance ended), the other takes
// over; a job of another name runs beside it. On SQLite the job just runs.
func TestRunAlone_OneInstanceAtATime(t *testing.T) {
	t.Parallel()
	a := storetest.Open(t)
	if testengine.Name() == testengine.SQLite {
		ran := false
		a.RunAlone(context.Background(), "sweep", func(context.Context) { ran = true })
		if !ran {
			t.Error("RunAlone did not run the job on SQLite")
		}
		return
	}
	b, err := store.Open(a.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	var running, most, runs atomic.Int64
	job := func(ctx context.Context) {
		runs.Add(1)
		n := running.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		<-ctx.Done()
		running.Add(-1)
	}
	ctxA, stopA := context.WithCancel(context.Background())
	ctxB, stopB := context.WithCancel(context.Background())
	defer stopB()
	doneA := make(chan struct{})
	go func() { a.RunAlone(ctxA, "sweep", job); close(doneA) }()
	waitFor(t, "the first instance's job", func() bool { return runs.Load() == 1 })
	go b.RunAlone(ctxB, "sweep", job)
	var other atomic.Bool
	go b.RunAlone(ctxB, "another", func(context.Context) { other.Store(true) })
	waitFor(t, "a job of another name", other.Load)
	time.Sleep(time.Second)
	if n := runs.Load(); n != 1 {
		t.Fatalf("the job started %d times while the first instance held it", n)
	}
	stopA()
	<-doneA
	waitFor(t, "the second instance taking over", func() bool { return runs.Load() == 2 })
	if m := most.Load(); m != 1 {
		t.Errorf("%d runs of the job at once", m)
	}
}
