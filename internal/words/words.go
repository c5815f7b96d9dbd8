// Package words is the word splitter that every room shares: it cuts text into
// words for every script, lower-cases and folds them, and cuts Chinese and
// Japanese into bigrams, so the help-article index (kb), its queries and
// snippets, and the tickets' blind index all mean the same thing by "a word".
package words

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Words are cut in Go, for every script, and the index is handed words it only
// has to split at spaces (IndexText). So "what the index knows" means the same
// thing in the vocabulary, the query parser, the snippets and in SQL:
//
//   - letters, numbers and private-use characters make words; a combining mark
//     belongs to the letter before it (Arabic vowel signs do not split a word);
//     everything else separates words;
//   - words are lower-cased and folded: diacritics removed ("réinitialiser" →
//     "reinitialiser"), and Arabic normalized the usual way for search (vowel
//     signs and tatweel dropped, hamza forms of alef to bare alef, ى → ي, ة → ه);
//   - Chinese and Japanese are written without spaces, so a run of Han or kana
//     is one "word" to the parser but the index stores it as overlapping
//     two-character tokens (bigrams), plus its last character alone. A search
//     for a run is the phrase of its bigrams, which matches exactly where the
//     run occurs; a one-character search is a prefix that finds the character
//     anywhere. Nothing is folded in CJK (が is not か).
//
// Bigrams rather than an FTS5 trigram table: two-character words (密码,
// 設定) are the most common Chinese and Japanese search terms and a trigram
// index cannot look them up; bigrams keep one table, bm25 ranking across all
// languages, and port to PostgreSQL as plain words.

// IsWordRune reports whether r makes words: a letter, a number or a
// private-use character.
func IsWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r)
}

// IsCJK reports whether r belongs to a script written without spaces between
// words: Han ideographs, hiragana and katakana, with the prolonged sound mark
// and the half-width voicing marks that kana words contain.
func IsCJK(r rune) bool {
	if r < 0x2E80 {
		return false
	}
	switch r {
	case 0x30FC, 0xFF70, 0xFF9E, 0xFF9F: // ー ｰ ﾞ ﾟ
		return true
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}

// IsCJKWord reports whether a word as Each cuts it is a run of CJK.
func IsCJKWord(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return IsCJK(r)
}

// Each calls fn with every word of s, lower-cased (diacritics kept). A CJK
// run is one word, cut off from letters of other scripts around it.
func Each(s string, fn func(word string)) {
	start, cjk := -1, false
	for i, r := range s {
		switch {
		case r < utf8.RuneSelf && ('a' <= r && r <= 'z' || '0' <= r && r <= '9'):
			if start >= 0 && cjk {
				fn(strings.ToLower(s[start:i]))
				start = -1
			}
			if start < 0 {
				start, cjk = i, false
			}
		case IsWordRune(r):
			c := IsCJK(r)
			if start >= 0 && c != cjk {
				fn(strings.ToLower(s[start:i]))
				start = -1
			}
			if start < 0 {
				start, cjk = i, c
			}
		case start >= 0 && !cjk && unicode.Is(unicode.M, r):
			// A combining mark belongs to the letter before it.
		default:
			if start >= 0 {
				fn(strings.ToLower(s[start:i]))
				start = -1
			}
		}
	}
	if start >= 0 {
		fn(strings.ToLower(s[start:]))
	}
}

// Fold turns a lower-cased word into the form the index stores: diacritics
// removed ("réinitialiser" → "reinitialiser"), Arabic normalized. CJK words are
// left as they are.
func Fold(word string) string {
	ascii := true
	for i := 0; i < len(word); i++ {
		if word[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii || IsCJKWord(word) {
		return word
	}
	// Latin, Greek, Cyrillic, Hebrew and Arabic fold one character at a time
	// through a table: folding runs on every word of every snippet.
	var buf [64]byte
	b := buf[:0]
	changed := false
	for _, r := range word {
		f := r
		if r >= utf8.RuneSelf {
			if r >= foldTableSize || foldTable[r] == slow {
				return foldSlowly(word)
			}
			f = foldTable[r]
		}
		if f != r {
			changed = true
		}
		if f >= 0 {
			b = utf8.AppendRune(b, f)
		}
	}
	if !changed {
		return word
	}
	return string(b)
}

// foldSlowly is Fold for any script: decompose, drop the combining marks,
// recompose, then finish Arabic.
func foldSlowly(word string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, word)
	if err != nil {
		out = word
	}
	if strings.ContainsFunc(out, isArabicFoldable) {
		out = strings.Map(foldArabic, out)
	}
	return out
}

// foldTable holds what foldSlowly makes of each character below
// foldTableSize, one at a time: the character, another one, -1 (dropped), or
// slow when it becomes several. Below U+0700 nothing recomposes once the
// marks are gone, so folding character by character equals folding the word.
const (
	foldTableSize = 0x700
	slow          = -2
)

var foldTable = func() (t [foldTableSize]rune) {
	for r := rune(0); r < foldTableSize; r++ {
		rs := []rune(foldSlowly(string(r)))
		switch len(rs) {
		case 0:
			t[r] = -1
		case 1:
			t[r] = rs[0]
		default:
			t[r] = slow
		}
	}
	return t
}()

func isArabicFoldable(r rune) bool {
	return r == 'ـ' || r == 'ى' || r == 'ة' || r == 'ٱ'
}

// foldArabic finishes the Arabic normalization removing the marks began (it
// already took the vowel signs off, and the hamza off أ إ آ ؤ ئ).
func foldArabic(r rune) rune {
	switch r {
	case 'ـ': // tatweel only stretches a word
		return -1
	case 'ى':
		return 'ي'
	case 'ة':
		return 'ه'
	case 'ٱ':
		return 'ا'
	}
	return r
}

// IndexText is s as the index stores it: its words folded, CJK runs cut into
// bigrams, all separated by single spaces.
func IndexText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	Each(s, func(w string) {
		f := w
		if !IsCJKWord(w) {
			if f = Fold(w); f == "" {
				return // marks and tatweel alone: no word
			}
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		if IsCJKWord(w) {
			writeCJKTokens(&b, w)
			return
		}
		b.WriteString(f)
	})
	return b.String()
}

// writeCJKTokens writes a CJK run as its overlapping bigrams, then its last
// character alone: 重置密码 → 重置 置密 密码 码. With the last character every
// character of the run starts a token, so a one-character prefix search finds
// it wherever it is.
func writeCJKTokens(b *strings.Builder, run string) {
	prev := -1
	for i := range run {
		if prev >= 0 {
			_, size := utf8.DecodeRuneInString(run[i:])
			b.WriteString(run[prev : i+size])
			b.WriteByte(' ')
		}
		prev = i
	}
	b.WriteString(run[prev:])
}

// CJKPhrase is a CJK run as the index finds it: the space-separated bigrams of
// a run of two or more characters (a phrase), or the one character.
func CJKPhrase(run string) string {
	var b strings.Builder
	prev := -1
	for i := range run {
		if prev >= 0 {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			_, size := utf8.DecodeRuneInString(run[i:])
			b.WriteString(run[prev : i+size])
		}
		prev = i
	}
	if b.Len() == 0 {
		return run
	}
	return b.String()
}

// Tokens returns the words of s exactly as the search index stores them
// (lower-cased and folded, CJK runs as bigrams plus their last character),
// for rooms that index text their own way, such as the tickets' blind index
// of keyed word hashes.
func Tokens(s string) []string { return strings.Fields(IndexText(s)) }
