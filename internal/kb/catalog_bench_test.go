package kb

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"zerodesk/data"
	"zerodesk/internal/store"
	"zerodesk/internal/testsupport"
)

// BenchmarkSearchCatalog is uncached search on a large knowledge base made by
// bench/catalog (issue 13: 5,000 articles × 3 languages, 50,000 × 1), named
// by ZD_CATALOG (the database file; a copy is searched, the file is left as it
// is). Skipped without it: generating a catalog takes a minute or more, not
// something for make test. Per query it reports the median and the 99th
// percentile of single searches, each with an empty result cache.
//
//	go run ./bench/catalog -data /tmp/kb3 -articles 5000 -langs en,es,de
//	ZD_CATALOG=/tmp/kb3/zerodesk.db go test ./internal/kb -run '^$' -bench SearchCatalog -benchtime 200x
func BenchmarkSearchCatalog(b *testing.B) {
	src := os.Getenv("ZD_CATALOG")
	if src == "" {
		b.Skip("ZD_CATALOG is not set (see bench/README.md)")
	}
	raw, err := os.ReadFile(src)
	if err != nil {
		b.Fatal(err)
	}
	path := b.TempDir() + "/catalog.db"
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if _, err := db.Migrate(ctx, data.Migrations()); err != nil { // a catalog made before a migration
		b.Fatal(err)
	}
	k, err := New(ctx, db, testOptions(b, testsupport.NewClock(time.Now())))
	if err != nil {
		b.Fatal(err)
	}
	queries := map[string][]string{
		"en": {"password", "account", "reset password", "support ticket without account", "passw", "pasword",
			"browser cookie", "the", "2fa", "recovery key phrase"},
		"es": {"contraseña", "cuenta", "restablecer contraseña", "correo", "usercode"},
		"de": {"passwort", "konto", "anmelden", "browser", "usercode"},
	}
	var all []time.Duration
	for _, lang := range []string{"en", "es", "de"} {
		for _, q := range queries[lang] {
			if k.cat.Load().lib.vocab[lang] == nil {
				continue
			}
			b.Run(lang+"/"+strings.ReplaceAll(q, " ", "_"), func(b *testing.B) {
				var lat []time.Duration
				found := 0
				for b.Loop() {
					k.results.Reset()
					start := time.Now()
					res, err := k.SearchPage(ctx, lang, q, 1, 20)
					if err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(start))
					found = res.Total + len(res.Other)
				}
				b.ReportMetric(float64(found), "hits")
				all = append(all, lat...)
				reportLatency(b, lat)
			})
		}
	}
	if len(all) > 0 {
		b.Logf("all queries: median %.2f ms, p99 %.2f ms over %d searches", quantileMs(all, 0.5), quantileMs(all, 0.99), len(all))
	}
}

func reportLatency(b *testing.B, lat []time.Duration) {
	b.ReportMetric(quantileMs(lat, 0.5), "median-ms")
	b.ReportMetric(quantileMs(lat, 0.99), "p99-ms")
}

func quantileMs(lat []time.Duration, q float64) float64 {
	s := slices.Clone(lat)
	slices.Sort(s)
	return float64(s[min(len(s)-1, int(float64(len(s))*q))]) / float64(time.Millisecond)
}
