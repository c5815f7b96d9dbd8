package store_test

import (
	"context"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"testing"

	"zerodesk/data"
	"zerodesk/internal/store"
	"zerodesk/internal/store/storetest"
	"zerodesk/internal/store/testengine"
)

// The two engines' migrations agree: the same NNNN_name.sql files (so
// schema_migrations holds the same versions on both, which a copy between
// them relies on) and, on the PostgreSQL run, the same tables with the same
// columns. PostgreSQL's search table adds its rowid and tsvector to SQLite's
// FTS5 columns (FTS5's own shadow tables have no twin).
func TestMigrations_TheEnginesAgree(t *testing.T) {
	names := func(fsys fs.FS) []string {
		entries, err := fs.ReadDir(fsys, ".")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".sql") {
				out = append(out, e.Name())
			}
		}
		return out
	}
	lite, pg := names(data.MigrationsFor(string(store.SQLite))), names(data.MigrationsFor(string(store.Postgres)))
	if !slices.Equal(lite, pg) || len(lite) == 0 {
		t.Fatalf("migrations differ:\nSQLite     %v\nPostgreSQL %v", lite, pg)
	}
	if testengine.Name() != testengine.Postgres {
		return // the columns: on the PostgreSQL run, which has both engines
	}
	ctx := context.Background()
	columns := func(db *store.DB, q string) map[string][]string {
		rows, err := db.Read.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string][]string{}
		for rows.Next() {
			var table, col string
			if err := rows.Scan(&table, &col); err != nil {
				t.Fatal(err)
			}
			out[table] = append(out[table], col)
		}
		for _, cols := range out {
			sort.Strings(cols)
		}
		return out
	}
	want := columns(storetest.OpenSQLite(t), `SELECT m.name, p.name FROM sqlite_schema m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND m.name NOT LIKE 'translations\_fts\_%' ESCAPE '\'`)
	got := columns(storetest.Open(t), `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`)
	want["translations_fts"] = []string{"body", "lang", "rowid", "title", "tsv"}
	for table, cols := range want {
		if !slices.Equal(got[table], cols) {
			t.Errorf("%s: PostgreSQL has columns %v, SQLite %v", table, got[table], cols)
		}
	}
	for table := range got {
		if _, ok := want[table]; !ok {
			t.Errorf("%s: on PostgreSQL only", table)
		}
	}
}
