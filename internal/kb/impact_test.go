package kb

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"zerodesk/data"
	"zerodesk/internal/store/testengine"
)

// referenceCatalog is a catalog the equality tests rank both ways: the
// shared one when the tests' engine is SQLite, else its files loaded on
// SQLite (FTS5 is the reference).
type referenceCatalog struct {
	shared func(testing.TB) *KB
	files  func(testing.TB) fs.FS
}

// referenceCatalogs are the demo and the generated catalog of 150 articles.
func referenceCatalogs() map[string]referenceCatalog {
	return map[string]referenceCatalog{
		"demo":      {sharedSeededDemo, func(testing.TB) fs.FS { return data.Demo() }},
		"generated": {sharedGenerated, func(t testing.TB) fs.FS { return generatedCatalog(t, 150) }},
	}
}

// The word lists rank a single word exactly as the index does: every 2
// letter prefix of every language's vocabulary, a 32nd of its words and
// 3 letter prefixes, its words with synonyms, on the demo (8 languages, CJK and Arabic included) and on a
// generated catalog of a few hundred articles in three languages (ties
// included, drafts in the index), compared document for document with
// publishedIndex (FTS5's bm25), down to the 1,000th; with the word's
// synonyms when none of them is in the language's published documents.
func TestImpactRanking_SameAsTheIndex(t *testing.T) {
	t.Parallel()
	for name, c := range referenceCatalogs() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var k *KB
			if testengine.Name() == testengine.SQLite {
				k = c.shared(t)
			} else {
				k, _, _ = seededSQLite(t, c.files(t))
			}
			ctx := context.Background()
			cat := k.cat.Load()
			compared, synonyms := 0, 0
			for lang, vocab := range cat.lib.vocab {
				queries := map[string]bool{} // word → also as a whole word
				var prefixes []string
				for i, w := range vocab.sorted {
					// A sample (the test runs under -race too): every 2 letter
					// prefix, a sixteenth of the words and of their 3 letter
					// prefixes, and the words with synonyms.
					rs := []rune(w)
					if len(rs) > 2 {
						prefixes = append(prefixes, string(rs[:2]))
					}
					if len(rs) > 3 && i%32 == 0 {
						prefixes = append(prefixes, string(rs[:3]))
					}
					if i%32 == 0 || len(expandSynonyms(lang, []term{{word: w, folded: w}})[0].alts) > 0 {
						queries[w] = true
					}
				}
				for _, p := range prefixes {
					if _, ok := queries[p]; !ok {
						queries[p] = false // only as a prefix
					}
				}
				queries["a"] = true             // one letter: a whole word, never a prefix
				for w, whole := range queries { // whole: also as a whole word
					for _, prefix := range []bool{true, false} {
						if !prefix && !whole {
							continue
						}
						// With the word's synonyms, as search sends it.
						q := toFTS(expandSynonyms(lang, []term{{word: w, folded: w}}), false)
						q.prefix = prefix
						got, ok, err := k.rankInMemory(ctx, cat, lang, q, 0, true)
						if err != nil {
							t.Fatal(err)
						}
						if !ok {
							continue
						}
						want, err := k.publishedIndex(ctx, cat, lang, q)
						if err != nil {
							t.Fatal(err)
						}
						if !slices.Equal(ids(got), ids(want)) {
							t.Fatalf("%s %q (prefix %v): in memory %v, the index %v", lang, w, prefix, ids(got), ids(want))
						}
						compared++
						if len(q.alts[0]) > 0 {
							synonyms++
						}
					}
				}
			}
			if compared < 500 || synonyms == 0 {
				t.Fatalf("only %d queries compared, %d with synonyms", compared, synonyms)
			}
			t.Logf("%d queries compared, %d with synonyms", compared, synonyms)
		})
	}
}

func ids(docs []*doc) []int64 {
	out := make([]int64, len(docs))
	for i, d := range docs {
		out[i] = d.id
	}
	return out
}

// The queries the word lists take and those left to the index (the
// vocabulary knows account, login, for, the, user).
func TestImpactQuery_OnlySingleWords(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		lang string
		q    ftsQuery
		ok   bool
	}{
		{"en", ftsQuery{words: []string{"account"}, prefix: true}, true},
		{"en", ftsQuery{words: []string{"account"}, alts: [][]string{nil}}, true},
		{"en", ftsQuery{words: []string{"reset", "password"}, prefix: true}, false},
		{"en", ftsQuery{words: []string{"2fa"}, alts: [][]string{{"two step"}}, prefix: true}, true}, // no "two", no "step"
		{"en", ftsQuery{words: []string{"two step"}, prefix: true}, false},
		{"zh-Hans", ftsQuery{words: []string{"密码"}, prefix: true}, false},
		{"en", ftsQuery{words: []string{"e"}, prefix: true}, true}, // one letter is no prefix
		{"en", ftsQuery{words: []string{"en"}, prefix: true}, false},
		{"en", ftsQuery{words: []string{"en"}}, false},
		{"de", ftsQuery{words: []string{"de"}, prefix: true}, false},
		{"zh-Hans", ftsQuery{words: []string{"zh"}, prefix: true}, false},
		{"es", ftsQuery{words: []string{"en"}, prefix: true}, true},
		// Synonyms: only when no published document holds them.
		{"en", ftsQuery{words: []string{"account"}, alts: [][]string{{"acct"}}, prefix: true}, true},
		{"en", ftsQuery{words: []string{"account"}, alts: [][]string{{"login"}}, prefix: true}, false},
		{"en", ftsQuery{words: []string{"account"}, alts: [][]string{{"acct", "user login"}}, prefix: true}, false},
		{"en", ftsQuery{words: []string{"account"}, alts: [][]string{{"user acct"}}, prefix: true}, true},
		{"en", ftsQuery{words: []string{"account"}, alts: [][]string{{"密码"}}, prefix: true}, false},
	} {
		vocab := newVocabBuilder()
		vocab.addDocument("Account login for the user")
		if _, _, ok := impactQuery(c.lang, vocab.build(), c.q); ok != c.ok {
			t.Errorf("%s %+v: ok %v, want %v", c.lang, c.q, ok, c.ok)
		}
	}
}

// A single common word in a large catalog is answered from the word lists,
// with the same results, total and order as the index gives.
func TestSearch_CommonWordFromTheWordListsAsFromTheIndex(t *testing.T) {
	t.Parallel()
	var k *KB
	if testengine.Name() == testengine.SQLite {
		k = sharedGenerated(t) // shared: the tests' engine is SQLite already
	} else {
		k, _, _ = seededSQLite(t, generatedCatalog(t, 150))
	}
	ctx := context.Background()
	cat := k.cat.Load()
	q := ftsQuery{words: []string{"the"}, alts: [][]string{nil}, prefix: true}
	if _, ok, _ := k.rankInMemory(ctx, cat, "en", q, impactMinMatches, true); !ok {
		t.Fatal(`"the" is not ranked in memory`)
	}
	want, err := k.publishedIndex(ctx, cat, "en", q)
	if err != nil {
		t.Fatal(err)
	}
	for page := 1; page <= 3; page++ {
		res, err := k.SearchPage(ctx, "en", "the", page, 20)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != len(want) {
			t.Fatalf("total %d, want %d", res.Total, len(want))
		}
		for i, h := range res.Hits {
			if d := want[(page-1)*20+i]; h.Key != d.article.key || len(h.Snippet) == 0 {
				t.Fatalf("page %d hit %d: %s (%d fragments), want %s", page, i, h.Key, len(h.Snippet), d.article.key)
			}
		}
	}
}

// generatedCatalog is n articles in English, Spanish and German made of the
// demo's words (as bench/catalog makes them, smaller): titles, bodies of a
// few paragraphs, every seventh article the same text as the one before (ties
// in rank), every eleventh Spanish translation a draft (in the index, not
// published).
func generatedCatalog(t testing.TB, n int) fs.FS {
	t.Helper()
	demo := data.Demo()
	vocab := map[string][]string{}
	for _, lang := range []string{"en", "es", "de"} {
		entries, err := fs.ReadDir(demo, lang)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			raw, err := fs.ReadFile(demo, lang+"/"+e.Name())
			if err != nil {
				t.Fatal(err)
			}
			body := string(raw)
			if i := strings.LastIndex(body, "+++\n"); i >= 0 {
				body = body[i+4:]
			}
			for _, w := range strings.Fields(body) {
				w = strings.Trim(w, "*_`#[]()<>|!.,;:?¿¡«»\"'")
				if w != "" && utf8.ValidString(w) && !strings.ContainsAny(w, "/=\\{}") {
					vocab[lang] = append(vocab[lang], w)
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	sentence := func(lang string, words int) string {
		ws := make([]string, words)
		for i := range ws {
			ws[i] = vocab[lang][rng.IntN(len(vocab[lang]))]
		}
		return strings.Join(ws, " ")
	}
	files := fstest.MapFS{}
	prev := map[string][3]string{}
	kw := rand.New(rand.NewPCG(21, 5)) // keywords: the other texts as before
	for i := range n {
		key := fmt.Sprintf("generated-%04d", i)
		for _, lang := range []string{"en", "es", "de"} {
			title, body, keywords := sentence(lang, 2+rng.IntN(6)), "", ""
			for range 1 + rng.IntN(4) {
				body += sentence(lang, 10+rng.IntN(60)) + ".\n\n"
			}
			if i%3 == 1 { // keywords: the body column's end, phrases across the two
				ws := make([]string, 2+kw.IntN(4))
				for j := range ws {
					ws[j] = vocab[lang][kw.IntN(len(vocab[lang]))]
				}
				keywords = strings.Join(ws, " ")
			}
			if i%7 == 0 && i > 0 {
				title, body, keywords = prev[lang][0], prev[lang][1], prev[lang][2]
			}
			prev[lang] = [3]string{title, body, keywords}
			front := fmt.Sprintf("key = %q\nslug = %q\ntitle = %q\ncategory = \"faq\"\nposition = %d\n", key, lang+"-"+key, title, i+1)
			if keywords != "" {
				front += fmt.Sprintf("keywords = %q\n", keywords)
			}
			if lang != "en" {
				front += "translated = 2026-01-03\n"
			}
			switch {
			case lang == "en":
				front += "published = 2026-01-02\n"
			case lang != "es" || i%11 != 0:
				front += "published = 2026-01-04\n"
			}
			files[lang+"/"+key+".md"] = md(front, body)
		}
	}
	return files
}

// The n best of a search's matches, kept by topScored without sorting them
// all, are the first n of all of them sorted as the index orders (score,
// then id): with many ties, n below, at and above the number of matches,
// and the matches in any order. (The catalogs of the ranking tests above
// hold fewer matches than maxTotal: this is where the cut is checked.)
func TestTopScored_SameAsSortingAll(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(13, 20))
	for round := range 200 {
		m := r.IntN(300)
		all := make([]scored, m)
		for i, id := range r.Perm(m) {
			all[i] = scored{score: float64(r.IntN(1 + round%7)), d: &doc{id: int64(id)}}
			if round%3 == 0 {
				all[i].score = r.Float64()
			}
		}
		want := slices.Clone(all)
		slices.SortFunc(want, func(x, y scored) int {
			if x.score != y.score {
				if x.score > y.score {
					return -1
				}
				return 1
			}
			return int(x.d.id - y.d.id)
		})
		for _, n := range []int{0, 1, 2, 7, m / 2, m - 1, m, m + 5, maxTotal} {
			top := newTopScored(n, m)
			for _, s := range all {
				top.add(s)
			}
			got := top.docs()
			if len(got) != max(0, min(n, m)) {
				t.Fatalf("round %d: %d of %d kept for n %d", round, len(got), m, n)
			}
			for i, d := range got {
				if d != want[i].d {
					t.Fatalf("round %d, n %d: place %d holds %d, sorting all gives %d", round, n, i, d.id, want[i].d.id)
				}
			}
		}
	}
}
