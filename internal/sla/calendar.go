package sla

import "zerodesk/internal/worktime"

// The calendar and the clock are internal/worktime's, the one implementation
// of working time that the ticket room's timers use too; the names stay
// here for the policy's callers.
type (
	// Calendar is when the clock runs (worktime.Calendar).
	Calendar = worktime.Calendar
	// Interval is one stretch of working time on a weekday (worktime.Interval).
	Interval = worktime.Interval
)
