package kb

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
)

// The other languages' fill is ranked from their word lists exactly as the
// index ranks it (untranslatedInMemory against untranslatedIndex: FTS5's
// bm25 on SQLite, the matches ranked in Go on PostgreSQL): in every
// language, for single words (with their synonyms in that language), the
// start of a word, and two or three words, all required and any, taken from
// the other languages' vocabularies, down to the 1,000th row; on the demo (8
// languages, some articles untranslated) and on a generated catalog of three
// languages where Spanish lacks every eleventh article, with drafts and ties.
func TestUntranslatedInMemory_SameAsTheIndex(t *testing.T) {
	t.Parallel()
	for name, load := range map[string]func(testing.TB) *KB{"demo": sharedSeededDemo, "generated": sharedGenerated} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			k := load(t)
			ctx := context.Background()
			cat := k.cat.Load()
			rng := rand.New(rand.NewPCG(20, 13))
			compared, found, several, withSynonyms, phrased, phrasedFound := 0, 0, 0, 0, 0, 0
			langs := append(slices.Clone(cat.lib.langs), "ar", "xx")
			for _, lang := range langs {
				if cat.lib.untranslated(lang) == 0 {
					continue
				}
				var pool []string
				for _, l := range cat.lib.langs {
					if l == lang {
						continue
					}
					vocab := cat.lib.vocab[l]
					for i, w := range vocab.sorted {
						if i%7 == 0 || vocab.df[w]*3 >= len(cat.lib.byLang[l]) {
							pool = append(pool, w)
						}
					}
					pool = append(pool, langToken(l)) // a language's own token: left to the index
				}
				pick := func() string { return pool[rng.IntN(len(pool))] }
				var queries [][]term
				for _, l := range cat.lib.langs { // words with synonyms in lang
					for _, w := range cat.lib.vocab[l].sorted {
						if len(expandSynonyms(lang, []term{{word: w, folded: w}})[0].alts) > 0 {
							queries = append(queries, []term{{word: w}})
						}
					}
				}
				for range 60 {
					queries = append(queries, []term{{word: pick()}})
				}
				for range 30 {
					q := []term{{word: pick()}, {word: pick()}}
					if rng.IntN(3) == 0 {
						q = append(q, term{word: pick()})
					}
					queries = append(queries, q)
				}
				// Phrases of several words: lang's synonyms typed, runs of
				// the other languages' titles and bodies, two words of the
				// pool (a language token among them, at times).
				for _, l := range cat.lib.langs {
					if l == lang {
						continue
					}
					for _, p := range sampledPhrases(cat, l, rng, 2) {
						queries = append(queries, []term{{word: p, folded: p}}, []term{{word: pick()}, {word: p, folded: p}})
						queries = append(queries, []term{{word: pick(), folded: pick(), alts: []string{p}}})
					}
				}
				for range 4 {
					p := pick() + " " + pick()
					queries = append(queries, []term{{word: p, folded: p}})
				}
				for _, g := range append(slices.Clone(synonymTable[""]), synonymTable[lang]...) {
					for _, member := range g {
						if ts := parseQuery(member); len(ts) > 1 {
							queries = append(queries, ts)
						}
					}
				}
				for _, ts := range queries {
					for i := range ts {
						if ts[i].folded == "" {
							ts[i].folded = ts[i].word
						}
					}
					ts = expandSynonyms(lang, ts)
					for _, or := range []bool{false, true} {
						for _, prefix := range []bool{false, true} {
							q := toFTS(ts, or)
							q.prefix = prefix
							if prefix { // the word being typed: its first letters
								q.words[len(q.words)-1] = typing(q.words[len(q.words)-1], rng)
							}
							limit := []int{1000, 20, 3}[rng.IntN(3)]
							got, ok, err := k.untranslatedInMemory(ctx, cat, lang, q, limit, 0, true)
							if err != nil {
								t.Fatal(err)
							}
							if !ok {
								continue
							}
							want, err := k.untranslatedIndex(ctx, cat, lang, q, limit)
							if err != nil {
								t.Fatal(err)
							}
							if !slices.Equal(hitIDs(got), hitIDs(want)) {
								t.Fatalf("%s %+v (limit %d): in memory %v, the index %v", lang, q, limit, hitIDs(got), hitIDs(want))
							}
							compared++
							if len(want) > 0 {
								found++
							}
							if hasSeveralWords(q) {
								phrased++
								if len(want) > 0 {
									phrasedFound++
								}
							}
							if len(q.words) > 1 {
								several++
							} else if len(q.alts) > 0 && len(q.alts[0]) > 0 {
								withSynonyms++
							}
						}
					}
				}
			}
			t.Logf("%d fills compared (%d not empty), %d of several words, %d of a word with synonyms, %d with phrases of several words (%d not empty)",
				compared, found, several, withSynonyms, phrased, phrasedFound)
			if compared < 500 || found < 300 || several < 200 || withSynonyms < 10 || phrased < 200 || phrasedFound < 100 {
				t.Fatalf("too few fills compared: %d (%d not empty), %d of several words, %d with synonyms, %d with phrases (%d not empty)",
					compared, found, several, withSynonyms, phrased, phrasedFound)
			}
		})
	}
}

// A query naming a language's index token, or a word that is CJK or a
// phrase holding CJK, is left to the index: every row of that language would
// match on its language column. A phrase of several words never matches
// there (the column is one token): it is planned, language tokens and all.
func TestUntranslatedInMemory_LeavesLanguageTokensToTheIndex(t *testing.T) {
	t.Parallel()
	tokens := []string{"en", "es", "de", "zhhans"}
	none := func(string) bool { return false }
	for _, q := range []ftsQuery{
		{words: []string{"es"}},
		{words: []string{"zh"}, prefix: true},
		{words: []string{"password", "de"}},
		{words: []string{"password"}, alts: [][]string{{"en"}}},
		{words: []string{"密码"}},
		{words: []string{"two 密码"}},
		{words: []string{"password"}, alts: [][]string{{"mot 密码"}}},
	} {
		if _, ok := planOther(q, tokens, none); ok {
			t.Errorf("%+v is planned for the word lists", q)
		}
	}
	for _, q := range []ftsQuery{
		{words: []string{"password", "ese"}},
		{words: []string{"two step"}},
		{words: []string{"mot de"}, prefix: true},
		{words: []string{"password"}, alts: [][]string{{"mot de passe", "en es"}}},
	} {
		if _, ok := planOther(q, tokens, none); !ok {
			t.Errorf("%+v is left to the index", q)
		}
	}
}
