package kb

import (
	"context"
	"strings"
	"testing"
	"time"

	"zerodesk/data"
	"zerodesk/internal/errs"
	"zerodesk/internal/testsupport"
)

func search(t *testing.T, k *KB, lang, q string) *Results {
	t.Helper()
	res, err := k.Search(context.Background(), lang, q, 10)
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	return res
}

func hitKeys(res *Results) string {
	var keys []string
	for _, h := range res.Hits {
		keys = append(keys, h.Key)
	}
	return strings.Join(keys, ",")
}

func TestSearch_TitleOutranksBody(t *testing.T) {
	t.Parallel()
	k := sharedDemoFS(t)
	// "password" is in the title of reset-password and only in the bodies of
	// usercode and phrase.
	res := search(t, k, "en", "password")
	if len(res.Hits) < 3 || res.Hits[0].Key != "reset-password" {
		t.Fatalf("hits = %s", hitKeys(res))
	}
	if res.Suggestion != "" || res.Corrected {
		t.Fatalf("a known word got a suggestion: %+v", res)
	}
}

func TestSearch_PrefixMatchesAsYouType(t *testing.T) {
	t.Parallel()
	k := sharedDemoFS(t)
	res := search(t, k, "en", "passw")
	if len(res.Hits) == 0 || res.Hits[0].Key != "reset-password" {
		t.Fatalf("passw: hits = %s", hitKeys(res))
	}
	if res.Suggestion != "" {
		t.Fatalf("a word being typed got a suggestion %q", res.Suggestion)
	}
	// Only the last word is a prefix; every word is quoted.
	if got := ftsMatch(ftsQuery{words: []string{"passw", "re"}, prefix: true}); got != `"passw" AND "re"*` {
		t.Fatalf("match = %s", got)
	}
	if got := ftsMatch(ftsQuery{words: []string{`a"b`, "c"}, or: true, prefix: true}); got != `"a""b" OR "c"` {
		t.Fatalf("match = %s", got)
	}
}

func TestSearch_AllWordsFirstThenAnyWord(t *testing.T) {
	t.Parallel()
	k := sharedDemoFS(t)
	res := search(t, k, "en", "usercode password")
	if got := hitKeys(res); got == "" || strings.Contains(got, "reset-password") {
		// reset-password has "password" but not "usercode": AND leaves it out.
		t.Fatalf("AND hits = %s", got)
	}
	res = search(t, k, "en", "ticket recovery")
	got := hitKeys(res)
	if !strings.Contains(got, "support-ticket") || !strings.Contains(got, "recover-account") {
		t.Fatalf("OR fallback hits = %s", got)
	}
}

func TestSearch_FTSSyntaxIsPlainText(t *testing.T) {
	t.Parallel()
	k := sharedDemoFS(t)
	for _, q := range []string{
		`"`, `""`, `"password`, `password"`, `pass*`, `*`, `title:password`, `body:password`, `^password`,
		`(password`, `password)`, `-password`, `password -usercode`, `NEAR(password usercode)`,
		`password NEAR usercode`, `AND`, `OR`, `NOT`, `password AND`, `OR password`, `+`, `'`, `{}`,
		`password:*`, `lang:en`, `rowid`, `\`, `%`, `_`, `;DROP TABLE articles;--`,
	} {
		res, err := k.Search(context.Background(), "en", q, 10)
		if err != nil {
			t.Fatalf("Search(%q): %v", q, err)
		}
		if strings.Contains(strings.ToLower(q), "password") && len(res.Hits) == 0 {
			t.Errorf("Search(%q) found nothing", q)
		}
	}
	// "near", "and" and "or" are words like any other.
	res := search(t, k, "en", "password OR nonsenseword")
	if res.Query != "password or nonsenseword" {
		t.Errorf("Query = %q", res.Query)
	}
}

func TestSearch_RestrictedToLanguage(t *testing.T) {
	t.Parallel()
	k := sharedDemoFS(t)
	res := search(t, k, "de", "passwort")
	if hitKeys(res) != "reset-password" || res.Hits[0].Slug != "passwort-zuruecksetzen" || res.Hits[0].Lang != "de" {
		t.Fatalf("de hits = %+v", res.Hits)
	}
	if res := search(t, k, "de", "usercode"); len(res.Hits) != 0 {
		t.Fatalf("English article found in German: %s", hitKeys(res))
	}
	// Diacritics are folded: "zurucksetzen" finds "zurücksetzen".
	if res := search(t, k, "de", "zurucksetzen"); len(res.Hits) != 1 {
		t.Fatalf("folded search = %s", hitKeys(res))
	}
	if res := search(t, k, "fr", "password"); len(res.Hits) != 0 {
		t.Fatalf("language without articles = %s", hitKeys(res))
	}
}

func TestSearch_DraftsAreNotFound(t *testing.T) {
	t.Parallel()
	k := sharedDemoFS(t)
	for _, h := range search(t, k, "en", "password").Hits {
		if h.Key == "coming-soon" {
			t.Fatal("a draft was found")
		}
	}
	if res := search(t, k, "en", "draft"); len(res.Hits) != 0 {
		t.Fatalf("draft title found: %s", hitKeys(res))
	}
}

func TestSearch_SnippetMarksMatches(t *testing.T) {
	t.Parallel()
	k := sharedDemoFS(t)
	res := search(t, k, "en", "keyed hash")
	if len(res.Hits) != 1 {
		t.Fatalf("hits = %s", hitKeys(res))
	}
	var text, marked strings.Builder
	for _, f := range res.Hits[0].Snippet {
		text.WriteString(f.Text)
		if f.Match {
			marked.WriteString("[" + f.Text + "]")
		}
		if strings.ContainsAny(f.Text, "<>\uE000\uE001") {
			t.Fatalf("fragment %q carries markup", f.Text)
		}
	}
	if marked.String() != "[keyed][hash]" {
		t.Fatalf("marked = %q in %q", marked.String(), text.String())
	}
	if n := len(strings.Fields(text.String())); n > 22 {
		t.Fatalf("snippet has %d words: %q", n, text.String())
	}
}

func TestSearch_EmptyQueryFindsNothingWithoutError(t *testing.T) {
	t.Parallel()
	k := sharedDemoFS(t)
	for _, q := range []string{"", "   ", "\t\n", "***", "\"\""} {
		res, err := k.Search(context.Background(), "en", q, 10)
		if err != nil || res == nil || len(res.Hits) != 0 || res.Suggestion != "" {
			t.Fatalf("Search(%q) = %+v, %v", q, res, err)
		}
	}
}

func TestSearch_TooLongQueryIsRefusedQuickly(t *testing.T) {
	k := sharedDemoFS(t)
	for _, q := range []string{
		strings.Repeat("a", 201),
		strings.Repeat("password ", 1200), // ~10 KB
		strings.Repeat("é", 201),
		strings.Repeat("\xff", 10240),
	} {
		start := time.Now()
		_, err := k.Search(context.Background(), "en", q, 10)
		if errs.CodeOf(err) != errs.Invalid || errs.MessageIDOf(err) != "search.query.too_long" {
			t.Fatalf("len %d: error = %v", len(q), err)
		}
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Fatalf("len %d: refused after %v", len(q), d)
		}
	}
	// 200 characters are fine.
	if _, err := k.Search(context.Background(), "en", strings.Repeat("é", 200), 10); err != nil {
		t.Fatal(err)
	}
}

func TestSearch_BrokenUTF8IsRepaired(t *testing.T) {
	t.Parallel()
	k := sharedDemoFS(t)
	res := search(t, k, "en", "pass\xffword\xc3")
	if len(res.Hits) == 0 || res.Query != "password" {
		t.Fatalf("repaired search = %q, %s", res.Query, hitKeys(res))
	}
}

func TestSearch_TypoFindsPasswordArticles(t *testing.T) {
	t.Parallel()
	k := sharedDemoFS(t)
	res := search(t, k, "en", "pasword")
	if res.Suggestion != "password" || !res.Corrected {
		t.Fatalf("suggestion = %q, corrected = %v", res.Suggestion, res.Corrected)
	}
	if len(res.Hits) == 0 || res.Hits[0].Key != "reset-password" {
		t.Fatalf("hits = %s", hitKeys(res))
	}
	if res.Query != "pasword" {
		t.Fatalf("Query = %q, want what was typed", res.Query)
	}
}

func TestSearch_TypoCorrections(t *testing.T) {
	t.Parallel()
	k := sharedDemoFS(t)
	tests := []struct{ query, suggestion, firstHit string }{
		{"usercoed", "usercode", "usercode"},
		{"ticekt", "ticket", "support-ticket"},
		{"recvoery", "recovery", "recover-account"},
		{"reset pasword", "reset password", "reset-password"},
		{"Zurücksetzne", "", ""}, // English has no such word
	}
	for _, tt := range tests {
		res := search(t, k, "en", tt.query)
		if res.Suggestion != tt.suggestion {
			t.Errorf("%q: suggestion = %q, want %q", tt.query, res.Suggestion, tt.suggestion)
		}
		if tt.firstHit != "" && (len(res.Hits) == 0 || res.Hits[0].Key != tt.firstHit) {
			t.Errorf("%q: hits = %s, want %s first", tt.query, hitKeys(res), tt.firstHit)
		}
	}
	// The German vocabulary is separate and keeps its diacritics for display.
	res := search(t, k, "de", "zurücksetzne")
	if res.Suggestion != "zurücksetzen" || len(res.Hits) != 1 {
		t.Errorf("de: suggestion %q, hits %s", res.Suggestion, hitKeys(res))
	}
}

func TestSearch_NonsenseFindsNothingAndSuggestsNothing(t *testing.T) {
	t.Parallel()
	k := sharedDemoFS(t)
	for _, q := range []string{"xqzvbnmw", "qwrtzpkl", "42424242", "zz"} {
		res := search(t, k, "en", q)
		if len(res.Hits) != 0 || res.Suggestion != "" || res.Corrected {
			t.Errorf("%q: %+v", q, res)
		}
	}
}

func TestSearch_SuggestsEvenWhenOtherWordsFound(t *testing.T) {
	t.Parallel()
	k := sharedDemoFS(t)
	// No article has both "access" and "usercode": neither the query nor its
	// correction finds anything with all words, so any word is enough; the
	// hits are for what was typed, and the spelling is still offered.
	res := search(t, k, "en", "acess usercode")
	if res.Suggestion != "access usercode" || res.Corrected {
		t.Fatalf("suggestion = %q, corrected = %v", res.Suggestion, res.Corrected)
	}
	if len(res.Hits) == 0 || res.Hits[0].Key != "usercode" {
		t.Fatalf("hits = %s", hitKeys(res))
	}
}

func TestVocabulary_CorrectionDoesNotAllocate(t *testing.T) {
	k := sharedDemoFS(t)
	v := k.cat.Load().lib.vocab["en"]
	allocs := testing.AllocsPerRun(100, func() {
		if v.correct("pasword") != "password" {
			t.Fatal("no correction")
		}
	})
	if allocs != 0 {
		t.Fatalf("correct allocates %v times per call", allocs)
	}
}

// The rune-mask filter only skips words that are too far anyway: with and
// without it, corrections of misspelled demo words are the same.
func TestVocabulary_FilterLosesNoCandidate(t *testing.T) {
	t.Parallel()
	k := sharedSeededDemo(t)
	v := k.cat.Load().lib.vocab["en"]
	slow := func(word string) string {
		q := []rune(word)
		limit := 1
		if len(q) >= 8 {
			limit = 2
		}
		var rows osaRows
		best, bestDist, bestDF := "", limit+1, int32(0)
		for l := range v.byLen {
			for _, e := range v.byLen[l] {
				d := osaDistance(&rows, q, v.arena[e.off:int(e.off)+l], limit)
				if d == 0 || d > limit || d > bestDist || (d == bestDist && e.df <= bestDF) {
					continue
				}
				best, bestDist, bestDF = v.sorted[e.idx], d, e.df
			}
		}
		return best
	}
	checked := 0
	for _, w := range v.sorted {
		r := []rune(w)
		if len(r) < 5 || len(r) > maxFuzzyLen {
			continue
		}
		for _, typo := range []string{
			string(r[:2]) + string(r[3:]),                               // a letter left out
			string(r[:1]) + string(r[2]) + string(r[1]) + string(r[3:]), // two swapped
			string(r[:2]) + "x" + string(r[2:]),                         // one too many
		} {
			if v.knows(typo, false) || len([]rune(typo)) < minFuzzyLen || strings.ContainsAny(typo, "0123456789") {
				continue
			}
			if got, want := v.correct(typo), slow(typo); got != want {
				t.Errorf("correct(%q) = %q, brute force %q", typo, got, want)
			}
			checked++
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d typos checked", checked)
	}
}

func TestOSADistance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b  string
		limit int
		want  int
	}{
		{"password", "password", 2, 0},
		{"pasword", "password", 1, 1},
		{"ticekt", "ticket", 1, 1},
		{"usercoed", "usercode", 2, 1},
		{"abc", "xyz", 1, 2},
		{"kitten", "sitting", 3, 3},
		{"kitten", "sitting", 2, 3},
		{"ca", "abc", 3, 3}, // OSA, not unrestricted Damerau
		{"", "ab", 2, 2},
	}
	for _, tt := range tests {
		if got := osaDistance(&osaRows{}, []rune(tt.a), []rune(tt.b), tt.limit); got != tt.want {
			t.Errorf("osa(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.limit, got, tt.want)
		}
	}
}

// Search skips index queries the vocabulary knows to be empty: that is only
// right if every vocabulary word is found by the index.
func TestVocabulary_AgreesWithTheIndex(t *testing.T) {
	t.Parallel()
	small, _, _ := seeded(t, demoFS())
	for _, k := range []*KB{sharedSeededDemo(t), small} {
		for lang, v := range k.cat.Load().lib.vocab {
			for _, w := range v.sorted {
				hits, err := k.fts.search(context.Background(), lang, ftsQuery{words: []string{w}}, 1)
				if err != nil {
					t.Fatal(err)
				}
				if len(hits) == 0 {
					t.Errorf("%s: the vocabulary has %q, the index finds nothing", lang, w)
				}
			}
		}
	}
}

// The benchmarks run on the real demo content (34 articles, with their translations).
func seededDemo(b testing.TB) *KB {
	b.Helper()
	db := openDB(b)
	k, err := New(context.Background(), db, testOptions(b, testsupport.NewClock(time.Now())))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := k.SeedIfEmpty(context.Background(), data.Demo()); err != nil {
		b.Fatal(err)
	}
	return k
}

func BenchmarkSearch(b *testing.B) {
	k := seededDemo(b)
	ctx := context.Background()
	for _, q := range []string{"password", "reset account", "passw", "pasword", "support ticket without account", "xqzvbnmw"} {
		// Uncached: what a query nobody asked yet costs.
		b.Run(q, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				k.results.Reset()
				if _, err := k.Search(ctx, "en", q, 10); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// Other languages: Spanish (folded, with results from English for what
	// Spanish lacks) and Chinese (bigram phrases, no spaces).
	for _, q := range [][2]string{{"es", "contraseña"}, {"es", "usercode"}, {"zh-Hans", "用户代码"}, {"zh-Hans", "密码"}} {
		b.Run(q[0]+"/"+q[1], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				k.results.Reset()
				if _, err := k.Search(ctx, q[0], q[1], 10); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("cached/passw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := k.Search(ctx, "en", "passw", 10); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestSearch_CachedResultsFollowTheCatalog(t *testing.T) {
	t.Parallel()
	k := seededDemo(t)
	ctx := context.Background()
	first, err := k.Search(ctx, "en", "Password ", 10)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := k.Search(ctx, "en", "password", 10)
	if again != first {
		t.Fatal("the same normalized query was not served from the cache")
	}
	if other, _ := k.Search(ctx, "en", "password", 3); other == first || len(other.Hits) != 3 {
		t.Fatal("a different limit shared the cached results")
	}
	// A vote changes no result: the catalog keeps its version, and the cache.
	if _, err := k.Vote(ctx, first.Hits[0].ArticleID, "en", "192.0.2.1", true, ""); err != nil {
		t.Fatal(err)
	}
	if kept, _ := k.Search(ctx, "en", "password", 10); kept != first {
		t.Fatal("a vote threw the cached results away")
	}
	// A new catalog (a publication) makes cached results stale.
	id := first.Hits[0].ArticleID
	ed, err := k.Edition(ctx, id, "en")
	if err != nil {
		t.Fatal(err)
	}
	d := ed.Head.Draft
	d.Description += " Edited."
	rev, err := k.Save(ctx, eda, id, ed.Head.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Publish(ctx, id, "en", rev.ID); err != nil {
		t.Fatal(err)
	}
	fresh, _ := k.Search(ctx, "en", "password", 10)
	if fresh == first {
		t.Fatal("results cached for an old catalog were served")
	}
	if len(fresh.Hits) != len(first.Hits) || fresh.Hits[0].Slug != first.Hits[0].Slug {
		t.Fatal("the recomputed results differ")
	}
}

func BenchmarkVocabularyCorrect(b *testing.B) {
	v := seededDemo(b).cat.Load().lib.vocab["en"]
	for _, w := range []string{"usercoed", "pasword", "xqzvbnmw"} {
		b.Run(w, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				v.correct(w)
			}
		})
	}
}

// Issue 10: a query mixing Arabic marks (tatweel, harakat) with a word that
// matches an article panicked in snippet matching: the marks fold to an empty
// word, which matched everything in the index and indexed out of range in
// the snippet. Such a word is no word.
func TestSearch_ArabicMarksBesideAMatchNeverPanic(t *testing.T) {
	t.Parallel()
	k := sharedDemoFS(t)
	for _, q := range []string{"ـ password", "password ـ", "ـَ password", "ـــ passw", "\u0640\u064e\u064b password"} {
		res := search(t, k, "en", q)
		if len(res.Hits) == 0 || res.Query != "password" && res.Query != "passw" {
			t.Errorf("%q: query %q, %d hits", q, res.Query, len(res.Hits))
		}
	}
	if terms := parseQuery("ـ ـَ \u064e"); len(terms) != 0 {
		t.Fatalf("marks alone parsed as %+v", terms)
	}
	if got := ftsMatch(ftsQuery{words: []string{"", "password"}, prefix: true}); got != `"password"*` {
		t.Fatalf("an empty word reached the index: %s", got)
	}
}
