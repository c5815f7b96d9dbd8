package kb

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"zerodesk/data"
	"zerodesk/internal/store/testengine"
	"zerodesk/internal/words"
)

// Search ranks on PostgreSQL exactly as on SQLite (issue 15: "the same
// ranking behaviour the SQLite tests expect"): the demo seeded on both, and
// for every language a large set of queries made of its vocabulary (whole
// words, prefixes of two and three letters, words with synonyms, pairs all
// and any with the last word a prefix, two-word phrases from the titles
// and CJK runs from the texts, single CJK characters), compared id for id,
// in order, with FTS5's bm25 order (publishedIndex on SQLite) down to the
// last match, both ways PostgreSQL ranks (the word lists, the matches' own
// words); the same for the other languages' matches of the articles a
// language lacks ("untranslated"), and for whole searches (hits, other
// languages, corrections) of the demo's own questions.
//
// Words that are (or start) a language's index token are in too: FTS5
// matches them in the row's lang column (es in Spanish finds every Spanish
// article), PostgreSQL's tsvector holds the token as well.
func TestSearchOrder_PostgresRanksAsSQLite(t *testing.T) {
	t.Parallel()
	if testengine.Name() != testengine.Postgres {
		t.Skip("compares PostgreSQL's order with SQLite's: the PostgreSQL run's test")
	}
	files := data.Demo()
	pg, _, _ := seeded(t, files)
	lite, _, _ := seededSQLite(t, files)
	ctx := context.Background()
	pgCat, liteCat := pg.cat.Load(), lite.cat.Load()
	compared, orders, several, phrases, cjk, synonyms, fromLists := 0, 0, 0, 0, 0, 0, 0
	for _, lang := range slices.Sorted(maps.Keys(pgCat.lib.vocab)) {
		vocab := pgCat.lib.vocab[lang]
		queries := map[string]ftsQuery{}
		one := func(name, w string, prefix bool) {
			ts := expandSynonyms(lang, []term{{word: w, folded: w}})
			q := toFTS(ts, false)
			q.prefix = prefix
			queries[name] = q
		}
		for i, w := range vocab.sorted {
			rs := []rune(w)
			if len(rs) >= 2 {
				one("prefix2 "+string(rs[:2]), string(rs[:2]), true)
			}
			if len(rs) >= 4 && i%8 == 0 {
				one("prefix3 "+string(rs[:3]), string(rs[:3]), true)
			}
			if i%6 == 0 || len(expandSynonyms(lang, []term{{word: w, folded: w}})[0].alts) > 0 {
				one("word "+w, w, false)
			}
			if i%11 == 0 {
				// With a common word: pairs that match more than one article.
				other := vocab.sorted[(i*7+3)%len(vocab.sorted)]
				for _, c := range vocab.sorted {
					if vocab.df[c]*3 >= len(pgCat.lib.byLang[lang]) && c != w {
						other = c
						break
					}
				}
				ts := expandSynonyms(lang, []term{{word: other, folded: other}, {word: w, folded: w}})
				for _, or := range []bool{false, true} {
					q := toFTS(ts, or)
					name := "all "
					if or {
						name = "any "
					}
					queries[name+other+" "+w] = q
					if len(rs) >= 3 {
						p := toFTS(ts, or)
						p.words[1] = string(rs[:len(rs)-1])
						p.alts[1] = nil
						queries[name+other+" "+p.words[1]+"*"] = p
					}
				}
			}
		}
		// Phrases of the titles and CJK runs of titles and bodies (so they
		// match), single CJK characters.
		for _, d := range pgCat.lib.byLang[lang] {
			fields := strings.Fields(words.IndexText(d.title))
			for i := 0; i+1 < len(fields); i += 2 {
				if !words.IsCJKWord(fields[i]) && !words.IsCJKWord(fields[i+1]) {
					ph := fields[i] + " " + fields[i+1]
					queries["phrase "+ph] = ftsQuery{words: []string{ph}, alts: [][]string{nil}, prefix: true}
				}
			}
			runs := 0
			words.Each(d.title+" "+d.plain, func(w string) {
				if words.IsCJKWord(w) && runs < 8 {
					runs++
					first := string([]rune(w)[0])
					queries["cjk "+w] = ftsQuery{words: []string{w}, alts: [][]string{nil}, prefix: true}
					queries["cjk1 "+first] = ftsQuery{words: []string{first}, alts: [][]string{nil}, prefix: true}
				}
			})
		}
		// The language tokens: whole, a prefix, in a pair.
		for _, l := range pgCat.lib.langs {
			tok := langToken(l)
			one("token "+tok, tok, false)
			one("token* "+tok[:2], tok[:2], true)
			if len(vocab.sorted) > 0 {
				w := vocab.sorted[len(vocab.sorted)/2]
				queries["token all "+tok] = toFTS([]term{{word: w, folded: w}, {word: tok, folded: tok}}, false)
				queries["token any "+tok] = toFTS([]term{{word: w, folded: w}, {word: tok, folded: tok}}, true)
			}
		}
		for _, name := range slices.Sorted(maps.Keys(queries)) {
			q := queries[name]
			want, err := lite.publishedIndex(ctx, liteCat, lang, q)
			if err != nil {
				t.Fatal(err)
			}
			// Both of PostgreSQL's ways: the word lists where they can
			// take the query, and the matched documents' own words (as
			// while the word lists are being built).
			got, lists, err := pg.rankInMemory(ctx, pgCat, lang, q, 0, true)
			if err != nil {
				t.Fatal(err)
			}
			if lists && !slices.Equal(ids(got), ids(want)) {
				t.Errorf("%s %s (word lists): PostgreSQL ranks %v, SQLite %v", lang, name, ids(got), ids(want))
			}
			pg.indexOnly = true
			got, err = pg.published(ctx, pgCat, lang, q)
			pg.indexOnly = false
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), ids(want)) {
				t.Errorf("%s %s (the matches' words): PostgreSQL ranks %v, SQLite %v", lang, name, ids(got), ids(want))
			}
			compared++
			if lists {
				fromLists++
			}
			if len(want) > 1 {
				orders++
			}
			switch {
			case len(q.words) > 1:
				several++
			case words.IsCJKWord(strings.Fields(q.words[0])[0]):
				cjk++
			case strings.Contains(q.words[0], " "):
				phrases++
			case len(q.alts) > 0 && len(q.alts[0]) > 0:
				synonyms++
			}
		}
	}
	t.Logf("%d queries compared (%d also from the word lists), %d with more than one match: %d of several words, %d phrases, %d CJK, %d with synonyms",
		compared, fromLists, orders, several, phrases, cjk, synonyms)
	if compared < 2000 || fromLists < 1000 || orders < 1000 || several < 100 || phrases < 50 || cjk < 50 || synonyms < 10 {
		t.Fatalf("too few queries compared")
	}

	// The other languages, for the articles a language lacks.
	var tokens []string
	for _, l := range pgCat.lib.langs {
		tokens = append(tokens, langToken(l))
	}
	untranslated := 0
	for _, lang := range pgCat.lib.langs {
		if pgCat.lib.untranslated(lang) == 0 {
			continue
		}
		for _, from := range []string{"en", "es", "zh-Hans"} {
			vocab := pgCat.lib.vocab[from]
			if vocab == nil || from == lang {
				continue
			}
			for i, w := range vocab.sorted {
				if i%9 != 0 && !slices.Contains(tokens, w) {
					continue
				}
				for _, prefix := range []bool{false, true} {
					q := toFTS(expandSynonyms(lang, []term{{word: w, folded: w}}), false)
					q.prefix = prefix
					want, err := lite.fts.searchUntranslated(ctx, lang, q, 1000)
					if err != nil {
						t.Fatal(err)
					}
					got, err := pg.untranslated(ctx, pgCat, lang, q, 1000)
					if err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(hitIDs(got), hitIDs(want)) {
						t.Errorf("untranslated %s %q (prefix %v): PostgreSQL ranks %v, SQLite %v", lang, w, prefix, hitIDs(got), hitIDs(want))
					}
					untranslated++
				}
			}
		}
	}
	if untranslated < 100 {
		t.Fatalf("only %d untranslated queries compared", untranslated)
	}

	// Whole searches, as visitors send them.
	for _, c := range [][2]string{
		{"en", "password"}, {"en", "account"}, {"en", "login"}, {"en", "log in"}, {"en", "reset account"},
		{"en", "passw"}, {"en", "pasword"}, {"en", "support ticket without account"}, {"en", "2fa"},
		{"en", "\"two step\""}, {"es", "cuenta"}, {"es", "contraseña"}, {"es", "usercode"},
		{"fr", "compte"}, {"de", "konto"}, {"pt-BR", "senha"}, {"zh-Hans", "密码"}, {"zh-Hans", "密"},
		{"ja", "ログイン"}, {"ja", "password"}, {"ar", "كلمة المرور"}, {"ar", "الامان"},
		{"es", "es"}, {"es", "qué es usercode"}, {"ja", "es"}, {"de", "de"}, {"fr", "de"},
	} {
		want, err := lite.SearchPage(ctx, c[0], c[1], 1, 100)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pg.SearchPage(ctx, c[0], c[1], 1, 100)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := resultKeys(got), resultKeys(want); g != w {
			t.Errorf("%s %q: PostgreSQL %s, SQLite %s", c[0], c[1], g, w)
		}
	}
}

func hitIDs(hits []ftsHit) []int64 {
	out := make([]int64, len(hits))
	for i, h := range hits {
		out[i] = h.translationID
	}
	return out
}

// resultKeys is a search's answer in a line: total, hits and other
// languages' hits in order, suggestion.
func resultKeys(r *Results) string {
	var b strings.Builder
	fmt.Fprintf(&b, "total %d hits", r.Total)
	for _, h := range r.Hits {
		b.WriteString(" " + h.Lang + ":" + h.Key)
	}
	b.WriteString(" other")
	for _, h := range r.Other {
		b.WriteString(" " + h.Lang + ":" + h.Key)
	}
	b.WriteString(" suggestion " + r.Suggestion)
	return b.String()
}

// PostgreSQL's averages are FTS5's (its rows and tokens, every language and
// drafts too), after seeding and after a publication changed an article's
// text: then only the rows written since are read again, and the answer is
// what reading them all gives.
func TestPostgresAverages_AsFTS5CountsThem(t *testing.T) {
	t.Parallel()
	if testengine.Name() != testengine.Postgres {
		t.Skip("compares PostgreSQL's averages with SQLite's: the PostgreSQL run's test")
	}
	files := demoFS()
	pg, _, _ := seeded(t, files)
	lite, _, _ := seededSQLite(t, files)
	ctx := context.Background()
	same := func(when string) {
		t.Helper()
		wantRows, wantTokens, err := lite.fts.averages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rows, tokens, err := pg.fts.averages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rows != wantRows || tokens != wantTokens || rows == 0 {
			t.Fatalf("%s: PostgreSQL %d rows, %d tokens; FTS5 %d, %d", when, rows, tokens, wantRows, wantTokens)
		}
	}
	same("seeded")
	for _, k := range []*KB{pg, lite} {
		id := articleID(t, k, "phrase")
		ed, err := k.Edition(ctx, id, "en")
		if err != nil {
			t.Fatal(err)
		}
		d := ed.Head.Draft
		d.Title += " and wombats"
		d.Body += "\n\nA wombat guards the phrase, 重置密码 and all."
		rev, err := k.Save(ctx, eda, id, ed.Head.ID, d)
		if err != nil {
			t.Fatal(err)
		}
		if err := k.Publish(ctx, id, "en", rev.ID); err != nil {
			t.Fatal(err)
		}
	}
	same("after a publication")
	fresh, err := newPostgresFTS(ctx, pg.db.Read)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.close()
	rows, tokens, err := fresh.averages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r, tk, _ := pg.fts.averages(ctx); r != rows || tk != tokens {
		t.Fatalf("read again: %d rows, %d tokens; read whole: %d, %d", r, tk, rows, tokens)
	}
}
