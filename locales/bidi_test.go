package locales

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// In a right-to-left sentence, a number joined to Latin words by a neutral
// character ("1-Click", "2 FA") is reordered by the Unicode bidi algorithm:
// the number keeps the paragraph's direction and the browser shows
// "Click-1". Wrapped in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE
// (U+2068 … U+2069) the run keeps its own order, whatever surrounds it.
var numberJoinedToLatin = regexp.MustCompile(`[0-9]+[\s\-–./:]+[A-Za-z]`)

const (
	firstStrongIsolate = '\u2068'
	popIsolate         = '\u2069'
)

// isolated tells whether position i of s lies inside an isolate.
func isolated(s string, i int) bool {
	depth := 0
	for _, r := range s[:i] {
		switch r {
		case '\u2066', '\u2067', firstStrongIsolate:
			depth++
		case popIsolate:
			if depth > 0 {
				depth--
			}
		}
	}
	return depth > 0
}

func TestRightToLeftMessagesIsolateNumbersJoinedToLatinWords(t *testing.T) {
	names, _ := fs.Glob(files, "*.ar.toml")
	if len(names) == 0 {
		t.Fatal("no Arabic message files")
	}
	for _, name := range names {
		for id, forms := range readMessageFile(t, name) {
			for form, text := range forms {
				for _, m := range numberJoinedToLatin.FindAllStringIndex(text, -1) {
					if !isolated(text, m[0]) {
						t.Errorf("%s %s.%s: %q is shown reversed in right-to-left text; wrap it in U+2068 … U+2069",
							name, id, form, text[m[0]:m[1]])
					}
				}
			}
		}
	}
}

func TestIsolated_CountsOpenIsolates(t *testing.T) {
	s := "أ \u20681-Click\u2069 ب 1-Click"
	first := strings.Index(s, "1-Click")
	last := strings.LastIndex(s, "1-Click")
	if !isolated(s, first) || isolated(s, last) {
		t.Errorf("isolated: first %v, last %v", isolated(s, first), isolated(s, last))
	}
}
