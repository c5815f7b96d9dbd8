package kb

import (
	"context"
	"io/fs"
	"math/rand/v2"
	"slices"
	"testing"

	"zerodesk/data"
)

// Queries of several phrases are ranked from the word lists exactly as the
// index ranks them (rankPhrases): a word with synonyms that the language's
// documents hold, and two or three words, all required and (the fallback
// search sends) any, the last whole or the start of a word, compared document
// for document with publishedIndex (FTS5's bm25) down to the 1,000th, on the
// demo (8 languages) and on a generated catalog of three languages with ties
// and drafts in the index.
func TestImpactRanking_SeveralPhrasesSameAsTheIndex(t *testing.T) {
	t.Parallel()
	for name, files := range map[string]fs.FS{"demo": data.Demo(), "generated": generatedCatalog(t, 150)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			k, _, _ := seededSQLite(t, files) // FTS5 is the reference
			ctx := context.Background()
			cat := k.cat.Load()
			rng := rand.New(rand.NewPCG(19, 13))
			withSynonyms, several := 0, 0
			for lang, vocab := range cat.lib.vocab {
				var queries [][]term
				common := []string{}
				for _, w := range vocab.sorted {
					if vocab.df[w]*3 >= len(cat.lib.byLang[lang]) {
						common = append(common, w) // in a third of the documents or more
					}
					if len(expandSynonyms(lang, []term{{word: w, folded: w}})[0].alts) > 0 {
						queries = append(queries, []term{{word: w, folded: w}})
					}
				}
				pick := func() string {
					if len(common) > 0 && rng.IntN(2) == 0 {
						return common[rng.IntN(len(common))]
					}
					return vocab.sorted[rng.IntN(len(vocab.sorted))]
				}
				for range 16 {
					q := []term{{word: pick()}, {word: pick()}}
					if rng.IntN(3) == 0 {
						q = append(q, term{word: pick()})
					}
					queries = append(queries, q)
				}
				for _, ts := range queries {
					for i := range ts {
						ts[i].folded = ts[i].word
					}
					ts = expandSynonyms(lang, ts)
					for _, or := range []bool{false, true} {
						for _, prefix := range []bool{true, false} {
							q := toFTS(ts, or)
							q.prefix = prefix
							if prefix && len(q.words) > 0 { // the word being typed: its first letters
								last := []rune(q.words[len(q.words)-1])
								q.words[len(q.words)-1] = string(last[:min(len(last), max(2, len(last)-rng.IntN(3)))])
							}
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
								t.Fatalf("%s %+v: in memory %v, the index %v", lang, q, ids(got), ids(want))
							}
							if _, _, single := impactQuery(lang, vocab, q); !single {
								if len(q.words) > 1 {
									several++
								} else {
									withSynonyms++
								}
							}
						}
					}
				}
			}
			t.Logf("%d queries of a word with synonyms, %d of several words", withSynonyms, several)
			if withSynonyms < 10 || several < 40 {
				t.Fatalf("too few queries compared: %d with synonyms, %d of several words", withSynonyms, several)
			}
		})
	}
}
