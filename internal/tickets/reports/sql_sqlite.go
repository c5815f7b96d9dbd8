package reports

// sqliteDrivenJoin makes SQLite read the left table first (the tag rows in
// their index's order), whatever its estimates (tagFiguresSQL).
const sqliteDrivenJoin = `CROSS JOIN`
