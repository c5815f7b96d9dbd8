package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"zerodesk/internal/accounts"
	"zerodesk/internal/kb"
)

// An agent reads a draft no visitor sees and proposes an edit (with
// 1-Click and without a cookie); the proposal keeps the address and the
// category whatever the form says, and the agent can neither publish nor
// save. The editor sees it in the article list and the history, and
// publishes one and discards another.
func TestEditorProposals_AgentProposesEditorPublishesOrDiscards(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	rev := newEditorArticle(t, a, "Printer Paper Jams", "Open the lid and pull the paper gently.")
	page := "/en/editor/drafts/" + strconv.FormatInt(rev.ArticleID, 10) + "/en"
	for _, oneClick := range []bool{true, false} {
		email := map[bool]string{true: "grace@example.com", false: "alan@example.com"}[oneClick]
		name := map[bool]string{true: "Grace Agent", false: "Alan Agent"}[oneClick]
		ag := signInStaff(t, a, accounts.Agent, name, email, oneClick)
		d := doc(t, ag.open(t, "/en/editor/drafts", nil))
		if !oneClick {
			wantCount(t, d, `form[action="`+page+`"] input[name="token"]`, 1)
		} else {
			wantCount(t, d, `table.drafts-table a[href="`+page+`"]`, 1)
		}
		wantCount(t, d, `.desk-menu a[href="/en/desk"], .desk-menu form[action="/en/desk"]`, 1)
		w := ag.open(t, page, nil)
		wantStatus(t, w, http.StatusOK)
		d = doc(t, w)
		wantText(t, d.Find("#preview-body"), "pull the paper gently")
		if got := d.Find("#pr-body").Text(); got != rev.Body {
			t.Errorf("the form's body = %q", got)
		}
		wantCount(t, d, `button[value="publish"], button[value="schedule"], select[name="category"]`, 0)

		body := "Open the lid, then pull the paper gently towards you. Proposed by " + name + "."
		w = ag.send(t, page+"/propose", url.Values{"title": {"Printer Paper Jams"}, "body": {body}, "note": {"clearer"},
			"category": {"faq"}, "slug": {"elsewhere"}, "action": {"publish"}})
		if oneClick {
			wantStatus(t, w, http.StatusSeeOther)
			if loc := w.Header().Get("Location"); loc != page+"?done=proposed" {
				t.Fatalf("redirected to %q", loc)
			}
			w = ag.open(t, page, url.Values{"done": {"proposed"}})
		}
		wantText(t, doc(t, w).Find("#editor-notice"), "An editor will publish or discard it")
		// A refused proposal keeps every word.
		w = ag.send(t, page+"/propose", url.Values{"title": {" "}, "body": {"Words to keep."}})
		wantStatus(t, w, http.StatusBadRequest)
		if got := doc(t, w).Find("#pr-body").Text(); got != "Words to keep." {
			t.Errorf("refused proposal's body = %q", got)
		}
		// Agents cannot publish, save or decide.
		edPage := "/en/editor/articles/" + strconv.FormatInt(rev.ArticleID, 10) + "/en"
		for path, form := range map[string]url.Values{
			edPage + "/publish":  {"action": {"schedule"}, "publish_at": {"2099-01-01T10:00"}},
			edPage + "/proposal": {"action": {"accept"}, "revision": {"1"}},
			"/en/editor/save":    newArticleForm("Sneaky", "text"),
		} {
			if w := ag.send(t, path, form); w.Code != http.StatusForbidden {
				t.Errorf("an agent got %d on %s", w.Code, path)
			}
		}
	}
	ed, err := a.kb.Edition(context.Background(), rev.ArticleID, "en")
	if err != nil || ed.Head.ID != rev.ID || ed.State != kb.StateDraft {
		t.Fatalf("proposals changed the draft: %v %+v", err, ed)
	}
	wantStatus(t, a.get(t, "/en/articles/printer-paper-jams"), http.StatusNotFound)

	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	d := doc(t, e.open(t, "/en/editor/articles", nil))
	wantText(t, d.Find("table.editor-list .proposal-count"), "Proposed edits waiting: 2")
	hist := "/en/editor/articles/" + strconv.FormatInt(rev.ArticleID, 10) + "/en/history"
	// The writing page says they wait, with a link to them.
	d = doc(t, e.open(t, strings.TrimSuffix(hist, "/history"), nil))
	wantText(t, d.Find(`.editor-links a[href="`+hist+`#proposals"]`), "Proposed edits waiting: 2")
	d = doc(t, e.open(t, hist, nil))
	wantText(t, d.Find("#history"), "Grace Agent (proposed edit, waiting for an editor)")
	forms := d.Find("#proposals form")
	if forms.Length() != 2 {
		t.Fatalf("proposal forms = %d", forms.Length())
	}
	grace := d.Find("#proposals li").FilterFunction(func(_ int, s *goquery.Selection) bool { return strings.Contains(s.Text(), "Grace Agent") })
	revGrace := grace.Find(`input[name="revision"]`).AttrOr("value", "")
	base := grace.Find(`input[name="base"]`).AttrOr("value", "")
	alan := d.Find("#proposals li").FilterFunction(func(_ int, s *goquery.Selection) bool { return strings.Contains(s.Text(), "Alan Agent") })
	revAlan := alan.Find(`input[name="revision"]`).AttrOr("value", "")

	w := e.send(t, strings.TrimSuffix(hist, "/history")+"/proposal", url.Values{"action": {"accept"}, "revision": {revGrace}, "base": {base}})
	editorSaved(t, w, w.Code, "published")
	art := doc(t, a.get(t, "/en/articles/printer-paper-jams"))
	wantText(t, art.Find("main"), "Proposed by Grace Agent")
	w = e.send(t, strings.TrimSuffix(hist, "/history")+"/proposal", url.Values{"action": {"discard"}, "revision": {revAlan}})
	editorSaved(t, w, w.Code, "discarded")
	d = doc(t, e.open(t, hist, nil))
	wantText(t, d.Find("#history"), "published by Eda Editor")
	wantText(t, d.Find("#history"), "discarded by Eda Editor")
	wantCount(t, d, "#proposals", 0)
	// Deciding again is refused in words.
	w = e.send(t, strings.TrimSuffix(hist, "/history")+"/proposal", url.Values{"action": {"discard"}, "revision": {revAlan}})
	wantStatus(t, w, http.StatusBadRequest)
	wantText(t, doc(t, w).Find("#form-error"), "already published or discarded")
	if got := a.get(t, "/en/articles/printer-paper-jams"); got.Code != http.StatusOK {
		t.Errorf("article: %d", got.Code)
	}
}

// The drafts pages refuse guests, users and managers.
func TestEditorProposals_RefuseGuestsUsersAndManagers(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	rev := newEditorArticle(t, a, "Hidden Draft", "Not for everyone.")
	paths := []string{"/en/editor/drafts", "/en/editor/drafts/" + strconv.FormatInt(rev.ArticleID, 10) + "/en"}
	for _, path := range paths {
		wantStatus(t, a.get(t, path), http.StatusForbidden)
	}
	wantStatus(t, a.post(t, paths[1]+"/propose", url.Values{"token": {"not-a-session"}, "title": {"x"}, "body": {"y"}}), http.StatusForbidden)
	j := &journey{a: a}
	usercode := j.register(t, "Ada Lovelace", "ada@example.com")
	w := j.activate(t, usercode, "amber falcon sings", true)
	cookie := w.Result().Cookies()[0]
	for who, p := range map[string]*deskAgent{
		"user":    {a: a, cookie: cookie.Name + "=" + cookie.Value},
		"manager": signInStaff(t, a, accounts.Manager, "Mia Manager", "mia@example.com", true),
	} {
		for _, path := range paths {
			if w := p.open(t, path, nil); w.Code != http.StatusForbidden || strings.Contains(w.Body.String(), "Not for everyone") {
				t.Errorf("%s got %d on %s", who, w.Code, path)
			}
		}
	}
	revs, _ := a.kb.Revisions(context.Background(), rev.ArticleID, "en")
	if len(revs) != 1 {
		t.Errorf("revisions = %d", len(revs))
	}
}
