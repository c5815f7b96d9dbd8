package tickets

// postgresDrivenJoin is sqliteDrivenJoin's twin: PostgreSQL's CROSS JOIN takes
// no ON clause, and its planner chooses the join order itself.
const postgresDrivenJoin = `JOIN`
