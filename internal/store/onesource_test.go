package store_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// oneSource names mechanics that are written once in the store, with the
// text only their one place holds: a second copy (review of session 20 found
// Copy resetting the identity sequences with a query of its own beside
// SyncIdentities) fails here and is made a call of the first instead.
var oneSource = []struct{ text, file, what string }{
	{"setval(", "db_postgres.go", "moving identity sequences (sqlSyncIdentities: DB.SyncIdentities and Copy run it)"},
	{"NNNN_description.sql", "verify.go", "reading a migration set's files (migrationFiles: Migrate and KnownVersions)"},
}

func TestStore_EachMechanicIsWrittenOnce(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range oneSource {
		var in []string
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(b), m.text); n > 0 {
				in = append(in, f+" ×"+strconv.Itoa(n))
			}
		}
		if len(in) != 1 || in[0] != m.file+" ×1" {
			t.Errorf("%s: %q stands in %v; want once, in %s", m.what, m.text, in, m.file)
		}
	}
}

// mechanics are what only the store does with a database: open one (a DSN,
// a driver's connect) or speak to the engine itself (a pragma).
var mechanics = []string{`sql.Open(`, `sql.OpenDB(`, `pgx.Connect(`, `pgxpool.`, `PRAGMA `}

// outsideStore are the production files outside internal/store allowed a
// mechanic, each with its reason.
var outsideStore = map[string]string{
	"bench/catalog/main.go": "a measurement: it truncates the WAL between runs so each starts alike",
}

// The review of session 20 found verify opening SQLite with a DSN of its own
// (cmd/zerodesk) and the integrity check's pragma in internal/ops: a database
// mechanic outside the store fails here; the store grows the method instead
// (OpenReadOnly, DB.Integrity). Tests may open what they need.
func TestStore_OnlyTheStoreOpensDatabases(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			name := d.Name()
			if rel == "internal/store" || name == "testdata" || name == "vendor" || name == "node_modules" ||
				(rel != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_"))) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || outsideStore[rel] != "" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range mechanics {
			if strings.Contains(string(b), m) {
				t.Errorf("%s: %q outside internal/store: a database mechanic is the store's (give store a method)", rel, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
