package reports

import (
	"fmt"
	"strings"
)

// The portable SQL of the reports: numbers of the tickets table
// (data/migrations/0005_tickets.sql, 0020_sla.sql), never its sealed columns.
const (
	// The latest ratings with a comment in the range: which tickets, never
	// the comment (it is sealed with the ticket's text; read on the ticket).
	// The partial index tickets_by_commented (migration 0028) holds exactly
	// these, so only the listed tickets' rows are read.
	sqlCommented = `SELECT reference, rating_score, rated_at FROM tickets
		WHERE rating_score > 0 AND rated_at >= $1 AND rated_at < $2 AND rating_sealed IS NOT NULL
		ORDER BY rated_at DESC LIMIT $3`
	// The backlog when the range starts: created before and not resolved before.
	sqlOpenAt = `SELECT (SELECT count(*) FROM tickets WHERE created_at < $1)
		- (SELECT count(*) FROM tickets WHERE resolved_at > 0 AND resolved_at < $1)`
)

// sqlFigures are the figures of a range [$1, $2) per group, by dimension
// (Reports.figures): rows per group, never one per ticket. The tickets are
// those the range is about, in three disjoint index ranges, each
// aggregated on its own (a row per group and range, added up in Go): created
// in it (tickets_by_created, which holds every column read here), or created
// before and resolved in it (tickets_by_resolved), or created before and
// answered first, not resolved, in it (tickets_by_first_response). Per
// group: how many were created, answered first (and in time), resolved (and
// in time), rated 1 to 5 in the range; the working times to the first
// answer and to the resolution of those answered and resolved in it, as
// text ("600,1200"), for exact percentiles; and how many tickets the group
// has in the range. Conditions are FILTER clauses, each range aggregated
// straight over its index: CASE expressions over a UNION ALL subquery cost
// SQLite more than the rows they replaced. By tag, see tagFiguresSQL.
var sqlFigures = map[Dimension]string{
	ByNone:  figuresSQL(`''`, ``),
	ByTopic: figuresSQL(`t.topic`, ` GROUP BY t.topic`),
	ByAgent: figuresSQL(`CAST(t.assignee_id AS TEXT)`, ` GROUP BY t.assignee_id`),
}

const (
	frIn = `t.first_response_at >= $1 AND t.first_response_at < $2 AND t.first_response_at > 0`
	rsIn = `t.resolved_at >= $1 AND t.resolved_at < $2 AND t.resolved_at > 0`
	raIn = `t.rated_at >= $1 AND t.rated_at < $2`
	// inRange is the three ranges' union as one condition, for the tickets
	// a join reaches by their id (tagFiguresSQL).
	inRange = `(t.created_at >= $1 AND t.created_at < $2 OR t.created_at < $1 AND (` + rsIn + ` OR ` + frIn + `))`
)

// figuresCols are the columns Reports.figures scans, after the group's key.
const figuresCols = `count(*) FILTER (WHERE t.created_at >= $1 AND t.created_at < $2),
		count(*) FILTER (WHERE ` + frIn + `), count(*) FILTER (WHERE ` + frIn + ` AND t.first_response_at <= t.first_response_due),
		count(*) FILTER (WHERE ` + rsIn + `), count(*) FILTER (WHERE ` + rsIn + ` AND t.resolved_at <= t.resolution_due),
		count(*) FILTER (WHERE t.rating_score = 1 AND ` + raIn + `), count(*) FILTER (WHERE t.rating_score = 2 AND ` + raIn + `),
		count(*) FILTER (WHERE t.rating_score = 3 AND ` + raIn + `), count(*) FILTER (WHERE t.rating_score = 4 AND ` + raIn + `),
		count(*) FILTER (WHERE t.rating_score = 5 AND ` + raIn + `),
		COALESCE(string_agg(CAST(t.first_response_work AS TEXT), ',') FILTER (WHERE ` + frIn + ` AND t.first_response_work >= 0), ''),
		COALESCE(string_agg(CAST(t.resolution_work AS TEXT), ',') FILTER (WHERE ` + rsIn + ` AND t.resolution_work >= 0), ''),
		count(*)`

func figuresSQL(key, group string) string {
	cols := `SELECT ` + key + `, ` + figuresCols + `
		FROM tickets t WHERE `
	return cols + `t.created_at >= $1 AND t.created_at < $2` + group + `
		UNION ALL
		` + cols + rsIn + ` AND t.created_at < $1` + group + `
		UNION ALL
		` + cols + frIn + ` AND t.created_at < $1
			AND NOT (t.resolved_at >= $1 AND t.resolved_at < $2)` + group
}

// tagFiguresSQL are the figures by tag, with the engine's words for a
// driven join (sql_sqlite.go, sql_postgres.go): the tag rows lead, in their
// tickets' order (ticket_tags_by_ticket), and each reaches its ticket by id,
// so the tickets' pages are read in order; GROUP BY then sorts the tag rows
// of the range only. Only the tagged tickets are read (a fifth of the
// benchmark's): joining the tags to each ticket of the range instead probed
// the tag index 75,000 times and sorted every ticket by tag (≈ 180 ms
// against ≈ 40 at 100,000 tickets, bench/RESULTS.md); the tag rows in the
// tag's order (no sort) reached the tickets at random (≈ 65 ms). The cost
// follows the tag rows of every ticket, not those of the range: a long
// history with many tags and short reports would want the other way round.
//
// A ticket with two tags is in two groups, so the untagged group is the
// whole (sqlFigures[ByNone]) less the tagged tickets counted once
// (distinct): Reports.byTag.
func tagFiguresSQL(tagOrder, drivenJoin string) (tags, tagged string) {
	tags = `SELECT g.tag, ` + figuresCols + `
		FROM ticket_tags g` + tagOrder + ` ` + drivenJoin + ` tickets t ON t.id = g.ticket_id
		WHERE ` + inRange + ` GROUP BY g.tag`
	tagged = `SELECT '', ` + figuresCols + `
		FROM (SELECT DISTINCT ticket_id FROM ticket_tags) g ` + drivenJoin + ` tickets t ON t.id = g.ticket_id
		WHERE ` + inRange
	return tags, tagged
}

// daysSQL counts the tickets created and resolved in each of n days, day i
// being [$i+1, $i+2) (Reports.days): two counts over an index range each
// (tickets_by_created, tickets_by_resolved), no row per ticket, all days in
// one statement (a statement per day cost SQLite's driver more than the
// counting). The day's number comes first, for the order.
func daysSQL(n int) string {
	var b strings.Builder
	b.WriteString(`SELECT d.column1,
		(SELECT count(*) FROM tickets WHERE created_at >= d.column2 AND created_at < d.column3),
		(SELECT count(*) FROM tickets WHERE resolved_at >= d.column2 AND resolved_at < d.column3 AND resolved_at > 0)
		FROM (VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(`, `)
		}
		fmt.Fprintf(&b, `(%d, CAST($%d AS BIGINT), CAST($%d AS BIGINT))`, i, i+1, i+2)
	}
	b.WriteString(`) d ORDER BY d.column1`)
	return b.String()
}
