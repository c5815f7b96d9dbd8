package storetest_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// A byte scan's needle must be this run's own (storetest.Secret, a usercode
// or token the code made, random bytes): on PostgreSQL FindSecrets reads the
// cluster's shared pg_wal, where a fixed string can stand because another
// test, or the demo articles, wrote the same bytes (CI found the mail test's
// fixed usercode there). This reads every test file of the module and fails
// on a FindSecrets needle that is a constant: a string literal, a sum or a
// call of constants only (strings.ToLower("…")), or a name every assignment
// of which (in its function, else in its package) is such a constant.
func TestFindSecrets_NeedlesAreNeverConstants(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	pkgs := map[string][]*ast.File{} // directory → its files, tests too
	names := map[*ast.File]string{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); p != root && (strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_") || n == "testdata" || n == "vendor" || n == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_templ.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		names[f] = filepath.ToSlash(rel)
		pkgs[filepath.Dir(p)] = append(pkgs[filepath.Dir(p)], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	var bad []string
	for _, files := range pkgs {
		pkgLevel := assignments(filesAsNodes(files), nil)
		for _, f := range files {
			if !strings.HasSuffix(names[f], "_test.go") {
				continue
			}
			for _, decl := range f.Decls {
				fn, ok := decl.(*ast.FuncDecl)
				if !ok || fn.Body == nil {
					continue
				}
				local := assignments([]ast.Node{fn.Body}, fn)
				c := constness{local: local, pkg: pkgLevel, seen: map[string]bool{}}
				ast.Inspect(fn.Body, func(n ast.Node) bool {
					call, ok := n.(*ast.CallExpr)
					if !ok || !isFindSecrets(call.Fun) || len(call.Args) != 4 {
						return true
					}
					calls++
					for _, needle := range c.needles(call.Args[3]) {
						if c.constant(needle) {
							bad = append(bad, fset.Position(needle.Pos()).String()+": "+short(fset, needle))
						}
					}
					return true
				})
			}
		}
	}
	if calls < 20 {
		t.Fatalf("found %d FindSecrets calls: the scan reads the wrong tree", calls)
	}
	sort.Strings(bad)
	for _, b := range bad {
		rel, _ := filepath.Rel(root, b)
		t.Errorf("%s: a fixed FindSecrets needle: another test may write the same bytes to PostgreSQL's shared WAL; use storetest.Secret(t, prefix)", rel)
	}
}

func isFindSecrets(fun ast.Expr) bool {
	switch f := fun.(type) {
	case *ast.SelectorExpr:
		return f.Sel.Name == "FindSecrets"
	case *ast.Ident:
		return f.Name == "FindSecrets"
	}
	return false
}

func filesAsNodes(files []*ast.File) []ast.Node {
	var out []ast.Node
	for _, f := range files {
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok {
				out = append(out, g) // package-level const and var only
			}
		}
	}
	return out
}

// assignments maps each name to the expressions assigned to it in nodes (its
// declarations, := and =, a range's value over a literal: each element, and
// for a map the values of m[k] = v under "m[]"); a name assigned by another
// range, a call's several results or a parameter maps to a nil (unknown: not
// a constant).
func assignments(nodes []ast.Node, fn *ast.FuncDecl) map[string][]ast.Expr {
	out := map[string][]ast.Expr{}
	if fn != nil {
		for _, fl := range []*ast.FieldList{fn.Recv, fn.Type.Params} {
			if fl == nil {
				continue
			}
			for _, field := range fl.List {
				for _, n := range field.Names {
					out[n.Name] = append(out[n.Name], nil)
				}
			}
		}
	}
	add := func(lhs []ast.Expr, rhs []ast.Expr) {
		for i, l := range lhs {
			var r ast.Expr
			if len(rhs) == len(lhs) {
				r = rhs[i]
			}
			switch l := l.(type) {
			case *ast.Ident:
				out[l.Name] = append(out[l.Name], r)
			case *ast.IndexExpr:
				if id, ok := l.X.(*ast.Ident); ok {
					out[id.Name+"[]"] = append(out[id.Name+"[]"], r)
				}
			}
		}
	}
	for _, node := range nodes {
		ast.Inspect(node, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				add(n.Lhs, n.Rhs)
			case *ast.ValueSpec:
				lhs := make([]ast.Expr, len(n.Names))
				for i, id := range n.Names {
					lhs[i] = id
				}
				add(lhs, n.Values)
			case *ast.RangeStmt:
				add([]ast.Expr{n.Key}, nil)
				// for _, s := range []string{"…", "…"}: s is each element
				if id, ok := n.Value.(*ast.Ident); ok {
					if lit, ok := n.X.(*ast.CompositeLit); ok && len(lit.Elts) > 0 {
						for _, el := range lit.Elts {
							if kv, ok := el.(*ast.KeyValueExpr); ok {
								el = kv.Value
							}
							out[id.Name] = append(out[id.Name], el)
						}
					} else {
						out[id.Name] = append(out[id.Name], nil)
					}
				}
			case *ast.FuncLit:
				for _, field := range n.Type.Params.List {
					for _, id := range field.Names {
						out[id.Name] = append(out[id.Name], nil)
					}
				}
			}
			return true
		})
	}
	return out
}

type constness struct {
	local, pkg map[string][]ast.Expr
	seen       map[string]bool
}

// needles are the values of the secrets argument: a map literal's values,
// or those of the map a name was given (and its m[k] = v).
func (c constness) needles(arg ast.Expr) []ast.Expr {
	switch a := arg.(type) {
	case *ast.CompositeLit:
		var out []ast.Expr
		for _, e := range a.Elts {
			if kv, ok := e.(*ast.KeyValueExpr); ok {
				out = append(out, kv.Value)
			}
		}
		return out
	case *ast.Ident:
		var out []ast.Expr
		for _, e := range c.local[a.Name] {
			if e != nil {
				out = append(out, c.needles(e)...)
			}
		}
		for _, e := range c.local[a.Name+"[]"] {
			if e != nil {
				out = append(out, e)
			}
		}
		return out
	}
	return nil
}

// constant reports whether e is known to be the same on every run.
func (c constness) constant(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BasicLit:
		return true
	case *ast.ParenExpr:
		return c.constant(e.X)
	case *ast.BinaryExpr:
		return c.constant(e.X) && c.constant(e.Y)
	case *ast.CallExpr:
		// strings' functions, a conversion and a method of a constant
		// receiver, given constants, are constants. Any other function may
		// be a generator (rand.Text, storetest.Secret, a test's randomWords)
		// or a sealer: not.
		switch f := e.Fun.(type) {
		case *ast.SelectorExpr:
			if pkg, isIdent := f.X.(*ast.Ident); isIdent && !c.known(pkg.Name) {
				if pkg.Name != "strings" {
					return false
				}
			} else if !c.constant(f.X) {
				return false
			}
		case *ast.Ident:
			if f.Name != "string" {
				return false
			}
		case *ast.ArrayType: // []byte("…")
		default:
			return false
		}
		for _, a := range e.Args {
			if !c.constant(a) {
				return false
			}
		}
		return true
	case *ast.Ident:
		if c.seen[e.Name] {
			return false
		}
		c.seen[e.Name] = true
		defer delete(c.seen, e.Name)
		defs, ok := c.local[e.Name]
		if !ok {
			defs, ok = c.pkg[e.Name]
		}
		if !ok || len(defs) == 0 {
			return false
		}
		for _, d := range defs {
			if d == nil || !c.constant(d) {
				return false
			}
		}
		return true
	}
	return false
}

// known reports whether name is a variable of the function or package.
func (c constness) known(name string) bool {
	_, l := c.local[name]
	_, p := c.pkg[name]
	return l || p
}

func short(fset *token.FileSet, e ast.Expr) string {
	start, end := fset.Position(e.Pos()), fset.Position(e.End())
	b, err := os.ReadFile(start.Filename)
	if err != nil || end.Offset > len(b) {
		return "?"
	}
	return string(b[start.Offset:end.Offset])
}
