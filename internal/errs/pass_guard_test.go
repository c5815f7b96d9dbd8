package errs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// singleCodePass is the hand-written pass-or-wrap that lets one code through
// and turns every other domain code into an internal error (a 500): a second
// refusal decided inside the same transaction would be lost.
var singleCodePass = regexp.MustCompile(`if errs\.CodeOf\(err\) == errs\.\w+ \{\s*return [^\n]*\berr\s*\}\s*(if err != nil \{\s*)?return [^\n]*errs\.Wrap\(err`)

// handPass is Pass written out again.
var handPass = regexp.MustCompile(`var \w+ \*errs\.Error\s*if (err == nil \|\| )?errors\.As\(err, &\w+\) \{\s*return [^\n]*\berr\s*\}\s*return [^\n]*errs\.Wrap\(err`)

// TestNoHandWrittenPass guards the domain: a transaction's error leaves
// through Pass, which keeps every domain code.
func TestNoHandWrittenPass(t *testing.T) {
	t.Parallel()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, re := range []*regexp.Regexp{singleCodePass, handPass} {
			if loc := re.FindIndex(src); loc != nil {
				line := 1 + strings.Count(string(src[:loc[0]]), "\n")
				t.Errorf("%s:%d: pass or wrap by hand; use errs.Pass", path, line)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestTransactionsLeaveThroughPass guards the same class from the other side:
// the error of a transaction (db.Tx, a service's write) whose callback may
// decide a refusal is never turned into an internal error with errs.Wrap.
func TestTransactionsLeaveThroughPass(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			block, ok := n.(*ast.BlockStmt)
			if !ok {
				return true
			}
			for i, st := range block.List[:max(len(block.List)-1, 0)] {
				if !isTransaction(st) {
					continue
				}
				ast.Inspect(block.List[i+1], func(n ast.Node) bool {
					if call, ok := n.(*ast.CallExpr); ok && isSelector(call.Fun, "errs", "Wrap") {
						t.Errorf("%s: a transaction's error wrapped as internal; use errs.Pass", fset.Position(call.Pos()))
					}
					return true
				})
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// isTransaction reports whether st is err = x.Tx(ctx, func…) or x.write(…).
func isTransaction(st ast.Stmt) bool {
	as, ok := st.(*ast.AssignStmt)
	if !ok || len(as.Rhs) != 1 {
		return false
	}
	call, ok := as.Rhs[0].(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || (sel.Sel.Name != "Tx" && sel.Sel.Name != "write") {
		return false
	}
	for _, a := range call.Args {
		if _, ok := a.(*ast.FuncLit); ok {
			return true
		}
	}
	return false
}

func isSelector(e ast.Expr, pkg, name string) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != name {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == pkg
}
