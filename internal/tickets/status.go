package tickets

import "zerodesk/internal/errs"

// statusMove is one thing that may change a ticket's status: a public reply
// (Reply) or an explicit change to To (SetStatus).
type statusMove struct {
	From     Status
	To       Status // the status asked for; unused for a reply
	Reply    bool
	Agent    bool  // an agent acts; otherwise the customer
	Resolved int64 // when the ticket was resolved (Unix seconds), 0 if it is not
	Now      int64 // Unix seconds
}

// statusResult is what a move does to the ticket.
type statusResult struct {
	Status   Status
	Resolved int64
	// Event is the history entry the change writes: EventStatus, or for a
	// customer's change EventClosed or EventReopened. It is "" when the
	// status stays as it is.
	Event string
}

// nextStatus is the status rule, all of it in one place and free of the
// database:
//   - a closed ticket takes no reply;
//   - an agent's reply opens a new ticket; a customer's reply reopens a
//     pending or resolved one, which is then no longer resolved;
//   - agents may set any status; customers may close their ticket (from any
//     status) and reopen (to open) a resolved or closed one, nothing else;
//   - setting the status a ticket already has changes nothing;
//   - resolving stamps the resolved time, closing an unresolved ticket stamps
//     it too, and leaving resolved or closed for another status clears it.
//
// A To that is not a valid Status is the caller's to refuse (SetStatus does,
// as invalid input, before it reads the ticket).
func nextStatus(m statusMove) (statusResult, error) {
	if m.Reply {
		return replyStatus(m)
	}
	keep := statusResult{Status: m.From, Resolved: m.Resolved}
	if m.From == m.To {
		return keep, nil
	}
	done := m.From == StatusResolved || m.From == StatusClosed
	event := EventStatus
	if !m.Agent {
		switch {
		case m.To == StatusClosed:
			event = EventClosed
		case m.To == StatusOpen && done:
			event = EventReopened
		default:
			return keep, errs.E(errs.Forbidden, MsgStatusNotAllowed)
		}
	}
	resolved := m.Resolved
	switch {
	case m.To == StatusResolved:
		resolved = m.Now
	case m.To != StatusClosed && done:
		resolved = 0
	}
	if m.To == StatusClosed && resolved == 0 {
		resolved = m.Now
	}
	return statusResult{Status: m.To, Resolved: resolved, Event: event}, nil
}

// replyStatus is nextStatus for a public reply.
func replyStatus(m statusMove) (statusResult, error) {
	res := statusResult{Status: m.From, Resolved: m.Resolved}
	switch {
	case m.From == StatusClosed:
		return res, errNotAllowed()
	case m.Agent && m.From == StatusNew:
		res.Status = StatusOpen
	case !m.Agent && (m.From == StatusPending || m.From == StatusResolved):
		res.Status, res.Resolved = StatusOpen, 0
	}
	if res.Status != m.From {
		res.Event = EventStatus
	}
	return res, nil
}
