// Package reports is the numbers of the support desk for the people who
// decide (issue 14): tickets created, resolved and open per day, the
// working time to the first answer and to the resolution (median, p90), how
// often the targets were met, and the customers' ratings, over any range of
// days, as a whole and by a dimension (topic, agent, tag).
//
// It is part of the tickets room (it reads only the tickets table) but
// its own package, so the room's queue and thread code stays apart from the
// numbers, and its SQL in its own sql.go. It reads numbers and keys only:
// no sealed column, no subject, name, address or message text, so nothing
// it returns can carry them.
package reports

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"zerodesk/internal/errs"
	"zerodesk/internal/store"
)

// Message IDs of the refusals (locales/reports.*.toml).
const (
	MsgRangeInvalid     = "reports.error.range"
	MsgDimensionInvalid = "reports.error.dimension"
)

// MaxDays is the longest range a report covers.
const MaxDays = 366

// Dimension is what a report's groups are: a ticket's topic, its agent, its
// tags (a ticket with several counts in each of their groups).
type Dimension string

const (
	ByNone  Dimension = ""
	ByTopic Dimension = "topic"
	ByAgent Dimension = "agent"
	ByTag   Dimension = "tag"
)

// Dimensions are the dimensions a report can be grouped by.
var Dimensions = []Dimension{ByTopic, ByAgent, ByTag}

// Valid tells whether d is a dimension reports know.
func (d Dimension) Valid() bool { return d == ByNone || slices.Contains(Dimensions, d) }

// Query is one report: the local days From to To (both included) in Loc,
// grouped by By.
type Query struct {
	From, To time.Time // dates; the time of day is ignored
	Loc      *time.Location
	By       Dimension
}

// Day is one day's row.
type Day struct {
	Date              string // YYYY-MM-DD
	Created, Resolved int
	Backlog           int // open at the end of the day
}

// Durations are working times to an event: how many, median and p90.
type Durations struct {
	N           int
	Median, P90 time.Duration
}

// Attainment is how often a target was met.
type Attainment struct{ Met, N int }

// Percent is the share met, 0–100 (0 when N is 0).
func (a Attainment) Percent() int {
	if a.N == 0 {
		return 0
	}
	return (a.Met*100 + a.N/2) / a.N
}

// Ratings are the customers' scores, 1–5.
type Ratings struct {
	N     int
	Count [6]int // by score (index 1–5)
	Sum   int
}

// Average is the mean score ×10 (one decimal), 0 when there is none.
func (r Ratings) Average10() int {
	if r.N == 0 {
		return 0
	}
	return (r.Sum*10 + r.N/2) / r.N
}

// Figures are the numbers of a whole report or of one group.
type Figures struct {
	Created, Resolved               int
	FirstResponse, Resolution       Durations
	FirstResponseMet, ResolutionMet Attainment
	Ratings                         Ratings
}

// Group is one value of the dimension (a topic key, an agent id as text;
// "" for none: unassigned) with its figures.
type Group struct {
	Key string
	Figures
}

// Report is the answer to a Query.
type Report struct {
	Query  Query
	Days   []Day
	Total  Figures
	Groups []Group
	// Commented are the latest ratings in the range that carry a comment
	// (at most MaxCommented): the ticket's reference, the score and when.
	// The comment itself is sealed with the ticket and read on the ticket.
	Commented []Commented
}

// Commented is one rating with a comment.
type Commented struct {
	Reference string
	Score     int
	At        time.Time
}

// MaxCommented is how many commented ratings a report lists.
const MaxCommented = 50

// Reports reads the numbers.
type Reports struct {
	db *store.DB
	// sqlTags and sqlTagged are the figures by tag and of the tagged
	// tickets once each, in the engine's join (tagFiguresSQL).
	sqlTags, sqlTagged string
}

// New returns the reports on db (migrated).
func New(db *store.DB) *Reports {
	order, join := sqliteTagOrder, sqliteDrivenJoin
	if db.Engine == store.Postgres {
		order, join = postgresTagOrder, postgresDrivenJoin
	}
	rp := &Reports{db: db}
	rp.sqlTags, rp.sqlTagged = tagFiguresSQL(order, join)
	return rp
}

// Run makes the report of q. Staff only: the caller checks the role.
func (rp *Reports) Run(ctx context.Context, q Query) (*Report, error) {
	if q.Loc == nil {
		q.Loc = time.UTC
	}
	if !q.By.Valid() {
		return nil, errs.E(errs.Invalid, MsgDimensionInvalid)
	}
	fy, fm, fd := q.From.Date()
	ty, tm, td := q.To.Date()
	start := time.Date(fy, fm, fd, 0, 0, 0, 0, q.Loc)
	last := time.Date(ty, tm, td, 0, 0, 0, 0, q.Loc)
	if q.From.IsZero() || q.To.IsZero() || last.Before(start) || last.Sub(start) > MaxDays*24*time.Hour {
		return nil, errs.E(errs.Invalid, MsgRangeInvalid)
	}
	// Day boundaries in the time zone: a day is 23 or 25 hours on a change.
	var bounds []int64
	for d := 0; ; d++ {
		t := time.Date(fy, fm, fd+d, 0, 0, 0, 0, q.Loc)
		bounds = append(bounds, t.Unix())
		if t.After(last) {
			break
		}
	}
	from, to := bounds[0], bounds[len(bounds)-1]
	rep := &Report{Query: q}
	for i := 0; i+1 < len(bounds); i++ {
		rep.Days = append(rep.Days, Day{Date: time.Unix(bounds[i], 0).In(q.Loc).Format(time.DateOnly)})
	}
	if err := rp.days(ctx, rep.Days, bounds); err != nil {
		return nil, errs.Wrap(err, "reports: days")
	}
	var open int
	if err := rp.db.Read.QueryRowContext(ctx, sqlOpenAt, from).Scan(&open); err != nil {
		return nil, errs.Wrap(err, "reports: backlog")
	}
	for i := range rep.Days {
		open += rep.Days[i].Created - rep.Days[i].Resolved
		rep.Days[i].Backlog = open
	}
	// The figures, per group. A ticket is in one group by topic or agent,
	// so the total is their sum; by tag it may be in several (or none), so
	// the total is read on its own (byTag).
	switch q.By {
	case ByNone:
		all, err := rp.figures(ctx, sqlFigures[ByNone], from, to)
		if err != nil {
			return nil, errs.Wrap(err, "reports: read")
		}
		var total acc
		for _, g := range all {
			total.merge(g)
		}
		rep.Total = total.figures()
	case ByTag:
		if err := rp.byTag(ctx, rep, from, to); err != nil {
			return nil, errs.Wrap(err, "reports: read by tag")
		}
	default:
		groups, err := rp.figures(ctx, sqlFigures[q.By], from, to)
		if err != nil {
			return nil, errs.Wrap(err, "reports: read")
		}
		var total acc
		var first, solved [][]int64
		for _, g := range groups {
			key := g.key
			if q.By == ByAgent && key == "0" {
				key = ""
			}
			rep.Groups = append(rep.Groups, Group{Key: key, Figures: g.figures()}) // sorts g's times
			first, solved = append(first, g.first), append(solved, g.solved)
			g.first, g.solved = nil, nil
			total.merge(g)
		}
		// The groups' times are sorted: merged, not sorted again.
		rep.Total = total.f
		rep.Total.FirstResponse = ranks(mergeSorted(first))
		rep.Total.Resolution = ranks(mergeSorted(solved))
	}
	sortGroups(rep.Groups)
	var err error
	if rep.Commented, err = rp.commented(ctx, from, to, q.Loc); err != nil {
		return nil, errs.Wrap(err, "reports: ratings")
	}
	return rep, nil
}

// sortGroups puts the groups with the most tickets created first, then by key.
func sortGroups(groups []Group) {
	sort.Slice(groups, func(i, j int) bool {
		if groups[i].Created != groups[j].Created {
			return groups[i].Created > groups[j].Created
		}
		return groups[i].Key < groups[j].Key
	})
}

// byTag reads the report's total and its groups by tag: the whole
// (sqlFigures[ByNone]), a group per tag (a ticket with two tags is in two),
// and the tagged tickets counted once each; the untagged group ("") is the
// whole less the tagged, counts and working times alike, so no query walks
// the untagged tickets twice or probes the tags of every ticket.
func (rp *Reports) byTag(ctx context.Context, rep *Report, from, to int64) error {
	all, err := rp.figures(ctx, sqlFigures[ByNone], from, to)
	if err != nil {
		return err
	}
	tags, err := rp.figures(ctx, rp.sqlTags, from, to)
	if err != nil {
		return err
	}
	onceEach, err := rp.figures(ctx, rp.sqlTagged, from, to)
	if err != nil {
		return err
	}
	var total, tagged acc
	for _, g := range all {
		total.merge(g)
	}
	for _, g := range onceEach {
		tagged.merge(g)
	}
	slices.Sort(total.first)
	slices.Sort(total.solved)
	slices.Sort(tagged.first)
	slices.Sort(tagged.solved)
	untagged := total.less(&tagged)
	rep.Total = total.f
	rep.Total.FirstResponse, rep.Total.Resolution = ranks(total.first), ranks(total.solved)
	for _, g := range tags {
		rep.Groups = append(rep.Groups, Group{Key: g.key, Figures: g.figures()})
	}
	if untagged.n > 0 {
		rep.Groups = append(rep.Groups, Group{Key: "", Figures: untagged.figures()})
	}
	return nil
}

// days counts the tickets created and resolved in each day of days, whose
// boundaries (Unix seconds, from the time zone's rules) are bounds: the
// database counts each day's range, so a day of any length in any zone
// (23 or 25 hours, offsets of 30 or 45 minutes or historical ones in
// seconds) is counted exactly, and no row per ticket crosses.
func (rp *Reports) days(ctx context.Context, days []Day, bounds []int64) error {
	args := make([]any, 0, len(bounds))
	for _, b := range bounds {
		args = append(args, b)
	}
	rows, err := rp.db.Read.QueryContext(ctx, daysSQL(len(days)), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	i := 0
	for ; rows.Next(); i++ {
		if i == len(days) {
			return fmt.Errorf("reports: more days than asked")
		}
		var n int
		if err := rows.Scan(&n, &days[i].Created, &days[i].Resolved); err != nil {
			return err
		}
		if n != i {
			return fmt.Errorf("reports: day %d out of order", n)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if i != len(days) {
		return fmt.Errorf("reports: %d days of %d", i, len(days))
	}
	return nil
}

// acc gathers the figures of one group, as sqlFigures returns them: the
// counts, and the working times to parse from their text.
type acc struct {
	key           string
	f             Figures
	first, solved []int64
	n             int // tickets of the group in the range
}

// merge adds the figures of g.
func (a *acc) merge(g *acc) {
	a.n += g.n
	a.f.Created += g.f.Created
	a.f.Resolved += g.f.Resolved
	a.f.FirstResponseMet.N += g.f.FirstResponseMet.N
	a.f.FirstResponseMet.Met += g.f.FirstResponseMet.Met
	a.f.ResolutionMet.N += g.f.ResolutionMet.N
	a.f.ResolutionMet.Met += g.f.ResolutionMet.Met
	a.f.Ratings.N += g.f.Ratings.N
	a.f.Ratings.Sum += g.f.Ratings.Sum
	for s := range a.f.Ratings.Count {
		a.f.Ratings.Count[s] += g.f.Ratings.Count[s]
	}
	a.first = append(a.first, g.first...)
	a.solved = append(a.solved, g.solved...)
}

// less is a without the tickets of b, which are some of a's: the counts
// subtracted, the working times (both sorted) taken out one for one.
func (a *acc) less(b *acc) *acc {
	d := &acc{key: a.key, n: a.n - b.n, f: a.f, first: exceptSorted(a.first, b.first), solved: exceptSorted(a.solved, b.solved)}
	f := &d.f
	f.Created -= b.f.Created
	f.Resolved -= b.f.Resolved
	f.FirstResponseMet.N -= b.f.FirstResponseMet.N
	f.FirstResponseMet.Met -= b.f.FirstResponseMet.Met
	f.ResolutionMet.N -= b.f.ResolutionMet.N
	f.ResolutionMet.Met -= b.f.ResolutionMet.Met
	f.Ratings.N -= b.f.Ratings.N
	f.Ratings.Sum -= b.f.Ratings.Sum
	for s := range f.Ratings.Count {
		f.Ratings.Count[s] -= b.f.Ratings.Count[s]
	}
	return d
}

// exceptSorted is the sorted multiset a without the sorted multiset b (each
// value of b taken out of a once; b's values are all in a).
func exceptSorted(a, b []int64) []int64 {
	out := make([]int64, 0, max(len(a)-len(b), 0))
	for _, v := range a {
		if len(b) > 0 && b[0] == v {
			b = b[1:]
			continue
		}
		out = append(out, v)
	}
	return out
}

func (a *acc) figures() Figures {
	a.f.FirstResponse = durations(a.first)
	a.f.Resolution = durations(a.solved)
	return a.f
}

// figures reads the figures of the range [from, to) per group, by one of
// the queries of sql.go (sqlFigures, Reports.sqlTags, Reports.sqlTagged: one
// group, key "", for ByNone; agent keys as the database has them, "0" for
// none). The counts are the database's; the working times to the first
// answer and to the resolution come as one text per group, the seconds
// separated by commas, for their exact median and p90 (a nearest rank needs
// every value; a histogram fine enough to keep them exact is as long).
func (rp *Reports) figures(ctx context.Context, query string, from, to int64) ([]*acc, error) {
	rows, err := rp.db.Read.QueryContext(ctx, query, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*acc
	byKey := map[string]*acc{}
	for rows.Next() {
		a := &acc{}
		f := &a.f
		var first, solved string
		r := &f.Ratings
		if err := rows.Scan(&a.key, &f.Created, &f.FirstResponseMet.N, &f.FirstResponseMet.Met, &f.Resolved, &f.ResolutionMet.Met,
			&r.Count[1], &r.Count[2], &r.Count[3], &r.Count[4], &r.Count[5], &first, &solved, &a.n); err != nil {
			return nil, err
		}
		f.ResolutionMet.N = f.Resolved
		for s := 1; s <= 5; s++ {
			r.N += r.Count[s]
			r.Sum += s * r.Count[s]
		}
		if a.first, err = parseSeconds(first); err != nil {
			return nil, err
		}
		if a.solved, err = parseSeconds(solved); err != nil {
			return nil, err
		}
		if prev := byKey[a.key]; prev != nil {
			prev.merge(a) // the same group in another of the three ranges
			continue
		}
		byKey[a.key] = a
		out = append(out, a)
	}
	return out, rows.Err()
}

// parseSeconds reads the comma-separated non-negative integers of s.
func parseSeconds(s string) ([]int64, error) {
	if s == "" {
		return nil, nil
	}
	out := make([]int64, 0, strings.Count(s, ",")+1)
	var v int64
	digits := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			v = v*10 + int64(c-'0')
			digits = true
		case c == ',' && digits:
			out = append(out, v)
			v, digits = 0, false
		default:
			return nil, fmt.Errorf("reports: working times: unexpected %q", c)
		}
	}
	if !digits {
		return nil, fmt.Errorf("reports: working times: trailing comma")
	}
	return append(out, v), nil
}

// durations are the median and p90 of seconds, by the nearest-rank method
// (the smallest value with at least that share at or below it).
func durations(secs []int64) Durations {
	slices.Sort(secs)
	return ranks(secs)
}

// ranks are the durations of sorted seconds.
func ranks(sorted []int64) Durations {
	if len(sorted) == 0 {
		return Durations{}
	}
	return Durations{N: len(sorted), Median: rank(sorted, 50), P90: rank(sorted, 90)}
}

// mergeSorted merges sorted lists into one sorted list, pairwise.
func mergeSorted(lists [][]int64) []int64 {
	if len(lists) == 0 {
		return nil
	}
	for len(lists) > 1 {
		var next [][]int64
		for i := 0; i < len(lists); i += 2 {
			if i+1 == len(lists) {
				next = append(next, lists[i])
				break
			}
			next = append(next, merge2(lists[i], lists[i+1]))
		}
		lists = next
	}
	return lists[0]
}

func merge2(a, b []int64) []int64 {
	m := make([]int64, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0] <= b[0] {
			m, a = append(m, a[0]), a[1:]
		} else {
			m, b = append(m, b[0]), b[1:]
		}
	}
	return append(append(m, a...), b...)
}

// rank is the nearest-rank percentile p of sorted secs.
func rank(sorted []int64, p int) time.Duration {
	n := (p*len(sorted) + 99) / 100 // ceil(p/100 × N)
	if n < 1 {
		n = 1
	}
	return time.Duration(sorted[n-1]) * time.Second
}

func (rp *Reports) commented(ctx context.Context, from, to int64, loc *time.Location) ([]Commented, error) {
	rows, err := rp.db.Read.QueryContext(ctx, sqlCommented, from, to, MaxCommented)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Commented
	for rows.Next() {
		var c Commented
		var at int64
		if err := rows.Scan(&c.Reference, &c.Score, &at); err != nil {
			return nil, err
		}
		c.At = time.Unix(at, 0).In(loc)
		out = append(out, c)
	}
	return out, rows.Err()
}
