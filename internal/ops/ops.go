// Package ops holds the operational checks of an installation: are the
// migrations the binary embeds the ones the database has applied (readiness,
// verify), is the database file intact (verify, SQLite), and the readiness
// answer that /readyz serves, cached for a second. It talks to store.DB, not
// to files, so a second engine plugs in by its own *_postgres.go twin of
// integrity_sqlite.go; everything else here is portable.
//
// Migration status and integrity are database mechanics that belong in
// internal/store; they sit here while the PostgreSQL engine is built there
// (issue 15) and can move into store as DB methods once both are merged.
package ops

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// Migrations compares the migrations a binary embeds with those a database
// has applied.
type Migrations struct {
	Known   []int // embedded in this binary
	Applied []int // recorded in the database's schema_migrations
	Pending []int // known, not applied: the database is older (zerodesk migrate applies them)
	Newer   []int // applied, not known: a newer zerodesk wrote the database
}

// Current reports whether the database has exactly the binary's migrations.
func (m Migrations) Current() bool { return len(m.Pending) == 0 && len(m.Newer) == 0 }

// KnownVersions are the versions of the NNNN_name.sql files of migrations,
// sorted; a name without a number is an error, as store.Migrate has it.
func KnownVersions(migrations fs.FS) ([]int, error) {
	entries, err := fs.ReadDir(migrations, ".")
	if err != nil {
		return nil, err
	}
	var out []int
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %q: name must be NNNN_description.sql", e.Name())
		}
		out = append(out, v)
	}
	sort.Ints(out)
	return out, nil
}

// MigrationStatus reads the applied versions from q (a small table: one row a
// migration) and compares them with migrations. A database without
// schema_migrations is an error: it is not a zerodesk database, or was never
// migrated.
func MigrationStatus(ctx context.Context, q *sql.DB, migrations fs.FS) (Migrations, error) {
	var m Migrations
	var err error
	if m.Known, err = KnownVersions(migrations); err != nil {
		return m, err
	}
	rows, err := q.QueryContext(ctx, sqlAppliedVersions)
	if err != nil {
		return m, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return m, err
		}
		m.Applied = append(m.Applied, v)
	}
	if err := rows.Err(); err != nil {
		return m, err
	}
	applied := map[int]bool{}
	for _, v := range m.Applied {
		applied[v] = true
	}
	known := map[int]bool{}
	for _, v := range m.Known {
		known[v] = true
		if !applied[v] {
			m.Pending = append(m.Pending, v)
		}
	}
	for _, v := range m.Applied {
		if !known[v] {
			m.Newer = append(m.Newer, v)
		}
	}
	return m, nil
}
