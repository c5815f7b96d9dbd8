package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"zerodesk/internal/accounts"
)

// translateChanges are the translation editor's POST-only addresses.
var translateChanges = []string{"/en/editor/articles/1/es/translate/save", "/en/editor/articles/1/es/current",
	"/en/editor/articles/1/es/holds"}

// translatePaths are its pages.
var translatePaths = []string{"/en/editor/translations", "/en/editor/translations?to=es", "/en/editor/articles/1/es/translate"}

// The translation editor refuses guests, replays and every role but editor
// and admin (visitor, user, manager, agent), pages and changes alike.
func TestTranslate_RefusesEveryOtherRoleAndGuests(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, path := range translatePaths {
		w := a.get(t, path)
		wantStatus(t, w, http.StatusForbidden)
		wantCount(t, doc(t, w), `form[action="/en/login/user"]`, 1)
		wantStatus(t, a.post(t, path, url.Values{"token": {"not-a-session"}}), http.StatusForbidden)
	}
	change := url.Values{"base": {"0"}, "source": {"0"}, "title": {"Secuestro"}, "body": {"x"}, "action": {"publish"},
		"hold": {"es"}}
	for _, path := range translateChanges {
		wantStatus(t, a.post(t, path, change), http.StatusForbidden)
	}
	j := &journey{a: a}
	usercode := j.register(t, "Ada Lovelace", "ada@example.com")
	w := j.activate(t, usercode, "amber falcon sings", true)
	wantStatus(t, w, http.StatusSeeOther)
	cookie := w.Result().Cookies()[0]
	others := map[string]*deskAgent{
		"user":                  {a: a, cookie: cookie.Name + "=" + cookie.Value},
		"manager":               signInStaff(t, a, accounts.Manager, "Mia Manager", "mia@example.com", true),
		"agent":                 signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", true),
		"agent without 1-Click": signInStaff(t, a, accounts.Agent, "Alan Turing", "alan@example.com", false),
	}
	for who, p := range others {
		for _, path := range translateChanges {
			if w := p.send(t, path, change); w.Code != http.StatusForbidden {
				t.Errorf("%s got %d on POST %s", who, w.Code, path)
			}
		}
		for _, path := range translatePaths {
			if w := p.open(t, path, nil); w.Code != http.StatusForbidden {
				t.Errorf("%s got %d on %s", who, w.Code, path)
			}
		}
	}
}

// publishEnglish writes and publishes an English article through the
// writing page; it returns the article's number as a path part.
func publishEnglish(t *testing.T, e *deskAgent, title, body string) string {
	t.Helper()
	form := newArticleForm(title, body)
	form.Set("action", "publish")
	w := e.send(t, "/en/editor/save", form)
	var path string
	if e.cookie != "" {
		path = editorSaved(t, w, w.Code, "published")
	} else {
		wantStatus(t, w, http.StatusOK)
		path = doc(t, w).Find(`form[action$="/history"]`).AttrOr("action", "")
		path = strings.TrimSuffix(path, "/history")
	}
	parts := strings.Split(path, "/") // /en/editor/articles/ID/en
	if len(parts) < 6 {
		t.Fatalf("article path %q", path)
	}
	return parts[4]
}

// changeEnglish saves the English text anew and publishes it (or returns
// the refusal).
func changeEnglish(t *testing.T, e *deskAgent, id, title, body string) *httptest.ResponseRecorder {
	t.Helper()
	d := doc(t, e.open(t, "/en/editor/articles/"+id+"/en", nil))
	form := newArticleForm(title, body)
	form.Set("article", id)
	form.Set("base", d.Find(`#editor-form input[name="base"]`).AttrOr("value", ""))
	form.Set("slug", d.Find(`#ed-slug`).AttrOr("value", ""))
	form.Set("action", "publish")
	return e.send(t, "/en/editor/save", form)
}

// translateForm reads the translation page's form as it would be sent.
func translateFormOf(t *testing.T, e *deskAgent, id string) url.Values {
	t.Helper()
	w := e.open(t, "/en/editor/articles/"+id+"/es/translate", nil)
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	f := url.Values{}
	d.Find(`#editor-form input, #editor-form textarea`).Each(func(_ int, s *goquery.Selection) {
		name := s.AttrOr("name", "")
		if name == "" || name == "token" {
			return
		}
		if s.Is("textarea") {
			f.Set(name, s.Text())
		} else {
			f.Set(name, s.AttrOr("value", ""))
		}
	})
	return f
}

// A translator creates the missing Spanish translation beside the English
// (rendered and Markdown), with its slug proposed; the English changes and
// the Spanish shows outdated with the source's diff, in the queue and to
// visitors; "I have updated it" clears it.
func TestTranslate_SideBySideOutdatedAndIHaveUpdatedIt(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	id := publishEnglish(t, e, "Quokka Receipt Printing", "Open the ticket and choose **Print**.")

	// The queue of Spanish lists it as missing; the list links there too.
	d := doc(t, e.open(t, "/en/editor/translations", url.Values{"to": {"es"}}))
	wantCount(t, d, `#queue a[href="/en/editor/articles/`+id+`/es/translate"]`, 1)
	wantCount(t, d, `nav[aria-label="Editor's room menu"] a[href="/en/editor/translations"][aria-current="page"]`, 1)
	d = doc(t, e.open(t, "/en/editor/articles", nil))
	wantCount(t, d, `a[href="/en/editor/articles/`+id+`/es/translate"]`, 1)

	w := e.open(t, "/en/editor/articles/"+id+"/es/translate", nil)
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	wantText(t, d.Find("main h1"), "Quokka Receipt Printing")
	wantText(t, d.Find("#source-rendered strong"), "Print")
	wantText(t, d.Find("#source-body"), "choose **Print**")
	wantCount(t, d, `#source-body[readonly]`, 1)
	if got := d.Find(`#ed-slug`).AttrOr("value", ""); got != "quokka-receipt-printing" {
		t.Errorf("proposed slug = %q", got)
	}
	for _, field := range []string{"title", "slug", "description", "keywords", "body", "note"} {
		fid := d.Find(`#editor-form [name="`+field+`"]`).AttrOr("id", "")
		if fid == "" || d.Find(`label[for="`+fid+`"]`).Length() != 1 {
			t.Errorf("field %s has no label", field)
		}
	}
	wantCount(t, d, `#ed-title[lang="es"][data-hx-post="/en/editor/slug/propose"]`, 1)
	if d.Find("#outdated").Length() != 0 {
		t.Error("a missing translation shows outdated")
	}

	f := translateFormOf(t, e, id)
	f.Set("title", "Imprimir recibos")
	f.Set("slug", "")
	f.Set("body", "Abra el ticket y elija **Imprimir**.")
	f.Set("action", "preview")
	d = doc(t, e.send(t, "/en/editor/articles/"+id+"/es/translate/save", f))
	wantText(t, d.Find("#preview-body strong"), "Imprimir")
	f.Set("action", "publish")
	w = e.send(t, "/en/editor/articles/"+id+"/es/translate/save", f)
	if w.Code != http.StatusSeeOther || !strings.Contains(w.Header().Get("Location"), "/es/translate?done=published") {
		t.Fatalf("publish: %d %q\n%.600s", w.Code, w.Header().Get("Location"), w.Body.String())
	}
	w = a.get(t, "/es/articles/imprimir-recibos")
	wantStatus(t, w, http.StatusOK)
	if doc(t, w).Find(".notice").Length() != 0 {
		t.Error("a fresh translation shows a notice")
	}

	// The English changes.
	wantStatus(t, changeEnglish(t, e, id, "Quokka Receipt Printing", "Open the ticket and choose **Print** twice."), http.StatusSeeOther)
	d = doc(t, e.open(t, "/en/editor/articles/"+id+"/es/translate", nil))
	wantText(t, d.Find("#translation-state"), "outdated")
	wantText(t, d.Find("#source-diff ins"), "twice")
	wantCount(t, d, `#current-form button`, 1)
	wantCount(t, d, `#editor-form button[value="updated"]`, 1)
	d = doc(t, e.open(t, "/en/editor/translations", url.Values{"to": {"es"}}))
	wantText(t, d.Find(`#queue tr:has(a[href="/en/editor/articles/`+id+`/es/translate"])`), "outdated")
	if doc(t, a.get(t, "/es/articles/imprimir-recibos")).Find("p.notice").Length() == 0 {
		t.Error("Spanish visitors are not told the translation is outdated")
	}

	// I have updated it (and publish).
	f = translateFormOf(t, e, id)
	f.Set("body", "Abra el ticket y elija **Imprimir** dos veces.")
	f.Set("action", "updated_publish")
	w = e.send(t, "/en/editor/articles/"+id+"/es/translate/save", f)
	wantStatus(t, w, http.StatusSeeOther)
	d = doc(t, e.open(t, "/en/editor/articles/"+id+"/es/translate", nil))
	if d.Find("#outdated").Length() != 0 {
		t.Error("still outdated after I have updated it")
	}
	if doc(t, a.get(t, "/es/articles/imprimir-recibos")).Find("p.notice").Length() != 0 {
		t.Error("Spanish visitors are still told it is outdated")
	}
	d = doc(t, e.open(t, "/en/editor/translations", url.Values{"to": {"es"}}))
	if d.Find(`#queue a[href="/en/editor/articles/`+id+`/es/translate"]`).Length() != 0 {
		t.Error("the updated translation is still in the queue")
	}
}

// Without a cookie: "still current" is a revision note; a hold refuses the
// English publication naming Spanish until the Spanish catches up, and the
// Spanish then goes out with it. A visitor's ask for a translation counts in
// the queue.
func TestTranslate_StillCurrentHoldAndAsksWithoutCookie(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", false)
	id := publishEnglish(t, e, "Wombat Receipt Printing", "Open the ticket and choose **Print**.")

	// A visitor asks for the Spanish translation.
	d := doc(t, a.get(t, "/es/support?kind=translation&article=wombat-receipt-printing"))
	wantCount(t, d, `#support-form input[name="kind"][value="translation"]`, 1)
	f := ticketForm(t, a)
	f.Set("kind", "translation")
	f.Set("article", "wombat-receipt-printing")
	wantStatus(t, a.postFiles(t, "/es/support", f, nil), http.StatusOK)
	d = doc(t, e.open(t, "/en/editor/translations", url.Values{"to": {"es"}}))
	row := d.Find(`#queue tbody tr`).First()
	if !strings.Contains(row.Text(), "Wombat") || strings.TrimSpace(row.Find("td").Eq(1).Text()) != "1" {
		t.Errorf("the asked-for article is not first with its ask: %q", strings.Join(strings.Fields(row.Text()), " "))
	}

	tf := translateFormOf(t, e, id)
	tf.Set("title", "Imprimir recibos wombat")
	tf.Set("body", "Abra el ticket y elija **Imprimir**.")
	tf.Set("action", "publish")
	w := e.send(t, "/en/editor/articles/"+id+"/es/translate/save", tf)
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("#editor-notice"), "Published")

	// Still current.
	wantStatus(t, changeEnglish(t, e, id, "Wombat Receipt Printing", "Open the ticket and choose **Print**!"), http.StatusOK)
	d = doc(t, e.open(t, "/en/editor/articles/"+id+"/es/translate", nil))
	cur := url.Values{"base": {d.Find(`#current-form input[name="base"]`).AttrOr("value", "")},
		"source": {d.Find(`#current-form input[name="source"]`).AttrOr("value", "")}}
	w = e.send(t, "/en/editor/articles/"+id+"/es/current", cur)
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	wantText(t, d.Find("#editor-notice"), "still current")
	if d.Find("#outdated").Length() != 0 {
		t.Error("outdated after still current")
	}
	wantText(t, doc(t, e.open(t, "/en/editor/articles/"+id+"/es/history", nil)).Find("#history"), "Still current with the source")

	// Hold for Spanish: the English waits, naming Spanish.
	w = e.send(t, "/en/editor/articles/"+id+"/es/holds", url.Values{"hold": {"es", "xx"}})
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	wantText(t, d.Find("#editor-notice"), "hold")
	wantCount(t, d, `#holds input[name="hold"][value="es"][checked]`, 1)
	w = changeEnglish(t, e, id, "Wombat Receipt Printing", "Open the ticket and choose **Print** or **Save**.")
	wantStatus(t, w, http.StatusConflict)
	wantText(t, doc(t, w).Find("#form-error"), "Spanish")
	d = doc(t, e.open(t, "/en/editor/articles/"+id+"/es/translate", nil))
	wantCount(t, d, "#pending-source", 1)
	wantText(t, d.Find("#source-diff ins"), "Save")
	tf = translateFormOf(t, e, id)
	tf.Set("body", "Abra el ticket y elija **Imprimir** o **Guardar**.")
	tf.Set("action", "updated")
	wantStatus(t, e.send(t, "/en/editor/articles/"+id+"/es/translate/save", tf), http.StatusOK)
	// Publishing the English now takes the Spanish with it.
	d = doc(t, e.open(t, "/en/editor/articles/"+id+"/en", nil))
	pub := url.Values{"article": {id}, "base": {d.Find(`#editor-form input[name="base"]`).AttrOr("value", "")}}
	for _, name := range []string{"lang", "title", "slug", "description", "category", "position", "keywords"} {
		pub.Set(name, d.Find(`#editor-form [name="`+name+`"]`).AttrOr("value", ""))
	}
	pub.Set("category", "howto")
	pub.Set("body", d.Find("#ed-body").Text())
	pub.Set("action", "publish")
	wantStatus(t, e.send(t, "/en/editor/save", pub), http.StatusOK)
	if !strings.Contains(a.get(t, "/es/articles/wombat-receipt-printing").Body.String(), "Guardar") { // the slug kept: the key
		t.Error("the held Spanish did not go out with the English")
	}
	// Release.
	wantStatus(t, e.send(t, "/en/editor/articles/"+id+"/es/holds", url.Values{}), http.StatusOK)
	wantStatus(t, changeEnglish(t, e, id, "Wombat Receipt Printing", "Open the ticket."), http.StatusOK)
}

// Bad input gets a clear, localized refusal and keeps what was typed: the
// source language as a translation, an unknown article, an empty title, a
// hold on a language without a translation.
func TestTranslate_BadInputIsExplainedAndKept(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	id := publishEnglish(t, e, "Numbat Receipt Printing", "Open the ticket.")

	w := e.open(t, "/en/editor/articles/"+id+"/en/translate", nil)
	wantStatus(t, w, http.StatusBadRequest)
	wantText(t, doc(t, w).Find("main"), "source language")
	wantStatus(t, e.open(t, "/en/editor/articles/999999/es/translate", nil), http.StatusNotFound)
	wantStatus(t, e.open(t, "/en/editor/articles/"+id+"/xx/translate", nil), http.StatusNotFound)

	f := translateFormOf(t, e, id)
	f.Set("title", "")
	f.Set("body", "Abra el ticket, por favor.")
	f.Set("action", "save")
	w = e.send(t, "/en/editor/articles/"+id+"/es/translate/save", f)
	wantStatus(t, w, http.StatusBadRequest)
	d := doc(t, w)
	wantCount(t, d, "#form-error", 1)
	if got := d.Find("#ed-body").Text(); got != "Abra el ticket, por favor." {
		t.Errorf("the text came back as %q", got)
	}
	wantText(t, d.Find("#source-body"), "Open the ticket.")

	w = e.send(t, "/en/editor/articles/"+id+"/es/holds", url.Values{"hold": {"fr"}})
	wantStatus(t, w, http.StatusBadRequest)
	wantText(t, doc(t, w).Find("#form-error"), "has a translation")
}

// The translation page autosaves like the writing page: its form names the
// autosave address (for a translation that exists), the translator's
// working copy is offered back, and opening it fills the form with it and
// the base it was made from, so a save over a newer revision still ends on
// the merge.
func TestTranslate_AutosaveWorkingCopyIsOfferedBack(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	id := mustArticleID(t, a, "compliance")
	page := "/en/editor/articles/" + strconv.FormatInt(id, 10) + "/es/translate"
	d := doc(t, e.open(t, page, nil))
	form := d.Find("#editor-form")
	if form.AttrOr("data-autosave", "") != "/en/editor/autosave" {
		t.Fatalf("autosave address = %q", form.AttrOr("data-autosave", ""))
	}
	wantCount(t, d, "#autosave-status", 1)
	wantCount(t, d, `#editor-form button[name="action"][value="save"]`, 1)
	wantCount(t, d, "#working-notice", 0)
	base := form.Find(`input[name="base"]`).AttrOr("value", "")
	title := form.Find("#ed-title").AttrOr("value", "")
	f := url.Values{"article": {strconv.FormatInt(id, 10)}, "base": {base}, "lang": {"es"}, "title": {title},
		"slug": {form.Find(`input[name="slug"]`).AttrOr("value", "")}, "body": {"Texto a medio traducir, guardado solo."}}
	wantStatus(t, e.send(t, "/en/editor/autosave", f), http.StatusNoContent)

	d = doc(t, e.open(t, page, nil))
	wantText(t, d.Find("#working-notice"), "Autosave kept unsaved changes")
	wantCount(t, d, `#working-notice a[href="`+page+`?working=1"]`, 1)
	if body := d.Find("#ed-body").Text(); strings.Contains(body, "medio traducir") {
		t.Fatal("the working copy replaced the saved text unasked")
	}
	d = doc(t, e.open(t, page+"?working=1", nil))
	if body := d.Find("#ed-body").Text(); body != "Texto a medio traducir, guardado solo." {
		t.Fatalf("opened working copy = %q", body)
	}
	wantCount(t, d, `#editor-form input[name="base"][value="`+base+`"]`, 1)

	// A missing translation has nothing to autosave onto: no address.
	other := mustArticleID(t, a, "what-is-a-usercode")
	d = doc(t, e.open(t, "/en/editor/articles/"+strconv.FormatInt(other, 10)+"/ja/translate", nil))
	wantCount(t, d, "#editor-form", 1)
	if _, ok := d.Find("#editor-form").Attr("data-autosave"); ok {
		t.Error("a missing translation's form autosaves")
	}
}
