package kb

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"zerodesk/internal/testsupport"
)

// A write that changes what visitors read tells the other instances at once
// (Options.OnChange, store.Changes on PostgreSQL): publishing, unpublishing,
// a category, an import. Reading another instance's change (Refresh) says
// nothing, or the instances would echo each other.
func TestChanged_WritesAreAnnounced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t)
	var n atomic.Int64
	opts := testOptions(t, testsupport.NewClock(time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)))
	opts.OnChange = func() { n.Add(1) }
	k, err := New(ctx, db, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.SeedIfEmpty(ctx, demoFS()); err != nil {
		t.Fatal(err)
	}
	generation := func() (g int64) {
		t.Helper()
		if err := db.Read.QueryRowContext(ctx, sqlEdGeneration).Scan(&g); err != nil {
			t.Fatal(err)
		}
		return g
	}
	step := func(what string, fn func() error) {
		t.Helper()
		before, from := n.Load(), generation()
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n.Load() == before {
			t.Errorf("%s was not announced", what)
		}
		// What it changed is recorded too: the other instances patch it
		// (refresh_patch.go).
		if _, ok, err := k.changesBetween(ctx, from, generation()); err != nil || !ok {
			t.Errorf("%s: kb_changes does not say what it changed (%v)", what, err)
		}
	}
	rev, err := k.Create(ctx, eda, newDraft())
	if err != nil {
		t.Fatal(err)
	}
	step("publishing", func() error { return k.Publish(ctx, rev.ArticleID, "en", rev.ID) })
	step("unpublishing", func() error { return k.Unpublish(ctx, rev.ArticleID, "en", "") })
	// A translation found still current after its source changed.
	src, err := k.Create(ctx, eda, Draft{Lang: "en", Title: "Feed a Quokka", Body: "Leaves.", Category: FAQ})
	if err != nil {
		t.Fatal(err)
	}
	id := src.ArticleID
	tr, err := k.SaveTranslation(ctx, eda, id, 0, Draft{Lang: "es", Title: "Alimentar un quokka", Body: "Hojas."}, src.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*Revision{src, tr} {
		if err := k.Publish(ctx, id, r.Lang, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	d := src.Draft
	d.Body += " And bark."
	if src, err = k.Save(ctx, eda, id, src.ID, d); err != nil {
		t.Fatal(err)
	}
	if err := k.Publish(ctx, id, "en", src.ID); err != nil {
		t.Fatal(err)
	}
	step("a translation still current", func() error { _, err := k.StillCurrent(ctx, eda, id, "es", tr.ID, src.ID, "ok"); return err })
	var cat Category
	step("a new category", func() (err error) { cat, err = k.CreateCategory(ctx, "en", "Quokkas", ""); return err })
	step("a category named in Spanish", func() error { return k.DescribeCategory(ctx, cat, "es", "Quokkas", "") })
	step("a category moved", func() error { return k.MoveCategory(ctx, cat, true) })
	step("a category deleted", func() error { return k.DeleteCategory(ctx, cat) })
	step("an import", func() error {
		_, err := k.Import(ctx, fstest.MapFS{"en/zanzibar.md": {Data: []byte("+++\nkey = \"zanzibar\"\ntitle = \"Zanzibar\"\nslug = \"zanzibar\"\ncategory = \"faq\"\nstate = \"published\"\npublished = 2026-11-01T10:00:00Z\nposition = 9\n+++\nThe zanzibar eats at noon.\n")}})
		return err
	})

	// Another instance's write, read by Refresh: no echo.
	other, err := New(ctx, db, testOptions(t, testsupport.NewClock(time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC))))
	if err != nil {
		t.Fatal(err)
	}
	rev, err = other.Create(ctx, ben, Draft{Lang: "en", Title: "Walk a Quokka", Body: "Slowly.", Category: FAQ})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Publish(ctx, rev.ArticleID, "en", rev.ID); err != nil {
		t.Fatal(err)
	}
	before := n.Load()
	if err := k.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Article("en", rev.Slug); err != nil {
		t.Errorf("the other instance's article after Refresh: %v", err)
	}
	if n.Load() != before {
		t.Error("Refresh announced another instance's change")
	}
}

// The guard of the class: a write reloads through written or reloadArticles,
// which announce; only New and Refresh (nothing written here) call reload
// itself.
func TestChanged_EveryWriteIsAnnounced(t *testing.T) {
	t.Parallel()
	allowed := []string{"New", "Refresh", "written", "reloadArticles"}
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
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "reload" && !slices.Contains(allowed, fn.Name.Name) {
					t.Errorf("%s: %s calls reload: a write reloads through written (announced)", fset.Position(call.Pos()), fn.Name.Name)
				}
				return true
			})
		}
	}
}
