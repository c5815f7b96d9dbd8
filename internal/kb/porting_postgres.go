package kb

import "zerodesk/internal/store"

// PostgreSQL's form of porting_sqlite.go: "IS NOT" with NULL as a value is
// IS DISTINCT FROM.
const (
	sqlPortSetDatesPG = `UPDATE translations SET published_at = $3, updated_at = $4, source_updated_at = $5
		WHERE article_id = $1 AND lang = $2
			AND (published_at IS DISTINCT FROM $3 OR updated_at IS DISTINCT FROM $4 OR source_updated_at IS DISTINCT FROM $5)`
)

// portSetDates is the import's date update in the engine's form.
func portSetDates(e store.Engine) string {
	if e == store.Postgres {
		return sqlPortSetDatesPG
	}
	return sqlPortSetDates
}
