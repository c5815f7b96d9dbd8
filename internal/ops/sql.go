package ops

// The portable SQL of the checks (both engines).
const (
	sqlAppliedVersions = `SELECT version FROM schema_migrations ORDER BY version`
	sqlPing            = `SELECT 1`
)
