package reports

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"zerodesk/internal/store"
)

// seedTicket is one ticket row for a report, numbers only.
type seedTicket struct {
	created, firstResp, resolved int64
	topic                        string
	assignee                     int64
	frWork, resWork              int64
	frDue, resDue                int64
	score                        int
	ratedAt                      int64
	comment                      bool // a rating comment (a placeholder sealed blob)
}

// seed writes tickets straight into the tables (a thread row each, with
// placeholder sealed columns): the reports read no sealed column.
func seed(t testing.TB, db *store.DB, first int, list []seedTicket) {
	t.Helper()
	ctx := context.Background()
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		th, err := tx.PrepareContext(ctx, `INSERT INTO msg_threads (desk_wrapped, meta_sealed, created_at) VALUES ($1, $1, $2) RETURNING id`)
		if err != nil {
			return err
		}
		defer th.Close()
		ins, err := tx.PrepareContext(ctx, `INSERT INTO tickets (reference, thread_id, lang, topic, status, priority, assignee_id,
			email_lookup, email_sealed, created_at, updated_at, first_response_at, resolved_at, first_response_due, resolution_due,
			next_due, closed, first_response_work, resolution_work, rating_score, rated_at, rating_sealed)
			VALUES ($1, $2, 'en', $3, $4, 'normal', $5, $6, $6, $7, $7, $8, $9, $10, $11, $11, 0, $12, $13, $14, $15, $16)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		blob := []byte{1}
		for i, s := range list {
			var id int64
			if err := th.QueryRowContext(ctx, blob, s.created).Scan(&id); err != nil {
				return err
			}
			status := "open"
			if s.resolved > 0 {
				status = "resolved"
			}
			if s.frWork == 0 && s.firstResp == 0 {
				s.frWork = -1
			}
			if s.resWork == 0 && s.resolved == 0 {
				s.resWork = -1
			}
			var sealed []byte
			if s.comment {
				sealed = blob
			}
			n := first + i
			if _, err := ins.ExecContext(ctx, fmt.Sprintf("ZD-%04d-%04d", n/10000, n%10000), id, s.topic, status, s.assignee,
				[]byte(fmt.Sprint(n)), s.created, s.firstResp, s.resolved, s.frDue, s.resDue, s.frWork, s.resWork, s.score, s.ratedAt, sealed); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
