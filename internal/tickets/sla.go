package tickets

import (
	"context"
	"database/sql"
	"time"

	"zerodesk/internal/errs"
)

// SLA is the working-time policy a ticket's timers follow (issue 14). The
// wiring passes *sla.Service (internal/sla); without one (Options.SLA nil)
// every second counts and the targets are Options.Targets, the product
// before issue 14.
type SLA interface {
	// Targets returns the first-response and resolution targets, in
	// working time, of a ticket of priority and topic, and the share of a
	// target (percent) under which it is at risk.
	Targets(priority, topic string) (first, resolution time.Duration, riskPercent int)
	// Add returns the moment when d of working time after from has passed.
	Add(from time.Time, d time.Duration) time.Time
	// Working returns the working time between from and to.
	Working(from, to time.Time) time.Duration
}

// SLAState is where a ticket's next running timer stands.
type SLAState int

const (
	SLAOnTrack  SLAState = iota // more than the at-risk share left (or no timer runs)
	SLAAtRisk                   // less than the at-risk share left
	SLABreached                 // past due
)

// plainSLA is the policy without Options.SLA: every second counts.
type plainSLA struct{ targets map[Priority]Target }

func (p plainSLA) Targets(priority, _ string) (time.Duration, time.Duration, int) {
	t := p.targets[Priority(priority)]
	return t.FirstResponse, t.Resolution, 20
}
func (plainSLA) Add(from time.Time, d time.Duration) time.Time { return from.Add(d) }
func (plainSLA) Working(from, to time.Time) time.Duration {
	if to.Before(from) {
		return 0
	}
	return to.Sub(from)
}

// stands tells whether a ticket's clock stands in status st: it waits for
// the customer (pending, resolved) or is done (closed).
func stands(st Status) bool {
	return st == StatusPending || st == StatusResolved || st == StatusClosed
}

// runClock keeps r's clock in step with its state at now, before save
// writes it: it stops the clock when the ticket starts waiting for the
// customer, restarts it when the ticket is back with the desk, records the
// working time to the first answer and to the resolution, and (while the
// clock runs) computes the due times in working time, the state and when
// the sweep looks next. retarget recomputes the first-response due time
// even after the first answer (a new priority).
func (s *Service) runClock(r *row, now int64, retarget bool) {
	at := time.Unix(now, 0)
	spent := func() int64 {
		if r.slaSince == 0 {
			return r.slaUsed
		}
		return r.slaUsed + int64(s.sla.Working(time.Unix(r.slaSince, 0), at)/time.Second)
	}
	if r.firstResp != 0 && r.frWork < 0 {
		r.frWork = spent()
	}
	switch {
	case r.resolved != 0 && r.resWork < 0:
		r.resWork = spent()
	case r.resolved == 0:
		r.resWork = -1
	}
	switch {
	case stands(r.status) && r.slaSince != 0:
		// Judge the timers at the moment the clock stops: the state stays.
		r.slaState = s.slaStateAt(r, now)
		r.slaUsed, r.slaSince, r.slaPausedAt = spent(), 0, now
	case !stands(r.status) && r.slaSince == 0:
		r.slaSince, r.slaPausedAt = now, 0
	}
	if r.status == StatusClosed {
		r.slaState, r.slaCheck = SLAOnTrack, 0
		return
	}
	if r.slaSince == 0 {
		r.slaCheck = 0
		return
	}
	first, resolution, _ := s.sla.Targets(string(r.priority), r.topic)
	if r.firstResp == 0 || retarget {
		r.frDue = s.clockDue(r, first).Unix()
	}
	if r.resolved == 0 {
		r.resDue = s.clockDue(r, resolution).Unix()
	}
	r.slaState = s.slaStateAt(r, now)
	r.slaCheck = s.slaCheckAt(r)
}

// clockDue is when r's running clock reaches target.
func (s *Service) clockDue(r *row, target time.Duration) time.Time {
	left := target - time.Duration(r.slaUsed)*time.Second
	since := time.Unix(r.slaSince, 0)
	if left <= 0 {
		return since
	}
	return s.sla.Add(since, left)
}

// runningTarget is the target of r's next running timer and its due time.
func (s *Service) runningTarget(r *row) (time.Duration, int64, int) {
	first, resolution, risk := s.sla.Targets(string(r.priority), r.topic)
	if r.firstResp == 0 && r.frDue < r.resDue {
		return first, r.frDue, risk
	}
	return resolution, r.resDue, risk
}

// riskAt is when r's running clock has less than the at-risk share of its
// next target left.
func (s *Service) riskAt(r *row) int64 {
	target, _, risk := s.runningTarget(r)
	return s.clockDue(r, target-target*time.Duration(risk)/100).Unix()
}

func (s *Service) slaStateAt(r *row, now int64) SLAState {
	_, due, _ := s.runningTarget(r)
	switch {
	case now > due:
		return SLABreached
	case r.slaSince != 0 && now >= s.riskAt(r):
		return SLAAtRisk
	case r.slaSince == 0:
		return r.slaState // a standing clock keeps the state it stopped with
	}
	return SLAOnTrack
}

// slaCheckAt is when the sweep must look at r next: when it becomes at
// risk, then the second after it is due; never once breached.
func (s *Service) slaCheckAt(r *row) int64 {
	switch r.slaState {
	case SLAOnTrack:
		return max(s.riskAt(r), 1)
	case SLAAtRisk:
		_, due, _ := s.runningTarget(r)
		return due + 1
	}
	return 0
}

// SLAChange is a ticket whose timer the sweep found at risk or breached.
type SLAChange struct {
	TicketID, AgentID int64 // AgentID 0: unassigned
	State             SLAState
}

// SweepSLA marks the tickets whose next timer became at risk or breached by
// now, and calls Options.OnSLAChange for each after the change is
// committed. Each change is claimed by a conditional UPDATE (the state and
// check time it read), so two sweeps never report one change twice.
func (s *Service) SweepSLA(ctx context.Context) ([]SLAChange, error) {
	now := s.now().Unix()
	rows, err := s.db.Read.QueryContext(ctx, sqlSLADue, now)
	if err != nil {
		return nil, errs.Wrap(err, "tickets: sla sweep")
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return nil, err
	}
	var changes []SLAChange
	err = s.write(ctx, func(tx *sql.Tx) error {
		changes = changes[:0]
		for _, id := range ids {
			r, err := loadRow(ctx, tx, sqlTicketByID, id)
			if err != nil {
				return err
			}
			if r.slaCheck == 0 || r.slaCheck > now || r.slaSince == 0 {
				continue // another sweep or a change got there first
			}
			old, oldCheck := r.slaState, r.slaCheck
			r.slaState = s.slaStateAt(r, now)
			r.slaCheck = s.slaCheckAt(r)
			res, err := tx.ExecContext(ctx, sqlSLAClaim, id, r.slaState, r.slaCheck, old, oldCheck)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 && r.slaState > old {
				changes = append(changes, SLAChange{TicketID: id, AgentID: r.assignee, State: r.slaState})
			}
		}
		return nil
	})
	if err != nil {
		return nil, errs.Pass(err, "tickets: sla sweep")
	}
	if hook := s.opts.OnSLAChange; hook != nil {
		for _, c := range changes {
			hook(ctx, c.TicketID, c.AgentID, c.State)
		}
	}
	return changes, nil
}

// SLAWorkLeft is the working time from now until due under the policy:
// negative (the working time since) once due has passed. The queue shows it.
func (s *Service) SLAWorkLeft(now, due time.Time) time.Duration {
	if due.Before(now) {
		return -s.sla.Working(due, now)
	}
	return s.sla.Working(now, due)
}
