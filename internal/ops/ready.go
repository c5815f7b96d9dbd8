package ops

import (
	"context"
	"fmt"
	"io/fs"
	"sync"
	"time"

	"zerodesk/internal/store"
)

// Outbox is what readiness needs of the mail outbox (*mail.Outbox has it).
type Outbox interface {
	// OldestFailing is when the oldest message still waiting after at least
	// one failed delivery was queued; ok is false when there is none.
	OldestFailing(ctx context.Context) (queued time.Time, ok bool, err error)
}

// Readiness answers "can this instance take traffic?" for /readyz: the
// database answers, it has every migration this binary embeds, and the mail
// outbox is not stuck. The answer is kept for TTL, so a load balancer polling
// every instance often costs one round of cheap queries a second at most.
type Readiness struct {
	DB         *store.DB
	Migrations fs.FS  // the embedded set the database was migrated with
	Outbox     Outbox // nil: not checked
	// StuckAfter: the outbox is stuck when a message that failed at least
	// once has waited longer than this [1 hour]; negative: never.
	StuckAfter time.Duration
	TTL        time.Duration    // [1 second]
	Timeout    time.Duration    // for the whole check [2 seconds]
	Now        func() time.Time // [time.Now]

	mu     sync.Mutex
	at     time.Time
	reason string
}

// Check returns "" when ready, else one short line saying why not: no
// personal data, fit for a plain-text answer to anyone.
func (r *Readiness) Check(ctx context.Context) string {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	ttl := r.TTL
	if ttl <= 0 {
		ttl = time.Second
	}
	r.mu.Lock() // concurrent probes wait for the one check, then share it
	defer r.mu.Unlock()
	if t := now(); !r.at.IsZero() && t.Sub(r.at) < ttl && t.Sub(r.at) >= 0 {
		return r.reason
	}
	r.reason = r.check(ctx, now())
	r.at = now()
	return r.reason
}

func (r *Readiness) check(ctx context.Context, now time.Time) string {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var one int
	if err := r.DB.Read.QueryRowContext(ctx, sqlPing).Scan(&one); err != nil {
		return "database: not answering"
	}
	m, err := r.DB.MigrationStatus(ctx, r.Migrations)
	if err != nil {
		return "database: migrations unreadable"
	}
	// Newer migrations (a newer instance migrated during a rolling upgrade)
	// leave this one ready: a migration that an older instance cannot run
	// on breaks the upgrade rule in docs/OPERATIONS.md, not readiness.
	if len(m.Pending) > 0 {
		return fmt.Sprintf("database: %d migrations pending (first %d)", len(m.Pending), m.Pending[0])
	}
	stuck := r.StuckAfter
	if stuck == 0 {
		stuck = time.Hour
	}
	if r.Outbox != nil && stuck > 0 {
		queued, ok, err := r.Outbox.OldestFailing(ctx)
		if err != nil {
			return "outbox: unreadable"
		}
		if ok && now.Sub(queued) > stuck {
			return "outbox: mail failing for over " + stuck.String()
		}
	}
	return ""
}
