package tickets

// sqliteDrivenJoin joins a list of matches (the blind index's) to the
// tickets on SQLite with the matches driving: SQLite does not reorder a
// CROSS JOIN, so the matches stay the outer loop and a few hundred of them
// are sorted instead of the whole queue probed
// (TestQueue_PlansReadTheQueueInIndexOrder).
const sqliteDrivenJoin = `CROSS JOIN`
