package reports

const (
	// postgresDrivenJoin: PostgreSQL plans the join itself (a hash join of
	// the tag rows and the range's tickets).
	postgresDrivenJoin = `JOIN`
	// postgresTagOrder: no index hint on PostgreSQL.
	postgresTagOrder = ``
)
