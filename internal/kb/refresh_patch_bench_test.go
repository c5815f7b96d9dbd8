package kb

import (
	"context"
	"strings"
	"testing"
	"time"
)

// BenchmarkRefreshCatalog: the time another instance takes to show a
// publication (issue 15, "seen by the others within a second"), on the
// catalog ZD_CATALOG names: A publishes, B's Refresh patches (session 20;
// before, it built its catalog whole: whole-build-ms, B's New).
//
//	ZD_CATALOG=/tmp/kb3/zerodesk.db go test ./internal/kb -run '^$' -bench RefreshCatalog -benchtime 3x
func BenchmarkRefreshCatalog(b *testing.B) {
	opened := openCatalogTimed(b)
	a := opened.k
	ctx := context.Background()
	start := time.Now()
	other, err := New(ctx, a.db, a.opts) // B, on the same database
	if err != nil {
		b.Fatal(err)
	}
	whole := time.Since(start)
	id := a.cat.Load().lib.byKey["reset-account"].id
	var lat []time.Duration
	builds := other.builds.Load()
	i := 0
	for b.Loop() {
		i++
		ed, err := a.Edition(ctx, id, "en")
		if err != nil {
			b.Fatal(err)
		}
		d := ed.Head.Draft
		d.Body += "\n\nRefresh " + strings.Repeat("y", i)
		rev, err := a.Save(ctx, Author{Name: "Bench"}, id, ed.Head.ID, d)
		if err != nil {
			b.Fatal(err)
		}
		if err := a.Publish(ctx, id, "en", rev.ID); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := other.Refresh(ctx); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		if got, _, _ := other.ArticleByKey("en", "reset-account"); got == nil || !strings.Contains(got.BodyHTML, strings.Repeat("y", i)) {
			b.Fatal("B does not show A's publication")
		}
	}
	b.ReportMetric(quantileMs(lat, 0.5), "refresh-ms")
	b.ReportMetric(quantileMs(lat, 1), "refresh-max-ms")
	b.ReportMetric(float64(other.builds.Load()-builds), "whole-builds")
	b.ReportMetric(float64(whole.Milliseconds()), "whole-build-ms")
}
