package sla

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"sync/atomic"
	"time"
	_ "time/tzdata" // time zones on hosts without a zoneinfo database
	"zerodesk/internal/audit"

	"zerodesk/internal/errs"
	"zerodesk/internal/store"
	"zerodesk/internal/worktime"
)

// Message IDs of the policy's refusals (locales/sla.*.toml).
const (
	MsgTimeZoneInvalid = "sla.error.time_zone"
	MsgHoursInvalid    = "sla.error.hours"
	MsgHolidayInvalid  = "sla.error.holiday"
	MsgTargetInvalid   = "sla.error.target"
	MsgRiskInvalid     = "sla.error.risk"
)

// Priorities are the priorities a target is set for, most urgent last.
var Priorities = []string{"low", "normal", "high", "urgent"}

// Service keeps the policy: in the database, and the current one in memory
// for the ticket room, which asks it on every change of a ticket's state.
type Service struct {
	db       *store.DB
	now      func() time.Time
	defaults map[string]Target
	audit    *audit.Log
	current  atomic.Pointer[Policy]
	onChange func()
	version  atomic.Int64 // loads of the policy so far
}

// Options: Defaults are the targets per priority until an admin sets
// others (the wiring passes the ticket room's); Now is the clock.
type Options struct {
	Defaults map[string]Target
	Now      func() time.Time
	// Audit records who changed the policy (nil: not recorded).
	Audit *audit.Log
	// OnChange, when set, is called after Save changed the policy (the
	// wiring tells the other instances on PostgreSQL: store.Changes).
	OnChange func()
}

// New loads the policy from db (migrated).
func New(ctx context.Context, db *store.DB, opts Options) (*Service, error) {
	s := &Service{db: db, now: opts.Now, defaults: opts.Defaults, audit: opts.Audit, onChange: opts.OnChange}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.load(ctx); err != nil {
		return nil, errs.Wrap(err, "sla: load")
	}
	return s, nil
}

// Reload reads the policy again: another instance on the same PostgreSQL
// database saved it (store.Changes).
func (s *Service) Reload(ctx context.Context) error {
	return errs.Pass(s.load(ctx), "sla: reload")
}

// Policy is the policy in force (never nil; do not change it).
func (s *Service) Policy() *Policy { return s.current.Load() }

// Targets, Calendar and Version make *Service the ticket room's tickets.SLA.
func (s *Service) Targets(priority, topic string) (first, resolution time.Duration, riskPercent int) {
	p := s.Policy()
	t := p.Target(priority, topic)
	return t.FirstResponse, t.Resolution, p.Risk()
}

// Calendar is the policy's working-time calendar.
func (s *Service) Calendar() worktime.Calendar { return s.Policy().Calendar }

// Version counts the policies loaded so far: it changes whenever a saved
// policy takes effect, so the ticket room knows to recompute the due times
// of running tickets (tickets.Service.RetimeSLA).
func (s *Service) Version() int64 { return s.version.Load() }

func (s *Service) load(ctx context.Context) error {
	q := s.db.Read
	p := &Policy{Calendar: Calendar{Location: time.UTC, Holidays: map[string]bool{}}, Targets: map[string]Target{},
		Topics: map[string]map[string]Target{}, RiskPercent: DefaultRiskPercent}
	for k, v := range s.defaults {
		p.Targets[k] = v
	}
	var zone, hours string
	err := q.QueryRowContext(ctx, sqlSettings).Scan(&zone, &hours, &p.RiskPercent)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return err
	default:
		if p.Calendar.Location, err = time.LoadLocation(zone); err != nil {
			return err
		}
		if p.Calendar.Hours, err = decodeHours(hours); err != nil {
			return err
		}
	}
	rows, err := q.QueryContext(ctx, sqlHolidays)
	if err != nil {
		return err
	}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return err
		}
		p.Calendar.Holidays[d] = true
	}
	rows.Close()
	if rows, err = q.QueryContext(ctx, sqlTargets); err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var topic, prio string
		var fr, res int64
		if err := rows.Scan(&topic, &prio, &fr, &res); err != nil {
			return err
		}
		t := Target{FirstResponse: time.Duration(fr) * time.Second, Resolution: time.Duration(res) * time.Second}
		if topic == "" {
			p.Targets[prio] = t
			continue
		}
		if p.Topics[topic] == nil {
			p.Topics[topic] = map[string]Target{}
		}
		p.Topics[topic][prio] = t
	}
	if err := rows.Err(); err != nil {
		return err
	}
	s.current.Store(p)
	s.version.Add(1)
	return nil
}

// Settings is what an admin edits: the whole policy at once.
type Settings struct {
	TimeZone    string
	Hours       [7][]Interval
	Holidays    []string // YYYY-MM-DD
	RiskPercent int
	Targets     map[string]Target            // per priority; every priority
	Topics      map[string]map[string]Target // overrides per topic
}

// Settings returns the policy in force as an admin edits it.
func (s *Service) Settings() Settings {
	p := s.Policy()
	out := Settings{TimeZone: p.Calendar.Zone().String(), Hours: p.Calendar.Hours, RiskPercent: p.Risk(),
		Targets: p.Targets, Topics: p.Topics}
	for d := range p.Calendar.Holidays {
		out.Holidays = append(out.Holidays, d)
	}
	sort.Strings(out.Holidays)
	return out
}

// Validate refuses settings the calendar cannot use, with the reason.
func (st Settings) Validate() error {
	if _, err := time.LoadLocation(st.TimeZone); err != nil || st.TimeZone == "" || st.TimeZone == "Local" {
		return errs.E(errs.Invalid, MsgTimeZoneInvalid)
	}
	for _, day := range st.Hours {
		for _, iv := range day {
			if iv.Start < 0 || iv.Start >= 24*60 || iv.End < 0 || iv.End >= 24*60 {
				return errs.E(errs.Invalid, MsgHoursInvalid)
			}
		}
	}
	for _, d := range st.Holidays {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return errs.E(errs.Invalid, MsgHolidayInvalid)
		}
	}
	if st.RiskPercent < 1 || st.RiskPercent > 99 {
		return errs.E(errs.Invalid, MsgRiskInvalid)
	}
	for _, p := range Priorities {
		if !st.Targets[p].Valid() {
			return errs.E(errs.Invalid, MsgTargetInvalid)
		}
	}
	for _, ts := range st.Topics {
		for p, t := range ts {
			if !validPriority(p) || !t.Valid() {
				return errs.E(errs.Invalid, MsgTargetInvalid)
			}
		}
	}
	return nil
}

func validPriority(p string) bool {
	for _, q := range Priorities {
		if p == q {
			return true
		}
	}
	return false
}

// Save replaces the policy with st (admins; the caller checks the role) and
// puts on the record that actor (an account id) changed it. Version changes
// with it: the ticket room's sweep then recomputes the due times of every
// running ticket under the new policy, in bounded batches
// (tickets.Service.RetimeSLA).
func (s *Service) Save(ctx context.Context, actor int64, st Settings) error {
	if err := st.Validate(); err != nil {
		return err
	}
	hours, err := encodeHours(st.Hours)
	if err != nil {
		return err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, sqlSaveSettings, st.TimeZone, hours, st.RiskPercent, s.now().Unix()); err != nil {
			return err
		}
		if s.audit != nil {
			if err := s.audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: audit.SLAPolicy}); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, sqlClearHolidays); err != nil {
			return err
		}
		for _, d := range st.Holidays {
			if _, err := tx.ExecContext(ctx, sqlInsertHoliday, d); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, sqlClearTargets); err != nil {
			return err
		}
		put := func(topic, prio string, t Target) error {
			_, err := tx.ExecContext(ctx, sqlInsertTarget, topic, prio, int64(t.FirstResponse/time.Second), int64(t.Resolution/time.Second))
			return err
		}
		for _, p := range Priorities {
			if err := put("", p, st.Targets[p]); err != nil {
				return err
			}
		}
		for topic, ts := range st.Topics {
			for p, t := range ts {
				if err := put(topic, p, t); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return errs.Pass(err, "sla: save")
	}
	if err := s.load(ctx); err != nil {
		return errs.Pass(err, "sla: reload")
	}
	if s.onChange != nil {
		s.onChange()
	}
	return nil
}

func encodeHours(h [7][]Interval) (string, error) {
	m := map[string][][2]int{}
	for d, ivs := range h {
		for _, iv := range ivs {
			m[strconv.Itoa(d)] = append(m[strconv.Itoa(d)], [2]int{iv.Start, iv.End})
		}
	}
	b, err := json.Marshal(m)
	return string(b), err
}

func decodeHours(s string) ([7][]Interval, error) {
	var out [7][]Interval
	var m map[string][][2]int
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return out, err
	}
	for k, ivs := range m {
		d, err := strconv.Atoi(k)
		if err != nil || d < 0 || d > 6 {
			return out, errors.New("sla: bad weekday in hours")
		}
		for _, iv := range ivs {
			out[d] = append(out[d], Interval{Start: iv[0], End: iv[1]})
		}
	}
	return out, nil
}
