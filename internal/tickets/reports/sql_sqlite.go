package reports

const (
	// sqliteDrivenJoin makes SQLite read the left table first (the tag
	// rows), whatever its estimates (tagFiguresSQL).
	sqliteDrivenJoin = `CROSS JOIN`
	// sqliteTagOrder reads the tag rows in their tickets' order: left to
	// itself, SQLite takes an index led by the tag (no GROUP BY sort) and
	// reaches the tickets at random, which costs more than the sort.
	sqliteTagOrder = ` INDEXED BY ticket_tags_by_ticket`
)
