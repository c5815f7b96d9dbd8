// Package testengine is the one table of engines the database tests run on
// (issue 15): ZERODESK_TEST_ENGINE names it ("sqlite", the default, or
// "postgres"), and on PostgreSQL ZERODESK_TEST_PG is the URL of a server the
// tests may create databases on (scripts/pg-start.sh prints both). Each test
// gets a database of its own, cloned from a template (CREATE DATABASE …
// TEMPLATE: a file copy, no migration per test) and dropped when it ends.
//
// With ZERODESK_TEST_ENGINE=postgres a missing or unreachable server fails
// the test: it never skips.
package testengine

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// The engines.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Name is the engine the tests run on.
func Name() string {
	switch e := os.Getenv("ZERODESK_TEST_ENGINE"); e {
	case "", SQLite:
		return SQLite
	default:
		return e
	}
}

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminURL  *url.URL
	adminErr  error
)

func server(t testing.TB) (*sql.DB, *url.URL) {
	t.Helper()
	if Name() != Postgres {
		t.Fatalf("ZERODESK_TEST_ENGINE=%q: the engines are %q and %q", Name(), SQLite, Postgres)
	}
	adminOnce.Do(func() {
		raw := os.Getenv("ZERODESK_TEST_PG")
		if raw == "" {
			adminErr = fmt.Errorf("ZERODESK_TEST_ENGINE=postgres needs ZERODESK_TEST_PG, the server's URL (scripts/pg-start.sh prints it)")
			return
		}
		adminURL, adminErr = url.Parse(raw)
		if adminErr != nil {
			return
		}
		admin, adminErr = sql.Open("pgx", raw)
		if adminErr == nil {
			admin.SetMaxOpenConns(4)
			adminErr = admin.Ping()
		}
	})
	if adminErr != nil {
		t.Fatalf("PostgreSQL for the tests: %v", adminErr)
	}
	return admin, adminURL
}

// URLOf is the server's URL with database name.
func URLOf(t testing.TB, name string) string {
	_, u := server(t)
	v := *u
	v.Path = "/" + name
	return v.String()
}

// templateLock serialises the building of templates across test processes.
const templateLock = 0x7a64746d706c // "zdtmpl"

var built sync.Map // template name → struct{}

// Database creates a database for this test and returns its URL; it is
// dropped when the test ends. template, when not empty, is cloned: the first
// caller (across processes) builds it by running prepare on its URL, and its
// name should change when what prepare does changes (a hash of the
// migrations). Empty template: an empty database.
func Database(t testing.TB, template string, prepare func(url string) error) string {
	t.Helper()
	db, _ := server(t)
	ctx := context.Background()
	if template != "" {
		if _, ok := built.Load(template); !ok {
			if err := build(ctx, t, db, template, prepare); err != nil {
				t.Fatalf("PostgreSQL template %s: %v", template, err)
			}
			built.Store(template, struct{}{})
		}
	}
	var name string
	if template == "" {
		name = dbName()
		if err := create(ctx, db, name, ""); err != nil {
			t.Fatalf("PostgreSQL: %v", err)
		}
	} else {
		c := <-clones(db, template)
		if c.err != nil {
			t.Fatalf("PostgreSQL: %v", c.err)
		}
		name = c.name
	}
	t.Cleanup(func() {
		if _, err := db.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("PostgreSQL: drop %s: %v", name, err)
		}
	})
	return URLOf(t, name)
}

// PrivateName is a fresh database name of this test process, for a template
// built from what only this process has (a key file it made, the content its
// code seeds): Database clones it like any template, no other process finds
// it under that name, and a later run drops it once this process has ended,
// with the clones it made ahead (dropOrphans). Templates that depend on the
// migrations alone are shared across processes instead, named after them.
func PrivateName() string { return dbName() }

// dbName names a test's database after its process, so the databases a
// process created ahead and never used can be found and dropped later
// (dropOrphans).
func dbName() string { return "zd_t_" + strconv.Itoa(os.Getpid()) + "_" + random() }

func create(ctx context.Context, db *sql.DB, name, template string) error {
	q := `CREATE DATABASE ` + name
	if template != "" {
		q += ` TEMPLATE ` + template
	}
	if _, err := db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("%s: %w", q, err)
	}
	return nil
}

type clone struct {
	name string
	err  error
}

var cloners sync.Map // template → chan clone

// clones hands out databases cloned from template, one made ahead while the
// test before runs: a clone costs the server a copy of the template (about
// 10 MB, most of it the system catalogs), and a test need not wait for it.
func clones(db *sql.DB, template string) <-chan clone {
	if ch, ok := cloners.Load(template); ok {
		return ch.(chan clone)
	}
	ch := make(chan clone, 1)
	if prev, loaded := cloners.LoadOrStore(template, ch); loaded {
		return prev.(chan clone)
	}
	go func() {
		for {
			name := dbName()
			err := create(context.Background(), db, name, template)
			ch <- clone{name, err}
		}
	}()
	return ch
}

// dropOrphans drops the test databases of processes that have ended (made
// ahead and never used, or left by a killed run).
func dropOrphans(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'zd\_t\_%'`)
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		names = append(names, n)
	}
	rows.Close()
	for _, n := range names {
		parts := strings.Split(n, "_") // zd, t, PID, RANDOM
		if len(parts) != 4 {
			continue
		}
		pid, err := strconv.Atoi(parts[2])
		if err != nil || alive(pid) {
			continue
		}
		if _, err := db.ExecContext(ctx, `DROP DATABASE IF EXISTS `+n+` WITH (FORCE)`); err != nil {
			return err
		}
	}
	return rows.Err()
}

func alive(pid int) bool {
	p, err := os.FindProcess(pid)
	return err == nil && p.Signal(syscall.Signal(0)) == nil
}

func build(ctx context.Context, t testing.TB, db *sql.DB, template string, prepare func(string) error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(templateLock)); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(templateLock))
	if err := dropOrphans(ctx, db); err != nil {
		return err
	}
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM pg_database WHERE datname = $1`, template).Scan(&n); err != nil || n > 0 {
		return err
	}
	// Built under another name and renamed once whole, so a template that
	// exists is complete.
	tmp := template + "_" + random()
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+tmp); err != nil {
		return err
	}
	if err := prepare(URLOf(t, tmp)); err != nil {
		conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+tmp+` WITH (FORCE)`)
		return err
	}
	_, err = conn.ExecContext(ctx, `ALTER DATABASE `+tmp+` RENAME TO `+template)
	return err
}

func random() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}
