package store

import (
	"context"
	"database/sql"
	"database/sql/driver"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Unlocked is the pool for the few statements that must not wait for the
// write lock (WriteLockKey) on PostgreSQL: each is ONE statement, run on its
// own (autocommit, READ COMMITTED), whose result is right whatever other
// instances do at the same moment, because the statement alone decides it
// (an INSERT … ON CONFLICT DO UPDATE … RETURNING on one row, which PostgreSQL
// serialises on that row's lock). Nothing that reads and then writes in two
// statements, counts rows or allocates ids belongs here: those need the
// write lock (db.Write). Today's user: the shared per-address request rates
// (internal/ratelimit), one upsert per limited request, which would
// otherwise queue every page view behind the instances' write transactions.
//
// On PostgreSQL it is a pool of its own (4 connections per instance, opened
// when first used); on SQLite it is db.Write, the one writer (SQLite has no
// lock to skip, and one process).
func (db *DB) Unlocked() *sql.DB {
	if db.unlocked != nil {
		return db.unlocked
	}
	return db.Write
}

// openUnlocked opens (lazily: database/sql connects on first use) the pool of
// Unlocked on PostgreSQL, with the same booleans as the other pools.
func openUnlocked(cfg *pgx.ConnConfig) *sql.DB {
	pool := sql.OpenDB(unlockedConnector{stdlib.GetConnector(*cfg)})
	pool.SetMaxOpenConns(4)
	pool.SetMaxIdleConns(4)
	return pool
}

type unlockedConnector struct{ driver.Connector }

func (c unlockedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &unlockedConn{conn.(*stdlib.Conn)}, nil
}

type unlockedConn struct{ *stdlib.Conn }

func (c *unlockedConn) CheckNamedValue(nv *driver.NamedValue) error { return boolAsInteger(c.Conn, nv) }
