package sla

import "time"

// Target is what a priority promises: a first answer within FirstResponse
// and a resolution within Resolution, both in working time.
type Target struct{ FirstResponse, Resolution time.Duration }

// Valid tells whether both targets are set and the first answer comes no
// later than the resolution.
func (t Target) Valid() bool {
	return t.FirstResponse > 0 && t.Resolution > 0 && t.FirstResponse <= t.Resolution
}

// Policy is the whole service-level policy: the calendar, the default
// targets per priority, the overrides per topic, and the share of a target
// left under which a ticket is at risk.
type Policy struct {
	Calendar Calendar
	// Targets per priority ("low", "normal", "high", "urgent").
	Targets map[string]Target
	// Topics are overrides: topic key → priority → target.
	Topics map[string]map[string]Target
	// RiskPercent: a ticket is at risk once less than this share of its
	// running target is left (1–99; DefaultRiskPercent when 0).
	RiskPercent int
}

// DefaultRiskPercent is the at-risk share when the policy sets none.
const DefaultRiskPercent = 20

// Target returns the target of a ticket of priority and topic: the topic's
// override, else the default for the priority.
func (p *Policy) Target(priority, topic string) Target {
	if t, ok := p.Topics[topic][priority]; ok {
		return t
	}
	return p.Targets[priority]
}

// Risk is the at-risk share in percent.
func (p *Policy) Risk() int {
	if p.RiskPercent <= 0 || p.RiskPercent >= 100 {
		return DefaultRiskPercent
	}
	return p.RiskPercent
}

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
