package store

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// What zerodesk verify and readiness (/readyz) need of the database: a
// read-only open, the migration status against a binary's migrations, and
// the engine's integrity check (verify_sqlite.go, verify_postgres.go).

// OpenReadOnly opens the database target names (as Open does: a postgres://
// or postgresql:// URL, else a SQLite file) for reading only: what verify
// opens, where a backup must not change and a live database is only looked
// at. A SQLite file must exist: it is opened read only (mode=ro, query_only),
// never created nor switched to WAL. On PostgreSQL both pools are sessions
// whose transactions are read only (default_transaction_read_only) and take
// no write lock. Read and Write both read: a write through either fails.
func OpenReadOnly(target string) (*DB, error) {
	if IsPostgresURL(target) {
		return openPostgresReadOnly(target)
	}
	return openSQLiteReadOnly(target)
}

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
// sorted; a name without a number is an error, as Migrate has it.
func KnownVersions(migrations fs.FS) ([]int, error) {
	files, err := migrationFiles(migrations)
	var out []int
	for _, m := range files {
		out = append(out, m.version)
	}
	return out, err
}

// A migrationFile is one NNNN_name.sql file of a migration set.
type migrationFile struct {
	version int
	name    string
}

// migrationFiles reads the NNNN_name.sql files of migrations in version
// order: what Migrate applies and KnownVersions counts. A name without a
// number, or two files of one version, is an error.
func migrationFiles(migrations fs.FS) ([]migrationFile, error) {
	entries, err := fs.ReadDir(migrations, ".")
	if err != nil {
		return nil, err
	}
	var all []migrationFile
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %q: name must be NNNN_description.sql", e.Name())
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %q and %q share version %d", other, e.Name(), v)
		}
		seen[v] = e.Name()
		all = append(all, migrationFile{v, e.Name()})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].version < all[j].version })
	return all, nil
}

const sqlAppliedVersions = `SELECT version FROM schema_migrations ORDER BY version`

// MigrationStatus reads the applied versions through the read pool (a small
// table: one row a migration) and compares them with migrations. A database
// without schema_migrations is an error: it is not a zerodesk database, or
// was never migrated.
func (db *DB) MigrationStatus(ctx context.Context, migrations fs.FS) (Migrations, error) {
	var m Migrations
	var err error
	if m.Known, err = KnownVersions(migrations); err != nil {
		return m, err
	}
	rows, err := db.Read.QueryContext(ctx, sqlAppliedVersions)
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

// Integrity runs the engine's integrity check and returns its complaints,
// none when the database is intact. On SQLite it is the file's own check (at
// most 20 complaints: the first ones say enough); it reads every page: for
// verify, never for readiness. PostgreSQL has no such statement (amcheck is
// an extension): the server answers and the migrations table reads whole,
// and page integrity is the server's checksums' and the operator's
// pg_amcheck (docs/OPERATIONS.md).
func (db *DB) Integrity(ctx context.Context) ([]string, error) {
	if db.Engine == Postgres {
		return db.integrityPostgres(ctx)
	}
	return db.integritySQLite(ctx)
}
