package tickets

import (
	"context"
	"sort"
	"sync"
	"time"

	"zerodesk/internal/errs"
)

// Presence: which agents have a ticket open, and who is writing a reply, so
// the ticket page warns of a collision. Kept in this process's memory (one
// instance; issue 15 makes it shared): nothing of it is stored, and it
// forgets an agent PresenceTTL after their page last asked.

// PresenceTTL is how long an agent counts as on a ticket after their page
// last said so (the ticket page asks every 10 seconds).
const PresenceTTL = 30 * time.Second

// Present is another agent on the same ticket.
type Present struct {
	AgentID int64
	Name    string
	Writing bool
}

type presenceEntry struct {
	at      time.Time
	writing bool
}

type presence struct {
	mu   sync.Mutex
	refs map[string]map[int64]presenceEntry // reference → agent → last seen
}

// Here records that agent v has ticket ref open (writing a reply or not)
// and returns the other agents on it, by name (staff only).
func (s *Service) Here(ctx context.Context, v Viewer, ref string, writing bool) ([]Present, error) {
	if !v.staff() {
		return nil, errNotAllowed()
	}
	ref, ok := NormalizeReference(ref)
	if !ok {
		return nil, errDenied()
	}
	now := s.now()
	me := v.Session.AccountID
	p := &s.presence
	p.mu.Lock()
	if p.refs == nil {
		p.refs = map[string]map[int64]presenceEntry{}
	}
	if len(p.refs) > 10000 { // forget every stale entry now and then
		for r, m := range p.refs {
			p.expire(r, m, now)
		}
	}
	agents := p.refs[ref]
	if agents == nil {
		agents = map[int64]presenceEntry{}
		p.refs[ref] = agents
	}
	agents[me] = presenceEntry{at: now, writing: writing}
	p.expire(ref, agents, now)
	var others []Present
	for id, e := range agents {
		if id != me {
			others = append(others, Present{AgentID: id, Writing: e.writing})
		}
	}
	p.mu.Unlock()
	if len(others) == 0 {
		return nil, nil
	}
	names, err := s.agentNames(ctx, s.db.Read)
	if err != nil {
		return nil, errs.Wrap(err, "tickets: presence")
	}
	for i := range others {
		others[i].Name = names[others[i].AgentID]
	}
	sort.Slice(others, func(i, j int) bool { return others[i].Name < others[j].Name })
	return others, nil
}

// Leave forgets agent v on ticket ref (their page closed, or they sent).
func (s *Service) Leave(v Viewer, ref string) {
	ref, ok := NormalizeReference(ref)
	if !ok || v.Session == nil {
		return
	}
	p := &s.presence
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.refs[ref], v.Session.AccountID)
}

// expire drops the stale entries of ref (p.mu held).
func (p *presence) expire(ref string, agents map[int64]presenceEntry, now time.Time) {
	for id, e := range agents {
		if now.Sub(e.at) > PresenceTTL {
			delete(agents, id)
		}
	}
	if len(agents) == 0 {
		delete(p.refs, ref)
	}
}
