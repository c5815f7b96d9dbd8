// Package internal_test guards the layering of the domain (docs/ARCHITECTURE.md):
// no package under internal/ imports the web side (handlers, views, Echo,
// templ) or the message catalog (locales, go-i18n), and a domain room imports
// another room's package only where an edge below says why.
package internal_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "zerodesk/"

// forbidden are the imports no package under internal/ may have, by prefix.
// locales is allowed in tests, where the real catalog is a fixture.
var forbidden = []struct {
	prefix  string
	inTests bool // forbidden in _test.go files too
	whyNot  string
}{
	{prefix: "zerodesk/handlers", inTests: true, whyNot: "the web side depends on the domain, never the reverse"},
	{prefix: "zerodesk/views", inTests: true, whyNot: "the web side depends on the domain, never the reverse"},
	{prefix: "zerodesk/cmd", inTests: true, whyNot: "the wiring depends on the domain, never the reverse"},
	{prefix: "github.com/labstack/echo", inTests: true, whyNot: "the domain knows no HTTP framework"},
	{prefix: "github.com/a-h/templ", inTests: true, whyNot: "the domain knows no templates"},
	{prefix: "github.com/nicksnyder/go-i18n", whyNot: "the domain knows no go-i18n: texts come in through an interface"},
	{prefix: "zerodesk/locales", whyNot: "the domain knows no go-i18n: texts come in through an interface"},
}

// base are the packages every room may import: mechanics and vocabulary
// shared by all, owned by none.
var base = map[string]bool{
	"internal/cache":           true,
	"internal/crypt":           true,
	"internal/errs":            true,
	"internal/store":           true,
	"internal/store/storetest": true,
	"internal/mail":            true,
	"internal/links":           true,
	"internal/usercode":        true,
	"internal/words":           true,
	// working-time arithmetic: the policy (sla) and the tickets' timers use one calendar
	"internal/worktime": true,
}

// allowed are the edges from one room to another that stay, each with its
// reason. A new one is a design decision: add it here with its reason.
var allowed = map[[2]string]string{
	{"internal/accounts", "internal/audit"}:    "staff changes are lines of the audit log, written in the change's transaction",
	{"internal/sla", "internal/audit"}:         "a change of the service-level policy is a line of the audit log, written in the change's transaction",
	{"internal/tickets", "internal/audit"}:     "staff actions on tickets, topics and canned replies are lines of the audit log, written in the change's transaction",
	{"internal/tickets", "internal/messaging"}: "a ticket is a sealed messaging thread: messaging is the core tickets are built on",
	{"internal/tickets", "internal/accounts"}: "the identity vocabulary (Session, Role, Profile, DataEraser) until handlers hand " +
		"tickets an identity of its own; the accounts service itself comes in as tickets.AccountKeys",
}

// testDoubles is the shared test-support package (clock, mailbox, cheap
// Argon2id, fixed secrets): any room's tests may use it, no production code.
const testDoubles = "internal/testsupport"

type edge struct {
	from, to string // module-relative import paths ("internal/tickets") or full external paths
	file     string
	test     bool
}

// imports reads the imports of every Go file below internal/.
func imports(t *testing.T) []edge {
	t.Helper()
	var out []edge
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); p != "." && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		from := path.Join("internal", filepath.ToSlash(filepath.Dir(p)))
		for _, imp := range f.Imports {
			to, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return err
			}
			out = append(out, edge{from: from, to: strings.TrimPrefix(to, module), file: path.Join("internal", filepath.ToSlash(p)),
				test: strings.HasSuffix(p, "_test.go")})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// violations are the edges the layering forbids, one line each.
func violations(edges []edge) []string {
	var out []string
	for _, e := range edges {
		full := e.to
		if strings.HasPrefix(e.to, "internal/") || !strings.Contains(e.to, ".") {
			full = module + e.to
		}
		for _, f := range forbidden {
			if (full == f.prefix || strings.HasPrefix(full, f.prefix+"/")) && (f.inTests || !e.test) {
				out = append(out, e.file+" imports "+full+": "+f.whyNot)
			}
		}
		if !strings.HasPrefix(e.to, "internal/") || e.from == "internal" {
			continue
		}
		room, other := roomOf(e.from), roomOf(e.to)
		if e.test && other == testDoubles {
			continue
		}
		if room == other || base[e.to] || base[other] {
			continue // a base package may import another, never a room
		}
		if _, ok := allowed[[2]string{room, other}]; ok {
			continue
		}
		out = append(out, e.file+" imports "+full+": one room reaches into another (give it an interface, or move the shared part into a base package)")
	}
	sort.Strings(out)
	return out
}

// roomOf is the top package under internal/ that p belongs to.
func roomOf(p string) string {
	parts := strings.SplitN(p, "/", 3)
	if len(parts) < 2 {
		return p
	}
	return parts[0] + "/" + parts[1]
}

func TestLayout_DomainImportsNoWebSideNoCatalogAndNoOtherRoom(t *testing.T) {
	edges := imports(t)
	if len(edges) < 100 {
		t.Fatalf("only %d imports read: is the test running in internal/?", len(edges))
	}
	for _, v := range violations(edges) {
		t.Error(v)
	}
}

// The check catches what it is for (the imports that pointed the wrong way
// before issue 11, and one of each forbidden kind) and passes what is allowed.
func TestLayout_ViolationsAreCaught(t *testing.T) {
	for _, c := range []struct {
		from, to string
		test     bool
		bad      bool
	}{
		{"internal/tickets", "locales", false, true},
		{"internal/tickets", "internal/kb", false, true},
		{"internal/kb", "internal/tickets", false, true},
		{"internal/store", "internal/tickets", false, true},
		{"internal/accounts", "handlers", true, true},
		{"internal/kb", "views", false, true},
		{"internal/kb", "github.com/labstack/echo/v4", false, true},
		{"internal/mail", "github.com/a-h/templ", false, true},
		{"internal/accounts", "github.com/nicksnyder/go-i18n/v2/i18n", false, true},

		{"internal/tickets", "locales", true, false},
		{"internal/tickets", "internal/store", false, false},
		{"internal/kb", "internal/words", false, false},
		{"internal/store/storetest", "internal/store", false, false},
		{"internal/tickets", "internal/messaging", false, false},
		{"internal/kb", "golang.org/x/text/unicode/norm", false, false},
	} {
		v := violations([]edge{{from: c.from, to: c.to, file: c.from + "/x.go", test: c.test}})
		if got := len(v) == 1; got != c.bad || len(v) > 1 {
			t.Errorf("%s → %s (test file: %v): %q, want a violation: %v", c.from, c.to, c.test, v, c.bad)
		}
	}
}
