package tickets

// postgresWordsJoin is sqliteWordsJoin's twin: PostgreSQL's CROSS JOIN takes
// no ON clause, and its planner chooses the join order itself.
const postgresWordsJoin = `JOIN`
