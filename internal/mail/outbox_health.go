package mail

import (
	"context"
	"database/sql"
	"time"
)

// What operations read of the outbox (readiness, metrics): counts and ages,
// never a message. Both go through the index mail_outbox_due (status,
// next_attempt_at): Depth counts its entries without reading a row,
// OldestFailing reads only the rows still queued, never the given-up ones
// nor a scan of the table (TestOutboxHealth_QueriesUseTheIndex). The queue is
// short when mail flows; when it is not, readiness asks once a second.
const (
	sqlOldestFailing = `SELECT min(created_at) FROM mail_outbox WHERE status = 'queued' AND attempts > 0`
	sqlDepth         = `SELECT status, count(*) FROM mail_outbox GROUP BY status`
)

// OldestFailing is when the oldest message still waiting after at least one
// failed delivery was queued; ok is false when there is none. A message that
// fails for long means the mail server is gone or refuses us.
func (o *Outbox) OldestFailing(ctx context.Context) (time.Time, bool, error) {
	var t sql.NullInt64
	if err := o.db.Read.QueryRowContext(ctx, sqlOldestFailing).Scan(&t); err != nil {
		return time.Time{}, false, err
	}
	if !t.Valid {
		return time.Time{}, false, nil
	}
	return time.Unix(t.Int64, 0), true, nil
}

// Depth is how many messages wait (queued, to be retried) and how many gave
// up after the last retry (failed; an admin sees them at the desk).
func (o *Outbox) Depth(ctx context.Context) (queued, failed int64, err error) {
	rows, err := o.db.Read.QueryContext(ctx, sqlDepth)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var status string
		var n int64
		if err := rows.Scan(&status, &n); err != nil {
			return 0, 0, err
		}
		if status == "failed" {
			failed = n
		} else {
			queued += n
		}
	}
	return queued, failed, rows.Err()
}

// Failures is how many deliveries failed since this process started (each
// retry counts): a counter for metrics.
func (o *Outbox) Failures() uint64 { return o.failures.Load() }
