package kb

// SQLite only: "IS NOT" compares with NULL as a value. PostgreSQL spells it
// IS DISTINCT FROM; a second engine writes its own twin of this file.
const (
	sqlPortSetDates = `UPDATE translations SET published_at = $3, updated_at = $4, source_updated_at = $5
		WHERE article_id = $1 AND lang = $2
			AND (published_at IS NOT $3 OR updated_at IS NOT $4 OR source_updated_at IS NOT $5)`
)
