package reports

// postgresDrivenJoin: PostgreSQL plans the join itself (a hash join of the
// tag rows and the range's tickets).
const postgresDrivenJoin = `JOIN`
