package internal_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// sqlStatement matches a string literal that is (the start of) an SQL statement.
var sqlStatement = regexp.MustCompile(`(?is)^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|PRAGMA|SAVEPOINT|RELEASE|ROLLBACK TO|VACUUM|CREATE|DROP|ALTER)\s`)

// notPortable are SQL forms SQLite accepts and PostgreSQL does not, with the
// portable form to write instead (docs/ARCHITECTURE.md).
var notPortable = []struct{ re, instead string }{
	{`(?i)INSERT\s+OR\s+IGNORE`, "INSERT … ON CONFLICT DO NOTHING"},
	{`(?i)\bx''`, "a bound empty blob"},
	{`(?i)\bzeroblob\(`, "a bound empty blob"},
	// A Go bool is bound as 1 or 0 on both engines (docs/ARCHITECTURE.md,
	// "Booleans are integers"): PostgreSQL refuses an integer as a condition.
	{`(?i)\b(WHEN|WHERE|AND|OR|NOT)\s+\$\d+\s+(AND|OR|THEN)\b`, "a bound flag compared: $N = 1"},
}

// sqlElsewhere are the files of a room that may hold SQL outside sql.go, each
// with its reason. A new one is a design decision: add it with its reason.
var sqlElsewhere = map[string]string{
	"tickets/queue.go": "the queue filter assembles its statement from parts it chooses",
}

// TestLayout_ProductSQLSitsInSQLFiles: the SQL of a domain room is in its
// sql.go (portable), a *_sqlite.go file (SQLite only) or its twin
// *_postgres.go (PostgreSQL only: same name but the suffix, so every
// engine-specific statement has its other engine's form beside it), and
// sql.go holds no SQLite-only form, nor a *_postgres.go file a PRAGMA.
func TestLayout_ProductSQLSitsInSQLFiles(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			// The base packages (store, mail, …) are mechanics, not rooms.
			if name := d.Name(); p != "." && (base[path.Join("internal", filepath.ToSlash(p))] || name == "testdata" || name == "testsupport" || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		name := filepath.Base(p)
		_, excused := sqlElsewhere[filepath.ToSlash(p)]
		pgFile := strings.HasSuffix(name, "_postgres.go")
		if pgFile {
			twin := strings.TrimSuffix(p, "_postgres.go") + "_sqlite.go"
			if _, err := fs.Stat(os.DirFS("."), filepath.ToSlash(twin)); err != nil {
				t.Errorf("%s: a PostgreSQL file without its SQLite twin %s", p, twin)
			}
		}
		sqlFile := name == "sql.go" || strings.HasSuffix(name, "_sqlite.go") || pgFile || excused
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !sqlStatement.MatchString(s) {
				return true
			}
			if !sqlFile {
				t.Errorf("%s: SQL outside sql.go or a *_sqlite.go file: %.60q", fset.Position(lit.Pos()), s)
			}
			if pgFile && regexp.MustCompile(`(?i)^\s*PRAGMA\s`).MatchString(s) {
				t.Errorf("%s: a PRAGMA in a PostgreSQL file: %.60q", fset.Position(lit.Pos()), s)
			}
			if name == "sql.go" {
				for _, np := range notPortable {
					if regexp.MustCompile(np.re).MatchString(s) {
						t.Errorf("%s: SQLite-only SQL in the portable sql.go; write %s: %.60q", fset.Position(lit.Pos()), np.instead, s)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
