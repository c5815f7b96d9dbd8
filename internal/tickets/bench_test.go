package tickets

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"zerodesk/internal/accounts"
	"zerodesk/internal/crypt"
	"zerodesk/internal/messaging"
)

// p99 reports the 99th percentile of lat in milliseconds.
func p99(lat []time.Duration) float64 { return percentile(lat, 99) }

// percentile reports the p-th percentile of lat in milliseconds (p50: the
// median, which a loaded machine's pauses move less than the mean).
func percentile(lat []time.Duration, p int) float64 {
	if len(lat) == 0 {
		return 0
	}
	slices.Sort(lat)
	return float64(lat[(len(lat)*p)/100]) / float64(time.Millisecond)
}

// BenchmarkSubmitDurable submits guest tickets from 32 goroutines at once:
// each Submit returns only after its group commit (synchronous=FULL) is on
// disk. Reports tickets/s and the p99 latency of one Submit.
//
//	go test ./internal/tickets -run '^$' -bench SubmitDurable -benchtime 5000x
func BenchmarkSubmitDurable(b *testing.B) {
	e := newEnv(b, Limits{PerAddress: 1 << 30, PerEmail: 1 << 30})
	ctx := context.Background()
	const workers = 32
	var next atomic.Int64
	lat := make([][]time.Duration, workers)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				sub := guestSubmission()
				sub.Email = fmt.Sprintf("customer%d@example.org", i%500)
				sub.Address = fmt.Sprintf("198.51.100.%d", i%250)
				sub.FormID = fmt.Sprintf("form-%d", i)
				t0 := time.Now()
				if _, err := e.svc.Submit(ctx, sub); err != nil {
					b.Error(err)
					return
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "tickets/s")
	b.ReportMetric(p99(all), "p99-ms")
}

// seedTickets writes n tickets straight into the tables (sealed like real
// ones, one thread and first message each, a few indexed words), spread over
// statuses, priorities, topics and assignees.
func seedTickets(b *testing.B, e *env, n int) {
	b.Helper()
	ctx := context.Background()
	s := e.svc
	rng := rand.New(rand.NewPCG(1, 2))
	topics := []string{"account", "login", "billing", "security", "other"}
	words := []string{"invoice", "password", "login", "printer", "refund", "upgrade", "crash", "export", "mobile", "sync"}
	now := e.clk.Now()
	counts := map[Status]int{}
	const batch = 5000
	for done := 0; done < n; done += batch {
		err := e.db.Tx(ctx, func(tx *sql.Tx) error {
			ins, err := tx.PrepareContext(ctx, `INSERT INTO tickets (reference, thread_id, lang, topic, comment, status, priority,
				assignee_id, email_lookup, email_sealed, access_hash, created_at, updated_at, first_response_at, resolved_at,
				first_response_due, resolution_due, next_due, closed, desk_unread) VALUES
				($1, $2, 'en', $3, 0, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13, $14, $15, $16, 1) RETURNING id`)
			if err != nil {
				return err
			}
			defer ins.Close()
			for i := done; i < min(done+batch, n); i++ {
				// Two of 10 common words (each in ~19% of tickets) and one
				// rarer word (in 0.5%).
				subject := "Ticket " + words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))] + fmt.Sprintf(" model%d", i%200)
				metaJSON, _ := json.Marshal(meta{Subject: subject, Name: "Customer"})
				th, err := s.msg.CreateThread(ctx, tx, metaJSON, nil)
				if err != nil {
					return err
				}
				if _, err := s.msg.Post(ctx, tx, th, messaging.Post{Author: authorCustomer, Kind: kindReply, Body: []byte(subject)}); err != nil {
					return err
				}
				r := &row{status: Statuses[rng.IntN(len(Statuses))], priority: Priorities[rng.IntN(len(Priorities))]}
				created := now.Add(-time.Duration(rng.IntN(30*24)) * time.Hour)
				tg := s.targets[r.priority]
				r.frDue, r.resDue = created.Add(tg.FirstResponse).Unix(), created.Add(tg.Resolution).Unix()
				if r.status != StatusNew {
					r.firstResp = created.Add(time.Hour).Unix()
				}
				if r.status == StatusResolved || r.status == StatusClosed {
					r.resolved = created.Add(2 * time.Hour).Unix()
				}
				ref := fmt.Sprintf("ZD-%04d-%04d", i/10000, i%10000)
				email := fmt.Sprintf("c%d@example.org", i%20000)
				sealed, _ := crypt.Seal(s.keys.email, []byte(email), adEmail(ref))
				var id int64
				if err := ins.QueryRowContext(ctx, ref, th.ID, topics[rng.IntN(len(topics))], r.status, r.priority, int64(rng.IntN(6)),
					s.emailLookup(email), sealed, s.accessHash(ref, newAccessKey()), created.Unix(), r.firstResp, r.resolved,
					r.frDue, r.resDue, nextDue(r), r.status == StatusClosed).Scan(&id); err != nil {
					return err
				}
				if err := s.indexWords(ctx, tx, id, s.wordHashes(subject)); err != nil {
					return err
				}
				counts[r.status]++
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	err := e.db.Tx(ctx, func(tx *sql.Tx) error {
		for st, c := range counts {
			if _, err := tx.ExecContext(ctx, `UPDATE ticket_counts SET n = n + $2 WHERE status = $1`, st, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// seedFieldsAndTags gives the "billing" tickets (a fifth) a choice field's
// value in the blind index (Windows 2 of 3, macOS 1 of 3, Linux 1 in 100),
// and a tenth of all tickets the tag "vip", as SaveField, SetField and
// AddTags would.
func seedFieldsAndTags(b *testing.B, e *env) Field {
	b.Helper()
	ctx := context.Background()
	adm := e.agent(accounts.Admin, "Ada", "ada@desk.example")
	id, err := e.svc.SaveField(ctx, staff(adm), Field{Topic: "billing", Kind: FieldChoice, Labels: map[string]string{"en": "System"},
		Options: []string{"Windows", "macOS", "Linux"}})
	if err != nil {
		b.Fatal(err)
	}
	f, err := e.svc.Field(ctx, id)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.db.Write.ExecContext(ctx, `INSERT INTO ticket_field_index (hash, ticket_id, field_id, closed, next_due, updated_at, status, priority, topic, assignee_id)
		SELECT CASE WHEN id % 100 = 0 THEN $1 WHEN id % 3 = 0 THEN $2 ELSE $3 END, id, $4, closed, next_due, updated_at, status, priority, topic, assignee_id
		FROM tickets WHERE topic = 'billing'`,
		e.svc.fieldHash(f, "Linux"), e.svc.fieldHash(f, "macOS"), e.svc.fieldHash(f, "Windows"), f.ID); err != nil {
		b.Fatal(err)
	}
	if _, err := e.db.Write.ExecContext(ctx, `INSERT INTO ticket_tags (tag, ticket_id, closed, next_due, updated_at, status, priority, topic, assignee_id)
		SELECT 'vip', id, closed, next_due, updated_at, status, priority, topic, assignee_id FROM tickets WHERE id % 10 = 0`); err != nil {
		b.Fatal(err)
	}
	if _, err := e.db.Write.ExecContext(ctx, `INSERT INTO ticket_tag_counts (tag, n) SELECT 'vip', count(*) FROM ticket_tags WHERE tag = 'vip'`); err != nil {
		b.Fatal(err)
	}
	return f
}

// BenchmarkQueue100k measures one queue page (20 rows, their subjects and
// names unsealed, and the per-status counts) over 100,000 tickets, for the
// default view and a few filters: text, a tag, a custom field (blind index)
// alone and with a tag and status or another sort. Reports the median and
// the p99 of one Queue call.
//
//	go test ./internal/tickets -run '^$' -bench Queue100k -benchtime 2000x
func BenchmarkQueue100k(b *testing.B) {
	e := newEnv(b, Limits{})
	ana := e.agent(accounts.Agent, "Ana", "ana@desk.example")
	seedTickets(b, e, 100_000)
	ctx := context.Background()
	field := seedFieldsAndTags(b, e)
	for _, bc := range []struct {
		name string
		f    QueueFilter
	}{
		{"default", QueueFilter{}},
		{"page50", QueueFilter{Page: 50}},
		{"status-open", QueueFilter{Status: StatusOpen}},
		{"urgent-unassigned", QueueFilter{Priority: PriorityUrgent, Assignee: -1}},
		{"topic", QueueFilter{Topic: "billing"}},
		{"text-rare", QueueFilter{Text: "model42"}},
		{"text-common-two", QueueFilter{Text: "refund printer"}},
		{"tag", QueueFilter{Tag: "vip"}},
		{"field", QueueFilter{Field: field.ID, FieldValue: "macOS"}},
		{"field-rare", QueueFilter{Field: field.ID, FieldValue: "Linux"}},
		{"field+tag+status", QueueFilter{Field: field.ID, FieldValue: "macOS", Tag: "vip", Status: StatusNew}},
		{"field+updated", QueueFilter{Field: field.ID, FieldValue: "Windows", Sort: SortUpdated}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				q, err := e.svc.Queue(ctx, staff(ana), bc.f)
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
				if len(q.Tickets) == 0 {
					b.Fatal("empty page")
				}
			}
			b.ReportMetric(percentile(lat, 50), "p50-ms")
			b.ReportMetric(p99(lat), "p99-ms")
		})
	}
}

// BenchmarkRetimeSLA100k measures RetimeSLA, the pass a saved policy starts,
// over 100,000 tickets of which the new and open ones run (about 40,000):
// each iteration changes the hours and recomputes them all. Reports the
// tickets changed and the milliseconds of one whole pass; one batch
// (retimeBatch) is what a writer can wait behind.
//
//	go test ./internal/tickets -run '^$' -bench RetimeSLA100k -benchtime 2x
func BenchmarkRetimeSLA100k(b *testing.B) {
	pol := dayShift()
	e := newEnvWith(b, Limits{}, func(o *Options) { o.SLA = pol })
	seedTickets(b, e, 100_000)
	ctx := context.Background()
	if _, err := e.db.Write.ExecContext(ctx, `UPDATE tickets SET sla_since = created_at, sla_check_at = next_due
		WHERE status IN ('new', 'open')`); err != nil {
		b.Fatal(err)
	}
	var running int
	if err := e.db.Read.QueryRow(`SELECT count(*) FROM tickets WHERE sla_since > 0`).Scan(&running); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var changed int
	for i := 0; i < b.N; i++ {
		pol.change(func(p *shiftPolicy) { p.cal = hoursEveryDay(8+i%2, 17) })
		n, err := e.svc.RetimeSLA(ctx)
		if err != nil {
			b.Fatal(err)
		}
		changed += n
	}
	b.StopTimer()
	b.ReportMetric(float64(running), "running")
	b.ReportMetric(float64(changed)/float64(b.N), "changed/op")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/pass")
}
