package reports

import (
	"context"
	"sort"
	"time"

	"zerodesk/internal/errs"
)

// The row-by-row report of session 18 (one packed row per ticket), kept as
// the reference the aggregated Run must equal.

const (
	// refFacts are the tickets a range [$1, $2) is about: created in it, or
	// created before and answered first or resolved in it.
	// Few columns, for each costs per row: two times in one number (Unix
	// seconds fit 32 bits until 2106), the working times (+1, so -1 is 0;
	// 28 bits each, 8 years) and the targets met and the score in another:
	//   c1 = created_at << 32 | first_response_at
	//   c2 = resolved_at << 32 | rated_at (0 without a score)
	//   c3 = met << 56 | score << 58 | (first_response_work + 1) << 28 | (resolution_work + 1)
	// where met has bit 0 for a first answer in time, bit 1 for a resolution
	// in time; and the group's key ($3: 'topic', 'agent', 'tag' (the
	// ticket's id, its tags read by refFactTags) or ''). The flags are cast
	// to BIGINT before their shift: PostgreSQL's literals are 32-bit
	// integers, whose shifts wrap at 32.
	refFactsCols = `(created_at << 32) | first_response_at,
		(resolved_at << 32) | (CASE WHEN rating_score > 0 THEN rated_at ELSE 0 END),
		CAST((CASE WHEN first_response_at <= first_response_due THEN 1 ELSE 0 END)
		 + (CASE WHEN resolved_at <= resolution_due THEN 2 ELSE 0 END) AS BIGINT) << 56
		 | (rating_score << 58) | ((first_response_work + 1) << 28) | (resolution_work + 1),
		CASE $3 WHEN 'topic' THEN topic WHEN 'agent' THEN CAST(assignee_id AS TEXT) WHEN 'tag' THEN CAST(id AS TEXT) ELSE '' END`
	refFacts = `SELECT ` + refFactsCols + ` FROM tickets WHERE created_at >= $1 AND created_at < $2
		UNION ALL
		SELECT ` + refFactsCols + ` FROM tickets WHERE created_at < $1 AND resolved_at > 0 AND resolved_at >= $1 AND resolved_at < $2
		UNION ALL
		SELECT ` + refFactsCols + ` FROM tickets WHERE created_at < $1 AND first_response_at > 0 AND first_response_at >= $1 AND first_response_at < $2
			AND NOT (resolved_at >= $1 AND resolved_at < $2)`
	// The tags of the tickets of refFacts (by the same three conditions), by
	// ticket id, for the tag dimension.
	refFactTags = `SELECT CAST(g.ticket_id AS TEXT), g.tag FROM ticket_tags g JOIN tickets t ON t.id = g.ticket_id
		WHERE (t.created_at >= $1 AND t.created_at < $2) OR (t.resolved_at > 0 AND t.resolved_at >= $1 AND t.resolved_at < $2)
			OR (t.first_response_at > 0 AND t.first_response_at >= $1 AND t.first_response_at < $2)
		ORDER BY g.tag`
)

// fact is what a report knows of one ticket.
type fact struct {
	created, firstResp, resolved int64
	key                          string // the group: topic key, agent id ("0": none), ticket id (tags)
	frWork, resWork              int64
	frMet, resMet                bool
	score                        int
	ratedAt                      int64
}

// unpack reads the packed columns of refFacts (see sql.go).
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
// refFacts), by ticket id: only for the tag dimension.
func (rp *Reports) tagsOf(ctx context.Context, from, to int64) (map[string][]string, error) {
	rows, err := rp.db.Read.QueryContext(ctx, refFactTags, from, to)
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

// runReference is Run as it was before session 20: every ticket of the
// range crosses the driver as one row, and Go buckets and groups them. The
// slow reference TestReport_EqualsTheRowByRowReference compares Run with.
func (rp *Reports) runReference(ctx context.Context, q Query) (*Report, error) {
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
	rows, err := rp.db.Read.QueryContext(ctx, refFacts, from, to, string(q.By))
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
	total := &refAcc{}
	groups := map[string]*refAcc{}
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
				g = &refAcc{}
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

// refAcc gathers the figures of one group.
type refAcc struct {
	f             Figures
	first, solved []int64
}

func (a *refAcc) add(f *fact, in func(int64) bool) {
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

func (a *refAcc) figures() Figures {
	a.f.FirstResponse = durations(a.first)
	a.f.Resolution = durations(a.solved)
	return a.f
}
