package kb

import (
	"strings"
	"testing"
)

func fragmentsText(fs []Fragment) (all, marked string) {
	var a, m []string
	for _, f := range fs {
		a = append(a, f.Text)
		if f.Match {
			m = append(m, f.Text)
		}
	}
	return strings.Join(a, ""), strings.Join(m, "|")
}

func TestSnippet_MarksMatchesLikeTheIndex(t *testing.T) {
	t.Parallel()
	text := "Choose a new Password. Passwords are never stored. The café résumé stays."
	all, marked := fragmentsText(makeSnippet(text, ftsQuery{words: []string{"passw"}, prefix: true}))
	if marked != "Password|Passwords" || all != text {
		t.Fatalf("marked %q in %q", marked, all)
	}
	_, marked = fragmentsText(makeSnippet(text, ftsQuery{words: []string{"cafe", "resume"}}))
	if marked != "café|résumé" {
		t.Fatalf("diacritics: marked %q", marked)
	}
	// Without prefix matching, a longer word is not a match.
	_, marked = fragmentsText(makeSnippet(text, ftsQuery{words: []string{"password"}}))
	if marked != "Password" {
		t.Fatalf("exact: marked %q", marked)
	}
}

func TestSnippet_WindowAroundTheMatchesWithEllipses(t *testing.T) {
	t.Parallel()
	words := make([]string, 200)
	for i := range words {
		words[i] = "filler"
	}
	words[120], words[125] = "ticket", "reference"
	text := strings.Join(words, " ")
	fs := makeSnippet(text, ftsQuery{words: []string{"ticket", "reference"}})
	all, marked := fragmentsText(fs)
	if marked != "ticket|reference" {
		t.Fatalf("marked %q", marked)
	}
	if !strings.HasPrefix(all, ellipsis) || !strings.HasSuffix(all, ellipsis) {
		t.Fatalf("a cut snippet must show where it was cut: %q", all)
	}
	if n := len(strings.Fields(strings.ReplaceAll(all, ellipsis, ""))); n != snippetWords {
		t.Fatalf("snippet has %d words, want %d", n, snippetWords)
	}
	// No match at all (a title-only hit): the start of the text.
	all, marked = fragmentsText(makeSnippet(text, ftsQuery{words: []string{"nothing"}}))
	if marked != "" || !strings.HasPrefix(all, "filler") {
		t.Fatalf("no-match snippet %q", all)
	}
	if makeSnippet("", ftsQuery{words: []string{"x"}}) != nil {
		t.Fatal("empty text gives a snippet")
	}
}
