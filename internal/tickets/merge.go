package tickets

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"

	"zerodesk/internal/errs"
	"zerodesk/internal/messaging"
	"zerodesk/internal/store"
)

// Merging: two tickets of one customer become one. The merged ticket keeps
// everything it holds (its thread, messages, files, history, tags) and is
// closed, pointing to the survivor (merged_into). Its thread key is wrapped
// under the survivor's thread key (messaging.LinkParticipant), so whoever
// opens the survivor, the desk, the account or the guest with the
// survivor's access key, reads the merged messages and files there too,
// without a copy. The survivor takes the merged ticket's tags and blind-index
// words (the queue search finds it by them), its custom field values where
// it has none of its own (mergeFields), and tickets merged earlier into the
// merged one move to the survivor with it.

// Merge merges ticket ref into ticket into (agents only). Tickets of
// different customers (neither the same e-mail address nor the same account)
// are refused, as are a ticket into itself and a ticket already merged.
func (s *Service) Merge(ctx context.Context, v Viewer, ref, into string) error {
	if !v.staff() {
		return errNotAllowed()
	}
	a, err := s.open(ctx, v, ref)
	if err != nil {
		return err
	}
	b, err := s.open(ctx, v, into)
	if err != nil {
		return err
	}
	if a.r.id == b.r.id {
		return errs.E(errs.Invalid, MsgMergeSame)
	}
	if !sameCustomer(a.r, b.r) {
		return errs.E(errs.Invalid, MsgMergeOtherPerson)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := a.reload(ctx, tx); err != nil {
			return err
		}
		if err := b.reload(ctx, tx); err != nil {
			return err
		}
		for _, id := range []int64{a.r.id, b.r.id} {
			if m, err := mergedInto(ctx, tx, id); err != nil || m != 0 {
				return cmp.Or(err, error(errs.E(errs.Conflict, MsgMergeMerged)))
			}
		}
		// What was merged into a follows it to b.
		earlier, err := mergedSources(ctx, tx, a.r.id)
		if err != nil {
			return err
		}
		for _, src := range earlier {
			th, err := s.msg.OpenAsDesk(ctx, tx, src.threadID)
			if err != nil {
				return err
			}
			if err := s.linkMerged(ctx, tx, src.id, th, b); err != nil {
				return err
			}
		}
		if err := s.linkMerged(ctx, tx, a.r.id, a.th, b); err != nil {
			return err
		}
		// a is closed as an agent closes it by hand.
		r, old, now := a.r, a.r.status, s.now().Unix()
		next, err := nextStatus(statusMove{From: old, To: StatusClosed, Agent: true, Resolved: r.resolved, Now: now})
		if err != nil {
			return err
		}
		if next.Event != "" {
			r.status, r.resolved, r.updated = next.Status, next.Resolved, now
			if err := s.save(ctx, tx, r, old); err != nil {
				return err
			}
			if err := s.event(ctx, tx, r.id, a.actor, next.Event, string(old), string(StatusClosed)); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, sqlCopyWords, a.r.id, b.r.id); err != nil {
			return err
		}
		tags, err := ticketTags(ctx, tx, a.r.id)
		if err != nil {
			return err
		}
		have, err := ticketTags(ctx, tx, b.r.id)
		if err != nil {
			return err
		}
		// The survivor takes the tags it has room for; the merged ticket
		// keeps all of its own.
		var room []string
		for _, t := range tags {
			if !slices.Contains(have, t) && len(have)+len(room) < MaxTags {
				room = append(room, t)
			}
		}
		if len(room) > 0 {
			if err := s.tagTx(ctx, tx, b.r.id, a.actor, room, true); err != nil {
				return err
			}
		}
		if err := s.mergeFields(ctx, tx, a, b); err != nil {
			return err
		}
		if err := s.event(ctx, tx, a.r.id, a.actor, EventMerged, "", b.r.ref); err != nil {
			return err
		}
		if err := s.event(ctx, tx, b.r.id, a.actor, EventMergedFrom, a.r.ref, ""); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, sqlTouchTicket, b.r.id, now)
		return err
	})
	return errs.Pass(err, "tickets: merge")
}

// mergeFields gives the survivor b the merged ticket a's values of b's
// topic's custom fields (removed ones too) where b has no value: b keeps its
// own, the merged ticket keeps all of its own. Each value taken is sealed in
// b's thread metadata, enters the blind index, and is a line of b's history
// and the audit log naming the field, never the value, as SetField does.
// Values of fields of another topic stay on the merged ticket only.
func (s *Service) mergeFields(ctx context.Context, tx *sql.Tx, a, b *access) error {
	ath, err := s.msg.OpenAsDesk(ctx, tx, a.r.threadID)
	if err != nil {
		return err
	}
	from := metaOf(ath).Fields
	if len(from) == 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, sqlFieldsOfTopic, b.r.topic)
	if err != nil {
		return err
	}
	var list []Field
	for rows.Next() {
		f, err := scanField(rows)
		if err != nil {
			rows.Close()
			return err
		}
		list = append(list, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	bth, err := s.msg.OpenAsDesk(ctx, tx, b.r.threadID)
	if err != nil {
		return err
	}
	m := metaOf(bth)
	var taken []Field
	for _, f := range list {
		key := strconv.FormatInt(f.ID, 10)
		if v := from[key]; v != "" && m.Fields[key] == "" {
			if m.Fields == nil {
				m.Fields = map[string]string{}
			}
			m.Fields[key] = v
			taken = append(taken, f)
		}
	}
	if len(taken) == 0 {
		return nil
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := s.msg.SetMeta(ctx, tx, bth, raw); err != nil {
		return err
	}
	for _, f := range taken {
		v := m.Fields[strconv.FormatInt(f.ID, 10)]
		if err := s.indexFields(ctx, tx, b.r.id, []fieldEntry{{field: f.ID, hash: s.fieldHash(f, v)}}); err != nil {
			return err
		}
		if err := s.event(ctx, tx, b.r.id, a.actor, EventField, "", f.Key()); err != nil {
			return err
		}
	}
	return nil
}

// linkMerged points ticket id (thread th) to the survivor b: th's key wrapped
// under b's thread key, and merged_into set.
func (s *Service) linkMerged(ctx context.Context, tx *sql.Tx, id int64, th *messaging.Thread, b *access) error {
	if err := s.msg.AddParticipant(ctx, tx, th, messaging.LinkParticipant(b.r.threadID), b.th.Keyring()); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, sqlSetMergedInto, id, b.r.id)
	return err
}

// sameCustomer: the same e-mail address, or the same account.
func sameCustomer(a, b *row) bool {
	if a.accountID.Valid && b.accountID.Valid && a.accountID.Int64 == b.accountID.Int64 {
		return true
	}
	return bytes.Equal(a.emailLookup, b.emailLookup)
}

func mergedInto(ctx context.Context, q store.Querier, id int64) (int64, error) {
	var into int64
	err := q.QueryRowContext(ctx, sqlMergedInto, id).Scan(&into)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errDenied()
	}
	return into, err
}

// mergedSource is a ticket merged into another.
type mergedSource struct {
	id, threadID int64
	ref          string
}

func mergedSources(ctx context.Context, q store.Querier, id int64) ([]mergedSource, error) {
	rows, err := q.QueryContext(ctx, sqlMergedSources, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []mergedSource
	for rows.Next() {
		var m mergedSource
		if err := rows.Scan(&m.id, &m.ref, &m.threadID); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// openMerged unlocks the thread of a ticket merged into a's, through a's
// thread key.
func (s *Service) openMerged(ctx context.Context, a *access, src mergedSource) (*messaging.Thread, error) {
	return s.msg.OpenAs(ctx, s.db.Read, src.threadID, messaging.LinkParticipant(a.r.threadID), a.th.Keyring())
}

// triageView adds to t what triage knows of it: its tags (agents), the
// survivor it was merged into, and the messages of the tickets merged into
// it, in time order with their own reference (notes and unreleased replies
// for agents only, as on their own ticket).
func (s *Service) triageView(ctx context.Context, a *access, t *Ticket, names map[int64]string) error {
	q := s.db.Read
	if a.agent {
		tags, err := ticketTags(ctx, q, a.r.id)
		if err != nil {
			return err
		}
		t.Tags = tags
	}
	into, err := mergedInto(ctx, q, a.r.id)
	if err != nil {
		return err
	}
	if into != 0 {
		// The survivor may be gone (erased with its account): the ticket
		// then shows as it is, its own thread whole.
		err := q.QueryRowContext(ctx, sqlReferenceOf, into).Scan(&t.MergedInto)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		t.CanReply = t.CanReply && t.MergedInto == ""
	}
	sources, err := mergedSources(ctx, q, a.r.id)
	if err != nil || len(sources) == 0 {
		return err
	}
	for _, src := range sources {
		t.Merged = append(t.Merged, src.ref)
		th, err := s.openMerged(ctx, a, src)
		if err != nil {
			return err
		}
		msgs, err := s.msg.Messages(ctx, q, th, a.agent)
		if err != nil {
			return err
		}
		customer := metaOf(th).Name
		for _, mm := range msgs {
			if mm.Kind == kindNote && !a.agent {
				continue
			}
			msg := messageOf(mm, names, customer)
			msg.FromReference = src.ref
			t.Messages = append(t.Messages, msg)
		}
	}
	slices.SortStableFunc(t.Messages, func(x, y Message) int { return x.CreatedAt.Compare(y.CreatedAt) })
	return nil
}

// mergedFile is attachment id of a ticket merged into a's, as a's viewer
// may see it, or messaging.ErrNotFound.
func (s *Service) mergedFile(ctx context.Context, a *access, id int64) (*messaging.FileInfo, []byte, error) {
	sources, err := mergedSources(ctx, s.db.Read, a.r.id)
	if err != nil {
		return nil, nil, err
	}
	for _, src := range sources {
		th, err := s.openMerged(ctx, a, src)
		if err != nil {
			return nil, nil, err
		}
		info, data, err := s.msg.File(ctx, s.db.Read, th, id, a.agent)
		if errors.Is(err, messaging.ErrNotFound) {
			continue
		}
		return info, data, err
	}
	return nil, nil, messaging.ErrNotFound
}
