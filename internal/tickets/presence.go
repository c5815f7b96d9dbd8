package tickets

import (
	"context"
	"sort"
	"time"

	"zerodesk/internal/errs"
)

// Presence: which agents have a ticket open, and who is writing a reply, so
// the ticket page warns of a collision. It is kept in the database
// (ticket_presence), so every instance on one PostgreSQL database sees the
// agents of the others (issue 15); on SQLite, one process, the same table.
// A row is an agent's last poll on a ticket; it counts for PresenceTTL and
// the periodic sweep (Tick) deletes it after.
//
// Each poll reads the ticket's rows. It writes its own row only when that
// row is missing, older than presenceRefresh, or says otherwise about
// writing: with the page polling every 10 seconds that is one write every
// second poll per agent on a ticket, plus one when the agent starts or stops
// writing, so the polls do not take the write lock (on PostgreSQL, the
// cluster's WriteLockKey) each time.

// PresenceTTL is how long an agent counts as on a ticket after their page
// last said so (the ticket page asks every 10 seconds).
const PresenceTTL = 30 * time.Second

// presenceRefresh is the age from which a poll writes its row again. A row
// is at most presenceRefresh plus one poll interval old (25 seconds) before
// it is written anew, within PresenceTTL.
const presenceRefresh = PresenceTTL / 2

// Present is another agent on the same ticket.
type Present struct {
	AgentID int64
	Name    string
	Writing bool
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
	now := s.now().Unix()
	me := v.Session.AccountID
	rows, err := s.db.Read.QueryContext(ctx, sqlPresenceOn, ref, now-int64(PresenceTTL/time.Second))
	if err != nil {
		return nil, errs.Wrap(err, "tickets: presence")
	}
	var others []Present
	fresh := false // my row is recent and says the same about writing
	for rows.Next() {
		var id, w, at int64
		if err := rows.Scan(&id, &w, &at); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "tickets: presence")
		}
		if id == me {
			fresh = (w == 1) == writing && now-at < int64(presenceRefresh/time.Second)
			continue
		}
		others = append(others, Present{AgentID: id, Writing: w == 1})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "tickets: presence")
	}
	if !fresh {
		// Not s.write: presence is no change of a ticket (no version bump).
		if _, err := s.db.Write.ExecContext(ctx, sqlPresenceAt, ref, me, boolInt(writing), now); err != nil {
			return nil, errs.Wrap(err, "tickets: presence")
		}
	}
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
func (s *Service) Leave(ctx context.Context, v Viewer, ref string) error {
	ref, ok := NormalizeReference(ref)
	if !ok || v.Session == nil {
		return nil
	}
	if _, err := s.db.Write.ExecContext(ctx, sqlPresenceLeave, ref, v.Session.AccountID); err != nil {
		return errs.Wrap(err, "tickets: leave")
	}
	return nil
}

// boolInt is a flag as the tables store it (0 or 1).
func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
