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
	"slices"
	"sort"
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
type Reports struct{ db *store.DB }

// New returns the reports on db (migrated).
func New(db *store.DB) *Reports { return &Reports{db: db} }

// fact is what a report knows of one ticket.
type fact struct {
	created, firstResp, resolved int64
	key                          string // the group: topic key, agent id ("0": none), ticket id (tags)
	frWork, resWork              int64
	frMet, resMet                bool
	score                        int
	ratedAt                      int64
}

// unpack reads the packed columns of sqlFacts (see sql.go).
func (f *fact) unpack(c1, c2, c3 int64) {
	const low32, low28 = 1<<32 - 1, 1<<28 - 1
	f.created, f.firstResp = c1>>32, c1&low32
	f.resolved, f.ratedAt = c2>>32, c2&low32
	f.frWork, f.resWork = (c3>>28)&low28-1, c3&low28-1
	met := c3 >> 56 & 3
	f.frMet, f.resMet, f.score = met&1 != 0, met&2 != 0, int(c3>>58&7)
}

// keysOf appends to buf the groups a ticket belongs to under d: its topic,
// its agent ("" unassigned), each of its tags ("" none), from tags (ticket
// id → its tags, loaded beside the facts).
func keysOf(buf []string, d Dimension, f *fact, tags map[string][]string) []string {
	switch d {
	case ByTopic:
		return append(buf, f.key)
	case ByAgent:
		if f.key == "0" {
			return append(buf, "")
		}
		return append(buf, f.key)
	case ByTag:
		if t := tags[f.key]; len(t) > 0 {
			return append(buf, t...)
		}
		return append(buf, "")
	}
	return buf
}

// tagsOf are the tags of the tickets a range [from, to) is about (those of
// sqlFacts), by ticket id: only for the tag dimension.
func (rp *Reports) tagsOf(ctx context.Context, from, to int64) (map[string][]string, error) {
	rows, err := rp.db.Read.QueryContext(ctx, sqlFactTags, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var id, tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return nil, err
		}
		out[id] = append(out[id], tag)
	}
	return out, rows.Err()
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
	var tags map[string][]string
	if q.By == ByTag {
		var err error
		if tags, err = rp.tagsOf(ctx, from, to); err != nil {
			return nil, errs.Wrap(err, "reports: tags")
		}
	}
	rows, err := rp.db.Read.QueryContext(ctx, sqlFacts, from, to, string(q.By))
	if err != nil {
		return nil, errs.Wrap(err, "reports: read")
	}
	defer rows.Close()
	rep := &Report{Query: q}
	for i := 0; i+1 < len(bounds); i++ {
		rep.Days = append(rep.Days, Day{Date: time.Unix(bounds[i], 0).In(q.Loc).Format(time.DateOnly)})
	}
	dayOf := func(t int64) int { // index of the day holding t, -1 outside
		if t < from || t >= to {
			return -1
		}
		return sort.Search(len(bounds), func(i int) bool { return bounds[i] > t }) - 1
	}
	total := &acc{}
	groups := map[string]*acc{}
	in := func(t int64) bool { return t >= from && t < to }
	var f fact
	var keys []string
	for rows.Next() {
		var c1, c2, c3 int64
		if err := rows.Scan(&c1, &c2, &c3, &f.key); err != nil {
			return nil, errs.Wrap(err, "reports: read")
		}
		f.unpack(c1, c2, c3)
		if d := dayOf(f.created); d >= 0 {
			rep.Days[d].Created++
		}
		if d := dayOf(f.resolved); f.resolved > 0 && d >= 0 {
			rep.Days[d].Resolved++
		}
		total.add(&f, in)
		keys = keysOf(keys[:0], q.By, &f, tags)
		for _, k := range keys {
			g := groups[k]
			if g == nil {
				g = &acc{}
				groups[k] = g
			}
			g.add(&f, in)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "reports: read")
	}
	rows.Close()
	var open int
	if err := rp.db.Read.QueryRowContext(ctx, sqlOpenAt, from).Scan(&open); err != nil {
		return nil, errs.Wrap(err, "reports: backlog")
	}
	for i := range rep.Days {
		open += rep.Days[i].Created - rep.Days[i].Resolved
		rep.Days[i].Backlog = open
	}
	if rep.Commented, err = rp.commented(ctx, from, to, q.Loc); err != nil {
		return nil, errs.Wrap(err, "reports: ratings")
	}
	rep.Total = total.figures()
	for k, a := range groups {
		rep.Groups = append(rep.Groups, Group{Key: k, Figures: a.figures()})
	}
	sort.Slice(rep.Groups, func(i, j int) bool {
		if rep.Groups[i].Created != rep.Groups[j].Created {
			return rep.Groups[i].Created > rep.Groups[j].Created
		}
		return rep.Groups[i].Key < rep.Groups[j].Key
	})
	return rep, nil
}

// acc gathers the figures of one group.
type acc struct {
	f             Figures
	first, solved []int64
}

func (a *acc) add(f *fact, in func(int64) bool) {
	if in(f.created) {
		a.f.Created++
	}
	if f.firstResp > 0 && in(f.firstResp) {
		a.f.FirstResponseMet.N++
		if f.frMet {
			a.f.FirstResponseMet.Met++
		}
		if f.frWork >= 0 {
			a.first = append(a.first, f.frWork)
		}
	}
	if f.resolved > 0 && in(f.resolved) {
		a.f.Resolved++
		a.f.ResolutionMet.N++
		if f.resMet {
			a.f.ResolutionMet.Met++
		}
		if f.resWork >= 0 {
			a.solved = append(a.solved, f.resWork)
		}
	}
	if f.score >= 1 && f.score <= 5 && in(f.ratedAt) {
		a.f.Ratings.N++
		a.f.Ratings.Count[f.score]++
		a.f.Ratings.Sum += f.score
	}
}

func (a *acc) figures() Figures {
	a.f.FirstResponse = durations(a.first)
	a.f.Resolution = durations(a.solved)
	return a.f
}

// durations are the median and p90 of seconds, by the nearest-rank method
// (the smallest value with at least that share at or below it).
func durations(secs []int64) Durations {
	if len(secs) == 0 {
		return Durations{}
	}
	slices.Sort(secs)
	return Durations{N: len(secs), Median: rank(secs, 50), P90: rank(secs, 90)}
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
