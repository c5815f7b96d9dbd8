package reports

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"regexp"
	"testing"
	"time"

	"zerodesk/internal/store/storetest"
)

// TestReport_EqualsTheRowByRowReference guards the aggregated Run (counts per
// day bucket and per group in SQL, working times as text per group) against
// the row-by-row computation it replaced (runReference), on generated
// tickets around ranges in zones with every kind of day: UTC; Berlin over
// the change to summer time (a 23-hour day) and back (25 hours); Kolkata
// (+5:30) and Kathmandu (+5:45), whose midnights are no whole hour in UTC;
// St John's (-3:30, with changes); Lord Howe, whose clocks change by 30
// minutes; Monrovia in January 1972, whose offset changed from -0:44:30 to
// 0 (a day of 24:44:30, buckets of 30 s). The tickets are open, answered,
// resolved, resolved unanswered, answered with an unknown working time,
// paused (working time shorter than the wall time), rated (with and
// without a comment), on the range's edges, created before it and answered
// or resolved in it, with ties in the working times; a third carry tag "a",
// a quarter "b" (some both). Every grouping, the whole range, each single
// day, and an empty range.
func TestReport_EqualsTheRowByRowReference(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.Open(t)
	rp := New(db)
	type scenario struct {
		zone     string
		from, to string // local dates, both included
	}
	scenarios := []scenario{
		{"UTC", "2026-03-02", "2026-03-06"},
		{"Europe/Berlin", "2026-03-27", "2026-03-31"},
		{"Europe/Berlin", "2026-10-23", "2026-10-27"},
		{"Asia/Kolkata", "2026-05-04", "2026-05-07"},
		{"Asia/Kathmandu", "2026-06-01", "2026-06-04"},
		{"America/St_Johns", "2026-10-30", "2026-11-03"},
		{"Australia/Lord_Howe", "2026-04-03", "2026-04-07"},
		{"Africa/Monrovia", "1972-01-05", "1972-01-09"},
	}
	rng := rand.New(rand.NewPCG(14, 20))
	var list []seedTicket
	type rangeQ struct {
		loc      *time.Location
		from, to time.Time
	}
	var ranges []rangeQ
	for _, sc := range scenarios {
		loc, err := time.LoadLocation(sc.zone)
		if err != nil {
			t.Fatal(err)
		}
		from, _ := time.ParseInLocation(time.DateOnly, sc.from, loc)
		to, _ := time.ParseInLocation(time.DateOnly, sc.to, loc)
		end := to.AddDate(0, 0, 1)
		ranges = append(ranges, rangeQ{loc, from, to})
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			ranges = append(ranges, rangeQ{loc, d, d})
		}
		list = append(list, generate(rng, from.AddDate(0, 0, -8).Unix(), end.AddDate(0, 0, 2).Unix(), 400)...)
		// On the edges: created at the first midnight, at the end (outside),
		// a second before the start, resolved and answered at the first
		// midnight and exactly at their due times, a second late, rated at
		// the end.
		f, e := from.Unix(), end.Unix()
		list = append(list,
			seedTicket{created: f, topic: "edge", frDue: f + 60, resDue: f + 60},
			seedTicket{created: e, topic: "edge", firstResp: e + 10, frWork: 10, frDue: e, resDue: e},
			seedTicket{created: f - 1, topic: "edge", assignee: 2, firstResp: f, frWork: 1, frDue: f, resolved: f, resWork: 1,
				resDue: f, score: 4, ratedAt: e - 1, comment: true}, // answered and resolved at their due times: in time
			seedTicket{created: f + 7, topic: "edge", firstResp: f + 9, frWork: 2, frDue: f + 8, resolved: f + 11, resWork: 4,
				resDue: f + 10, score: 3, ratedAt: f}, // a second late, both; rated at the first midnight
			seedTicket{created: f - 100, topic: "edge", firstResp: f - 50, frWork: 50, frDue: f, resolved: e - 1, resWork: 0,
				resDue: e, score: 2, ratedAt: e},
		)
	}
	seed(t, db, 0, list)
	if _, err := db.Write.ExecContext(ctx, `INSERT INTO ticket_tags (tag, ticket_id, closed, next_due, updated_at, status, priority, topic, assignee_id)
		SELECT 'a', id, closed, next_due, updated_at, status, priority, topic, assignee_id FROM tickets WHERE id % 3 = 0
		UNION ALL
		SELECT 'b', id, closed, next_due, updated_at, status, priority, topic, assignee_id FROM tickets WHERE id % 4 = 0`); err != nil {
		t.Fatal(err)
	}
	empty := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	ranges = append(ranges, rangeQ{time.UTC, empty, empty.AddDate(0, 0, 30)})
	compared := 0
	for _, r := range ranges {
		for _, by := range append([]Dimension{ByNone}, Dimensions...) {
			q := Query{From: r.from, To: r.to, Loc: r.loc, By: by}
			name := fmt.Sprintf("%s %s–%s by %q", r.loc, r.from.Format(time.DateOnly), r.to.Format(time.DateOnly), by)
			want, err := rp.runReference(ctx, q)
			if err != nil {
				t.Fatalf("%s: reference: %v", name, err)
			}
			got, err := rp.Run(ctx, q)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s:\n got %+v\nwant %+v", name, got, want)
			}
			if want.Total.Created > 0 || want.Total.Resolved > 0 {
				compared++
			}
		}
	}
	// The set must reach what it is for: not every report empty.
	if compared < 4*len(scenarios)*3 {
		t.Errorf("only %d non-empty reports compared", compared)
	}
}

// generate makes n tickets created in [lo, hi) of every kind the reports
// tell apart.
func generate(rng *rand.Rand, lo, hi int64, n int) []seedTicket {
	const day = 86400
	topics := []string{"account", "billing", "technical"}
	out := make([]seedTicket, 0, n)
	for range n {
		c := lo + rng.Int64N(hi-lo)
		s := seedTicket{created: c, topic: topics[rng.IntN(len(topics))], assignee: int64(rng.IntN(4)),
			frDue: c + rng.Int64N(2*day), resDue: c + rng.Int64N(6*day)}
		work := func(elapsed int64) int64 { // paused for part of it, or not; ties in whole hours
			w := elapsed
			if rng.IntN(2) == 0 {
				w = rng.Int64N(elapsed + 1)
			}
			if rng.IntN(3) == 0 {
				w -= w % 3600
			}
			return w
		}
		kind := rng.IntN(7)
		if kind >= 1 && kind != 3 { // answered
			s.firstResp = c + 1 + rng.Int64N(3*day)
			s.frWork = work(s.firstResp - c)
			if kind == 4 {
				s.frWork = -1 // answered before working times were kept
			}
		}
		if kind == 2 || kind == 3 || kind >= 5 { // resolved (3: without an answer)
			after := max(c, s.firstResp)
			s.resolved = after + 1 + rng.Int64N(5*day)
			s.resWork = work(s.resolved - c)
			if kind >= 5 { // rated, some with a comment
				s.score, s.ratedAt, s.comment = 1+rng.IntN(5), s.resolved+rng.Int64N(2*day), rng.IntN(2) == 0
			}
		}
		out = append(out, s)
	}
	return out
}

// TestReport_RangeBoundsBeforeTheirPartialIndexCondition: SQLite takes the
// first lower bound of a column as its index range's start, so
// "resolved_at > 0 AND resolved_at >= $1" walked every ticket resolved
// before the range (40 times the cost of a day's count at 100,000 tickets).
// The "> 0" that lets the partial indexes serve comes after the range.
func TestReport_RangeBoundsBeforeTheirPartialIndexCondition(t *testing.T) {
	t.Parallel()
	bad := regexp.MustCompile(`([a-z_.]+) > 0 AND ([a-z_.]+) >= \$1`)
	queries := []string{daysSQL(3), sqlOpenAt, sqlCommented}
	tags, tagged := tagFiguresSQL(sqliteTagOrder, sqliteDrivenJoin)
	queries = append(queries, tags, tagged)
	for _, q := range sqlFigures {
		queries = append(queries, q)
	}
	for _, q := range queries {
		for _, m := range bad.FindAllStringSubmatch(q, -1) {
			if m[1] == m[2] {
				t.Errorf("%q: the range's bound must come first:\n%s", m[0], q)
			}
		}
	}
}
