package ops

// The portable SQL of the checks (both engines).
const sqlPing = `SELECT 1`
