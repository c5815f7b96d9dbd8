package kb

import (
	"context"
	"strings"

	"zerodesk/internal/words"
)

// The other languages' fill from the word lists (issue 13, "Scale", session
// 20). When lang's own matches leave room, search fills the first page with
// the best-ranked published translations in other languages of the articles
// lang lacks (untranslated). FTS5 scores every such match with bm25 before it
// can sort and cut: at 50,000 articles a common word cost 10–20 ms there,
// where lang's own search, ranked from the word lists, cost under 2. The
// scores of different languages are comparable because bm25's statistics
// are the index's, not a language's: the average row length is over every
// row of the index (averages), and a phrase's idf counts the rows holding it
// in every language, drafts included (phraseRows). So the word lists of the
// other languages, each scored with those global statistics, together rank
// as sqlFTSSearchUntranslated does: Σ idf × f(freq, D) over the MATCH's
// phrases (the language's NOT phrase matches no row kept: it adds 0), the
// higher first, ties by translation id.
// TestUntranslatedInMemory_SameAsTheIndex holds the two equal.

// untranslatedInMemory is untranslated's answer from the word lists, or ok
// false when q is left to the index: when a query word or synonym is or
// holds CJK, or is one word that is (or, typed, starts) a language's index
// token (every row of that language would match on its language column,
// with score 0; a phrase of several words is counted from the documents'
// words, impact_phrases.go);
// when the documents to score are fewer than minMatches (for all words
// required, those of the rarest word); and while a language's word lists
// are being built, unless wait.
func (k *KB) untranslatedInMemory(ctx context.Context, cat *catalog, lang string, q ftsQuery, limit, minMatches int, wait bool) ([]ftsHit, bool, error) {
	counter, ok := k.fts.(phraseCounter)
	if !ok || limit <= 0 {
		return nil, false, nil
	}
	lib := cat.lib
	var others []string
	tokens := []string{langToken(lang)}
	for _, l := range lib.langs {
		tokens = append(tokens, langToken(l))
		if l != lang {
			if lib.vocab[l] == nil {
				return nil, false, nil
			}
			others = append(others, l)
		}
	}
	if len(others) == 0 {
		return nil, false, nil
	}
	groups, ok := planOther(q, tokens, func(phrase string) bool {
		for _, l := range others {
			if !absent(lib.vocab[l], phrase) {
				return false
			}
		}
		return true
	})
	if !ok {
		return nil, false, nil
	}

	// Where each phrase's words are in each language's vocabulary, and how
	// many documents hold them (at most).
	type span struct{ lo, hi int }
	type phrase struct {
		key     memPhrase
		group   int
		several bool   // several words: their postings counted (phrasePostings)
		spans   []span // one word: per other language
		idf     float64
	}
	var phrases []phrase
	least, sum := -1, 0
	for g, ps := range groups {
		gdf := 0
		for _, p := range ps {
			ph := phrase{key: p, group: g, several: strings.Contains(p.word, " ")}
			for _, l := range others {
				if !ph.several {
					lo, hi, _ := lib.vocab[l].span(p)
					ph.spans = append(ph.spans, span{lo, hi})
				}
				gdf += lib.vocab[l].phraseDF(p)
			}
			phrases = append(phrases, ph)
		}
		sum += gdf
		if least < 0 || gdf < least {
			least = gdf
		}
	}
	lists := make([]*impactIndex, len(others))
	for i, l := range others {
		if lists[i] = lib.impacts.get(lib, l, wait); lists[i] == nil {
			return nil, false, nil // being built
		}
	}
	idfs, avgdl, err := k.weighPhrases(ctx, cat, counter, groups)
	if err != nil || avgdl == 0 {
		return nil, false, err
	}
	for i := range phrases {
		phrases[i].idf = idfs[i]
	}

	np := len(phrases)
	want := uint32(1)<<len(groups) - 1
	top := newTopScored(limit, 0)
	here := lib.byLang[lang]
	for li, l := range others {
		ix, vocab := lists[li], lib.vocab[l]
		freq := make([]int32, len(ix.docs)*np)
		mask := make([]uint32, len(ix.docs))
		var touched []int32
		for pi, p := range phrases {
			add := func(list []posting) {
				for _, post := range list {
					if mask[post.doc] == 0 {
						touched = append(touched, post.doc)
					}
					mask[post.doc] |= 1 << p.group
					freq[int(post.doc)*np+pi] += post.freq
				}
			}
			if p.several {
				add(ix.phrasePostings(vocab, p.key))
				continue
			}
			s := p.spans[li]
			for _, w := range vocab.sorted[s.lo:s.hi] {
				add(ix.postings[w])
			}
		}
		for _, n := range touched {
			d := ix.docs[n]
			if d == nil || !q.or && mask[n] != want || here[d.article.id] != nil {
				continue // taken out, not every word, or translated into lang
			}
			s := 0.0
			for pi, p := range phrases {
				if f := freq[int(n)*np+pi]; f > 0 {
					s = s + float64(p.idf*bm25Part(float64(f), float64(ix.length[n]), avgdl))
				}
			}
			top.add(scored{s, d})
		}
	}
	docs := top.docs()
	hits := make([]ftsHit, len(docs))
	for i, d := range docs {
		hits[i] = ftsHit{translationID: d.id}
	}
	return hits, true, nil
}

// planOther is planQuery for the other languages: q's phrases per query
// word (the word, then those of its synonyms that absent does not rule
// out), when every one is one word, not CJK, and neither a language's index
// token nor (the word being typed) the start of one; or several words, none
// CJK (severalWords: a phrase of several words never matches in the
// language column, one token long).
func planOther(q ftsQuery, tokens []string, absent func(string) bool) ([][]memPhrase, bool) {
	token := func(w string, prefix bool) bool {
		for _, tok := range tokens {
			if tok == w || prefix && strings.HasPrefix(tok, w) {
				return true
			}
		}
		return false
	}
	listed := func(w string, prefix bool) bool {
		if strings.Contains(w, " ") {
			return severalWords(w)
		}
		return !words.IsCJKWord(w) && !token(w, prefix)
	}
	var groups [][]memPhrase
	for i, w := range q.words {
		if w == "" {
			continue // ftsMatch leaves it out, synonyms and all
		}
		prefix := phraseStar(w, q.prefix && i == len(q.words)-1)
		if !listed(w, prefix) {
			return nil, false
		}
		g := []memPhrase{{w, prefix}}
		if i < len(q.alts) {
			for _, a := range q.alts[i] {
				if a == "" || absent(a) {
					continue // idf × 0 in every document the fill may keep
				}
				if !listed(a, false) {
					return nil, false
				}
				g = append(g, memPhrase{a, false})
			}
		}
		groups = append(groups, g)
	}
	return groups, len(groups) > 0 && len(groups) <= 32
}
