package reports

// The portable SQL of the reports: numbers of the tickets table
// (data/migrations/0005_tickets.sql, 0020_sla.sql), never its sealed columns.
const (
	// facts are the tickets a range [$1, $2) is about: created in it, or
	// created before and answered first or resolved in it.
	// Few columns, for each costs per row: two times in one number (Unix
	// seconds fit 32 bits until 2106), the working times (+1, so -1 is 0;
	// 28 bits each, 8 years) and the targets met and the score in another:
	//   c1 = created_at << 32 | first_response_at
	//   c2 = resolved_at << 32 | rated_at (0 without a score)
	//   c3 = met << 56 | score << 58 | (first_response_work + 1) << 28 | (resolution_work + 1)
	// where met has bit 0 for a first answer in time, bit 1 for a resolution
	// in time; and the group's key ($3: 'topic', 'agent', 'tag' (the
	// ticket's id, its tags read by sqlFactTags) or ''). The flags are cast
	// to BIGINT before their shift: PostgreSQL's literals are 32-bit
	// integers, whose shifts wrap at 32.
	factColumns = `(created_at << 32) | first_response_at,
		(resolved_at << 32) | (CASE WHEN rating_score > 0 THEN rated_at ELSE 0 END),
		CAST((CASE WHEN first_response_at <= first_response_due THEN 1 ELSE 0 END)
		 + (CASE WHEN resolved_at <= resolution_due THEN 2 ELSE 0 END) AS BIGINT) << 56
		 | (rating_score << 58) | ((first_response_work + 1) << 28) | (resolution_work + 1),
		CASE $3 WHEN 'topic' THEN topic WHEN 'agent' THEN CAST(assignee_id AS TEXT) WHEN 'tag' THEN CAST(id AS TEXT) ELSE '' END`
	sqlFacts = `SELECT ` + factColumns + ` FROM tickets WHERE created_at >= $1 AND created_at < $2
		UNION ALL
		SELECT ` + factColumns + ` FROM tickets WHERE created_at < $1 AND resolved_at > 0 AND resolved_at >= $1 AND resolved_at < $2
		UNION ALL
		SELECT ` + factColumns + ` FROM tickets WHERE created_at < $1 AND first_response_at > 0 AND first_response_at >= $1 AND first_response_at < $2
			AND NOT (resolved_at >= $1 AND resolved_at < $2)`
	// The tags of the tickets of sqlFacts (by the same three conditions), by
	// ticket id, for the tag dimension.
	sqlFactTags = `SELECT CAST(g.ticket_id AS TEXT), g.tag FROM ticket_tags g JOIN tickets t ON t.id = g.ticket_id
		WHERE (t.created_at >= $1 AND t.created_at < $2) OR (t.resolved_at > 0 AND t.resolved_at >= $1 AND t.resolved_at < $2)
			OR (t.first_response_at > 0 AND t.first_response_at >= $1 AND t.first_response_at < $2)
		ORDER BY g.tag`
	// The latest ratings with a comment in the range: which tickets, never
	// the comment (it is sealed with the ticket's text; read on the ticket).
	sqlCommented = `SELECT reference, rating_score, rated_at FROM tickets
		WHERE rating_score > 0 AND rated_at >= $1 AND rated_at < $2 AND rating_sealed IS NOT NULL
		ORDER BY rated_at DESC LIMIT $3`
	// The backlog when the range starts: created before and not resolved before.
	sqlOpenAt = `SELECT (SELECT count(*) FROM tickets WHERE created_at < $1)
		- (SELECT count(*) FROM tickets WHERE resolved_at > 0 AND resolved_at < $1)`
)
