package kb

import (
	"context"
	"database/sql"
	"os"
	"slices"
	"strings"
	"sync"
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
	k := openCatalog(b)
	ctx := context.Background()
	queries := map[string][]string{
		"en": {"password", "account", "reset password", "support ticket without account", "passw", "pasword",
			"browser cookie", "the", "2fa", "recovery key phrase", "account password", "the account"},
		"es": {"contraseña", "cuenta", "restablecer contraseña", "correo", "usercode", "cuenta contraseña"},
		"de": {"passwort", "konto", "anmelden", "browser", "usercode", "konto passwort"},
	}
	// Measured once the word lists are built (a moment after start), each
	// query twice in turn: ranked as searches are (lists/…), and by the
	// index alone (index/…), to compare in the same conditions.
	lib := k.cat.Load().lib
	for _, lang := range lib.langs {
		lib.impacts.get(lib, lang, true)
	}
	var all []time.Duration
	for _, lang := range []string{"en", "es", "de"} {
		for _, q := range queries[lang] {
			if k.cat.Load().lib.vocab[lang] == nil {
				continue
			}
			for _, mode := range []string{"lists", "index"} {
				b.Run(mode+"/"+lang+"/"+strings.ReplaceAll(q, " ", "_"), func(b *testing.B) {
					k.indexOnly = mode == "index"
					defer func() { k.indexOnly = false }()
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
					if mode == "lists" {
						all = append(all, lat...)
					}
					reportLatency(b, lat)
				})
			}
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

// BenchmarkPublishCatalog publishes an edit of one article of the catalog
// named by ZD_CATALOG (as BenchmarkSearchCatalog), and reports the time of
// the publishing transaction (rows and search index) and of the catalog
// rebuild that follows (since session 19 the patch of the catalog Publish
// makes, reloadArticles), apart.
//
//	ZD_CATALOG=/tmp/kb3/zerodesk.db go test ./internal/kb -run '^$' -bench PublishCatalog -benchtime 3x
func BenchmarkPublishCatalog(b *testing.B) {
	opened := openCatalogTimed(b)
	k := opened.k
	ctx := context.Background()
	id := k.cat.Load().lib.byKey["reset-account"].id
	var tx, rebuild []time.Duration
	i := 0
	for b.Loop() {
		i++
		ed, err := k.Edition(ctx, id, "en")
		if err != nil {
			b.Fatal(err)
		}
		d := ed.Head.Draft
		d.Body += "\n\nEdit " + strings.Repeat("x", i)
		rev, err := k.Save(ctx, Author{Name: "Bench"}, id, ed.Head.ID, d)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		var span genSpan
		if err := k.db.Tx(ctx, func(t *sql.Tx) (err error) {
			span, err = spanOf(ctx, t, func() error { return k.publishTx(ctx, t, id, "en", rev.ID) })
			return err
		}); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		before := k.Version()
		if err := k.reloadArticles(ctx, span, id); err != nil { // as Publish does
			b.Fatal(err)
		}
		if k.Version() == before {
			b.Fatal("the catalog did not change")
		}
		tx, rebuild = append(tx, mid.Sub(start)), append(rebuild, time.Since(mid))
	}
	b.ReportMetric(quantileMs(tx, 0.5), "tx-ms")
	b.ReportMetric(quantileMs(rebuild, 0.5), "rebuild-ms")
	b.ReportMetric(quantileMs(rebuild, 1), "rebuild-max-ms")
	b.ReportMetric(float64(opened.built.Milliseconds()), "whole-build-ms") // New, once: what every publication rebuilt before
	// The word lists, built (then patched by each publication).
	lib := k.cat.Load().lib
	postings, words := 0, 0
	for _, lang := range lib.langs {
		ix := lib.impacts.get(lib, lang, true)
		words += len(ix.postings)
		for _, p := range ix.postings {
			postings += len(p)
		}
	}
	b.ReportMetric(float64(postings), "postings")
	b.ReportMetric(float64(words), "words")
}

// openCatalog opens a copy of the catalog database ZD_CATALOG names (the
// file itself is left as it is), once per process: benchmarks run together
// share it (a large catalog takes minutes to load on a busy machine). The
// copy is unlinked once open; its -wal file stays in $TMPDIR/zd-catalog-*.
// Skipped without it.
func openCatalog(b *testing.B) *KB { return openCatalogTimed(b).k }

type openedCatalog struct {
	k     *KB
	built time.Duration // New: the whole catalog built from the rows
}

var openedCatalogs sync.Map // path → *openedCatalog

func openCatalogTimed(b *testing.B) *openedCatalog {
	src := os.Getenv("ZD_CATALOG")
	if src == "" {
		b.Skip("ZD_CATALOG is not set (see bench/README.md)")
	}
	if c, ok := openedCatalogs.Load(src); ok {
		return c.(*openedCatalog)
	}
	raw, err := os.ReadFile(src)
	if err != nil {
		b.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "zd-catalog-")
	if err != nil {
		b.Fatal(err)
	}
	path := dir + "/catalog.db"
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := db.Migrate(ctx, data.Migrations()); err != nil { // a catalog made before a migration
		b.Fatal(err)
	}
	start := time.Now()
	k, err := New(ctx, db, testOptions(b, testsupport.NewClock(time.Now())))
	if err != nil {
		b.Fatal(err)
	}
	c := &openedCatalog{k: k, built: time.Since(start)}
	os.Remove(path) //nolint:errcheck // open: the file lives on until the process ends
	openedCatalogs.Store(src, c)
	return c
}

// BenchmarkImpactBuild builds the search word lists (impact.go) of every
// language of the catalog ZD_CATALOG names, and reports the time of one
// build of all languages and the postings they hold (8 bytes each).
//
//	ZD_CATALOG=/tmp/kb3/zerodesk.db go test ./internal/kb -run '^$' -bench ImpactBuild -benchtime 3x
func BenchmarkImpactBuild(b *testing.B) {
	k := openCatalog(b)
	lib := k.cat.Load().lib
	postings, words := 0, 0
	for b.Loop() {
		postings, words = 0, 0
		for _, lang := range lib.langs {
			ix := buildImpactIndex(lib, lang)
			words += len(ix.postings)
			for _, p := range ix.postings {
				postings += len(p)
			}
		}
	}
	b.ReportMetric(float64(postings), "postings")
	b.ReportMetric(float64(words), "words")
}

// BenchmarkPhraseFirstUse reports what a phrase of several words costs the
// first search that needs it (impact_phrases.go), per phrase of the
// synonyms the benchmark's queries send in English: counting its postings
// from the word lists (countPhrase: the documents holding every word, cut
// into words) and the index's count of the rows holding it (phraseRows,
// bm25's n), apart. Both are then kept per catalog. And (warm) what
// counting every synonym phrase ahead costs the build of the English lists.
//
//	ZD_CATALOG=/tmp/kb1/zerodesk.db go test ./internal/kb -run '^$' -bench PhraseFirstUse -benchtime 3x
func BenchmarkPhraseFirstUse(b *testing.B) {
	k := openCatalog(b)
	ctx := context.Background()
	lib := k.cat.Load().lib
	ix, vocab := lib.impacts.get(lib, "en", true), lib.vocab["en"]
	counter, ok := k.fts.(phraseCounter)
	if !ok {
		b.Skip("no phrase counter")
	}
	var phrases []string
	for _, q := range []string{"2fa", "usercode"} {
		for _, a := range expandSynonyms("en", parseQuery(q))[0].alts {
			if severalWords(a) && !slices.Contains(phrases, a) {
				phrases = append(phrases, a)
			}
		}
	}
	// Every synonym phrase counted ahead, as the lists' build does.
	b.Run("warm", func(b *testing.B) {
		var lat []time.Duration
		for b.Loop() {
			fresh := *ix
			fresh.phrases = &phraseLists{}
			start := time.Now()
			fresh.warmPhrases(vocab)
			lat = append(lat, time.Since(start))
		}
		b.ReportMetric(float64(len(synonymPhrases)), "phrases")
		b.ReportMetric(quantileMs(lat, 0.5), "warm-ms")
	})
	for _, ph := range phrases {
		p := memPhrase{ph, false}
		b.Run(strings.ReplaceAll(ph, " ", "_"), func(b *testing.B) {
			var lists, rows []time.Duration
			found, read := 0, 0
			for b.Loop() {
				start := time.Now()
				list, n := ix.countPhrase(vocab, p)
				found, read = len(list), n
				mid := time.Now()
				if _, err := counter.phraseRows(ctx, p.word, p.prefix); err != nil {
					b.Fatal(err)
				}
				lists, rows = append(lists, mid.Sub(start)), append(rows, time.Since(mid))
			}
			b.ReportMetric(float64(vocab.phraseDF(p)), "rarest-df")
			b.ReportMetric(float64(read), "docs-read")
			b.ReportMetric(float64(found), "docs")
			b.ReportMetric(quantileMs(lists, 0.5), "lists-ms")
			b.ReportMetric(quantileMs(rows, 0.5), "index-count-ms")
		})
	}
}
