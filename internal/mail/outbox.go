package mail

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"zerodesk/internal/crypt"
	"zerodesk/internal/store"
)

// OutboxOptions configure an Outbox.
type OutboxOptions struct {
	Secret crypt.Secret     // seals queued messages
	Sender Sender           // nil: Deliver does nothing (messages wait)
	From   string           // "zerodesk <no-reply@example.org>"; "" = zerodesk <no-reply@localhost>
	Now    func() time.Time // nil = time.Now
	Log    *slog.Logger     // nil = slog.Default()

	// Retries: the n-th failure waits FirstRetry x 2^(n-1), at most MaxRetry;
	// after MaxAttempts failures the message is marked failed.
	FirstRetry  time.Duration // 0 = 1 minute
	MaxRetry    time.Duration // 0 = 6 hours
	MaxAttempts int           // 0 = 20 (about four days)
	// Lease is how long a message being sent is hidden from other Deliver
	// calls; a process that dies mid-send leaves it to be retried after it.
	Lease time.Duration // 0 = 5 minutes
	// Poll is how often Run looks for due messages besides Wake.
	Poll time.Duration // 0 = 10 seconds
}

// Outbox is the durable queue of outgoing mail. Messages are stored sealed
// (the recipient, subject and body), delivered by Deliver with exponential
// back-off, and deleted once sent. It survives restarts: everything lives in
// the database.
type Outbox struct {
	db   *store.DB
	opts OutboxOptions
	key  []byte
	wake chan struct{}
}

// NewOutbox returns the outbox of db (migrated).
func NewOutbox(db *store.DB, opts OutboxOptions) (*Outbox, error) {
	if opts.From == "" {
		opts.From = "zerodesk <no-reply@localhost>"
	}
	// Checked as Render will: a sender it cannot write stops the start, not
	// every message later.
	if _, _, err := wireHeaderAddress(opts.From); err != nil {
		return nil, errors.New("mail: the sender address does not parse, or has non-ASCII characters before the @")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.FirstRetry <= 0 {
		opts.FirstRetry = time.Minute
	}
	if opts.MaxRetry <= 0 {
		opts.MaxRetry = 6 * time.Hour
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 20
	}
	if opts.Lease <= 0 {
		opts.Lease = 5 * time.Minute
	}
	if opts.Poll <= 0 {
		opts.Poll = 10 * time.Second
	}
	return &Outbox{db: db, opts: opts, key: opts.Secret.Subkey("mail.outbox"), wake: make(chan struct{}, 1)}, nil
}

const (
	sqlEnqueue = `INSERT INTO mail_outbox (message_id, sealed, next_attempt_at, created_at) VALUES ($1, $2, $3, $3)`
	sqlDue     = `SELECT id, message_id, sealed, attempts, created_at FROM mail_outbox
		WHERE status = 'queued' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2`
	sqlLease  = `UPDATE mail_outbox SET next_attempt_at = $2 WHERE id = $1`
	sqlSent   = `DELETE FROM mail_outbox WHERE id = $1`
	sqlFailed = `UPDATE mail_outbox SET attempts = $2, next_attempt_at = $3, last_error = $4,
		status = CASE WHEN $5 = 1 THEN 'failed' ELSE 'queued' END WHERE id = $1` // $5: a bool, bound as 1 or 0 on both engines
	sqlList = `SELECT id, message_id, status, attempts, next_attempt_at, last_error, created_at
		FROM mail_outbox ORDER BY id`
)

func ad(messageID string) []byte { return []byte("mail.outbox|" + messageID) }

// Enqueue queues m. With tx it joins the caller's transaction, so the message
// exists exactly when the caller's change does; with nil it commits on its own.
// Call Wake after the transaction commits to deliver at once.
func (o *Outbox) Enqueue(ctx context.Context, tx *sql.Tx, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return err
	}
	msgID := hex.EncodeToString(id[:])
	plain, err := json.Marshal(m)
	if err != nil {
		return err
	}
	sealed, err := crypt.Seal(o.key, plain, ad(msgID))
	if err != nil {
		return err
	}
	now := o.opts.Now().Unix()
	if tx != nil {
		_, err = tx.ExecContext(ctx, sqlEnqueue, msgID, sealed, now)
		return err
	}
	_, err = o.db.Write.ExecContext(ctx, sqlEnqueue, msgID, sealed, now)
	if err == nil {
		o.Wake()
	}
	return err
}

// Wake asks a running Run loop to deliver now.
func (o *Outbox) Wake() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

type queued struct {
	id       int64
	msgID    string
	sealed   []byte
	attempts int
	created  int64
}

// Deliver sends every message that is due, once each, and returns how many
// were sent. A failed message is retried later with exponential back-off; the
// error returned is only ever a database error.
func (o *Outbox) Deliver(ctx context.Context) (int, error) {
	if o.opts.Sender == nil {
		return 0, nil
	}
	sent := 0
	for {
		batch, err := o.claim(ctx, 20)
		if err != nil || len(batch) == 0 {
			return sent, err
		}
		for _, q := range batch {
			ok, err := o.deliverOne(ctx, q)
			if err != nil {
				return sent, err
			}
			if ok {
				sent++
			}
		}
		if len(batch) < 20 {
			return sent, nil
		}
	}
}

// claim takes up to n due messages and leases them: another Deliver (in this
// process or another) skips them until the lease ends.
func (o *Outbox) claim(ctx context.Context, n int) ([]queued, error) {
	var batch []queued
	now := o.opts.Now()
	err := o.db.Tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, sqlDue, now.Unix(), n)
		if err != nil {
			return err
		}
		for rows.Next() {
			var q queued
			if err := rows.Scan(&q.id, &q.msgID, &q.sealed, &q.attempts, &q.created); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, q)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, q := range batch {
			if _, err := tx.ExecContext(ctx, sqlLease, q.id, now.Add(o.opts.Lease).Unix()); err != nil {
				return err
			}
		}
		return nil
	})
	return batch, err
}

func (o *Outbox) deliverOne(ctx context.Context, q queued) (bool, error) {
	log := o.opts.Log.With("message_id", q.msgID, "attempt", q.attempts+1)
	var m Message
	plain, err := crypt.Open(o.key, q.sealed, ad(q.msgID))
	if err == nil {
		err = json.Unmarshal(plain, &m)
	}
	if err != nil {
		// Only a changed server secret gets here: retrying cannot help.
		log.Error("mail: queued message does not open; giving up", "err", err)
		_, err := o.db.Write.ExecContext(ctx, sqlFailed, q.id, q.attempts+1, q.created, "sealed message does not open", true)
		return false, err
	}
	e := Envelope{ID: q.msgID, From: o.opts.From, Date: time.Unix(q.created, 0), Message: m}
	if err := o.opts.Sender.Send(ctx, e); err != nil {
		attempts := q.attempts + 1
		giveUp := attempts >= o.opts.MaxAttempts
		next := o.opts.Now().Add(o.backoff(attempts))
		text := errorText(err, m.To)
		log.Warn("mail: send failed", "err", text, "next_attempt", next.UTC().Format(time.RFC3339), "gave_up", giveUp)
		_, dbErr := o.db.Write.ExecContext(ctx, sqlFailed, q.id, attempts, next.Unix(), text, giveUp)
		return false, dbErr
	}
	log.Info("mail: sent")
	_, err = o.db.Write.ExecContext(ctx, sqlSent, q.id)
	return true, err
}

// backoff is the wait after the n-th failure (n >= 1).
func (o *Outbox) backoff(n int) time.Duration {
	d := o.opts.FirstRetry
	for i := 1; i < n && d < o.opts.MaxRetry; i++ {
		d *= 2
	}
	return min(d, o.opts.MaxRetry)
}

// errorText keeps a failure's text short, on one line and without the
// recipient's address (SMTP replies often quote it) for the log and the admin
// view.
func errorText(err error, to string) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if addr, perr := parseAddress(to); perr == nil {
		s = regexp.MustCompile(`(?i)`+regexp.QuoteMeta(addr)).ReplaceAllLiteralString(s, "<recipient>")
	}
	if len(s) > 300 {
		s = s[:300]
	}
	return strings.ToValidUTF8(s, "")
}

// Run delivers due messages until ctx ends: every Poll interval and whenever
// Wake is called.
func (o *Outbox) Run(ctx context.Context) {
	t := time.NewTicker(o.opts.Poll)
	defer t.Stop()
	for {
		if _, err := o.Deliver(ctx); err != nil && ctx.Err() == nil {
			o.opts.Log.Error("mail: deliver", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-o.wake:
		}
	}
}

// Queued describes a message waiting in the outbox, without its content: what
// an admin sees when no SMTP server is configured or delivery fails.
type Queued struct {
	MessageID     string
	Failed        bool // no more retries
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
}

// List returns every message still in the outbox, oldest first.
func (o *Outbox) List(ctx context.Context) ([]Queued, error) {
	rows, err := o.db.Read.QueryContext(ctx, sqlList)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Queued
	for rows.Next() {
		var q Queued
		var id, next, created int64
		var status string
		if err := rows.Scan(&id, &q.MessageID, &status, &q.Attempts, &next, &q.LastError, &created); err != nil {
			return nil, err
		}
		q.Failed = status == "failed"
		q.NextAttemptAt, q.CreatedAt = time.Unix(next, 0), time.Unix(created, 0)
		out = append(out, q)
	}
	return out, rows.Err()
}
