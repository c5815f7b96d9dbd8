package mail

import (
	"strings"
	"testing"

	"zerodesk/internal/store/storetest"
)

// Readiness and metrics read the outbox often: their queries must stay in
// the index mail_outbox_due, never read the table of sealed messages.
func TestOutboxHealth_QueriesUseTheIndex(t *testing.T) {
	t.Parallel()
	db := storetest.OpenSQLite(t) // EXPLAIN QUERY PLAN is SQLite's
	for _, q := range []string{sqlOldestFailing, sqlDepth} {
		rows, err := db.Read.Query(`EXPLAIN QUERY PLAN ` + q)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		all := strings.Join(plan, "; ")
		// "SCAN … USING COVERING INDEX" reads the index alone (the depth
		// counts every waiting message's entry); a bare SCAN reads the rows.
		if !strings.Contains(all, "INDEX mail_outbox_due") || strings.Contains(all, "SCAN mail_outbox;") || strings.HasSuffix(all, "SCAN mail_outbox") {
			t.Errorf("%s\nplan: %s; want it in the index mail_outbox_due", q, all)
		}
	}
}
