package kb

import (
	"math/bits"
	"sort"
	"strings"
	"unicode"

	"zerodesk/internal/words"
)

// Typo tolerance: every language has a vocabulary of the words its published
// articles contain (folded as the index folds them) with their document
// frequency. Chinese and Japanese runs are left out: a run is not a word, and
// an edit distance between ideographs says nothing about spelling. A query word the vocabulary lacks is corrected to the nearest
// word (Damerau–Levenshtein, optimal string alignment), the most frequent
// among equally near ones.

const (
	minFuzzyLen = 4  // shorter words are left alone: too many neighbours
	maxFuzzyLen = 32 // longer words are not words
)

type vocabulary struct {
	df      map[string]int    // folded word → number of documents containing it
	display map[string]string // folded word → how it is written (diacritics kept), when different
	sorted  []string          // folded words, sorted, for prefix checks
	// byLen[n] holds the words of n runes, their runes stored back to back in
	// arena, so a fuzzy lookup reads them without converting or allocating.
	byLen [maxFuzzyLen + 1][]vocabEntry
	arena []rune
}

type vocabEntry struct {
	off  int32 // start of the word's runes in arena
	df   int32
	idx  int32  // index in sorted
	mask uint64 // runeMask of the word
}

// runeMask sets one bit per rune (modulo 64). Every edit adds or removes at
// most one rune, so the runes one word has and the other lacks bound the
// distance from below; shared bits only make that bound weaker, never wrong.
func runeMask(rs []rune) uint64 {
	var m uint64
	for _, r := range rs {
		m |= 1 << (uint32(r) % 64)
	}
	return m
}

type vocabBuilder struct {
	df      map[string]int
	display map[string]string
	seen    map[string]bool
}

func newVocabBuilder() *vocabBuilder {
	return &vocabBuilder{df: map[string]int{}, display: map[string]string{}, seen: map[string]bool{}}
}

// addDocument adds the words of one document (title and plain text).
func (vb *vocabBuilder) addDocument(texts ...string) {
	clear(vb.seen)
	for _, t := range texts {
		words.Each(t, func(w string) {
			if words.IsCJKWord(w) {
				return // CJK is not corrected: bigrams are no spelling
			}
			f := words.Fold(w)
			if f == "" || vb.seen[f] {
				return
			}
			vb.seen[f] = true
			vb.df[f]++
			if f != w {
				if _, ok := vb.display[f]; !ok {
					vb.display[f] = w
				}
			}
		})
	}
}

func (vb *vocabBuilder) build() *vocabulary {
	v := &vocabulary{df: vb.df, display: vb.display}
	v.sorted = make([]string, 0, len(vb.df))
	for w := range vb.df {
		v.sorted = append(v.sorted, w)
	}
	sort.Strings(v.sorted)
	for i, w := range v.sorted {
		n := 0
		letters := false
		for _, r := range w {
			n++
			letters = letters || unicode.IsLetter(r)
		}
		if n > maxFuzzyLen || !letters {
			continue
		}
		rs := []rune(w)
		v.byLen[n] = append(v.byLen[n], vocabEntry{off: int32(len(v.arena)), df: int32(vb.df[w]), idx: int32(i), mask: runeMask(rs)})
		v.arena = append(v.arena, rs...)
	}
	return v
}

// knows reports whether a folded word occurs in the index, or, for the word
// being typed (prefix), begins a word that does.
func (v *vocabulary) knows(word string, prefix bool) bool {
	if word == "" {
		return false
	}
	if v.df[word] > 0 {
		return true
	}
	if !prefix {
		return false
	}
	i := sort.SearchStrings(v.sorted, word)
	return i < len(v.sorted) && strings.HasPrefix(v.sorted[i], word)
}

// show returns how a folded word is written in the articles.
func (v *vocabulary) show(word string) string {
	if d, ok := v.display[word]; ok {
		return d
	}
	return word
}

// correct returns the vocabulary word nearest to an unknown folded word, or
// "" when none is near enough. Candidates are filtered by length first; the
// distance is computed on stack buffers and stops early past the limit.
func (v *vocabulary) correct(word string) string {
	var q [maxFuzzyLen]rune
	n := 0
	letters := false
	for _, r := range word {
		if n == maxFuzzyLen {
			return ""
		}
		q[n] = r
		n++
		if unicode.IsNumber(r) {
			return "" // codes and numbers are not misspelled words
		}
		letters = letters || unicode.IsLetter(r)
	}
	if n < minFuzzyLen || !letters {
		return ""
	}
	limit := 1
	if n >= 8 {
		limit = 2
	}
	qmask := runeMask(q[:n])
	var rows osaRows
	best, bestDist, bestDF := -1, limit+1, int32(0)
	for l := max(1, n-limit); l <= min(maxFuzzyLen, n+limit); l++ {
		for _, e := range v.byLen[l] {
			if bits.OnesCount64(qmask&^e.mask) > limit || bits.OnesCount64(e.mask&^qmask) > limit {
				continue
			}
			d := osaDistance(&rows, q[:n], v.arena[e.off:int(e.off)+l], limit)
			if d == 0 || d > limit || d > bestDist || (d == bestDist && e.df <= bestDF) {
				continue
			}
			best, bestDist, bestDF = int(e.idx), d, e.df
		}
	}
	if best < 0 {
		return ""
	}
	return v.sorted[best]
}

// osaRows are the three rows osaDistance works in, kept by the caller so a
// scan over many words reuses them.
type osaRows [3][maxFuzzyLen + 1]int

// osaDistance is the optimal-string-alignment Damerau–Levenshtein distance of
// a and b (both at most maxFuzzyLen runes), or limit+1 once it must exceed limit.
func osaDistance(rows *osaRows, a, b []rune, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
			rowMin = min(rowMin, d)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], limit+1)
}
