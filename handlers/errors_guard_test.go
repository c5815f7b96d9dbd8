package handlers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// namespace is a message-ID namespace such as "accounts." or "tickets.".
var namespace = regexp.MustCompile(`^[a-z_]+(\.[a-z_]+)*\.$`)

// TestNoMessageIDPrefixChecks guards the error flow: whether an error is
// shown on the form or becomes an error page follows from its code
// (errs.IsRefusal), never from its message ID's namespace, so renaming a
// message cannot turn a form message into an error page.
func TestNoMessageIDPrefixChecks(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "HasPrefix" && sel.Sel.Name != "CutPrefix") {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "strings" {
				return true
			}
			lit, ok := call.Args[1].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			if s, _ := strconv.Unquote(lit.Value); namespace.MatchString(s) {
				t.Errorf("%s: strings.%s(…, %s) decides on a message-ID namespace; use errs.IsRefusal", fset.Position(call.Pos()), sel.Sel.Name, lit.Value)
			}
			return true
		})
	}
}
