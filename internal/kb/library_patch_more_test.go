package kb

import (
	"context"
	"fmt"
	"testing"
	"testing/fstest"
	"time"

	"zerodesk/data"
	"zerodesk/internal/testsupport"
)

// An import that changes only categories, or only a published date, moves
// kb_generation: another instance's Refresh finds it. An import that changes
// nothing leaves the generation (and this instance's catalog) as they are.
func TestImport_EveryChangeReachesOtherInstances(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t)
	clock := testsupport.NewClock(time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC))
	k, err := New(ctx, db, testOptions(t, clock))
	if err != nil {
		t.Fatal(err)
	}
	other, err := New(ctx, db, testOptions(t, clock))
	if err != nil {
		t.Fatal(err)
	}
	article := func(published string) *fstest.MapFile {
		return md(`key = "zanzibar"
title = "Zanzibar"
category = "faq"
state = "published"
published = `+published+`
position = 9`, "The zanzibar eats at noon.\n")
	}
	cats := func(name string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("[[category]]\nkey = \"faq\"\n[category.name]\nen = \"" + name + "\"\n")}
	}
	imp := func(what string, files fstest.MapFS) {
		t.Helper()
		if _, err := k.Import(ctx, files); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if err := other.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
	}
	imp("an article", fstest.MapFS{"en/zanzibar.md": article("2026-11-01T10:00:00Z"), CategoriesFile: cats("Questions")})
	if name, _, _ := other.Sections().Text(FAQ, "en"); name != "Questions" {
		t.Fatalf("the other instance names the FAQ %q", name)
	}

	imp("a category renamed", fstest.MapFS{"en/zanzibar.md": article("2026-11-01T10:00:00Z"), CategoriesFile: cats("Answers")})
	if name, _, _ := other.Sections().Text(FAQ, "en"); name != "Answers" {
		t.Errorf("after an import renaming a category only, the other instance names the FAQ %q", name)
	}

	imp("a date changed", fstest.MapFS{"en/zanzibar.md": article("2026-10-01T10:00:00Z"), CategoriesFile: cats("Answers")})
	if a, err := other.Article("en", "zanzibar"); err != nil || !a.PublishedAt.Equal(time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("after an import changing a date only, the other instance shows %+v (%v)", a, err)
	}

	version := k.Version()
	imp("the same again", fstest.MapFS{"en/zanzibar.md": article("2026-10-01T10:00:00Z"), CategoriesFile: cats("Answers")})
	if k.Version() != version {
		t.Error("an import that changed nothing changed the catalog")
	}
}

// An import of more than maxPatchedImport articles builds the catalog whole
// (a patch that large costs more, BenchmarkPatchManyCatalog); a smaller one
// patches it. Either way visitors read the catalog built from every row.
func TestImport_ManyArticlesBuildTheCatalogWhole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, _ := seeded(t, data.Demo())
	far := k.cat.Load().lib.byKey["terms-of-use"].id
	imp := func(from, to int) bool {
		t.Helper()
		in := fstest.MapFS{}
		for i := from; i < to; i++ {
			key := fmt.Sprintf("bulk-%03d", i)
			in["en/"+key+".md"] = md(`key = "`+key+`"
title = "Bulk `+key+`"
category = "technotes"
state = "published"
published = 2026-11-01T10:00:00Z
position = 50`, "Bulk text "+key+".\n")
		}
		before := k.cat.Load().lib.byLang["en"][far]
		res, err := k.Import(ctx, in)
		if err != nil || res.Created != to-from {
			t.Fatalf("import: %+v, %v", res, err)
		}
		sameCatalog(t, fmt.Sprintf("import of %d", to-from), k.cat.Load(), wholeCatalog(t, k))
		return k.cat.Load().lib.byLang["en"][far] == before
	}
	n := maxPatchedImport(len(k.cat.Load().lib.all))
	if patched := imp(0, 2); !patched {
		t.Error("an import of 2 articles built the catalog whole")
	}
	if patched := imp(2, 3+n); patched {
		t.Errorf("an import of %d articles was patched (at most %d are)", n+1, n)
	}
}
