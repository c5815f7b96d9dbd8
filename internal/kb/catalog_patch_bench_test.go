package kb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Siblings of BenchmarkPublishCatalog (session 20): the time from a write's
// call to the catalog visitors read showing it, on the catalog ZD_CATALOG
// names, for a category renamed and a translation found still current. The
// call returns once the new catalog is installed: its time is commit plus
// the catalog rebuild (before session 20) or patch (since).
//
//	ZD_CATALOG=/tmp/kb3/zerodesk.db go test ./internal/kb -run '^$' -bench 'CategoryRenameCatalog|StillCurrentCatalog' -benchtime 5x
func BenchmarkCategoryRenameCatalog(b *testing.B) {
	opened := openCatalogTimed(b)
	k := opened.k
	ctx := context.Background()
	var lat []time.Duration
	i := 0
	for b.Loop() {
		i++
		name := fmt.Sprintf("Guías %d", i)
		start := time.Now()
		if err := k.DescribeCategory(ctx, HowTo, "es", name, "Paso a paso."); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		if got, _, _ := k.Sections().Text(HowTo, "es"); got != name {
			b.Fatalf("the category is named %q", got)
		}
	}
	reportVisible(b, lat, opened)
}

func BenchmarkStillCurrentCatalog(b *testing.B) {
	opened := openCatalogTimed(b)
	k := opened.k
	ctx := context.Background()
	by := Author{Name: "Bench"}
	// An article translated into Spanish, not the demo's (whose Spanish the
	// demo may date apart).
	var id int64
	for _, a := range k.cat.Load().lib.articles {
		if k.cat.Load().lib.byLang["es"][a.id] != nil && a.sourceLang == "en" && strings.HasPrefix(a.key, "gen-") {
			id = a.id
			break
		}
	}
	if id == 0 {
		for _, a := range k.cat.Load().lib.articles {
			if k.cat.Load().lib.byLang["es"][a.id] != nil && a.sourceLang == "en" {
				id = a.id
				break
			}
		}
	}
	var lat []time.Duration
	i := 0
	for b.Loop() {
		i++
		// The source changes (not timed): the Spanish is outdated.
		b.StopTimer()
		ed, err := k.Edition(ctx, id, "en")
		if err != nil {
			b.Fatal(err)
		}
		d := ed.Head.Draft
		d.Body += "\n\nEdit " + strings.Repeat("x", i)
		src, err := k.Save(ctx, by, id, ed.Head.ID, d)
		if err != nil {
			b.Fatal(err)
		}
		if err := k.Publish(ctx, id, "en", src.ID); err != nil {
			b.Fatal(err)
		}
		if !k.cat.Load().shelf("es").byArticle.get(id).Outdated {
			b.Fatal("the Spanish is not outdated")
		}
		es, err := k.Edition(ctx, id, "es")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if _, err := k.StillCurrent(ctx, by, id, "es", es.Head.ID, src.ID, "still current"); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		if k.cat.Load().shelf("es").byArticle.get(id).Outdated {
			b.Fatal("the Spanish is still outdated")
		}
	}
	reportVisible(b, lat, opened)
}

func reportVisible(b *testing.B, lat []time.Duration, opened *openedCatalog) {
	b.ReportMetric(quantileMs(lat, 0.5), "visible-ms")
	b.ReportMetric(quantileMs(lat, 1), "visible-max-ms")
	b.ReportMetric(float64(opened.built.Milliseconds()), "whole-build-ms")
}

// BenchmarkPatchManyCatalog is the choice of maxPatchedImport: the catalog
// patched for n articles whose rows did not change (an import's patch but
// its renders, which the whole build makes as well), against the whole
// build (reload) with the same render cache.
//
//	ZD_CATALOG=/tmp/kb3/zerodesk.db go test ./internal/kb -run '^$' -bench PatchManyCatalog -benchtime 2x
func BenchmarkPatchManyCatalog(b *testing.B) {
	k := openCatalog(b)
	ctx := context.Background()
	all := k.cat.Load().lib.articles
	bump := func() genSpan {
		var span genSpan
		if err := k.db.Tx(ctx, func(tx *sql.Tx) (err error) {
			span, err = spanOf(ctx, tx, func() error { _, err := tx.ExecContext(ctx, sqlEdNextGeneration); return err })
			return err
		}); err != nil {
			b.Fatal(err)
		}
		return span
	}
	for _, n := range []int{1, 64, len(all) / 16, len(all) / 4, len(all) / 2} {
		b.Run(fmt.Sprintf("patch-%d", n), func(b *testing.B) {
			ids := make([]int64, 0, n)
			for i := range n { // spread over the categories
				ids = append(ids, all[i*len(all)/n].id)
			}
			for b.Loop() {
				before := k.Version()
				if err := k.reloadArticles(ctx, bump(), ids...); err != nil {
					b.Fatal(err)
				}
				if k.Version() == before {
					b.Fatal("not patched")
				}
			}
		})
	}
	b.Run("whole", func(b *testing.B) {
		for b.Loop() {
			bump()
			if err := k.reload(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
