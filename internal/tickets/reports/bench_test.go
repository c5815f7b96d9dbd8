package reports

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"zerodesk/internal/store"
	"zerodesk/internal/store/storetest"
)

// BenchmarkReport_90DaysOver100kTickets: bench/RESULTS.md "Issue 14". 100,000
// tickets over 120 days (seeded with direct SQL), a 90-day report by topic,
// by agent, and by tag (a fifth of the tickets carry one or two of 34 tags).
func BenchmarkReport_90DaysOver100kTickets(b *testing.B) {
	db, end := benchSeed(b)
	rp := New(db)
	q := Query{From: end.AddDate(0, 0, -90), To: end.AddDate(0, 0, -1), Loc: time.UTC, By: ByTopic}
	b.Run("report", func(b *testing.B) {
		defer cpuPerOp(b)()
		for i := 0; i < b.N; i++ {
			rep, err := rp.Run(context.Background(), q)
			if err != nil || rep.Total.Created == 0 {
				b.Fatal(err)
			}
		}
	})
	q.By = ByAgent
	b.Run("by-agent", func(b *testing.B) {
		defer cpuPerOp(b)()
		for i := 0; i < b.N; i++ {
			rep, err := rp.Run(context.Background(), q)
			if err != nil || len(rep.Groups) < 8 {
				b.Fatal(err, len(rep.Groups))
			}
		}
	})
	q.By = ByTag
	b.Run("by-tag", func(b *testing.B) {
		defer cpuPerOp(b)()
		for i := 0; i < b.N; i++ {
			rep, err := rp.Run(context.Background(), q)
			if err != nil || len(rep.Groups) < 20 {
				b.Fatal(err, len(rep.Groups))
			}
		}
	})
}

// benchSeed is the benchmark's database: 100,000 tickets over the 120 days
// before end.
func benchSeed(b *testing.B) (*store.DB, time.Time) {
	db := storetest.Open(b)
	rng := rand.New(rand.NewPCG(1, 2))
	end := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	topics := []string{"account", "billing", "technical", "other"}
	const n = 100_000
	list := make([]seedTicket, 0, 10_000)
	for i := 0; i < n; i++ {
		created := end.Add(-time.Duration(rng.Int64N(int64(120 * 24 * time.Hour)))).Unix()
		s := seedTicket{created: created, topic: topics[rng.IntN(len(topics))], assignee: int64(rng.IntN(8)),
			frDue: created + 8*3600, resDue: created + 72*3600}
		if rng.IntN(10) < 9 {
			s.frWork = rng.Int64N(12 * 3600)
			s.firstResp = created + s.frWork
		}
		if s.firstResp > 0 && rng.IntN(10) < 8 {
			s.resWork = s.frWork + rng.Int64N(96*3600)
			s.resolved = created + s.resWork
			if rng.IntN(3) == 0 {
				s.score, s.ratedAt = 1+rng.IntN(5), s.resolved+3600
			}
		}
		list = append(list, s)
		if len(list) == cap(list) {
			seed(b, db, i+1-len(list), list)
			list = list[:0]
		}
	}
	if _, err := db.Write.Exec(`INSERT INTO ticket_tags (tag, ticket_id, closed, next_due, updated_at, status, priority, topic, assignee_id)
		SELECT 'tag-' || ((id / 5) % 20), id, closed, next_due, updated_at, status, priority, topic, assignee_id FROM tickets WHERE id % 5 = 0
		UNION ALL
		SELECT 'tag-' || ((id / 7) % 20 + 20), id, closed, next_due, updated_at, status, priority, topic, assignee_id FROM tickets WHERE id % 10 = 0`); err != nil {
		b.Fatal(err)
	}
	if err := db.Checkpoint(context.Background()); err != nil {
		b.Fatal(err)
	}
	return db, end
}
