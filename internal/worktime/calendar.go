// Package worktime is the one implementation of working time: a calendar
// (business hours per weekday, holidays, a time zone) and a ticket's
// service-level clock on it (counts working time, pauses, gives due and
// at-risk moments). It is a base package: the service-level room
// (internal/sla) keeps the policy admins set on top of it, and the ticket
// room (internal/tickets) runs each ticket's clock with it, so both follow
// the same calendar rules. The arithmetic is pure: it takes times and gives
// times, with no clock of its own, so tests drive it across weekends,
// holidays and daylight-saving changes.
package worktime

import (
	"slices"
	"time"
)

// Interval is one stretch of working time on a weekday, in minutes after
// local midnight. End <= Start is an interval crossing midnight: it runs into
// the next day (22:00–06:00 is Start 1320, End 360). Start == End is a whole
// day of 24 hours (00:00–00:00).
type Interval struct{ Start, End int }

// Calendar is when the clock runs. With no hours at all (Always), every
// second counts and holidays do not apply: the product's behaviour before
// any policy was set.
type Calendar struct {
	Location *time.Location
	// Hours per weekday (time.Sunday … time.Saturday).
	Hours [7][]Interval
	// Holidays are local dates (YYYY-MM-DD): intervals starting on one of
	// them do not count.
	Holidays map[string]bool
}

// Always tells whether every second is working time.
func (c Calendar) Always() bool {
	for _, d := range c.Hours {
		if len(d) > 0 {
			return false
		}
	}
	return true
}

// maxDays bounds every walk: a calendar with no working day in ten years
// is treated as one where the deadline never comes.
const maxDays = 3660

// never is the time a deadline takes when no working time is left to reach it.
var never = time.Unix(1<<62/1_000_000_000, 0).UTC()

// Never reports whether t is the deadline of a calendar without working time.
func Never(t time.Time) bool { return !t.Before(never) }

// Zone is the calendar's time zone (UTC when none is set).
func (c Calendar) Zone() *time.Location { return c.loc() }

func (c Calendar) loc() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// day returns the working spans that start on the local date y-m-d, in order.
func (c Calendar) day(y int, m time.Month, d int) [][2]time.Time {
	loc := c.loc()
	date := time.Date(y, m, d, 0, 0, 0, 0, loc)
	ivs := c.Hours[date.Weekday()]
	if len(ivs) == 0 || len(c.Holidays) > 0 && c.Holidays[date.Format(time.DateOnly)] {
		return nil
	}
	out := make([][2]time.Time, 0, len(ivs))
	for _, iv := range ivs {
		s := time.Date(y, m, d, 0, iv.Start, 0, 0, loc)
		var e time.Time
		if iv.End > iv.Start {
			e = time.Date(y, m, d, 0, iv.End, 0, 0, loc)
		} else {
			e = time.Date(y, m, d+1, 0, iv.End, 0, 0, loc)
		}
		out = append(out, [2]time.Time{s, e})
	}
	if len(out) > 1 {
		slices.SortFunc(out, func(a, b [2]time.Time) int { return a[0].Compare(b[0]) })
	}
	return out
}

// walk calls fn with each stretch of working time that ends after from, in
// order and without overlaps, from the day before from's local date (whose
// intervals may cross midnight), until fn returns false or maxDays pass.
func (c Calendar) walk(from time.Time, fn func(s, e time.Time) bool) {
	local := from.In(c.loc())
	y, m, d := local.Date()
	cursor := from
	for i := -1; i < maxDays; i++ {
		for _, sp := range c.day(y, m, d+i) {
			s, e := sp[0], sp[1]
			if s.Before(cursor) {
				s = cursor
			}
			if !e.After(s) {
				continue
			}
			if !fn(s, e) {
				return
			}
			cursor = e
		}
	}
}

// Add returns the moment when d of working time after from has passed.
// A d of zero or less is from itself; a calendar with no working time left
// gives a time for which Never is true.
func (c Calendar) Add(from time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return from
	}
	if c.Always() {
		return from.Add(d)
	}
	out := never
	c.walk(from, func(s, e time.Time) bool {
		if span := e.Sub(s); d > span {
			d -= span
			return true
		}
		out = s.Add(d)
		return false
	})
	return out
}

// Working returns the working time between from and to (0 if to is not
// after from).
func (c Calendar) Working(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	if c.Always() {
		return to.Sub(from)
	}
	var sum time.Duration
	c.walk(from, func(s, e time.Time) bool {
		if !s.Before(to) {
			return false
		}
		if e.After(to) {
			e = to
		}
		sum += e.Sub(s)
		return true
	})
	return sum
}

// Left returns the working time from now until due; once due has passed,
// the working time since due, negative.
func (c Calendar) Left(now, due time.Time) time.Duration {
	if due.Before(now) {
		return -c.Working(due, now)
	}
	return c.Working(now, due)
}
