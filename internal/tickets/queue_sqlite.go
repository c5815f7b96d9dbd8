package tickets

// sqliteWordsJoin joins the blind index's matches to the tickets on SQLite:
// CROSS JOIN keeps the matches the outer loop (SQLite does not reorder a
// CROSS JOIN), so a few hundred matches are sorted instead of the whole queue
// probed (TestQueue_PlansReadTheQueueInIndexOrder).
const sqliteWordsJoin = `CROSS JOIN`
