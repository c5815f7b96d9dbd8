package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// What is PostgreSQL's alone (issue 15), the twin of db_sqlite.go: opening the
// pools through pgx's database/sql driver, the one-writer-at-a-time lock that
// every write transaction takes across instances, and what secure deletion,
// checkpoints and backups become on a server database.

// WriteLockKey is the advisory lock every write transaction on PostgreSQL
// takes first (pg_advisory_xact_lock, released at commit or rollback). The
// rooms count and allocate inside write transactions on the assumption of one
// writer at a time (messaging's coalesce(max(id), 0) + 1 ids, the reference
// check before a ticket's insert, the rate-limit windows): SQLite gives that
// with its single writer; several zerodesk instances on one PostgreSQL get it
// from this lock. It is also the engine's throughput limit for writes: one
// write transaction at a time across all instances (docs/ARCHITECTURE.md).
const WriteLockKey int64 = 0x7a65726f6465736b // "zerodesk"

var sqlWriteLock = "SELECT pg_advisory_xact_lock(" + strconv.FormatInt(WriteLockKey, 10) + ")"

// IsPostgresURL reports whether target names a PostgreSQL database rather
// than a SQLite file.
func IsPostgresURL(target string) bool {
	return strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://")
}

// openPostgres opens the two pools on the database at url: Read, many
// connections, each transaction read only and one snapshot (REPEATABLE READ,
// what a SQLite read transaction sees); Write, one connection per instance,
// each of its transactions (and each statement run outside one) holding
// WriteLockKey.
func openPostgres(url string) (*DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL: %w", err)
	}
	write := sql.OpenDB(lockConnector{stdlib.GetConnector(*cfg)})
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	if err := write.Ping(); err != nil {
		write.Close()
		return nil, fmt.Errorf("open PostgreSQL %s: %w", redact(cfg), err)
	}
	rcfg := cfg.Copy()
	rcfg.RuntimeParams["default_transaction_read_only"] = "on"
	read := sql.OpenDB(readConnector{stdlib.GetConnector(*rcfg)})
	read.SetMaxOpenConns(16)
	read.SetMaxIdleConns(8)
	return &DB{Read: read, Write: write, Engine: Postgres, url: url, unlocked: openUnlocked(cfg)}, nil
}

func redact(cfg *pgx.ConnConfig) string {
	return fmt.Sprintf("%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

// maintain runs statements that cannot run inside a transaction (VACUUM,
// CHECKPOINT) on a connection of their own, outside the pools.
func (db *DB) maintain(ctx context.Context, queries ...string) error {
	conn, err := pgx.Connect(ctx, db.url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, q := range queries {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// errBackupPostgres is Backup's answer on PostgreSQL: the server's own tools
// make consistent copies of a live database.
var errBackupPostgres = errors.New("backup: this database is PostgreSQL: back it up with pg_dump (pg_dump --format=custom --file=zerodesk.dump URL) or the server's own backups; `zerodesk backup` copies SQLite files only")

// boolAsInteger is the rooms' booleans as SQLite stores them: a Go bool bound
// to a statement is the integer 1 or 0. The schema keeps SQLite's integer
// flags on both engines (BIGINT: `shared = 1`, `closed = 0` and sums of
// flags are the same SQL everywhere), and database/sql scans 0 and 1 back
// into a bool. Every other value goes to pgx as it is.
func boolAsInteger(c *stdlib.Conn, nv *driver.NamedValue) error {
	if b, ok := nv.Value.(bool); ok {
		nv.Value = int64(0)
		if b {
			nv.Value = int64(1)
		}
		return nil
	}
	return c.CheckNamedValue(nv)
}

// readConnector opens read connections whose transactions see one snapshot.
type readConnector struct{ driver.Connector }

func (c readConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &readConn{conn.(*stdlib.Conn)}, nil
}

type readConn struct{ *stdlib.Conn }

func (c *readConn) CheckNamedValue(nv *driver.NamedValue) error { return boolAsInteger(c.Conn, nv) }

// BeginTx makes a read transaction one snapshot, as SQLite's is: a room that
// reads in one transaction to see one moment (kb.loadLibrary) sees one.
func (c *readConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if sql.IsolationLevel(opts.Isolation) == sql.LevelDefault {
		opts.Isolation = driver.IsolationLevel(sql.LevelRepeatableRead)
	}
	return c.Conn.BeginTx(ctx, opts)
}

// lockConnector opens write connections on which every transaction begins by
// taking the write lock, and every statement run outside a transaction runs
// in one of its own that does.
type lockConnector struct{ driver.Connector }

func (c lockConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &lockConn{Conn: conn.(*stdlib.Conn)}, nil
}

type lockConn struct {
	*stdlib.Conn
	inTx bool
}

var (
	_ driver.ConnBeginTx        = (*lockConn)(nil)
	_ driver.ExecerContext      = (*lockConn)(nil)
	_ driver.QueryerContext     = (*lockConn)(nil)
	_ driver.ConnPrepareContext = (*lockConn)(nil)
	_ driver.NamedValueChecker  = (*lockConn)(nil)
	_ driver.SessionResetter    = (*lockConn)(nil)
	_ driver.Pinger             = (*lockConn)(nil)
)

func (c *lockConn) CheckNamedValue(nv *driver.NamedValue) error { return boolAsInteger(c.Conn, nv) }

func (c *lockConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx begins a READ COMMITTED transaction and takes the write lock. READ
// COMMITTED is what makes the lock enough: each statement after the lock reads
// a fresh snapshot, so it sees everything the previous holder committed (a
// REPEATABLE READ snapshot could predate that commit), hence the refusal of
// any other isolation on the writer.
func (c *lockConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	switch sql.IsolationLevel(opts.Isolation) {
	case sql.LevelDefault, sql.LevelReadCommitted:
		// Explicit: a server whose default_transaction_isolation is higher
		// must not change what the lock guarantees.
		opts.Isolation = driver.IsolationLevel(sql.LevelReadCommitted)
	default:
		return nil, fmt.Errorf("store: write transactions are READ COMMITTED under the write lock, not %v", sql.IsolationLevel(opts.Isolation))
	}
	tx, err := c.Conn.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	if _, err := c.Conn.ExecContext(ctx, sqlWriteLock, nil); err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	c.inTx = true
	return lockTx{c, tx}, nil
}

type lockTx struct {
	c  *lockConn
	tx driver.Tx
}

func (t lockTx) Commit() error   { t.c.inTx = false; return t.tx.Commit() }
func (t lockTx) Rollback() error { t.c.inTx = false; return t.tx.Rollback() }

func (c *lockConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if c.inTx {
		return c.Conn.ExecContext(ctx, query, args)
	}
	var res driver.Result
	err := c.alone(ctx, func(tx driver.Tx) (err error) {
		res, err = c.Conn.ExecContext(ctx, query, args)
		return err
	})
	return res, err
}

func (c *lockConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if c.inTx {
		return c.Conn.QueryContext(ctx, query, args)
	}
	// Outside a transaction the rows are read whole before the commit
	// releases the lock (INSERT … RETURNING, UPDATE … RETURNING: a few rows).
	var out *bufferedRows
	err := c.alone(ctx, func(tx driver.Tx) error {
		rows, err := c.Conn.QueryContext(ctx, query, args)
		if err != nil {
			return err
		}
		defer rows.Close()
		out, err = buffer(rows)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// alone runs fn in a transaction of its own holding the write lock.
func (c *lockConn) alone(ctx context.Context, fn func(driver.Tx) error) error {
	tx, err := c.BeginTx(ctx, driver.TxOptions{})
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// PrepareContext prepares on the server and returns a statement that runs
// through this connection, so it takes the lock like any other statement.
func (c *lockConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.Conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &lockStmt{Stmt: st, c: c, query: query}, nil
}

func (c *lockConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

type lockStmt struct {
	driver.Stmt
	c     *lockConn
	query string
}

func (s *lockStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.c.ExecContext(ctx, s.query, args)
}

func (s *lockStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.c.QueryContext(ctx, s.query, args)
}

// bufferedRows holds a result read whole.
type bufferedRows struct {
	cols []string
	rows [][]driver.Value
}

func buffer(rows driver.Rows) (*bufferedRows, error) {
	b := &bufferedRows{cols: rows.Columns()}
	for {
		dest := make([]driver.Value, len(b.cols))
		err := rows.Next(dest)
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
		for i, v := range dest {
			if bs, ok := v.([]byte); ok {
				dest[i] = append([]byte(nil), bs...)
			}
		}
		b.rows = append(b.rows, dest)
	}
}

func (b *bufferedRows) Columns() []string { return b.cols }
func (b *bufferedRows) Close() error      { return nil }
func (b *bufferedRows) Next(dest []driver.Value) error {
	if len(b.rows) == 0 {
		return io.EOF
	}
	copy(dest, b.rows[0])
	b.rows = b.rows[1:]
	return nil
}

// sqlSyncIdentities moves every identity column's sequence of the current
// schema past the largest id its table holds (1 on an empty table), in one
// statement run by the server. The one source of this mechanic: DB.SyncIdentities
// and Copy (on its pgx transaction) both run it.
const sqlSyncIdentities = `DO $$
DECLARE c record;
BEGIN
	FOR c IN SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name
	LOOP
		EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, %L), coalesce(max(%I), 0) + 1, false) FROM %I',
			quote_ident(c.table_name), c.column_name, c.column_name, c.table_name);
	END LOOP;
END $$`

// SyncIdentities moves every identity column's sequence past the largest id
// its table holds, so the next row without an id gets a new one. Needed after
// rows were written with the ids they had elsewhere (a copy from SQLite, a
// restore): PostgreSQL's identities do not follow explicit ids, SQLite's
// rowids do (on SQLite it does nothing).
func (db *DB) SyncIdentities(ctx context.Context) error {
	if db.Engine != Postgres {
		return nil
	}
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, sqlSyncIdentities); err != nil {
			return fmt.Errorf("sync identities: %w", err)
		}
		return nil
	})
}
