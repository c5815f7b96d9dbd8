package tickets

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"zerodesk/internal/accounts"
)

// BenchmarkQueueTriage100k measures queue pages with triage's filters over
// 100,000 tickets (seedTickets): a tag on a tenth of them, a tag on one in a
// hundred, a tag with a priority, the "recently changed" sort, and a shared
// saved view opened as the desk opens it (View, then Queue). Each case runs
// b.N Queue calls from one goroutine (mean-ms, p99-ms), then b.N from 32
// goroutines at once (p99-32-ms): the service uncached, as the first
// request of a view after a change finds it.
//
//	go test ./internal/tickets -run '^$' -bench QueueTriage100k -benchtime 640x
func BenchmarkQueueTriage100k(b *testing.B) {
	e := newEnv(b, Limits{})
	ana := e.agent(accounts.Agent, "Ana", "ana@desk.example")
	seedTickets(b, e, 100_000)
	ctx := context.Background()
	// vip on every tenth ticket, refund on one in a hundred, with counts.
	err := e.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`INSERT INTO ticket_tags (tag, ticket_id, closed, next_due, updated_at, status, priority, topic, assignee_id)
				SELECT 'vip', id, closed, next_due, updated_at, status, priority, topic, assignee_id FROM tickets WHERE id % 10 = 7`,
			`INSERT INTO ticket_tags (tag, ticket_id, closed, next_due, updated_at, status, priority, topic, assignee_id)
				SELECT 'refund', id, closed, next_due, updated_at, status, priority, topic, assignee_id FROM tickets WHERE id % 100 = 11`,
			`INSERT INTO ticket_tag_counts (tag, n) SELECT tag, count(*) FROM ticket_tags GROUP BY tag`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	view, err := e.svc.SaveView(ctx, staff(ana), SavedView{Name: "VIP by last change", Shared: true,
		Settings: ViewSettings{Tag: "vip", Sort: SortUpdated, Columns: []string{"customer", "tags"}}})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		f    func() (QueueFilter, error)
	}{
		{"default-for-reference", func() (QueueFilter, error) { return QueueFilter{}, nil }},
		{"tag-tenth", func() (QueueFilter, error) { return QueueFilter{Tag: "vip"}, nil }},
		{"tag-hundredth", func() (QueueFilter, error) { return QueueFilter{Tag: "refund"}, nil }},
		{"tag-urgent", func() (QueueFilter, error) { return QueueFilter{Tag: "vip", Priority: PriorityUrgent}, nil }},
		{"tag-page20", func() (QueueFilter, error) { return QueueFilter{Tag: "vip", Page: 20}, nil }},
		{"sort-updated", func() (QueueFilter, error) { return QueueFilter{Sort: SortUpdated}, nil }},
		{"saved-view", func() (QueueFilter, error) {
			sv, err := e.svc.View(ctx, staff(ana), view)
			if err != nil {
				return QueueFilter{}, err
			}
			return QueueFilter{Tag: sv.Settings.Tag, Sort: sv.Settings.Sort}, nil
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			// One caller first (the page's own cost), then 32 at once.
			one := make([]time.Duration, 0, b.N)
			for range b.N {
				t0 := time.Now()
				f, err := bc.f()
				if err == nil {
					_, err = e.svc.Queue(ctx, staff(ana), f)
				}
				if err != nil {
					b.Fatal(err)
				}
				one = append(one, time.Since(t0))
			}
			var sum time.Duration
			for _, d := range one {
				sum += d
			}
			b.ReportMetric(float64(sum.Microseconds())/float64(len(one))/1000, "mean-ms")
			b.ReportMetric(p99(one), "p99-ms")
			const workers = 32
			var next atomic.Int64
			lat := make([][]time.Duration, workers)
			var wg sync.WaitGroup
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for next.Add(1) <= int64(b.N) {
						t0 := time.Now()
						f, err := bc.f()
						if err == nil {
							var q *Queue
							if q, err = e.svc.Queue(ctx, staff(ana), f); err == nil && len(q.Tickets) == 0 {
								b.Error("empty page")
							}
						}
						if err != nil {
							b.Error(err)
							return
						}
						lat[w] = append(lat[w], time.Since(t0))
					}
				}()
			}
			wg.Wait()
			var all []time.Duration
			for _, l := range lat {
				all = append(all, l...)
			}
			b.ReportMetric(p99(all), "p99-32-ms")
		})
	}
}
