package kb

import (
	"context"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"zerodesk/internal/store/testengine"
	"zerodesk/internal/words"
)

// Queries of several phrases are ranked from the word lists exactly as the
// index ranks them (rankPhrases): a word with synonyms that the language's
// documents hold (phrases of several words among them: "two step", "user
// name", "mot de passe"), the synonyms' phrases typed, phrases of two or three
// words taken from the language's titles and bodies (found, in a title or a
// body) and of two common words (mostly found apart, not as a phrase), alone
// or with another word, and two or three words, all required and (the
// fallback search sends) any, the last whole or the start of a word,
// compared document for document with publishedIndex (FTS5's bm25) down to
// the 1,000th, on the demo (8 languages) and on a generated catalog of
// three languages with ties and drafts in the index.
func TestImpactRanking_SeveralPhrasesSameAsTheIndex(t *testing.T) {
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
			rng := rand.New(rand.NewPCG(19, 13))
			withSynonyms, several, phrased, found := 0, 0, 0, 0
			for _, lang := range cat.lib.langs {
				vocab := cat.lib.vocab[lang]
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
				queries = append(queries, phraseQueries(cat, lang, rng, pick)...)
				for _, ts := range queries {
					for i := range ts {
						if ts[i].folded == "" {
							ts[i].folded = ts[i].word
						}
					}
					ts = expandSynonyms(lang, ts)
					for _, or := range []bool{false, true} {
						for _, prefix := range []bool{true, false} {
							q := toFTS(ts, or)
							q.prefix = prefix
							if prefix && len(q.words) > 0 { // the word being typed: its first letters
								q.words[len(q.words)-1] = typing(q.words[len(q.words)-1], rng)
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
							if hasSeveralWords(q) {
								phrased++
								if len(want) > 0 {
									found++
								}
							}
						}
					}
				}
			}
			t.Logf("%d queries of a word with synonyms, %d of several words, %d with phrases of several words (%d found)", withSynonyms, several, phrased, found)
			if withSynonyms < 10 || several < 40 || phrased < 100 || found < 50 {
				t.Fatalf("too few queries compared: %d with synonyms, %d of several words, %d with phrases (%d found)", withSynonyms, several, phrased, found)
			}
		})
	}
}

// phraseQueries is queries with phrases of several words for lang: each
// synonym of lang (and of every language) that is several words, typed;
// phrases of two or three words of lang's titles and bodies, alone, as one
// of two words, and as a synonym of a word; and two common words as one
// phrase. A term's folded is the phrase (folded words joined by spaces).
func phraseQueries(cat *catalog, lang string, rng *rand.Rand, pick func() string) [][]term {
	var queries [][]term
	for _, l := range []string{"", lang} {
		for _, g := range synonymTable[l] {
			for _, member := range g {
				if ts := parseQuery(member); len(ts) > 1 {
					queries = append(queries, ts) // expandSynonyms makes them one term
				}
			}
		}
	}
	phrase := func(p string) term { return term{word: p, folded: p} }
	for _, p := range sampledPhrases(cat, lang, rng, 12) {
		queries = append(queries, []term{phrase(p)}, []term{{word: pick()}, phrase(p)}, []term{phrase(p), {word: pick()}})
		queries = append(queries, []term{{word: pick(), folded: pick(), alts: []string{p}}})
	}
	for range 8 {
		queries = append(queries, []term{phrase(pick() + " " + pick())})
	}
	return queries
}

// sampledPhrases is n runs of two or three consecutive index tokens of lang's
// documents, from titles and bodies, with no CJK token.
func sampledPhrases(cat *catalog, lang string, rng *rand.Rand, n int) []string {
	var docs []*doc
	for _, d := range cat.lib.docs {
		if d.lang == lang {
			docs = append(docs, d)
		}
	}
	var out []string
	for tries := 0; len(out) < n && tries < 50*n && len(docs) > 0; tries++ {
		d := docs[rng.IntN(len(docs))]
		text := d.title
		if rng.IntN(3) > 0 {
			text = withKeywords(d.plain, d.keywords)
		}
		toks := words.Tokens(text)
		size := 2 + rng.IntN(2)
		if len(toks) < size {
			continue
		}
		at := rng.IntN(len(toks) - size + 1)
		if d.keywords != "" && text != d.title && rng.IntN(2) == 0 { // in the keywords, or across
			at = max(0, min(len(words.Tokens(d.plain))-rng.IntN(size), len(toks)-size))
		}
		run := toks[at : at+size]
		if slices.ContainsFunc(run, words.IsCJKWord) {
			continue
		}
		out = append(out, strings.Join(run, " "))
	}
	return out
}

// typing is the last word of w (a word or a phrase) cut to its first
// letters, two or more, as a visitor typing it sends it.
func typing(w string, rng *rand.Rand) string {
	i := strings.LastIndexByte(w, ' ') + 1
	last := []rune(w[i:])
	return w[:i] + string(last[:min(len(last), max(2, len(last)-rng.IntN(3)))])
}

// hasSeveralWords reports whether a phrase of q is several words.
func hasSeveralWords(q ftsQuery) bool {
	for i, w := range q.words {
		if strings.Contains(w, " ") {
			return true
		}
		if i < len(q.alts) && slices.ContainsFunc(q.alts[i], func(a string) bool { return strings.Contains(a, " ") }) {
			return true
		}
	}
	return false
}

// A phrase's instances are counted in a text exactly as in the index's
// tokens of it (indexPhrase.occurrences over words.Tokens, as rank.go
// counts them for PostgreSQL): adjacent, in order, overlapping ones too, the
// last word whole or a start; across capitals, diacritics, marks, Arabic,
// punctuation, and CJK runs (tokens no phrase word is).
func TestPhraseMatcher_CountsAsTheIndexTokens(t *testing.T) {
	t.Parallel()
	pieces := []string{"user", "User", "NAME", "name", "na", "names", "user-name", "Ünser", "über", "uber",
		"a", "a", "a", "ٱلْعَرَبِيَّة", "العربيه", "密码", "重置密码", "ـ", "\u0301", ".", ",", " ", "\n\n", "mot", "de", "passe", "Passé"}
	rng := rand.New(rand.NewPCG(21, 1))
	compared, counted := 0, 0
	for range 3000 {
		var b strings.Builder
		for range 1 + rng.IntN(30) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
			if rng.IntN(3) > 0 {
				b.WriteByte(' ')
			}
		}
		text := b.String()
		toks := words.Tokens(text)
		var phrase []string
		size := 2 + rng.IntN(2)
		if at := rng.IntN(len(toks) + 1); rng.IntN(2) == 0 && at+size <= len(toks) {
			phrase = slices.Clone(toks[at : at+size]) // a run of the text's tokens
		}
		for len(phrase) < size {
			if len(toks) > 0 && rng.IntN(4) > 0 {
				phrase = append(phrase, toks[rng.IntN(len(toks))])
			} else {
				phrase = append(phrase, []string{"user", "name", "a", "de", "passe", "uber", "العربيه"}[rng.IntN(7)])
			}
		}
		for i, tok := range phrase {
			if words.IsCJKWord(tok) { // left to the index
				phrase[i] = "user"
			}
		}
		star := rng.IntN(3) == 0
		m := phraseMatcher{tokens: phrase, star: star}
		want := indexPhrase{tokens: phrase, star: star}.occurrences(toks)
		if got := m.count(text); int(got) != want {
			t.Fatalf("%q in %q: %d, the index tokens %v hold %d", phrase, text, got, toks, want)
		}
		cut := rng.IntN(len(text) + 1) // two texts read as one column: body, then keywords
		for !validCut(text, cut) {
			cut--
		}
		joined := indexPhrase{tokens: phrase, star: star}.occurrences(words.Tokens(withKeywords(text[:cut], text[cut:])))
		if got := m.count(text[:cut], text[cut:]); int(got) != joined {
			t.Fatalf("%q in %q then %q: %d, the index tokens hold %d", phrase, text[:cut], text[cut:], got, joined)
		}
		compared++
		if want > 0 {
			counted++
		}
	}
	if counted < 300 {
		t.Fatalf("only %d of %d texts hold their phrase", counted, compared)
	}
}

// validCut reports whether text may be cut at i: between two characters.
func validCut(text string, i int) bool {
	return i == 0 || i == len(text) || text[i]&0xC0 != 0x80
}

// The word lists count every synonym phrase when they are built (in the
// background), before a search needs them: none is counted on a search.
func TestWordLists_CountSynonymPhrasesAhead(t *testing.T) {
	t.Parallel()
	lib := sharedSeededDemo(t).cat.Load().lib
	var lists impactIndexes
	for _, lang := range []string{"en", "es"} {
		ix := lists.get(lib, lang, true)
		ix.phrases.mu.Lock()
		kept := maps.Clone(ix.phrases.lists)
		ix.phrases.mu.Unlock()
		found := 0
		for _, p := range synonymPhrases {
			list, ok := kept[memPhrase{p, false}]
			if !ok {
				t.Fatalf("%s: %q was not counted with the lists", lang, p)
			}
			if want, _ := ix.countPhrase(lib.vocab[lang], memPhrase{p, false}); !slices.Equal(list, want) {
				t.Fatalf("%s: %q: kept %v, counted %v", lang, p, list, want)
			}
			if len(list) > 0 {
				found++
			}
		}
		if found == 0 {
			t.Fatalf("%s: no synonym phrase is in the demo", lang)
		}
	}
}
