package tickets

import (
	"context"
	"sync"
	"testing"
	"time"

	"zerodesk/internal/accounts"
	"zerodesk/internal/testsupport"
	"zerodesk/internal/worktime"
)

// shiftPolicy is a test policy on internal/worktime's calendar (which has
// its own real-calendar table tests; here the ticket's clock is under test).
// dayShift is 9:00–17:00 UTC every day; normal tickets get a first answer
// within 2 hours and a resolution within 8, urgent ones 1 and 4, at risk
// with 25 % left. change stands for an admin saving a new policy.
type shiftPolicy struct {
	mu             sync.Mutex
	cal            worktime.Calendar
	normal, urgent [2]time.Duration
	version        int64
}

func dayShift() *shiftPolicy {
	p := &shiftPolicy{cal: hoursEveryDay(9, 17), normal: [2]time.Duration{2 * time.Hour, 8 * time.Hour},
		urgent: [2]time.Duration{time.Hour, 4 * time.Hour}, version: 1}
	return p
}

func hoursEveryDay(from, to int) worktime.Calendar {
	c := worktime.Calendar{Location: time.UTC}
	for d := range c.Hours {
		c.Hours[d] = []worktime.Interval{{Start: from * 60, End: to * 60}}
	}
	return c
}

func (p *shiftPolicy) Targets(priority, topic string) (time.Duration, time.Duration, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if priority == string(PriorityUrgent) {
		return p.urgent[0], p.urgent[1], 25
	}
	return p.normal[0], p.normal[1], 25
}

func (p *shiftPolicy) Calendar() worktime.Calendar { p.mu.Lock(); defer p.mu.Unlock(); return p.cal }
func (p *shiftPolicy) Version() int64              { p.mu.Lock(); defer p.mu.Unlock(); return p.version }

func (p *shiftPolicy) change(fn func(*shiftPolicy)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn(p)
	p.version++
}

type slaCall struct {
	ticket, agent int64
	state         SLAState
}

type slaHook struct {
	mu    sync.Mutex
	calls []slaCall
}

func (h *slaHook) on(_ context.Context, ticket, agent int64, st SLAState) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, slaCall{ticket, agent, st})
}

func (h *slaHook) take() []slaCall {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.calls
	h.calls = nil
	return c
}

func newSLAEnv(t *testing.T, hook *slaHook) (*env, *shiftPolicy) {
	pol := dayShift()
	return newEnvWith(t, Limits{}, func(o *Options) {
		o.SLA = pol
		o.OnSLAChange = hook.on
	}), pol
}

func (e *env) work(id int64) (fr, res int64) {
	e.t.Helper()
	if err := e.db.Read.QueryRow(`SELECT first_response_work, resolution_work FROM tickets WHERE id = $1`, id).Scan(&fr, &res); err != nil {
		e.t.Fatal(err)
	}
	return fr, res
}

func at(day, hm string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", day+" "+hm)
	if err != nil {
		panic(err)
	}
	return t
}

// TestSLA_ClockCountsWorkingTimePausesWhileWaitingAndSweepsOnce follows one
// ticket from Friday 08:00 (the env's clock) through at risk, breached,
// the first answer, a weekend-long wait for the customer and its resolution.
func TestSLA_ClockCountsWorkingTimePausesWhileWaitingAndSweepsOnce(t *testing.T) {
	t.Parallel()
	hook := &slaHook{}
	e, pol := newSLAEnv(t, hook)
	ctx := context.Background()
	ana := e.agent(accounts.Agent, "Ana Agent", "ana@desk.example")
	rc := e.submit(guestSubmission())
	must(t, e.svc.Assign(ctx, staff(ana), rc.Reference, ana.AccountID))
	tk, err := e.svc.Open(ctx, staff(ana), rc.Reference)
	must(t, err)
	// Submitted before opening time: 2 and 8 working hours from 9:00.
	if !tk.FirstResponseDue.Equal(at("2027-01-15", "11:00")) || !tk.ResolutionDue.Equal(at("2027-01-15", "17:00")) {
		t.Fatalf("due %s / %s, want 11:00 / 17:00 (working time from 9:00)", tk.FirstResponseDue, tk.ResolutionDue)
	}
	sweep := func(want ...slaCall) {
		t.Helper()
		_, err := e.svc.SweepSLA(ctx)
		must(t, err)
		got := hook.take()
		if len(got) != len(want) {
			t.Fatalf("%s: hook calls %+v, want %+v", e.clk.Now().Format("Mon 15:04"), got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: hook calls %+v, want %+v", e.clk.Now().Format("Mon 15:04"), got, want)
			}
		}
	}
	e.clk.Add(2 * time.Hour) // 10:00: 1 of 2 hours left
	sweep()
	e.clk.Add(31 * time.Minute) // 10:31: less than 25 % left
	sweep(slaCall{tk.ID, ana.AccountID, SLAAtRisk})
	sweep() // once
	q, err := e.svc.Queue(ctx, staff(ana), QueueFilter{})
	must(t, err)
	if q.Tickets[0].SLA != SLAAtRisk || q.Tickets[0].Overdue {
		t.Fatalf("queue line %+v, want at risk, not overdue", q.Tickets[0])
	}
	e.clk.Add(30 * time.Minute) // 11:01
	sweep(slaCall{tk.ID, ana.AccountID, SLABreached})
	sweep()
	// A second service on the same database (another process) sees
	// nothing left to report.
	other, err := New(ctx, e.db, testsupport.SecretA, e.acc, e.outbox, catalog(), Options{Now: e.clk.Now, SLA: pol, OnSLAChange: hook.on})
	must(t, err)
	defer other.Close()
	_, err = other.SweepSLA(ctx)
	must(t, err)
	if c := hook.take(); len(c) != 0 {
		t.Fatalf("second sweeper reported %+v", c)
	}

	e.clk.Add(29 * time.Minute) // 11:30: the first answer, 2.5 working hours late by 0.5
	must(t, e.svc.Reply(ctx, staff(ana), rc.Reference, Reply{Body: "Please reload.", FormID: "r1"}))
	if fr, res := e.work(tk.ID); fr != int64(2.5*3600) || res != -1 {
		t.Fatalf("work = %d, %d; want first answer after 9000 s", fr, res)
	}
	q, err = e.svc.Queue(ctx, staff(ana), QueueFilter{})
	must(t, err)
	if q.Tickets[0].SLA != SLAOnTrack || q.Tickets[0].Overdue || q.Tickets[0].Waiting {
		t.Fatalf("after the answer %+v, want the resolution timer on track", q.Tickets[0])
	}
	e.clk.Add(30 * time.Minute) // 12:00: waiting for the customer, 3 working hours used
	must(t, e.svc.SetStatus(ctx, staff(ana), rc.Reference, StatusPending))
	e.clk.Add(48 * time.Hour) // Sunday 12:00: the clock stood
	sweep()
	q, err = e.svc.Queue(ctx, staff(ana), QueueFilter{})
	must(t, err)
	if !q.Tickets[0].Waiting || q.Tickets[0].Overdue {
		t.Fatalf("waiting ticket %+v, want waiting, not overdue", q.Tickets[0])
	}
	// The customer answers: the clock runs again with 5 hours left.
	must(t, e.svc.Reply(ctx, guest(rc), rc.Reference, Reply{Body: "Still empty.", FormID: "c1"}))
	tk, err = e.svc.Open(ctx, staff(ana), rc.Reference)
	must(t, err)
	if tk.Status != StatusOpen || !tk.ResolutionDue.Equal(at("2027-01-17", "17:00")) || tk.ResolutionOverdue {
		t.Fatalf("after the customer's answer: %s due %s", tk.Status, tk.ResolutionDue)
	}
	if !tk.FirstResponseOverdue {
		t.Error("the late first answer is no longer marked late")
	}
	if left := e.svc.SLAWorkLeft(e.clk.Now(), tk.ResolutionDue); left != 5*time.Hour {
		t.Errorf("work left %s, want 5h", left)
	}
	e.clk.Add(4 * time.Hour) // 16:00
	must(t, e.svc.SetStatus(ctx, staff(ana), rc.Reference, StatusResolved))
	if _, res := e.work(tk.ID); res != 7*3600 {
		t.Fatalf("resolution work %d s, want 7 h", res)
	}
	tk, err = e.svc.Open(ctx, staff(ana), rc.Reference)
	must(t, err)
	if tk.ResolutionOverdue {
		t.Error("resolved in time, marked late")
	}
}

// TestSLA_PriorityRetargetsOnTheSameClock: a new priority takes its targets
// from the working time already counted, not from the wall clock.
func TestSLA_PriorityRetargetsOnTheSameClock(t *testing.T) {
	t.Parallel()
	e, _ := newSLAEnv(t, &slaHook{})
	ctx := context.Background()
	ana := e.agent(accounts.Agent, "Ana Agent", "ana@desk.example")
	rc := e.submit(guestSubmission())
	e.clk.Add(90 * time.Minute) // 9:30, 30 minutes counted
	must(t, e.svc.SetPriority(ctx, staff(ana), rc.Reference, PriorityUrgent))
	tk, err := e.svc.Open(ctx, staff(ana), rc.Reference)
	must(t, err)
	if !tk.FirstResponseDue.Equal(at("2027-01-15", "10:00")) || !tk.ResolutionDue.Equal(at("2027-01-15", "13:00")) {
		t.Fatalf("urgent due %s / %s, want 10:00 / 13:00", tk.FirstResponseDue, tk.ResolutionDue)
	}
}

// TestSLA_PolicyChangeRetimesRunningTickets: a saved policy (new hours and
// targets) moves the due times of the tickets whose clock runs at the next
// sweep, without waiting for their state to change; a state that rises
// with it is notified once; a waiting ticket's clock stays as it stood; a
// second pass changes nothing.
func TestSLA_PolicyChangeRetimesRunningTickets(t *testing.T) {
	hook := &slaHook{}
	e, pol := newSLAEnv(t, hook)
	ctx := context.Background()
	ana := e.agent(accounts.Agent, "Ana Agent", "ana@desk.example")
	running := e.submit(guestSubmission()) // Friday 08:00: due 11:00 / 17:00
	sub := guestSubmission()
	sub.Email, sub.FormID = "other@example.org", "f2"
	waiting := e.submit(sub)
	must(t, e.svc.SetStatus(ctx, staff(ana), waiting.Reference, StatusPending))
	before, err := e.svc.Open(ctx, staff(ana), waiting.Reference)
	must(t, err)
	_, err = e.svc.SweepSLA(ctx)
	must(t, err)
	e.clk.Add(90 * time.Minute) // 09:30: on track under the old policy
	pol.change(func(p *shiftPolicy) {
		p.cal = hoursEveryDay(8, 16)
		p.normal = [2]time.Duration{time.Hour, 4 * time.Hour}
	})
	_, err = e.svc.SweepSLA(ctx)
	must(t, err)
	tk, err := e.svc.Open(ctx, staff(ana), running.Reference)
	must(t, err)
	if !tk.FirstResponseDue.Equal(at("2027-01-15", "09:00")) || !tk.ResolutionDue.Equal(at("2027-01-15", "12:00")) {
		t.Fatalf("after the policy change due %s / %s, want 09:00 / 12:00 (1 and 4 working hours from 08:00)",
			tk.FirstResponseDue, tk.ResolutionDue)
	}
	if got := hook.take(); len(got) != 1 || got[0] != (slaCall{tk.ID, 0, SLABreached}) {
		t.Fatalf("hook calls %+v, want the breach once", got)
	}
	q, err := e.svc.Queue(ctx, staff(ana), QueueFilter{Status: StatusNew})
	must(t, err)
	if len(q.Tickets) != 1 || q.Tickets[0].SLA != SLABreached {
		t.Fatalf("queue %+v, want the running ticket breached", q.Tickets)
	}
	after, err := e.svc.Open(ctx, staff(ana), waiting.Reference)
	must(t, err)
	if !after.ResolutionDue.Equal(before.ResolutionDue) {
		t.Errorf("waiting ticket's due moved %s → %s; its clock stands", before.ResolutionDue, after.ResolutionDue)
	}
	if n, err := e.svc.RetimeSLA(ctx); err != nil || n != 0 {
		t.Errorf("second pass changed %d tickets (%v), want 0", n, err)
	}
	_, err = e.svc.SweepSLA(ctx)
	must(t, err)
	if got := hook.take(); len(got) != 0 {
		t.Errorf("a later sweep reported %+v again", got)
	}
}
