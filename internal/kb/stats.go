package kb

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"zerodesk/internal/errs"
)

// What readers tell editors (issue 13, item 9): per article, page language
// and day, the views and the helpful / not helpful answers, and why an
// article did not help, from a fixed list of reasons. Nothing about a person:
// no address, no time of day, no text a reader typed.

// Reason is why an article did not help.
type Reason string

// The reasons a reader may pick, in the order the form shows them. Their
// message IDs are the Msg… constants (the locale test finds them).
const (
	ReasonOutdated    Reason = "outdated"
	ReasonUnclear     Reason = "unclear"
	ReasonNotAnswered Reason = "not_answered"
	ReasonDidNotWork  Reason = "did_not_work"

	MsgReasonOutdated    = "feedback.reason.outdated"
	MsgReasonUnclear     = "feedback.reason.unclear"
	MsgReasonNotAnswered = "feedback.reason.not_answered"
	MsgReasonDidNotWork  = "feedback.reason.did_not_work"
)

// Reasons lists them in order.
var Reasons = []Reason{ReasonOutdated, ReasonUnclear, ReasonNotAnswered, ReasonDidNotWork}

// Valid reports whether r is one of Reasons.
func (r Reason) Valid() bool { return slices.Contains(Reasons, r) }

// MessageID names the reason's words in the locale files.
func (r Reason) MessageID() string {
	switch r {
	case ReasonOutdated:
		return MsgReasonOutdated
	case ReasonUnclear:
		return MsgReasonUnclear
	case ReasonNotAnswered:
		return MsgReasonNotAnswered
	case ReasonDidNotWork:
		return MsgReasonDidNotWork
	}
	return ""
}

// --- Views per language: counted in memory like the total, lock-free on the
// way in (a sync.Map of counters that only grows until a flush takes it).

type dailyKey struct {
	article int64
	lang    string
}

type dailyViews struct {
	m sync.Map // dailyKey → *atomic.Int64
}

func (k *KB) countDaily(articleID int64, lang string) {
	if lang == "" || len(lang) > 35 {
		return
	}
	key := dailyKey{articleID, lang}
	c, ok := k.daily.m.Load(key)
	if !ok {
		c, _ = k.daily.m.LoadOrStore(key, new(atomic.Int64))
	}
	c.(*atomic.Int64).Add(1)
}

// takeDaily empties the counters and returns what they held.
func (k *KB) takeDaily() map[dailyKey]int64 {
	var out map[dailyKey]int64
	k.daily.m.Range(func(key, v any) bool {
		if n := v.(*atomic.Int64).Swap(0); n != 0 {
			if out == nil {
				out = map[dailyKey]int64{}
			}
			out[key.(dailyKey)] = n
		}
		return true
	})
	return out
}

func (k *KB) putBackDaily(m map[dailyKey]int64) {
	for key, n := range m {
		c, _ := k.daily.m.LoadOrStore(key, new(atomic.Int64))
		c.(*atomic.Int64).Add(n)
	}
}

func writeDaily(ctx context.Context, tx *sql.Tx, m map[dailyKey]int64, day int64) error {
	keys := make([]dailyKey, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	slices.SortFunc(keys, func(a, b dailyKey) int {
		return cmp.Or(cmp.Compare(a.article, b.article), cmp.Compare(a.lang, b.lang))
	})
	for _, key := range keys {
		if _, err := tx.ExecContext(ctx, sqlAddDailyViews, key.article, key.lang, day, m[key]); err != nil {
			return err
		}
	}
	return nil
}

// addDailyVote adds sign (1 or -1) times one vote to the day's numbers.
func addDailyVote(ctx context.Context, tx *sql.Tx, articleID int64, lang string, day, helpful int64, reason string, sign int64) error {
	if _, err := tx.ExecContext(ctx, sqlAddDailyVotes, articleID, lang, day, sign*helpful, sign*(1-helpful)); err != nil {
		return err
	}
	if helpful == 0 && reason != "" {
		if _, err := tx.ExecContext(ctx, sqlAddReason, articleID, lang, day, reason, sign); err != nil {
			return err
		}
	}
	return nil
}

// --- What the editors' pages read.

// DayStat is one day's numbers.
type DayStat struct {
	Day            time.Time // midnight UTC
	Views, Yes, No int64
}

// ArticleStat is an article's numbers over a period, all languages together.
type ArticleStat struct {
	Summary        // as a page in the editor's language shows it
	Views, Yes, No int64
}

// period is the unix days of the last days days, today included.
func (k *KB) period(days int) (from, to int64) {
	days = max(1, min(days, 366))
	to = unixDay(k.now())
	return to - int64(days) + 1, to
}

// ArticleStats lists every published article, as a page in lang shows it,
// with its numbers over the last days days; most viewed first.
func (k *KB) ArticleStats(ctx context.Context, lang string, days int) ([]ArticleStat, error) {
	from, to := k.period(days)
	totals := map[int64]ArticleStat{}
	rows, err := k.db.Read.QueryContext(ctx, sqlDailyTotals, from, to)
	if err != nil {
		return nil, errs.Wrap(err, "kb: article stats")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var s ArticleStat
		if err := rows.Scan(&id, &s.Views, &s.Yes, &s.No); err != nil {
			return nil, errs.Wrap(err, "kb: article stats")
		}
		totals[id] = s
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "kb: article stats")
	}
	var out []ArticleStat
	for _, c := range k.Sections().Keys() {
		for _, s := range k.Section(lang, c) {
			st := totals[s.ArticleID]
			st.Summary = s
			out = append(out, st)
		}
	}
	slices.SortStableFunc(out, func(a, b ArticleStat) int { return cmp.Compare(b.Views, a.Views) })
	return out, nil
}

// ArticleDaily is one article's numbers for each of the last days days,
// oldest first, in one page language (lang "": all together); days without
// readers are there with zeros.
func (k *KB) ArticleDaily(ctx context.Context, articleID int64, lang string, days int) ([]DayStat, error) {
	from, to := k.period(days)
	byDay := map[int64]DayStat{}
	rows, err := k.db.Read.QueryContext(ctx, sqlDaily, articleID, lang, from, to)
	if err != nil {
		return nil, errs.Wrap(err, "kb: article daily")
	}
	defer rows.Close()
	for rows.Next() {
		var d int64
		var s DayStat
		if err := rows.Scan(&d, &s.Views, &s.Yes, &s.No); err != nil {
			return nil, errs.Wrap(err, "kb: article daily")
		}
		byDay[d] = s
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "kb: article daily")
	}
	out := make([]DayStat, 0, to-from+1)
	for d := from; d <= to; d++ {
		s := byDay[d]
		s.Day = time.Unix(d*86400, 0).UTC()
		out = append(out, s)
	}
	return out, nil
}

// ArticleLanguages lists the page languages an article had readers in over
// the last days days.
func (k *KB) ArticleLanguages(ctx context.Context, articleID int64, days int) ([]string, error) {
	from, to := k.period(days)
	rows, err := k.db.Read.QueryContext(ctx, sqlDailyLangs, articleID, from, to)
	if err != nil {
		return nil, errs.Wrap(err, "kb: article languages")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, errs.Wrap(err, "kb: article languages")
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// ReasonCount is how often one reason was given.
type ReasonCount struct {
	Reason Reason
	Count  int64
}

// ArticleReasons counts the reasons given for "not helpful" over the last
// days days, in lang ("": all), every reason listed in Reasons' order.
func (k *KB) ArticleReasons(ctx context.Context, articleID int64, lang string, days int) ([]ReasonCount, error) {
	from, to := k.period(days)
	counts := map[Reason]int64{}
	rows, err := k.db.Read.QueryContext(ctx, sqlReasons, articleID, lang, from, to)
	if err != nil {
		return nil, errs.Wrap(err, "kb: article reasons")
	}
	defer rows.Close()
	for rows.Next() {
		var r string
		var n int64
		if err := rows.Scan(&r, &n); err != nil {
			return nil, errs.Wrap(err, "kb: article reasons")
		}
		counts[Reason(r)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "kb: article reasons")
	}
	out := make([]ReasonCount, 0, len(Reasons))
	for _, r := range Reasons {
		out = append(out, ReasonCount{r, counts[r]})
	}
	return out, nil
}
