package messaging

// The SQL of the messaging core ($N placeholders, portable to PostgreSQL), in
// one place. Tables: data/migrations/0004_messaging.sql. Nothing here is
// SQLite-only: the secure delete and WAL checkpoint of Sweep are store's.

// The statements of a post, prepared once (see Prepared).
const (
	sqlNextThread   = `SELECT coalesce(max(id), 0) + 1 FROM msg_threads`
	sqlNextMessage  = `SELECT coalesce(max(id), 0) + 1 FROM msg_messages`
	sqlNextFile     = `SELECT coalesce(max(id), 0) + 1 FROM msg_attachments`
	sqlInsertThread = `INSERT INTO msg_threads (id, desk_wrapped, meta_sealed, created_at) VALUES ($1, $2, $3, $4)`
	sqlParticipant  = `INSERT INTO msg_participants (thread_id, participant, key_wrapped) VALUES ($1, $2, $3)
		ON CONFLICT (thread_id, participant) DO UPDATE SET key_wrapped = excluded.key_wrapped`
	sqlInsertMessage = `INSERT INTO msg_messages (id, thread_id, author, kind, key_wrapped, body_sealed, created_at, release_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	sqlInsertFile = `INSERT INTO msg_attachments (id, message_id, size, meta_sealed, data_sealed) VALUES ($1, $2, $3, $4, $5)`
)

const (
	sqlDeskThread        = `SELECT desk_wrapped, meta_sealed FROM msg_threads WHERE id = $1`
	sqlParticipantThread = `SELECT p.key_wrapped, t.meta_sealed FROM msg_participants p
		JOIN msg_threads t ON t.id = p.thread_id WHERE p.thread_id = $1 AND p.participant = $2`
	sqlSetMeta  = `UPDATE msg_threads SET meta_sealed = $2 WHERE id = $1`
	sqlMessages = `SELECT id, author, kind, key_wrapped, body_sealed, created_at, release_at, expires_at
		FROM msg_messages WHERE thread_id = $1 ORDER BY id`
	sqlReceipts = `SELECT r.message_id, r.participant, r.read_at FROM msg_receipts r
		JOIN msg_messages m ON m.id = r.message_id WHERE m.thread_id = $1`
	sqlFiles = `SELECT id, size, meta_sealed FROM msg_attachments WHERE message_id = $1 AND meta_sealed IS NOT NULL ORDER BY id`
	sqlFile  = `SELECT m.id, m.kind, a.size, m.release_at, m.expires_at, m.key_wrapped, a.meta_sealed, a.data_sealed
		FROM msg_attachments a JOIN msg_messages m ON m.id = a.message_id WHERE a.id = $1 AND m.thread_id = $2`
	sqlMarkRead = `INSERT INTO msg_receipts (message_id, participant, read_at)
			SELECT id, $2, $3 FROM msg_messages WHERE id = $1 AND thread_id = $4
			ON CONFLICT (message_id, participant) DO NOTHING`
	sqlExpireFiles = `UPDATE msg_attachments SET meta_sealed = NULL, data_sealed = NULL
			WHERE data_sealed IS NOT NULL AND message_id IN (SELECT id FROM msg_messages
			WHERE expires_at > 0 AND expires_at <= $1 AND key_wrapped IS NOT NULL)`
	sqlExpireMessages = `UPDATE msg_messages SET key_wrapped = NULL, body_sealed = NULL
			WHERE expires_at > 0 AND expires_at <= $1 AND key_wrapped IS NOT NULL`
)

// The statements of DeleteThread, children first (they need no cascade).
const (
	sqlDeleteFiles        = `DELETE FROM msg_attachments WHERE message_id IN (SELECT id FROM msg_messages WHERE thread_id = $1)`
	sqlDeleteReceipts     = `DELETE FROM msg_receipts WHERE message_id IN (SELECT id FROM msg_messages WHERE thread_id = $1)`
	sqlDeleteMessages     = `DELETE FROM msg_messages WHERE thread_id = $1`
	sqlDeleteParticipants = `DELETE FROM msg_participants WHERE thread_id = $1`
	sqlDeleteThread       = `DELETE FROM msg_threads WHERE id = $1`
)

// verify.go: the newest threads, and each one's newest message still sealed.
const (
	sqlSampleThreads = `SELECT id, desk_wrapped, meta_sealed FROM msg_threads ORDER BY id DESC LIMIT $1`
	sqlSampleMessage = `SELECT id, key_wrapped, body_sealed FROM msg_messages
		WHERE thread_id = $1 AND key_wrapped IS NOT NULL AND body_sealed IS NOT NULL ORDER BY id DESC LIMIT 1`
)
