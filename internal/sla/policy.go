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
