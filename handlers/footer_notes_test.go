package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"zerodesk/internal/accounts"
)

// footerNotes are the footer's Technical Notes of a page: "href title" each.
func footerNotes(t *testing.T, a *testApp, path string) ([]string, *goquery.Document) {
	t.Helper()
	d := doc(t, a.get(t, path))
	var out []string
	d.Find("footer nav ul.notes a").Each(func(_ int, s *goquery.Selection) {
		out = append(out, s.AttrOr("href", "")+" "+s.Text())
	})
	return out, d
}

// writingFormOf reads an article's writing form as it would be sent.
func writingFormOf(t *testing.T, e *deskAgent, page string) map[string][]string {
	t.Helper()
	w := e.open(t, page, nil)
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	f := map[string][]string{}
	d.Find(`#editor-form input:not([type=file]), #editor-form textarea, #editor-form select`).Each(func(_ int, s *goquery.Selection) {
		name := s.AttrOr("name", "")
		switch {
		case name == "" || name == "token" || name == "writing" || strings.HasPrefix(name, "insert_"):
		case s.Is("textarea"):
			f[name] = []string{s.Text()}
		case s.Is("select"):
			s.Find("option[selected]").Each(func(_ int, o *goquery.Selection) { f[name] = append(f[name], o.AttrOr("value", "")) })
		default:
			f[name] = []string{s.AttrOr("value", "")}
		}
	})
	return f
}

// The footer follows the Technical Notes category (issue 13, item 7): an
// article renamed and moved first in it, and a new one published into it,
// change every page's footer at once; past eight the footer links the
// category.
func TestFooter_FollowsTheTechnicalNotesCategory(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	before, _ := footerNotes(t, a, "/en/search?q=printer")
	if len(before) != 8 || before[7] != "/en/articles/red-flags Red flags: warning signs of phishing and unsafe support" {
		t.Fatalf("footer before = %q", before)
	}

	// Renamed and moved first.
	art, err := a.kb.Article("en", "red-flags")
	if err != nil {
		t.Fatal(err)
	}
	page := "/en/editor/articles/" + strconv.FormatInt(art.ArticleID, 10) + "/en"
	form := writingFormOf(t, e, page)
	form["title"], form["position"], form["action"] = []string{"Warning Signs"}, []string{"0"}, []string{"publish"}
	w := e.send(t, "/en/editor/save", form)
	editorSaved(t, w, w.Code, "published")
	got, d := footerNotes(t, a, "/en/")
	if len(got) != 8 || got[0] != "/en/articles/red-flags Warning Signs" || got[1] != before[0] {
		t.Fatalf("footer after the rename = %q", got)
	}
	wantCount(t, d, "footer .notes-more", 0)

	// A ninth article, at position 1 (after the article already there): the
	// last one leaves the footer, which links the category now.
	f := newArticleForm("Printer Wiring", "How the receipt printer is wired.")
	f.Set("category", "technotes")
	f.Set("position", "1")
	f.Set("action", "publish")
	w = e.send(t, "/en/editor/save", f)
	editorSaved(t, w, w.Code, "published")
	got, d = footerNotes(t, a, "/en/sections/setup")
	if len(got) != 8 || got[0] != "/en/articles/red-flags Warning Signs" || got[1] != before[0] || got[2] != "/en/articles/printer-wiring Printer Wiring" || got[7] != before[5] {
		t.Fatalf("footer after the new article = %q", got)
	}
	more := wantCount(t, d, `footer .notes-more a[href="/en/sections/technotes"]`, 1)
	wantText(t, more, "Technical Notes")
}
