package audit

// The portable SQL of the audit log ($N placeholders; SQLite and PostgreSQL
// read it alike). Tables: data/migrations/0017_staff_audit.sql. The log is
// append-only: one INSERT, and one DELETE, the retention sweep's.
const (
	sqlInsert = `INSERT INTO audit_log (at, actor_id, action, ticket, subject_id, field, old_value, new_value)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`

	// A filter's empty values match everything: $1 actor (0: any), $2
	// action (”: any), $3 ticket reference (”: any), [$4, $5) the time.
	filterWhere = ` WHERE ($1 = 0 OR actor_id = $1) AND ($2 = '' OR action = $2) AND ($3 = '' OR ticket = $3)
		AND at >= $4 AND at < $5`
	sqlPage = `SELECT id, at, actor_id, action, ticket, subject_id, field, old_value, new_value FROM audit_log` +
		filterWhere + ` ORDER BY at DESC, id DESC LIMIT $6 OFFSET $7`
	sqlCount = `SELECT count(*) FROM audit_log` + filterWhere

	sqlRetention    = `SELECT retention_days FROM audit_settings WHERE id = 1`
	sqlSetRetention = `UPDATE audit_settings SET retention_days = $1 WHERE id = 1`
	// The one DELETE: lines older than the retention.
	sqlSweep = `DELETE FROM audit_log WHERE at < $1`
)
