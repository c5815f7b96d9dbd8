package tickets

// The SQL of the tickets room ($N placeholders, portable to PostgreSQL), in
// one place. Tables: data/migrations/0005_tickets.sql. The queue's filtered
// query is assembled in queue.go from the columns below. Nothing here is
// SQLite-only: the group committer and its PRAGMAs are store's.

import (
	"strconv"
	"strings"
)

const rowColumns = `id, thread_id, reference, lang, topic, comment, closed, customer_unread, desk_unread, status, priority,
	account_id, assignee_id, email_lookup, email_sealed, access_hash, rating_sealed, created_at, updated_at,
	first_response_at, resolved_at, first_response_due, resolution_due, next_due, rating_score, rated_at,
	sla_used, sla_since, sla_paused_at, sla_state, sla_check_at, first_response_work, resolution_work`

// summaryColumns are a row plus its thread's sealed columns, so a list
// unlocks every subject without a query per ticket.
const summaryRow = `t.id, t.thread_id, t.reference, t.lang, t.topic, t.comment, t.closed, t.customer_unread, t.desk_unread,
	t.status, t.priority, t.account_id, t.assignee_id, t.email_lookup, t.email_sealed, t.access_hash, t.rating_sealed,
	t.created_at, t.updated_at, t.first_response_at, t.resolved_at, t.first_response_due, t.resolution_due, t.next_due,
	t.rating_score, t.rated_at, t.sla_used, t.sla_since, t.sla_paused_at, t.sla_state, t.sla_check_at,
	t.first_response_work, t.resolution_work`

const summaryColumns = summaryRow + `, m.desk_wrapped, m.meta_sealed`

// Tickets and lists of them.
const (
	sqlTicketByRef = `SELECT ` + rowColumns + ` FROM tickets WHERE reference = $1`
	sqlTicketByID  = `SELECT ` + rowColumns + ` FROM tickets WHERE id = $1`
	sqlSummaries   = `SELECT ` + summaryColumns + ` FROM tickets t JOIN msg_threads m ON m.id = t.thread_id`
	sqlSummariesIn = sqlSummaries + ` WHERE t.id IN (`
	// An account's tickets with the thread key as wrapped for that account
	// ($2 = "account:ID"), in place of the desk's.
	sqlForAccount = `SELECT ` + summaryRow + `, p.key_wrapped, m.meta_sealed FROM tickets t
		JOIN msg_threads m ON m.id = t.thread_id
		JOIN msg_participants p ON p.thread_id = t.thread_id AND p.participant = $2
		WHERE t.account_id = $1 ORDER BY t.updated_at DESC, t.id DESC LIMIT 200`
	sqlCustomerTickets = sqlSummaries + ` WHERE t.id <> $1 AND (t.email_lookup = $2 OR ($3 > 0 AND t.account_id = $3))
		ORDER BY t.created_at DESC, t.id DESC LIMIT 50`
)

const (
	sqlCountTopics = `SELECT count(*) FROM ticket_topics`
	sqlUpsertTopic = `INSERT INTO ticket_topics (key, names, position, active) VALUES ($1, $2, $3, $4)
		ON CONFLICT (key) DO UPDATE SET names = excluded.names, position = excluded.position, active = excluded.active`
	sqlTopicActive  = `SELECT active FROM ticket_topics WHERE key = $1`
	sqlTopics       = `SELECT key, names, active FROM ticket_topics ORDER BY position, key`
	sqlCanned       = `SELECT id, lang, title, body FROM ticket_canned WHERE lang = $1 ORDER BY title, id`
	sqlInsertCanned = `INSERT INTO ticket_canned (lang, title, body) VALUES ($1, $2, $3)`
	sqlUpdateCanned = `UPDATE ticket_canned SET lang = $2, title = $3, body = $4 WHERE id = $1`
	sqlDeleteCanned = `DELETE FROM ticket_canned WHERE id = $1`
	sqlUpsertAgent  = `INSERT INTO ticket_agents (account_id, name_sealed, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (account_id) DO UPDATE SET name_sealed = excluded.name_sealed, updated_at = excluded.updated_at`
	sqlHistory      = `SELECT at, actor, kind, from_val, to_val FROM ticket_events WHERE ticket_id = $1 ORDER BY id`
	sqlFormCount    = `SELECT count(*) FROM ticket_forms WHERE form_hash = $1`
	sqlInsertNotice = `INSERT INTO ticket_notices (message_id, ticket_id, due_at) VALUES ($1, $2, $3)`
	sqlTouchTicket  = `UPDATE tickets SET updated_at = $2 WHERE id = $1`
	sqlAgentExists  = `SELECT count(*) FROM ticket_agents WHERE account_id = $1`
	sqlCounts       = `SELECT status, n FROM ticket_counts`
	sqlDueNotices   = `SELECT n.message_id, n.ticket_id FROM ticket_notices n WHERE n.due_at <= $1 LIMIT 500`
	sqlDeleteNotice = `DELETE FROM ticket_notices WHERE message_id = $1`
	sqlPruneForms   = `DELETE FROM ticket_forms WHERE created_at <= $1`
	sqlPruneLimits  = `DELETE FROM ticket_limits WHERE window_start <= $1`
	sqlCountCanned  = `SELECT count(*) FROM ticket_canned`
	sqlSaveTicket   = `UPDATE tickets SET status = $2, priority = $3, assignee_id = $4, updated_at = $5,
		first_response_at = $6, resolved_at = $7, first_response_due = $8, resolution_due = $9, next_due = $10, closed = $11,
		customer_unread = $12, desk_unread = $13, rating_score = $14, rating_sealed = $15, rated_at = $16,
		sla_used = $17, sla_since = $18, sla_paused_at = $19, sla_state = $20, sla_check_at = $21,
		first_response_work = $22, resolution_work = $23 WHERE id = $1`
	sqlAgents    = `SELECT account_id, name_sealed FROM ticket_agents`
	sqlLimitRead = `SELECT window_start, attempts FROM ticket_limits WHERE scope = $1 AND key = $2`
	sqlSeedTopic = `INSERT INTO ticket_topics (key, names, position, active) VALUES ($1, $2, $3, $4)
		ON CONFLICT (key) DO NOTHING`
	sqlCustomerRead = `UPDATE tickets SET customer_unread = 0 WHERE id = $1`
	sqlDeskRead     = `UPDATE tickets SET desk_unread = 0 WHERE id = $1`
)

// Presence on a ticket (presence.go; data/migrations/0024_ticket_presence.sql).
const (
	sqlPresenceOn = `SELECT agent_id, writing, seen_at FROM ticket_presence WHERE reference = $1 AND seen_at > $2`
	sqlPresenceAt = `INSERT INTO ticket_presence (reference, agent_id, writing, seen_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (reference, agent_id) DO UPDATE SET writing = excluded.writing, seen_at = excluded.seen_at`
	sqlPresenceLeave = `DELETE FROM ticket_presence WHERE reference = $1 AND agent_id = $2`
	sqlPrunePresence = `DELETE FROM ticket_presence WHERE seen_at <= $1`
)

// sqlAccountTickets is every ticket of an account, oldest first, with the
// thread key as wrapped for it when there is one ($2 = "account:ID").
const sqlAccountTickets = `SELECT ` + summaryRow + `, p.key_wrapped, m.meta_sealed FROM tickets t
	JOIN msg_threads m ON m.id = t.thread_id
	LEFT JOIN msg_participants p ON p.thread_id = t.thread_id AND p.participant = $2
	WHERE t.account_id = $1 ORDER BY t.created_at, t.id`

// The statements of EraseAccountData.
const (
	sqlAccountThreads   = `SELECT thread_id FROM tickets WHERE account_id = $1`
	sqlEraseCounts      = `UPDATE ticket_counts SET n = n - (SELECT count(*) FROM tickets t WHERE t.account_id = $1 AND t.status = ticket_counts.status)`
	sqlEraseForms       = `DELETE FROM ticket_forms WHERE reference IN (SELECT reference FROM tickets WHERE account_id = $1)`
	sqlEraseWords       = `DELETE FROM ticket_words WHERE ticket_id IN (SELECT id FROM tickets WHERE account_id = $1)`
	sqlEraseEvents      = `DELETE FROM ticket_events WHERE ticket_id IN (SELECT id FROM tickets WHERE account_id = $1)`
	sqlEraseNotices     = `DELETE FROM ticket_notices WHERE ticket_id IN (SELECT id FROM tickets WHERE account_id = $1)`
	sqlEraseTickets     = `DELETE FROM tickets WHERE account_id = $1`
	sqlEraseAccountPart = `DELETE FROM msg_participants WHERE participant = $1`
)

// The statements of a submission, prepared once (see store.Prepared).
const (
	sqlFormSeen   = `SELECT reference FROM ticket_forms WHERE form_hash = $1`
	sqlFormInsert = `INSERT INTO ticket_forms (form_hash, reference, created_at) VALUES ($1, $2, $3)`
	sqlRefTaken   = `SELECT count(*) FROM tickets WHERE reference = $1`
	sqlCountUp    = `UPDATE ticket_counts SET n = n + 1 WHERE status = $1`
	sqlCountDown  = `UPDATE ticket_counts SET n = n - 1 WHERE status = $1`
	sqlTicketRef  = `SELECT reference FROM tickets WHERE id = $1` // audit.go
	sqlEvent      = `INSERT INTO ticket_events (ticket_id, at, actor, kind, from_val, to_val) VALUES ($1, $2, $3, $4, $5, $6)`
	sqlLimitCount = `INSERT INTO ticket_limits (scope, key, window_start, attempts) VALUES ($1, $2, $3, 1)
		ON CONFLICT (scope, key) DO UPDATE SET
			attempts = CASE WHEN $3 - ticket_limits.window_start >= $4 THEN 1 ELSE ticket_limits.attempts + 1 END,
			window_start = CASE WHEN $3 - ticket_limits.window_start >= $4 THEN $3 ELSE ticket_limits.window_start END
		RETURNING attempts` // the existing row's columns named with their table: PostgreSQL finds a bare name ambiguous beside excluded.*
	sqlInsertTicket = `INSERT INTO tickets (reference, thread_id, lang, topic, comment, status, priority, account_id,
		email_lookup, email_sealed, access_hash, created_at, updated_at, first_response_due, resolution_due, next_due, desk_unread,
		sla_since, sla_state, sla_check_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15, 1, $16, $17, $18) RETURNING id`
)

// The service-level sweep (sla.go): tickets whose timer may have changed
// state, and the claim of one change (only if no one changed it since).
const (
	sqlSLADue   = `SELECT id FROM tickets WHERE sla_check_at > 0 AND sla_check_at <= $1 ORDER BY sla_check_at LIMIT 500`
	sqlSLAClaim = `UPDATE tickets SET sla_state = $2, sla_check_at = $3 WHERE id = $1 AND sla_state = $4 AND sla_check_at = $5`
	// RetimeSLA: the running tickets after an id, a batch at a time, and the
	// new due times of one (only if its clock, priority and status are still
	// the ones read: a concurrent change has recomputed them itself).
	sqlSLARunning = `SELECT ` + rowColumns + ` FROM tickets WHERE id > $1 AND sla_since > 0 ORDER BY id LIMIT $2`
)

// retimeColumns are the values of one ticket in sqlSLARetime: id, the new
// first_response_due, resolution_due, next_due, sla_state, sla_check_at,
// and the sla_since, sla_used, priority and status read.
const retimeColumns = 10

// sqlSLARetime sets the new due times of n tickets in one statement (one
// statement journal and one run of the tags' trigger each, not n), each
// only if its clock, priority and status are still the ones read: a
// concurrent change has recomputed them itself. VALUES' columns are
// column1… in SQLite and PostgreSQL alike; each is cast to its column's type.
func sqlSLARetime(n int) string {
	var b strings.Builder
	b.WriteString(`UPDATE tickets SET first_response_due = v.column2, resolution_due = v.column3, next_due = v.column4,
		sla_state = v.column5, sla_check_at = v.column6 FROM (VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range retimeColumns {
			if c > 0 {
				b.WriteString(", ")
			}
			// Cast: PostgreSQL types a VALUES list's parameters as text
			// unless told; columns 9 and 10 (priority, status) are text.
			typ := "BIGINT"
			if c >= 8 {
				typ = "TEXT"
			}
			b.WriteString("CAST($" + strconv.Itoa(i*retimeColumns+c+1) + " AS " + typ + ")")
		}
		b.WriteByte(')')
	}
	b.WriteString(`) AS v WHERE tickets.id = v.column1 AND tickets.sla_since = v.column7 AND tickets.sla_used = v.column8
		AND tickets.priority = v.column9 AND tickets.status = v.column10`)
	return b.String()
}

// wordChunks are the row counts of the prepared multi-row inserts of the
// blind index: a text's words go in as few of them as their binary digits.
var wordChunks = []int{32, 16, 8, 4, 2, 1}

// sqlWords inserts n index entries of one ticket ($1).
func sqlWords(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO ticket_words (word, ticket_id) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("($" + strconv.Itoa(i+2) + ", $1)")
	}
	b.WriteString(` ON CONFLICT DO NOTHING`)
	return b.String()
}

var hotQueries = func() []string {
	q := []string{sqlFormSeen, sqlFormInsert, sqlRefTaken, sqlCountUp, sqlCountDown, sqlEvent, sqlLimitCount, sqlInsertTicket}
	for _, n := range wordChunks {
		q = append(q, sqlWords(n))
	}
	return q
}()

// Triage (issue 14): tags, saved views, merging (data/migrations/0019_triage.sql).
const (
	sqlTicketTags = `SELECT tag FROM ticket_tags WHERE ticket_id = $1 ORDER BY tag`
	// A tag carries a copy of the ticket's queue columns (0019_triage.sql's
	// trigger keeps it).
	sqlTagInsert = `INSERT INTO ticket_tags (tag, ticket_id, closed, next_due, updated_at, status, priority, topic, assignee_id)
		SELECT $1, id, closed, next_due, updated_at, status, priority, topic, assignee_id FROM tickets WHERE id = $2
		ON CONFLICT DO NOTHING`
	sqlTagDelete    = `DELETE FROM ticket_tags WHERE tag = $1 AND ticket_id = $2`
	sqlTagCountUp   = `INSERT INTO ticket_tag_counts (tag, n) VALUES ($1, 1) ON CONFLICT (tag) DO UPDATE SET n = ticket_tag_counts.n + 1`
	sqlTagCountDown = `UPDATE ticket_tag_counts SET n = n - 1 WHERE tag = $1`
	sqlTagsInUse    = `SELECT tag, n FROM ticket_tag_counts WHERE n > 0 ORDER BY tag LIMIT 500`
	// The tags of a page of tickets: "IN (" then placeholders and ")".
	sqlTagsOfIn = `SELECT ticket_id, tag FROM ticket_tags WHERE ticket_id IN (`
	// Erasing an account's tickets lowers the tag counts first.
	sqlEraseTagCounts = `UPDATE ticket_tag_counts SET n = n - (SELECT count(*) FROM ticket_tags g
		JOIN tickets t ON t.id = g.ticket_id WHERE t.account_id = $1 AND g.tag = ticket_tag_counts.tag)`

	sqlEraseTags = `DELETE FROM ticket_tags WHERE ticket_id IN (SELECT id FROM tickets WHERE account_id = $1)`

	sqlMergedInto    = `SELECT merged_into FROM tickets WHERE id = $1`
	sqlSetMergedInto = `UPDATE tickets SET merged_into = $2 WHERE id = $1`
	sqlMergedSources = `SELECT id, reference, thread_id FROM tickets WHERE merged_into = $1 ORDER BY id`
	sqlReferenceOf   = `SELECT reference FROM tickets WHERE id = $1`
	sqlCopyWords     = `INSERT INTO ticket_words (word, ticket_id) SELECT word, $2 FROM ticket_words WHERE ticket_id = $1 ON CONFLICT DO NOTHING`
	sqlViewsFor      = `SELECT id, owner_id, name, shared, filter FROM ticket_views WHERE owner_id = $1 OR shared = 1 ORDER BY name, id LIMIT 200`
	sqlViewByID      = `SELECT id, owner_id, name, shared, filter FROM ticket_views WHERE id = $1`
	sqlInsertView    = `INSERT INTO ticket_views (owner_id, name, shared, filter, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`
	sqlUpdateView    = `UPDATE ticket_views SET name = $2, shared = $3, filter = $4 WHERE id = $1`
	sqlDeleteView    = `DELETE FROM ticket_views WHERE id = $1`
	sqlCountOwnViews = `SELECT count(*) FROM ticket_views WHERE owner_id = $1`
)

// Custom fields per topic (fields.go; data/migrations/0023_custom_fields.sql).
const (
	sqlFieldColumns  = `id, topic, kind, labels, options, required, position, removed`
	sqlFieldsAll     = `SELECT ` + sqlFieldColumns + ` FROM topic_fields ORDER BY topic, position, id`
	sqlFieldsOfTopic = `SELECT ` + sqlFieldColumns + ` FROM topic_fields WHERE topic = $1 ORDER BY position, id`
	sqlFieldByID     = `SELECT ` + sqlFieldColumns + ` FROM topic_fields WHERE id = $1`
	sqlFieldInsert   = `INSERT INTO topic_fields (topic, kind, labels, options, required, position) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`
	sqlFieldUpdate   = `UPDATE topic_fields SET labels = $2, options = $3, required = $4, position = $5 WHERE id = $1 AND removed = 0`
	sqlFieldRemove   = `UPDATE topic_fields SET removed = 1 WHERE id = $1 AND removed = 0`
	// A blind index entry carries a copy of the ticket's queue columns
	// (0027_field_queue.sql's trigger keeps it), as a tag does.
	sqlFieldIndexAdd = `INSERT INTO ticket_field_index (hash, ticket_id, field_id, closed, next_due, updated_at, status, priority, topic, assignee_id)
		SELECT CAST($1 AS BIGINT), id, CAST($3 AS BIGINT), closed, next_due, updated_at, status, priority, topic, assignee_id FROM tickets WHERE id = $2
		ON CONFLICT DO NOTHING`
	sqlFieldIndexClear = `DELETE FROM ticket_field_index WHERE ticket_id = $1 AND field_id = $2`
	// How many tickets have a field value ($1, its hash): open ($2 the
	// closed status), or of one status ($2).
	sqlFieldCountOpen   = `SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM ticket_field_counts WHERE hash = $1 AND status <> $2`
	sqlFieldCountStatus = `SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM ticket_field_counts WHERE hash = $1 AND status = $2`
)

// verify.go: samples of what the desk keys seal, newest first.
const (
	sqlSampleTicketEmails = `SELECT reference, email_sealed FROM tickets ORDER BY id DESC LIMIT $1`
	sqlSampleAgentNames   = `SELECT account_id, name_sealed FROM ticket_agents ORDER BY updated_at DESC, account_id DESC LIMIT $1`
)
