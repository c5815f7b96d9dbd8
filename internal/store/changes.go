package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// Changes tells the other instances on one PostgreSQL database that what one
// of them keeps in memory changed here, so theirs is dropped too (issue 15,
// "caches stay correct across instances"). A change is a cache's name only
// (tickets, sla, kb), never content: the others read the new state from the
// database themselves. Carried by LISTEN/NOTIFY on ChangesChannel; a change
// announced here reaches the others' handlers within milliseconds.
//
// A notification is lost only with the listening connection (PostgreSQL
// delivers every notification committed while a session listens). So the
// listener sends itself a heartbeat every HeartbeatEvery and, when one is not
// back within that time, or the connection fails, it reconnects and calls
// every handler (a changed name it may have missed is any of them): the
// periodic check that bounds how long a lost notification can leave a cache
// stale.
//
// On SQLite there is one process: Announce and Run do nothing, the caches'
// own bumps are the whole story.
type Changes struct {
	db  *DB
	log *slog.Logger
	id  string // this instance, so it skips its own announcements

	mu       sync.Mutex
	handlers map[string][]func(context.Context)
	pending  map[string]bool
	wake     chan struct{}

	// HeartbeatEvery is the period of the listener's liveness check.
	HeartbeatEvery time.Duration
}

// ChangesChannel is the PostgreSQL channel the instances announce on.
const ChangesChannel = "zerodesk_changes"

// NewChanges returns the change announcements of db; Run delivers them.
func NewChanges(db *DB, log *slog.Logger) *Changes {
	if log == nil {
		log = slog.Default()
	}
	b := make([]byte, 8)
	rand.Read(b)
	return &Changes{db: db, log: log, id: hex.EncodeToString(b), handlers: map[string][]func(context.Context){},
		pending: map[string]bool{}, wake: make(chan struct{}, 1), HeartbeatEvery: 2 * time.Second}
}

// On calls fn when another instance announces name, and at every
// (re)connection of the listener. Call before Run.
func (c *Changes) On(name string, fn func(context.Context)) {
	c.mu.Lock()
	c.handlers[name] = append(c.handlers[name], fn)
	c.mu.Unlock()
}

// Announce tells the other instances that name changed. It never blocks
// nor fails the caller: announcements are sent by Run, several of one name
// as one.
func (c *Changes) Announce(name string) {
	if c == nil || c.db.Engine != Postgres {
		return
	}
	c.mu.Lock()
	c.pending[name] = true
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// AnnounceNow tells the other instances that name changed, at once and on
// a connection of its own: for a process that writes and exits (the command
// line's articles import), which runs no Changes. On SQLite it does nothing.
func (c *Changes) AnnounceNow(ctx context.Context, name string) error {
	if c.db.Engine != Postgres {
		return nil
	}
	conn, err := pgx.Connect(ctx, c.db.url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, `SELECT pg_notify($1, $2)`, ChangesChannel, name+" "+c.id)
	return err
}

// Run listens and sends until ctx ends (PostgreSQL; on SQLite it returns).
func (c *Changes) Run(ctx context.Context) {
	if c.db.Engine != Postgres {
		return
	}
	go c.send(ctx)
	for ctx.Err() == nil {
		err := c.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		c.log.Warn("changes: listener lost, reconnecting", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// send delivers the pending announcements on a connection of its own (not
// the write pool: pg_notify needs no write lock).
func (c *Changes) send(ctx context.Context) {
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			conn.Close(context.WithoutCancel(ctx))
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		}
		c.mu.Lock()
		names := make([]string, 0, len(c.pending))
		for n := range c.pending {
			names = append(names, n)
		}
		clear(c.pending)
		c.mu.Unlock()
		for _, n := range names {
			var err error
			if conn == nil || conn.IsClosed() {
				if conn, err = pgx.Connect(ctx, c.db.url); err != nil {
					conn = nil
					c.log.Warn("changes: announce", "name", n, "err", err)
					continue // the others' heartbeat check covers it
				}
			}
			if _, err = conn.Exec(ctx, `SELECT pg_notify($1, $2)`, ChangesChannel, n+" "+c.id); err != nil {
				c.log.Warn("changes: announce", "name", n, "err", err)
				conn.Close(context.WithoutCancel(ctx))
				conn = nil
			}
		}
	}
}

// listen holds one listening connection until it fails.
func (c *Changes) listen(ctx context.Context) error {
	cfg, err := pgx.ParseConfig(c.db.url)
	if err != nil {
		return err
	}
	// The wait's deadline ends a wait, not the connection, and sends the
	// server no cancel request (there is no query to cancel).
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: pc.Conn()}
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+ChangesChannel); err != nil {
		return err
	}
	// Listening now: whatever changed before is read afresh.
	c.fire(ctx, "")
	beat := "heartbeat " + c.id
	for {
		if _, err := conn.Exec(ctx, `SELECT pg_notify($1, $2)`, ChangesChannel, beat); err != nil {
			return err
		}
		deadline := time.Now().Add(c.HeartbeatEvery)
		back := false
		for {
			wctx, cancel := context.WithDeadline(ctx, deadline)
			n, err := conn.WaitForNotification(wctx)
			cancel()
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if wctx.Err() == nil { // not the deadline: the connection failed
					return err
				}
				if !back {
					return errHeartbeat
				}
				break // the period is over: the next heartbeat
			}
			name, from, _ := strings.Cut(n.Payload, " ")
			switch {
			case n.Payload == beat:
				back = true
			case from == c.id || name == "heartbeat":
			default:
				c.fire(ctx, name)
			}
		}
	}
}

type heartbeatError struct{}

func (heartbeatError) Error() string { return "changes: the heartbeat did not come back" }

var errHeartbeat error = heartbeatError{}

// fire calls the handlers of name, or every handler when name is "".
func (c *Changes) fire(ctx context.Context, name string) {
	c.mu.Lock()
	var fns []func(context.Context)
	for n, hs := range c.handlers {
		if name == "" || n == name {
			fns = append(fns, hs...)
		}
	}
	c.mu.Unlock()
	for _, fn := range fns {
		fn(ctx)
	}
}
