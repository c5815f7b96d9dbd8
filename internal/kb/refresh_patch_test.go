package kb

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"zerodesk/internal/store"
	"zerodesk/internal/testsupport"
)

// sameDB opens another connection pool to db's database: another instance
// behind the load balancer.
func sameDB(t *testing.T, db *store.DB) *store.DB {
	t.Helper()
	target := db.Path
	if db.Engine == store.Postgres {
		target = db.URL()
	}
	other, err := store.Open(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

// Two instances on one database (issue 15): what A publishes, unpublishes or
// renames reaches B's catalog through a patch (kb_changes), not a whole
// build, and B's catalog is the one built from every row.
func TestRefresh_AnotherInstancesWritesArePatched(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, db, clock := seeded(t, demoFS())
	b, err := New(ctx, sameDB(t, db), testOptions(t, clock))
	if err != nil {
		t.Fatal(err)
	}
	step := func(what string, fn func() error) {
		t.Helper()
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		builds := b.builds.Load()
		if err := b.Refresh(ctx); err != nil {
			t.Fatalf("%s: refresh: %v", what, err)
		}
		if got := b.builds.Load() - builds; got != 0 {
			t.Errorf("%s on A: B built its catalog whole %d times instead of patching it", what, got)
		}
		var gen int64
		if err := db.Read.QueryRowContext(ctx, sqlEdGeneration).Scan(&gen); err != nil {
			t.Fatal(err)
		}
		if b.generation.Load() != gen {
			t.Errorf("%s: B is at generation %d, the database at %d", what, b.generation.Load(), gen)
		}
		sameCatalog(t, what, b.cat.Load(), wholeCatalog(t, b))
	}
	rev, err := a.Create(ctx, eda, newDraft())
	if err != nil {
		t.Fatal(err)
	}
	step("a publication", func() error { return a.Publish(ctx, rev.ArticleID, "en", rev.ID) })
	if _, err := b.Article("en", rev.Slug); err != nil {
		t.Errorf("B does not show A's publication: %v", err)
	}
	var cat Category
	step("a new category", func() (err error) { cat, err = a.CreateCategory(ctx, "en", "Quokkas", ""); return err })
	if name, _, _ := b.Sections().Text(cat, "en"); name != "Quokkas" {
		t.Errorf("B names A's new category %q", name)
	}
	// Two writes between B's refreshes: both patched in at once.
	second, err := a.Create(ctx, eda, Draft{Lang: "en", Title: "Walk a Quokka", Body: "Slowly.", Category: FAQ})
	if err != nil {
		t.Fatal(err)
	}
	step("a publication and an unpublication", func() error {
		if err := a.Publish(ctx, second.ArticleID, "en", second.ID); err != nil {
			return err
		}
		return a.Unpublish(ctx, rev.ArticleID, "en", "")
	})
	if _, err := b.Article("en", rev.Slug); err == nil {
		t.Error("B still shows the article A unpublished")
	}
	if _, err := b.Article("en", second.Slug); err != nil {
		t.Errorf("B does not show A's second publication: %v", err)
	}
	// B's own write after A's, before B refreshed: B patches both.
	step("B writes after A", func() error {
		if err := a.DescribeCategory(ctx, cat, "es", "Quokkas", ""); err != nil {
			return err
		}
		builds := b.builds.Load()
		if err := b.Publish(ctx, rev.ArticleID, "en", rev.ID); err != nil {
			return err
		}
		if b.builds.Load() != builds {
			t.Error("B's publication after A's change built B's catalog whole")
		}
		return nil
	})
}

// When kb_changes does not say what changed since B's catalog (its rows
// pruned, or a write that moved the generation without recording), or a
// write changed everything, B builds its catalog whole: never a catalog
// missing a change.
func TestRefresh_GapBuildsWhole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, db, clock := seeded(t, demoFS())
	b, err := New(ctx, sameDB(t, db), testOptions(t, clock))
	if err != nil {
		t.Fatal(err)
	}
	publish := func(title string) *Revision {
		t.Helper()
		rev, err := a.Create(ctx, eda, Draft{Lang: "en", Title: title, Body: title + " text.", Category: FAQ})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Publish(ctx, rev.ArticleID, "en", rev.ID); err != nil {
			t.Fatal(err)
		}
		return rev
	}
	refresh := func(what string, wantBuilds int64) {
		t.Helper()
		builds := b.builds.Load()
		if err := b.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if got := b.builds.Load() - builds; got != wantBuilds {
			t.Errorf("%s: B built its catalog whole %d times, want %d", what, got, wantBuilds)
		}
		sameCatalog(t, what, b.cat.Load(), wholeCatalog(t, b))
	}

	first := publish("Feed a Quokka")
	second := publish("Brush a Quokka")
	if _, err := db.Write.ExecContext(ctx, `DELETE FROM kb_changes WHERE generation = $1`, b.generation.Load()+1); err != nil {
		t.Fatal(err)
	}
	refresh("a pruned change", 1)
	for _, rev := range []*Revision{first, second} {
		if _, err := b.Article("en", rev.Slug); err != nil {
			t.Errorf("after a gap, B does not show %q: %v", rev.Title, err)
		}
	}

	// A move of the generation nobody recorded.
	publish("Wash a Quokka")
	if _, err := db.Write.ExecContext(ctx, sqlEdNextGeneration); err != nil {
		t.Fatal(err)
	}
	refresh("an unrecorded change", 1)

	// An import into the empty catalog records everything.
	empty := openDB(t)
	c, err := New(ctx, empty, testOptions(t, testsupport.NewClock(time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC))))
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(ctx, empty, testOptions(t, testsupport.NewClock(time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC))))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SeedIfEmpty(ctx, demoFS()); err != nil {
		t.Fatal(err)
	}
	builds := d.builds.Load()
	if err := d.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if d.builds.Load() != builds+1 {
		t.Error("the demo imported on C reached D without a whole build")
	}
	sameCatalog(t, "the demo", d.cat.Load(), wholeCatalog(t, d))

	// Pruned: the writes keep the last keptChanges generations.
	var oldest int64
	if err := db.Read.QueryRowContext(ctx, `SELECT COALESCE(MIN(generation), 0) FROM kb_changes`).Scan(&oldest); err != nil {
		t.Fatal(err)
	}
	if oldest == 0 {
		t.Fatal("no changes recorded")
	}
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		return logChanges(ctx, tx, genSpan{from: oldest + keptChanges - 1, to: oldest + keptChanges}, false, 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	var left int
	if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM kb_changes WHERE generation = $1`, oldest).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d changes older than %d generations are kept", left, keptChanges)
	}
}

// Two instances publishing at once (PostgreSQL: neither waits for the
// other until it moves the generation): each write's span is its own, so
// neither instance patches over the other's change; after a Refresh both
// show the catalog built from every row.
func TestRefresh_ConcurrentWritersMissNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, db, clock := seeded(t, demoFS())
	b, err := New(ctx, sameDB(t, db), testOptions(t, clock))
	if err != nil {
		t.Fatal(err)
	}
	const each = 4
	var revs [2][]*Revision
	for i, k := range []*KB{a, b} {
		for j := range each {
			rev, err := k.Create(ctx, eda, Draft{Lang: "en", Title: fmt.Sprintf("Quokka %c%d", 'A'+i, j), Body: "Text.", Category: FAQ})
			if err != nil {
				t.Fatal(err)
			}
			revs[i] = append(revs[i], rev)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*each)
	for i, k := range []*KB{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, rev := range revs[i] {
				errs <- k.Publish(ctx, rev.ArticleID, "en", rev.ID)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for name, k := range map[string]*KB{"A": a, "B": b} {
		if err := k.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		for _, list := range revs {
			for _, rev := range list {
				if _, err := k.Article("en", rev.Slug); err != nil {
					t.Errorf("%s misses %q: %v", name, rev.Title, err)
				}
			}
		}
		sameCatalog(t, name, k.cat.Load(), wholeCatalog(t, k))
	}
}
