package sla

// The portable SQL of the service-level policy (data/migrations/0020_sla.sql).
const (
	sqlSettings     = `SELECT time_zone, hours, risk_percent FROM sla_settings WHERE id = 1`
	sqlSaveSettings = `INSERT INTO sla_settings (id, time_zone, hours, risk_percent, updated_at) VALUES (1, $1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET time_zone = excluded.time_zone, hours = excluded.hours,
		risk_percent = excluded.risk_percent, updated_at = excluded.updated_at`
	sqlHolidays      = `SELECT day FROM sla_holidays ORDER BY day`
	sqlClearHolidays = `DELETE FROM sla_holidays`
	sqlInsertHoliday = `INSERT INTO sla_holidays (day) VALUES ($1) ON CONFLICT (day) DO NOTHING`
	sqlTargets       = `SELECT topic, priority, first_response, resolution FROM sla_targets ORDER BY topic, priority`
	sqlClearTargets  = `DELETE FROM sla_targets`
	sqlInsertTarget  = `INSERT INTO sla_targets (topic, priority, first_response, resolution) VALUES ($1, $2, $3, $4)`
)
