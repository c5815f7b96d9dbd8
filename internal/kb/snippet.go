package kb

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"zerodesk/internal/words"
)

// Snippets are cut in Go from the plain text the catalog holds: the words of a
// hit's body around the first good cluster of matches, with the matched words
// marked. Matching follows the index: case-insensitive, diacritics folded, and
// the last query word may be a prefix. Chinese and Japanese have no spaces to
// cut words at: there every character is a "word" of its own, and a query run
// marks every place the run occurs, as the index's bigram phrase finds it.

// snippetWords is how many words a snippet shows; scanLimit bounds the words
// read when nothing matches early (a hit found by its title alone). A CJK
// character counts half a word, so a snippet holds about 40 of them.
const (
	snippetWords = 20
	scanLimit    = 400

	wordUnits   = 2 // a word; a CJK character is 1
	windowUnits = snippetWords * wordUnits
	scanUnits   = scanLimit * wordUnits
)

const ellipsis = "…"

type span struct{ start, end int }

// makeSnippet cuts a snippet of text for the query words.
func makeSnippet(text string, q ftsQuery) []Fragment {
	qws, runs := compileQuery(q)
	spans := make([]span, 0, 128)
	matched := make([]bool, 0, 128)
	at := make([]int, 0, 128) // units before each word
	units := 0
	firstMatch := -1
	push := func(w span, m bool, u int) {
		spans = append(spans, w)
		matched = append(matched, m)
		at = append(at, units)
		units += u
		if m && firstMatch < 0 {
			firstMatch = len(spans) - 1
		}
	}
	// Far enough past the first match the window cannot get better; with no
	// match this far, the start of the text will do.
	done := func() bool {
		return (firstMatch >= 0 && units > at[firstMatch]+2*windowUnits) || units >= scanUnits
	}
	start := -1
	pending := 0 // CJK characters still inside a matched run
	for i, r := range text {
		if r < utf8.RuneSelf {
			if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
				if start < 0 {
					start = i
				}
				continue
			}
		} else if words.IsCJK(r) {
			if start >= 0 {
				push(span{start, i}, matchesQuery(text[start:i], qws), wordUnits)
				start = -1
			}
			m := pending > 0
			if m {
				pending--
			}
			for _, run := range runs {
				if strings.HasPrefix(text[i:], run.text) {
					m = true
					pending = max(pending, run.n-1)
				}
			}
			push(span{i, i + utf8.RuneLen(r)}, m, 1)
			if pending == 0 && done() {
				break
			}
			continue
		} else if words.IsWordRune(r) || start >= 0 && unicode.Is(unicode.M, r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			push(span{start, i}, matchesQuery(text[start:i], qws), wordUnits)
			start = -1
			if done() {
				break
			}
		}
	}
	if start >= 0 {
		push(span{start, len(text)}, matchesQuery(text[start:], qws), wordUnits)
	}
	if len(spans) == 0 {
		return nil
	}

	// The window of windowUnits holding the most matches, starting a few
	// words before a match so it reads in context.
	from := 0
	if firstMatch >= 0 {
		best := -1
		for i := firstMatch; i < len(spans) && at[i] < at[firstMatch]+windowUnits; i++ {
			if !matched[i] {
				continue
			}
			lo := i
			for lo > 0 && at[i]-at[lo-1] <= 3*wordUnits {
				lo--
			}
			n := 0
			for j := lo; j < len(spans) && at[j] < at[lo]+windowUnits; j++ {
				if matched[j] {
					n++
				}
			}
			if n > best {
				best, from = n, lo
			}
		}
	}
	to := from // exclusive
	for to < len(spans) && at[to] < at[from]+windowUnits {
		to++
	}

	var out []Fragment
	add := func(s string, match bool) {
		if s == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Match == match {
			out[n-1].Text += s
			return
		}
		out = append(out, Fragment{Text: s, Match: match})
	}
	if from > 0 {
		add(ellipsis, false)
	}
	pos := spans[from].start
	for i := from; i < to; i++ {
		w := spans[i]
		add(text[pos:w.start], false)
		add(text[w.start:w.end], matched[i])
		pos = w.end
	}
	if to < len(spans) {
		add(ellipsis, false)
	} else {
		add(strings.TrimRight(text[pos:], " \n"), false)
	}
	return out
}

// queryWord is a query word ready for matching.
type queryWord struct {
	word   string
	prefix bool
}

// cjkRun is a CJK query word: marked wherever it occurs.
type cjkRun struct {
	text string
	n    int // characters
}

// compileQuery decides once which word may match as a prefix, as ftsMatch
// does, and sets the CJK runs apart. The words of phrases and of synonyms
// are marked one by one.
func compileQuery(q ftsQuery) ([]queryWord, []cjkRun) {
	out := make([]queryWord, 0, len(q.words))
	var runs []cjkRun
	add := func(phrase string, prefix bool) {
		parts := strings.Split(phrase, " ")
		for j, w := range parts {
			if w == "" {
				continue // matches nothing (an empty word is never indexed)
			}
			if words.IsCJKWord(w) {
				runs = append(runs, cjkRun{text: w, n: utf8.RuneCountInString(w)})
				continue
			}
			out = append(out, queryWord{word: w, prefix: prefix && j == len(parts)-1 && utf8.RuneCountInString(w) >= 2})
		}
	}
	for i, w := range q.words {
		add(w, q.prefix && i == len(q.words)-1)
		if i < len(q.alts) {
			for _, a := range q.alts[i] {
				add(a, false)
			}
		}
	}
	return out, runs
}

// matchesQuery reports whether word is one of the query's words, compared the
// way the index compares them.
func matchesQuery(word string, qws []queryWord) bool {
	var folded string
	ascii := isASCII(word)
	if !ascii {
		folded = words.Fold(strings.ToLower(word))
	}
	for _, q := range qws {
		qw, prefix := q.word, q.prefix
		if ascii {
			if len(word) < len(qw) || lowerByte(word[0]) != qw[0] {
				continue
			}
			if strings.EqualFold(word, qw) || (prefix && strings.EqualFold(word[:len(qw)], qw)) {
				return true
			}
			continue
		}
		if folded == qw || (prefix && strings.HasPrefix(folded, qw)) {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func lowerByte(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}
