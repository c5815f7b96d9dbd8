package reports

// The portable SQL of the reports: numbers of the tickets table
// (data/migrations/0005_tickets.sql, 0020_sla.sql), never its sealed columns.
const (
	// facts are the tickets a range [$1, $2) is about: created in it, or
	// created before and answered first or resolved in it.
	// Few columns, for a column costs per row: the targets met and the
	// score are one number (bit 0: first answer in time, bit 1: resolved in
	// time, bits 2–4: the score), the rating's time 0 without a score.
	// The group's key ($3: 'topic', 'agent' or '') is one column too.
	factColumns = `created_at, first_response_at, resolved_at,
		CASE $3 WHEN 'topic' THEN topic WHEN 'agent' THEN CAST(assignee_id AS TEXT) ELSE '' END,
		first_response_work, resolution_work,
		(CASE WHEN first_response_at <= first_response_due THEN 1 ELSE 0 END)
		+ (CASE WHEN resolved_at <= resolution_due THEN 2 ELSE 0 END) + 4 * rating_score,
		CASE WHEN rating_score > 0 THEN rated_at ELSE 0 END`
	sqlFacts = `SELECT ` + factColumns + ` FROM tickets WHERE created_at >= $1 AND created_at < $2
		UNION ALL
		SELECT ` + factColumns + ` FROM tickets WHERE created_at < $1 AND resolved_at > 0 AND resolved_at >= $1 AND resolved_at < $2
		UNION ALL
		SELECT ` + factColumns + ` FROM tickets WHERE created_at < $1 AND first_response_at > 0 AND first_response_at >= $1 AND first_response_at < $2
			AND NOT (resolved_at >= $1 AND resolved_at < $2)`
	// The backlog when the range starts: created before and not resolved before.
	sqlOpenAt = `SELECT (SELECT count(*) FROM tickets WHERE created_at < $1)
		- (SELECT count(*) FROM tickets WHERE resolved_at > 0 AND resolved_at < $1)`
)
