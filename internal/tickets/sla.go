package tickets

import (
	"context"
	"database/sql"
	"time"

	"zerodesk/internal/errs"
	"zerodesk/internal/worktime"
)

// SLA is the working-time policy a ticket's timers follow (issue 14). The
// wiring passes *sla.Service (internal/sla); without one (Options.SLA nil)
// every second counts and the targets are Options.Targets, the product
// before issue 14. The calendar arithmetic and the clock are
// internal/worktime's, the one implementation the policy uses too.
type SLA interface {
	// Targets returns the first-response and resolution targets, in
	// working time, of a ticket of priority and topic, and the share of a
	// target (percent) under which it is at risk.
	Targets(priority, topic string) (first, resolution time.Duration, riskPercent int)
	// Calendar is when the clock runs.
	Calendar() worktime.Calendar
	// Version changes whenever a new policy takes effect: the sweep then
	// recomputes the due times of the running tickets (RetimeSLA).
	Version() int64
}

// SLAState is where a ticket's next running timer stands (worktime.State:
// the stored integer is the same).
type SLAState = worktime.State

const (
	SLAOnTrack  = worktime.OnTrack  // more than the at-risk share left (or no timer runs)
	SLAAtRisk   = worktime.AtRisk   // less than the at-risk share left
	SLABreached = worktime.Breached // past due
)

// plainSLA is the policy without Options.SLA: every second counts.
type plainSLA struct{ targets map[Priority]Target }

func (p plainSLA) Targets(priority, _ string) (time.Duration, time.Duration, int) {
	t := p.targets[Priority(priority)]
	return t.FirstResponse, t.Resolution, 20
}
func (plainSLA) Calendar() worktime.Calendar { return worktime.Calendar{} }
func (plainSLA) Version() int64              { return 0 }

// clock is r's service-level clock as stored: seconds of working time used,
// and the second it last started running (0: it stands).
func (r *row) clock() worktime.Clock {
	c := worktime.Clock{Used: time.Duration(r.slaUsed) * time.Second}
	if r.slaSince != 0 {
		c.Since = time.Unix(r.slaSince, 0)
	}
	return c
}

func (r *row) setClock(c worktime.Clock) {
	r.slaUsed, r.slaSince = int64(c.Used/time.Second), 0
	if c.Running() {
		r.slaSince = c.Since.Unix()
	}
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
	at, cal := time.Unix(now, 0), s.sla.Calendar()
	c := r.clock()
	spent := int64(c.Spent(cal, at) / time.Second)
	if r.firstResp != 0 && r.frWork < 0 {
		r.frWork = spent
	}
	switch {
	case r.resolved != 0 && r.resWork < 0:
		r.resWork = spent
	case r.resolved == 0:
		r.resWork = -1
	}
	switch {
	case stands(r.status) && c.Running():
		// Judge the timers at the moment the clock stops: the state stays.
		r.slaState = s.slaStateAt(r, cal, now)
		r.setClock(c.Pause(cal, at))
		r.slaPausedAt = now
	case !stands(r.status) && !c.Running():
		r.setClock(c.Resume(at))
		r.slaPausedAt = 0
	}
	if r.status == StatusClosed {
		r.slaState, r.slaCheck = SLAOnTrack, 0
		return
	}
	if r.slaSince == 0 {
		r.slaCheck = 0
		return
	}
	s.retime(r, cal, now, retarget)
}

// retime computes, on r's running clock and the policy in force, its due
// times, its state at now and when the sweep looks next. retarget
// recomputes the first-response due time even after the first answer.
func (s *Service) retime(r *row, cal worktime.Calendar, now int64, retarget bool) {
	c := r.clock()
	first, resolution, _ := s.sla.Targets(string(r.priority), r.topic)
	if r.firstResp == 0 || retarget {
		r.frDue = c.Due(cal, first).Unix()
	}
	if r.resolved == 0 {
		r.resDue = c.Due(cal, resolution).Unix()
	}
	r.slaState = s.slaStateAt(r, cal, now)
	r.slaCheck = s.slaCheckAt(r, cal)
}

// runningTarget is the target of r's next running timer and its due time.
func (s *Service) runningTarget(r *row) (time.Duration, int64, int) {
	first, resolution, risk := s.sla.Targets(string(r.priority), r.topic)
	if r.firstResp == 0 && r.frDue < r.resDue {
		return first, r.frDue, risk
	}
	return resolution, r.resDue, risk
}

// slaStateAt is where r's next timer stands at now; a standing clock keeps
// the state it stopped with unless its due time has passed.
func (s *Service) slaStateAt(r *row, cal worktime.Calendar, now int64) SLAState {
	target, due, risk := s.runningTarget(r)
	c := r.clock()
	if !c.Running() {
		if now > due {
			return SLABreached
		}
		return r.slaState
	}
	return worktime.StateAt(time.Unix(now, 0), c.RiskAt(cal, target, risk), time.Unix(due, 0))
}

// slaCheckAt is when the sweep must look at r next: when it becomes at
// risk, then the second after it is due; never once breached.
func (s *Service) slaCheckAt(r *row, cal worktime.Calendar) int64 {
	switch r.slaState {
	case SLAOnTrack:
		target, _, risk := s.runningTarget(r)
		return max(r.clock().RiskAt(cal, target, risk).Unix(), 1)
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
	if v := s.sla.Version(); v != s.retimed.Load() {
		if _, err := s.RetimeSLA(ctx); err != nil {
			return nil, err
		}
		s.retimed.Store(v)
	}
	now, cal := s.now().Unix(), s.sla.Calendar()
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
			r.slaState = s.slaStateAt(r, cal, now)
			r.slaCheck = s.slaCheckAt(r, cal)
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
	return s.sla.Calendar().Left(now, due)
}

// retimeBatch bounds the work of one RetimeSLA transaction: writers wait
// for at most this many tickets.
const retimeBatch = 200

// retimeStatement is how many tickets one UPDATE of RetimeSLA sets.
const retimeStatement = 40

// RetimeSLA recomputes, under the policy in force, the due times, state and
// next sweep of every ticket whose clock runs, as if the policy had been in
// force all along (the working time used before the clock last started
// stays as counted). It walks the tickets by id in transactions of
// retimeBatch and returns how many it changed. A ticket whose state rises
// keeps its old state with a check due now, so the sweep that follows
// claims the change and notifies once, as for any other. SweepSLA calls it
// once per policy version (and once after a start, which also finishes a
// pass a stop interrupted); it is idempotent.
func (s *Service) RetimeSLA(ctx context.Context) (int, error) {
	now, cal := s.now().Unix(), s.sla.Calendar()
	changed := 0
	for after := int64(0); ; {
		last, n := after, 0
		err := s.write(ctx, func(tx *sql.Tx) error {
			last, n = after, 0
			rows, err := tx.QueryContext(ctx, sqlSLARunning, after, retimeBatch)
			if err != nil {
				return err
			}
			var batch []*row
			for rows.Next() {
				r, err := scanRow(rows)
				if err != nil {
					rows.Close()
					return err
				}
				batch = append(batch, r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			var args []any
			flush := func() error {
				if len(args) == 0 {
					return nil
				}
				res, err := tx.ExecContext(ctx, sqlSLARetime(len(args)/retimeColumns), args...)
				if err != nil {
					return err
				}
				k, _ := res.RowsAffected()
				n += int(k)
				args = args[:0]
				return nil
			}
			for _, r := range batch {
				last = r.id
				old := *r
				s.retime(r, cal, now, false)
				if r.slaState > old.slaState {
					r.slaState, r.slaCheck = old.slaState, now
				}
				r.nextDue = nextDue(r)
				if r.frDue == old.frDue && r.resDue == old.resDue && r.nextDue == old.nextDue &&
					r.slaState == old.slaState && r.slaCheck == old.slaCheck {
					continue
				}
				args = append(args, r.id, r.frDue, r.resDue, r.nextDue, r.slaState, r.slaCheck,
					old.slaSince, old.slaUsed, old.priority, old.status)
				if len(args) == retimeStatement*retimeColumns {
					if err := flush(); err != nil {
						return err
					}
				}
			}
			if err := flush(); err != nil {
				return err
			}
			if len(batch) < retimeBatch {
				last = -1
			}
			return nil
		})
		if err != nil {
			return changed, errs.Pass(err, "tickets: sla retime")
		}
		changed += n
		if last < 0 {
			return changed, nil
		}
		after = last
	}
}
