package worktime

import "time"

// Clock is one ticket's service-level clock: the working time Used before
// Since, and Since, when it last started running; a zero Since is a clock
// that stands (the ticket waits for the customer, or is done).
type Clock struct {
	Used  time.Duration
	Since time.Time
}

// Running tells whether the clock runs.
func (c Clock) Running() bool { return !c.Since.IsZero() }

// Start starts a clock at now (a new ticket).
func Start(now time.Time) Clock { return Clock{Since: now} }

// Spent is the working time the clock has counted by now.
func (c Clock) Spent(cal Calendar, now time.Time) time.Duration {
	if !c.Running() {
		return c.Used
	}
	return c.Used + cal.Working(c.Since, now)
}

// Pause stops a running clock at now, keeping what it counted.
func (c Clock) Pause(cal Calendar, now time.Time) Clock {
	if !c.Running() {
		return c
	}
	return Clock{Used: c.Spent(cal, now)}
}

// Resume starts a standing clock again at now.
func (c Clock) Resume(now time.Time) Clock {
	if c.Running() {
		return c
	}
	return Clock{Used: c.Used, Since: now}
}

// Due is when a running clock reaches target: the wall-clock moment at which
// target of working time has been counted. A standing clock has no due time:
// it returns the zero time.
func (c Clock) Due(cal Calendar, target time.Duration) time.Time {
	if !c.Running() {
		return time.Time{}
	}
	if left := target - c.Used; left > 0 {
		return cal.Add(c.Since, left)
	}
	// Already spent before this run: due when the clock last started, or
	// earlier; Since is the latest moment we can name without walking back.
	return c.Since
}

// RiskAt is when a running clock has less than risk percent of target left.
func (c Clock) RiskAt(cal Calendar, target time.Duration, risk int) time.Time {
	return c.Due(cal, target-target*time.Duration(risk)/100)
}

// State is where a running timer stands.
type State int

const (
	OnTrack  State = iota // more than the at-risk share left
	AtRisk                // less than the at-risk share left
	Breached              // past due
)

// StateAt is the state at now of a timer at risk from riskAt and due at due.
func StateAt(now, riskAt, due time.Time) State {
	switch {
	case now.After(due):
		return Breached
	case !now.Before(riskAt):
		return AtRisk
	}
	return OnTrack
}

// String names the state (for logs and hooks, not for people).
func (s State) String() string {
	switch s {
	case AtRisk:
		return "at-risk"
	case Breached:
		return "breached"
	}
	return "on-track"
}
