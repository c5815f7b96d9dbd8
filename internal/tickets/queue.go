package tickets

import (
	"cmp"
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/internal/messaging"
)

// summaries reads rows of summaryColumns (or summaryRow plus a wrapped
// thread key and the sealed metadata). unlock opens each thread; a row it
// cannot open is left out. forDesk: Unread means "the desk has not read the
// customer's last message", else the customer's view.
func (s *Service) summaries(ctx context.Context, rows *sql.Rows, forDesk bool,
	unlock func(threadID int64, wrapped, meta []byte) (*messaging.Thread, error)) ([]Summary, error) {
	defer rows.Close()
	type item struct {
		r            *row
		wrapped, met []byte
	}
	var items []item
	for rows.Next() {
		var it item
		r := &row{}
		if err := rows.Scan(append(r.dest(), &it.wrapped, &it.met)...); err != nil {
			return nil, err
		}
		it.r = r
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	names, err := s.agentNames(ctx, s.db.Read)
	if err != nil {
		return nil, err
	}
	now := s.now().Unix()
	out := make([]Summary, 0, len(items))
	for _, it := range items {
		r := it.r
		th, err := unlock(r.threadID, it.wrapped, it.met)
		if err != nil {
			if forDesk {
				return nil, err
			}
			continue
		}
		m := metaOf(th)
		first, res := overdue(r, now)
		sm := Summary{ID: r.id, Reference: r.ref, Subject: m.Subject, Topic: r.topic, CustomerName: m.Name,
			AssigneeName: names[r.assignee], Status: r.status, Priority: r.priority, Comment: r.comment,
			CreatedAt: timeOf(r.created), UpdatedAt: timeOf(r.updated), FirstResponseDue: timeOf(r.frDue),
			ResolutionDue: timeOf(r.resDue), Unread: r.custUnread}
		if forDesk {
			sm.Unread = r.deskUnread
			sm.Overdue = (first && r.firstResp == 0) || (res && r.resolved == 0)
			sm.SLA, sm.Waiting = r.slaState, r.slaSince == 0 && r.status != StatusClosed
		}
		out = append(out, sm)
	}
	return out, nil
}

// Queue is one page of the agents' queue (staff only): overdue tickets
// first, then by the next deadline, then most recently updated. Text matches
// the reference, or every word of it against the blind index of subjects,
// bodies and notes.
func (s *Service) Queue(ctx context.Context, v Viewer, f QueueFilter) (*Queue, error) {
	if !v.staff() {
		return nil, errNotAllowed()
	}
	f = f.paged()
	sel, err := s.queueWhere(f)
	if err != nil {
		return nil, err
	}
	if f.Field != 0 {
		if err := s.queueField(ctx, sel, f); err != nil { // fields.go
			return nil, err
		}
	}
	q := &Queue{Page: f.Page}
	if q.Counts, err = s.statusCounts(ctx); err != nil {
		return nil, errs.Wrap(err, "tickets: counts")
	}
	if q.Total, err = s.queueTotal(ctx, f.Status, sel, q.Counts); err != nil {
		return nil, errs.Wrap(err, "tickets: queue total")
	}
	ids, err := s.queueIDs(ctx, f, sel)
	if err != nil {
		return nil, errs.Wrap(err, "tickets: queue")
	}
	if sel.text {
		// A text search lists all its matches: their number is the
		// total, and the page is cut here.
		q.Total = len(ids)
		ids = f.cut(ids)
	}
	q.Pages = max(1, (q.Total+f.PageSize-1)/f.PageSize)
	if q.Tickets, err = s.summariesByID(ctx, ids); err != nil {
		return nil, errs.Wrap(err, "tickets: queue")
	}
	return q, nil
}

// paged is f with its page and page size made sane: 20 a page unless asked,
// at most 100, from page 1.
func (f QueueFilter) paged() QueueFilter {
	if f.PageSize <= 0 {
		f.PageSize = 20
	}
	f.PageSize = min(f.PageSize, 100)
	f.Page = max(f.Page, 1)
	return f
}

// cut is f's page of ids, the whole list's.
func (f QueueFilter) cut(ids []int64) []int64 {
	lo := min(len(ids), (f.Page-1)*f.PageSize)
	return ids[lo:min(len(ids), lo+f.PageSize)]
}

// queueSelection is the SQL that picks a queue filter's tickets.
type queueSelection struct {
	// from is tickets t, the blind-index matches joined to it, or a copy
	// of the queue's columns (ticket_tags, ticket_field_index) as t.
	from  string
	where []string
	args  []any
	// onlyStatus is true when the status alone filters: the status counts
	// then give the total.
	onlyStatus bool
	// text is true for a blind-index text search.
	text bool
	tag  string // the tag filter, normalized
	// ref is true for a search by reference (a where on tickets alone).
	ref bool
	// fieldCount, when set, is the blind index hash of a field value that
	// filters with at most a status besides: the total is its counts
	// (ticket_field_counts; fields.go).
	fieldCount *int64
	// id is the ticket id's column in from ("" t.id).
	id string
	// order is SortUpdated, or "" for the queue order (overdue first, by
	// due time).
	order string
}

// arg binds v and returns its placeholder.
func (sel *queueSelection) arg(v any) string {
	sel.args = append(sel.args, v)
	return "$" + strconv.Itoa(len(sel.args))
}

func (sel *queueSelection) cond() string { return strings.Join(sel.where, " AND ") }

// queueWhere turns a filter into the selection's SQL; an unknown status or
// priority is invalid input.
func (s *Service) queueWhere(f QueueFilter) (*queueSelection, error) {
	sel := &queueSelection{from: `tickets t`, onlyStatus: true}
	if f.Status == "" {
		sel.where = append(sel.where, "t.closed = 0")
	} else {
		if !f.Status.Valid() {
			return nil, errs.E(errs.Invalid, MsgStatusNotAllowed)
		}
		sel.where = append(sel.where, "t.status = "+sel.arg(f.Status))
	}
	if f.Priority != "" {
		if !f.Priority.Valid() {
			return nil, errs.E(errs.Invalid, MsgPriorityInvalid)
		}
		sel.where = append(sel.where, "t.priority = "+sel.arg(f.Priority))
		sel.onlyStatus = false
	}
	if f.Topic != "" {
		sel.where = append(sel.where, "t.topic = "+sel.arg(f.Topic))
		sel.onlyStatus = false
	}
	switch {
	case f.Assignee < 0:
		sel.where = append(sel.where, "t.assignee_id = 0")
		sel.onlyStatus = false
	case f.Assignee > 0:
		sel.where = append(sel.where, "t.assignee_id = "+sel.arg(f.Assignee))
		sel.onlyStatus = false
	}
	if f.Tag != "" {
		tag, err := NormalizeTag(f.Tag)
		if err != nil {
			return nil, err
		}
		sel.onlyStatus = false
		sel.tag = tag
	}
	switch f.Sort {
	case "", SortDue:
	case SortUpdated:
		sel.order = SortUpdated
	default:
		return nil, errs.E(errs.Invalid, MsgViewInvalid)
	}
	if text := strings.TrimSpace(f.Text); text != "" {
		sel.onlyStatus = false
		s.queueText(sel, text)
	}
	switch {
	case sel.tag != "" && sel.text:
		// The text's matches drive the query; the tag narrows them.
		sel.from = `(SELECT ticket_id FROM ticket_tags WHERE tag = ` + sel.arg(sel.tag) + `) g CROSS JOIN ` + sel.from + ` AND t.id = g.ticket_id`
	case sel.tag != "":
		// ticket_tags carries the queue's columns under the same names
		// (0019_triage.sql): the query reads the tag's index range in
		// queue order, never the tickets.
		sel.from, sel.id = `ticket_tags t`, `t.ticket_id`
		sel.where = append([]string{"t.tag = " + sel.arg(sel.tag)}, sel.where...)
		sel.closedForUpdated(f)
	}
	return sel, nil
}

// closedForUpdated lets a copy of the queue's columns (ticket_tags,
// ticket_field_index) sorted by last change read its (key, closed,
// updated_at) index when a status filters: the status implies closed.
func (sel *queueSelection) closedForUpdated(f QueueFilter) {
	if f.Status != "" && f.Sort == SortUpdated {
		sel.where = append(sel.where, "t.closed = "+sel.arg(f.Status == StatusClosed))
	}
}

// queueText narrows sel to text: the ticket with that reference, or the
// tickets whose blind index holds every word of it.
func (s *Service) queueText(sel *queueSelection, text string) {
	if ref, ok := NormalizeReference(text); ok {
		sel.where = append(sel.where, "t.reference = "+sel.arg(ref))
		sel.ref = true
		return
	}
	hashes := s.queryHashes(text)
	if len(hashes) == 0 {
		sel.where = append(sel.where, "0")
		return
	}
	// Every word: an intersection of index ranges of the blind index
	// (WITHOUT ROWID, keyed by word then ticket). The matches drive the
	// query (CROSS JOIN keeps them the outer loop): a few hundred matches
	// are sorted, instead of walking the whole queue to probe each ticket.
	parts := make([]string, len(hashes))
	for i, h := range hashes {
		parts[i] = `SELECT ticket_id FROM ticket_words WHERE word = ` + sel.arg(h)
	}
	sel.from = `(` + strings.Join(parts, " INTERSECT ") + `) w ` + s.drivenJoin + ` tickets t ON t.id = w.ticket_id`
	sel.text = true
}

// statusCounts is how many tickets have each status.
func (s *Service) statusCounts(ctx context.Context) (map[Status]int, error) {
	counts := map[Status]int{}
	rows, err := s.db.Read.QueryContext(ctx, sqlCounts)
	if err != nil {
		return counts, err
	}
	defer rows.Close()
	for rows.Next() {
		var st Status
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return counts, err
		}
		counts[st] = n
	}
	return counts, rows.Err()
}

// queueTotal is how many tickets sel picks: from the status counts when
// the status alone filters, else counted. A text search's total is the
// number of its matches, which Queue counts as it lists them (0 here).
func (s *Service) queueTotal(ctx context.Context, status Status, sel *queueSelection, counts map[Status]int) (int, error) {
	switch {
	case sel.onlyStatus && status == "":
		total := 0
		for st, n := range counts {
			if st != StatusClosed {
				total += n
			}
		}
		return total, nil
	case sel.onlyStatus:
		return counts[status], nil
	case sel.text:
		return 0, nil
	case sel.fieldCount != nil && status == "":
		var total int
		err := s.db.Read.QueryRowContext(ctx, sqlFieldCountOpen, *sel.fieldCount, StatusClosed).Scan(&total)
		return total, err
	case sel.fieldCount != nil:
		var total int
		err := s.db.Read.QueryRowContext(ctx, sqlFieldCountStatus, *sel.fieldCount, status).Scan(&total)
		return total, err
	}
	var total int
	err := s.db.Read.QueryRowContext(ctx, `SELECT count(*) FROM `+sel.from+` WHERE `+sel.cond(), sel.args...).Scan(&total)
	return total, err
}

// queueIDs are the ids of f's page, in queue order: from the index alone,
// so deep pages skip index entries, not joined rows. A text search lists
// all its matches' ids in one pass (the total is their number) rather than
// intersecting the words twice.
func (s *Service) queueIDs(ctx context.Context, f QueueFilter, sel *queueSelection) ([]int64, error) {
	id := cmp.Or(sel.id, "t.id")
	order := ` ORDER BY t.next_due, t.updated_at DESC`
	if sel.order != "" {
		order = ` ORDER BY t.updated_at DESC, ` + id + ` DESC`
	}
	query := `SELECT ` + id + ` FROM ` + sel.from + ` WHERE ` + sel.cond() + order
	if !sel.text {
		query += ` LIMIT ` + sel.arg(f.PageSize) + ` OFFSET ` + sel.arg((f.Page-1)*f.PageSize)
	}
	if s.explain != nil {
		s.explain(query, sel.args)
	}
	return s.ids(ctx, query, sel.args)
}

// summariesByID are the queue rows of ids, with their threads, in the
// order of ids (a ticket gone since is left out).
func (s *Service) summariesByID(ctx context.Context, ids []int64) ([]Summary, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	idArgs := make([]any, len(ids))
	ph := make([]string, len(ids))
	for i, id := range ids {
		idArgs[i], ph[i] = id, "$"+strconv.Itoa(i+1)
	}
	rows, err := s.db.Read.QueryContext(ctx, sqlSummariesIn+strings.Join(ph, ", ")+`)`, idArgs...)
	if err != nil {
		return nil, err
	}
	list, err := s.summaries(ctx, rows, true, s.msg.DeskThread)
	if err != nil {
		return nil, err
	}
	tags, err := s.tagsOf(ctx, ids, ph, idArgs)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]Summary, len(list))
	for _, sm := range list {
		sm.Tags = tags[sm.ID]
		byID[sm.ID] = sm
	}
	var out []Summary
	for _, id := range ids {
		if sm, ok := byID[id]; ok {
			out = append(out, sm)
		}
	}
	return out, nil
}

// tagsOf are the tags of tickets ids (placeholders ph bound to idArgs).
func (s *Service) tagsOf(ctx context.Context, ids []int64, ph []string, idArgs []any) (map[int64][]string, error) {
	out := make(map[int64][]string, len(ids))
	rows, err := s.db.Read.QueryContext(ctx, sqlTagsOfIn+strings.Join(ph, ", ")+`) ORDER BY ticket_id, tag`, idArgs...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return nil, err
		}
		out[id] = append(out[id], tag)
	}
	return out, rows.Err()
}

func (s *Service) ids(ctx context.Context, query string, args []any) ([]int64, error) {
	rows, err := s.db.Read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// ForAccount lists the signed-in user's own tickets (those their data key
// opens), most recently updated first.
func (s *Service) ForAccount(ctx context.Context, sess *accounts.Session) ([]Summary, error) {
	if sess == nil {
		return nil, errDenied()
	}
	part := partAccount(sess.AccountID)
	rows, err := s.db.Read.QueryContext(ctx, sqlForAccount, sess.AccountID, part)
	if err != nil {
		return nil, errs.Wrap(err, "tickets: for account")
	}
	// Only what this account's data key opens: after Reset Account (a new
	// data key) the old tickets stay reachable by their access keys only,
	// and an account id reused after a deletion opens nothing.
	keys := s.accountKeyring(sess)
	list, err := s.summaries(ctx, rows, false, func(id int64, wrapped, meta []byte) (*messaging.Thread, error) {
		return s.msg.ParticipantThread(id, part, keys, wrapped, meta)
	})
	return list, errs.Wrap(err, "tickets: for account")
}

// CustomerTickets lists the same customer's other tickets (same e-mail
// address or same account), newest first (agents only).
func (s *Service) CustomerTickets(ctx context.Context, v Viewer, ref string) ([]Summary, error) {
	if !v.staff() {
		return nil, errNotAllowed()
	}
	a, err := s.open(ctx, v, ref)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Read.QueryContext(ctx, sqlCustomerTickets,
		a.r.id, a.r.emailLookup, a.r.accountID.Int64)
	if err != nil {
		return nil, errs.Wrap(err, "tickets: customer tickets")
	}
	list, err := s.summaries(ctx, rows, true, s.msg.DeskThread)
	return list, errs.Wrap(err, "tickets: customer tickets")
}

// Tick does Run's periodic work once: destroys expired messages, sends the
// notices of replies whose release time came, and forgets form nonces older
// than a day, spent counters and presence older than PresenceTTL.
func (s *Service) Tick(ctx context.Context) error {
	n, err := s.msg.Sweep(ctx)
	if err != nil {
		return err
	}
	// The service-level sweep (sla.go); its failure must not hold up the
	// customers' notices below.
	if _, err := s.SweepSLA(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("tickets: sla sweep", "err", err)
	}
	if n > 0 {
		s.changed()
	}
	now := s.now().Unix()
	rows, err := s.db.Read.QueryContext(ctx, sqlDueNotices, now)
	if err != nil {
		return err
	}
	type due struct{ mid, tid int64 }
	var dues []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.mid, &d.tid); err != nil {
			rows.Close()
			return err
		}
		dues = append(dues, d)
	}
	rows.Close()
	for _, d := range dues {
		r, err := loadRow(ctx, s.db.Read, sqlTicketByID, d.tid)
		if err != nil {
			return err
		}
		email, err := s.customerEmail(r)
		if err != nil {
			return err
		}
		if err := s.write(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, sqlDeleteNotice, d.mid)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil
			}
			return s.replyNotice(ctx, tx, r, email)
		}); err != nil {
			return err
		}
	}
	// Housekeeping changes no ticket: no version bump.
	return s.commits.Do(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, sqlPruneForms, now-int64(24*time.Hour/time.Second)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, sqlPrunePresence, now-int64(PresenceTTL/time.Second)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, sqlPruneLimits, now-int64(time.Hour/time.Second))
		return err
	})
}
