package kb

import (
	"strings"
	"unicode/utf8"
)

// Snippets are cut in Go from the plain text the catalog holds: the words of a
// hit's body around the first good cluster of matches, with the matched words
// marked. Matching follows the index: case-insensitive, diacritics folded, and
// the last query word may be a prefix.

// snippetWords is how many words a snippet shows; scanLimit bounds the words
// read when nothing matches early (a hit found by its title alone).
const (
	snippetWords = 20
	scanLimit    = 400
)

const ellipsis = "…"

type span struct{ start, end int }

// makeSnippet cuts a snippet of text for the query words.
func makeSnippet(text string, q ftsQuery) []Fragment {
	qws := compileQuery(q)
	words := make([]span, 0, 128)
	matched := make([]bool, 0, 128)
	firstMatch := -1
	start := -1
	flush := func(end int) {
		m := matchesQuery(text[start:end], qws)
		words = append(words, span{start, end})
		matched = append(matched, m)
		if m && firstMatch < 0 {
			firstMatch = len(words) - 1
		}
	}
	for i, r := range text {
		var isWord bool
		if r < utf8.RuneSelf {
			isWord = 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
		} else {
			isWord = isWordRune(r)
		}
		if isWord {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			flush(i)
			start = -1
			// Far enough past the first match the window cannot get better;
			// with no match this far, the start of the text will do.
			if (firstMatch >= 0 && len(words) > firstMatch+2*snippetWords) || len(words) >= scanLimit {
				break
			}
		}
	}
	if start >= 0 {
		flush(len(text))
	}
	if len(words) == 0 {
		return nil
	}

	// The window of snippetWords words holding the most matches, starting a few
	// words before a match so it reads in context.
	from := 0
	if firstMatch >= 0 {
		best := -1
		for i := firstMatch; i < len(words) && i < firstMatch+snippetWords; i++ {
			if !matched[i] {
				continue
			}
			lo := max(0, i-3)
			n := 0
			for j := lo; j < len(words) && j < lo+snippetWords; j++ {
				if matched[j] {
					n++
				}
			}
			if n > best {
				best, from = n, lo
			}
		}
	}
	to := min(len(words), from+snippetWords) // exclusive

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
	pos := words[from].start
	for i := from; i < to; i++ {
		w := words[i]
		add(text[pos:w.start], false)
		add(text[w.start:w.end], matched[i])
		pos = w.end
	}
	if to < len(words) {
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

// compileQuery decides once which word may match as a prefix, as ftsMatch does.
func compileQuery(q ftsQuery) []queryWord {
	out := make([]queryWord, len(q.words))
	for i, w := range q.words {
		out[i] = queryWord{word: w, prefix: q.prefix && i == len(q.words)-1 && utf8.RuneCountInString(w) >= 2}
	}
	return out
}

// matchesQuery reports whether word is one of the query's words, compared the
// way the index compares them.
func matchesQuery(word string, qws []queryWord) bool {
	var folded string
	ascii := isASCII(word)
	if !ascii {
		folded = fold(strings.ToLower(word))
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
