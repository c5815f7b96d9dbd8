package notify

// The SQL of the notify room ($N placeholders, portable to PostgreSQL).
// Tables: data/migrations/0018_notify.sql.

const (
	sqlUpsertAgent = `INSERT INTO notify_agents (account_id, email_sealed, lang) VALUES ($1, $2, $3)
		ON CONFLICT (account_id) DO UPDATE SET email_sealed = excluded.email_sealed, lang = excluded.lang`
	sqlAgent       = `SELECT email_sealed, lang, last_mail_at, pending_since FROM notify_agents WHERE account_id = $1`
	sqlSetPending  = `UPDATE notify_agents SET pending_since = $2 WHERE account_id = $1 AND pending_since = 0`
	sqlMailed      = `UPDATE notify_agents SET last_mail_at = $2, pending_since = 0 WHERE account_id = $1`
	sqlSetPending0 = `UPDATE notify_agents SET pending_since = 0 WHERE account_id = $1`
	sqlDueMail     = `SELECT account_id FROM notify_agents WHERE pending_since > 0 AND last_mail_at <= $1 ORDER BY account_id LIMIT 500`
	sqlPrefs       = `SELECT kind, desk, mail FROM notify_prefs WHERE account_id = $1`
	sqlPref        = `SELECT desk, mail FROM notify_prefs WHERE account_id = $1 AND kind = $2`
	sqlDeletePrefs = `DELETE FROM notify_prefs WHERE account_id = $1`
	sqlInsertPref  = `INSERT INTO notify_prefs (account_id, kind, desk, mail) VALUES ($1, $2, $3, $4)`
	sqlTopics      = `SELECT topic FROM notify_topics WHERE account_id = $1 ORDER BY topic`
	sqlDelTopics   = `DELETE FROM notify_topics WHERE account_id = $1`
	sqlAddTopic    = `INSERT INTO notify_topics (account_id, topic) VALUES ($1, $2) ON CONFLICT DO NOTHING`
	sqlFollowers   = `SELECT account_id FROM notify_topics WHERE topic = $1 ORDER BY account_id`
	sqlInsert      = `INSERT INTO notifications (agent_id, kind, ticket_id, created_at) VALUES ($1, $2, $3, $4)`
	sqlOnce        = `INSERT INTO notify_once (ticket_id, kind, agent_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`
	// sqlUnread is answered from the partial index notifications_unread
	// alone (a covering index scan): the poll's query.
	sqlUnread = `SELECT count(*) FROM notifications WHERE agent_id = $1 AND read_at = 0`
	sqlList   = `SELECT n.id, n.kind, t.reference, n.created_at, n.read_at FROM notifications n JOIN tickets t ON t.id = n.ticket_id
		WHERE n.agent_id = $1 ORDER BY n.id DESC LIMIT $2`
	sqlMarkRead           = `UPDATE notifications SET read_at = $3 WHERE agent_id = $1 AND id = $2 AND read_at = 0`
	sqlMarkTicket         = `UPDATE notifications SET read_at = $3 WHERE agent_id = $1 AND ticket_id = $2 AND read_at = 0`
	sqlMarkAll            = `UPDATE notifications SET read_at = $2 WHERE agent_id = $1 AND read_at = 0`
	sqlEraseAgent         = `DELETE FROM notify_agents WHERE account_id = $1`
	sqlErasePrefs         = `DELETE FROM notify_prefs WHERE account_id = $1`
	sqlEraseTopics        = `DELETE FROM notify_topics WHERE account_id = $1`
	sqlEraseNotifications = `DELETE FROM notifications WHERE agent_id = $1`
	sqlEraseOnce          = `DELETE FROM notify_once WHERE agent_id = $1`
	sqlMine               = `SELECT count(*) FROM notifications WHERE agent_id = $1 AND id = $2`
	// sqlGone: an account that is disabled or no longer an agent or admin
	// (an editor is not at the desk). An id with no account row counts as
	// present: the room's tests tell bare ids.
	sqlGone = `SELECT count(*) FROM accounts WHERE id = $1 AND (state <> 'active' OR role NOT IN ('agent', 'admin'))`
)

// verify.go: the agents' sealed addresses, a sample.
const sqlSampleAgentEmails = `SELECT account_id, email_sealed FROM notify_agents ORDER BY account_id DESC LIMIT $1`
