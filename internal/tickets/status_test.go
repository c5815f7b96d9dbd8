package tickets

import (
	"errors"
	"testing"

	"zerodesk/internal/errs"
)

// TestNextStatus_TheStatusRuleAsATable walks every status a ticket can be in
// through every move: who may do what, what each move does to the resolved
// time, and which history entry it writes.
func TestNextStatus_TheStatusRuleAsATable(t *testing.T) {
	t.Parallel()
	const then, now = 100, 200
	refused := func(msg string) *errs.Error { return errs.E(errs.Forbidden, msg) }
	type want struct {
		status   Status
		resolved int64
		event    string
		err      *errs.Error
	}
	tests := []struct {
		name string
		m    statusMove
		want want
	}{
		// Replies.
		{"agent reply opens a new ticket", statusMove{From: StatusNew, Reply: true, Agent: true}, want{StatusOpen, 0, EventStatus, nil}},
		{"agent reply leaves open", statusMove{From: StatusOpen, Reply: true, Agent: true}, want{StatusOpen, 0, "", nil}},
		{"agent reply leaves pending", statusMove{From: StatusPending, Reply: true, Agent: true}, want{StatusPending, 0, "", nil}},
		{"agent reply leaves resolved", statusMove{From: StatusResolved, Reply: true, Agent: true, Resolved: then}, want{StatusResolved, then, "", nil}},
		{"agent reply to closed is refused", statusMove{From: StatusClosed, Reply: true, Agent: true, Resolved: then}, want{StatusClosed, then, "", refused(MsgNotAllowed)}},
		{"customer reply leaves new", statusMove{From: StatusNew, Reply: true}, want{StatusNew, 0, "", nil}},
		{"customer reply leaves open", statusMove{From: StatusOpen, Reply: true}, want{StatusOpen, 0, "", nil}},
		{"customer reply reopens pending", statusMove{From: StatusPending, Reply: true}, want{StatusOpen, 0, EventStatus, nil}},
		{"customer reply reopens resolved", statusMove{From: StatusResolved, Reply: true, Resolved: then}, want{StatusOpen, 0, EventStatus, nil}},
		{"customer reply to closed is refused", statusMove{From: StatusClosed, Reply: true, Resolved: then}, want{StatusClosed, then, "", refused(MsgNotAllowed)}},

		// Agents may set any status.
		{"agent opens new", statusMove{From: StatusNew, To: StatusOpen, Agent: true}, want{StatusOpen, 0, EventStatus, nil}},
		{"agent sets pending", statusMove{From: StatusOpen, To: StatusPending, Agent: true}, want{StatusPending, 0, EventStatus, nil}},
		{"agent resolves", statusMove{From: StatusOpen, To: StatusResolved, Agent: true}, want{StatusResolved, now, EventStatus, nil}},
		{"agent closes unresolved", statusMove{From: StatusPending, To: StatusClosed, Agent: true}, want{StatusClosed, now, EventStatus, nil}},
		{"agent closes resolved keeps its time", statusMove{From: StatusResolved, To: StatusClosed, Agent: true, Resolved: then}, want{StatusClosed, then, EventStatus, nil}},
		{"agent reopens resolved", statusMove{From: StatusResolved, To: StatusOpen, Agent: true, Resolved: then}, want{StatusOpen, 0, EventStatus, nil}},
		{"agent sets closed back to pending", statusMove{From: StatusClosed, To: StatusPending, Agent: true, Resolved: then}, want{StatusPending, 0, EventStatus, nil}},
		{"agent sets closed back to new", statusMove{From: StatusClosed, To: StatusNew, Agent: true, Resolved: then}, want{StatusNew, 0, EventStatus, nil}},
		{"agent resolves closed again", statusMove{From: StatusClosed, To: StatusResolved, Agent: true, Resolved: then}, want{StatusResolved, now, EventStatus, nil}},
		{"agent sets the same status", statusMove{From: StatusPending, To: StatusPending, Agent: true}, want{StatusPending, 0, "", nil}},

		// Customers may close and reopen, nothing else.
		{"customer closes new", statusMove{From: StatusNew, To: StatusClosed}, want{StatusClosed, now, EventClosed, nil}},
		{"customer closes open", statusMove{From: StatusOpen, To: StatusClosed}, want{StatusClosed, now, EventClosed, nil}},
		{"customer closes resolved keeps its time", statusMove{From: StatusResolved, To: StatusClosed, Resolved: then}, want{StatusClosed, then, EventClosed, nil}},
		{"customer reopens resolved", statusMove{From: StatusResolved, To: StatusOpen, Resolved: then}, want{StatusOpen, 0, EventReopened, nil}},
		{"customer reopens closed", statusMove{From: StatusClosed, To: StatusOpen, Resolved: then}, want{StatusOpen, 0, EventReopened, nil}},
		{"customer may not open a pending ticket", statusMove{From: StatusPending, To: StatusOpen}, want{StatusPending, 0, "", refused(MsgStatusNotAllowed)}},
		{"customer may not open a new ticket", statusMove{From: StatusNew, To: StatusOpen}, want{StatusNew, 0, "", refused(MsgStatusNotAllowed)}},
		{"customer may not resolve", statusMove{From: StatusOpen, To: StatusResolved}, want{StatusOpen, 0, "", refused(MsgStatusNotAllowed)}},
		{"customer may not set pending", statusMove{From: StatusOpen, To: StatusPending}, want{StatusOpen, 0, "", refused(MsgStatusNotAllowed)}},
		{"customer may not reopen to pending", statusMove{From: StatusResolved, To: StatusPending, Resolved: then}, want{StatusResolved, then, "", refused(MsgStatusNotAllowed)}},
		{"customer may not set new", statusMove{From: StatusClosed, To: StatusNew, Resolved: then}, want{StatusClosed, then, "", refused(MsgStatusNotAllowed)}},
		{"customer sets the same status", statusMove{From: StatusOpen, To: StatusOpen}, want{StatusOpen, 0, "", nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.m.Now = now
			got, err := nextStatus(tt.m)
			if tt.want.err == nil && err != nil {
				t.Fatalf("err = %v, want none", err)
			}
			if tt.want.err != nil {
				var e *errs.Error
				if !errors.As(err, &e) || e.Code != tt.want.err.Code || e.MessageID != tt.want.err.MessageID {
					t.Fatalf("err = %v, want %s %s", err, tt.want.err.Code, tt.want.err.MessageID)
				}
			}
			if got.Status != tt.want.status || got.Resolved != tt.want.resolved || got.Event != tt.want.event {
				t.Errorf("got {%s %d %q}, want {%s %d %q}", got.Status, got.Resolved, got.Event, tt.want.status, tt.want.resolved, tt.want.event)
			}
		})
	}
}

// TestNextStatus_EveryMoveLandsOnAValidStatus guards the rule as a whole: no
// combination of status, target, actor and move yields an unknown status, an
// allowed change without a history entry, or an entry without a change.
func TestNextStatus_EveryMoveLandsOnAValidStatus(t *testing.T) {
	t.Parallel()
	for _, from := range Statuses {
		for _, to := range append([]Status{""}, Statuses...) {
			for _, agent := range []bool{false, true} {
				m := statusMove{From: from, To: to, Reply: to == "", Agent: agent, Now: 7}
				if from == StatusResolved || from == StatusClosed {
					m.Resolved = 3
				}
				got, err := nextStatus(m)
				if !got.Status.Valid() {
					t.Errorf("%+v: status %q", m, got.Status)
				}
				if err == nil && (got.Status != from) != (got.Event != "") {
					t.Errorf("%+v: status %s → %s with event %q", m, from, got.Status, got.Event)
				}
				if err != nil && (got.Status != from || got.Resolved != m.Resolved) {
					t.Errorf("%+v: a refusal changed the ticket: %+v", m, got)
				}
				done := got.Status == StatusResolved || got.Status == StatusClosed
				if err == nil && done != (got.Resolved != 0) {
					t.Errorf("%+v: status %s with resolved time %d", m, got.Status, got.Resolved)
				}
			}
		}
	}
}
