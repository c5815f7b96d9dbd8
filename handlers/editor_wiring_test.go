package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"zerodesk/internal/accounts"
)

// Publishing refuses an image without alternative text, in the editor's
// language, on the form with every word kept (the text is saved as a
// revision); with alt text it publishes and visitors see the image.
// Scheduling refuses it too.
func TestEditor_PublishRefusesAnImageWithoutAltText(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	body := "Open the menu.\n\n![](/files/0123abcd.png)\n\nEvery word of this stays: quetzal."
	form := newArticleForm("Printer Menu Tour", body)
	form.Set("lang", "fr")
	form.Set("action", "publish")
	w := e.send(t, "/fr/editor/save", form)
	wantStatus(t, w, http.StatusBadRequest)
	d := doc(t, w)
	wantText(t, d.Find("#form-error"), "texte alternatif")
	wantText(t, d.Find("#form-error"), "/files/0123abcd.png")
	if got := d.Find("#ed-body").Text(); got != body {
		t.Fatalf("the body was not kept: %q", got)
	}
	if got := d.Find("#ed-title").AttrOr("value", ""); got != "Printer Menu Tour" {
		t.Errorf("title = %q", got)
	}
	// The refused text was saved: the form now edits that article.
	art := d.Find(`#editor-form input[name="article"]`).AttrOr("value", "0")
	if art == "0" {
		t.Fatal("the refused text was not saved as a revision")
	}
	page := "/fr/editor/articles/" + art + "/fr"
	wantStatus(t, a.get(t, "/fr/articles/printer-menu-tour"), http.StatusNotFound)

	// Scheduling refuses it, in the editor's language.
	at := time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04")
	w = e.send(t, page+"/publish", url.Values{"action": {"schedule"}, "publish_at": {at}})
	wantStatus(t, w, http.StatusBadRequest)
	wantText(t, doc(t, w).Find("#form-error"), "texte alternatif")

	// With alt text it publishes, and a visitor sees the image.
	base := d.Find(`#editor-form input[name="base"]`).AttrOr("value", "0")
	form.Set("article", art)
	form.Set("base", base)
	form.Set("body", strings.Replace(body, "![]", "![Le menu de l'imprimante]", 1))
	w = e.send(t, "/fr/editor/save", form)
	editorSavedIn(t, w, "/fr/", "published")
	img := doc(t, a.get(t, "/fr/articles/printer-menu-tour")).Find(`main img[src="/files/0123abcd.png"]`)
	if img.Length() != 1 || img.AttrOr("alt", "") != "Le menu de l'imprimante" {
		t.Errorf("the visitor's image: %d, alt %q", img.Length(), img.AttrOr("alt", ""))
	}
}

// editorSavedIn is editorSaved for a room in any language (prefix "/fr/").
func editorSavedIn(t *testing.T, w interface {
	Header() http.Header
}, prefix, wantDone string) string {
	t.Helper()
	loc := w.Header().Get("Location")
	path, q, _ := strings.Cut(loc, "?")
	if !strings.HasPrefix(path, prefix+"editor/articles/") || !strings.Contains(q, "done="+wantDone) {
		t.Fatalf("redirected to %q", loc)
	}
	return path
}

// Without a cookie, "write an article for this" is a form carrying the
// session, and the new-article page opens prefilled in the search's language.
func TestEditorSearches_WriteAnArticleForThisWithoutACookie(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, addr := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"} {
		a.kb.RecordSearch("fr", "écran bleu", 0, addr)
	}
	if err := a.kb.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", false)
	d := doc(t, e.send(t, "/en/editor/searches", url.Values{"in": {"fr"}}))
	f := wantCount(t, d, "table.searches-table tbody tr form", 1)
	action := f.AttrOr("action", "")
	if f.Find(`input[name="token"]`).Length() != 1 {
		t.Error("the form does not carry the session")
	}
	if !strings.HasPrefix(action, "/en/editor/new?") || f.AttrOr("method", "") != "post" {
		t.Fatalf("form: %s %s", f.AttrOr("method", ""), action)
	}
	nd := doc(t, e.send(t, action, nil))
	if got := nd.Find("#ed-title").AttrOr("value", ""); got != "écran bleu" {
		t.Errorf("title = %q", got)
	}
	wantCount(t, nd, `#ed-lang option[value="fr"][selected]`, 1)
	if got := nd.Find("#ed-title").AttrOr("lang", ""); got != "fr" {
		t.Errorf("title's lang = %q", got)
	}
}

// uploadFromWriting sends the writing form, with files, to the upload as
// its Upload button does (multipart, same-origin, the token when there is
// no cookie).
func uploadFromWriting(t *testing.T, d *deskAgent, fields url.Values, files ...testFile) *httptest.ResponseRecorder {
	t.Helper()
	return uploadFromWritingWith(t, d, fields, nil, files...)
}

// uploadFromWritingWith is uploadFromWriting with more request headers
// (name, value pairs).
func uploadFromWritingWith(t *testing.T, d *deskAgent, fields url.Values, headers []string, files ...testFile) *httptest.ResponseRecorder {
	t.Helper()
	f := url.Values{}
	for k, v := range fields {
		f[k] = v
	}
	f.Set("writing", "1")
	f.Set("action", "upload")
	if d.token != "" {
		f.Set("token", d.token)
	}
	body, ct := multipartBody(t, f, files...)
	r := httptest.NewRequest(http.MethodPost, "/en/editor/files/upload", body)
	r.Header.Set("Content-Type", ct)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Origin", "http://example.com")
	if d.cookie != "" {
		r.Header.Set("Cookie", d.cookie)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return d.a.do(t, r)
}

// An upload sent with JavaScript (editor.js: the same form, HX-Request)
// answers the images' fieldset alone, the new image chosen and the notice
// in it, so the text in the browser is never replaced; a refusal comes in
// the fieldset too. Without the header the answer is the whole writing
// page, as before.
func TestEditor_UploadWithJavaScriptAnswersTheImagesFieldset(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	form := newArticleForm("Fragment Photos", "Text the browser keeps.")
	delete(form, "action")
	hx := []string{"HX-Request", "true"}

	w := uploadFromWritingWith(t, e, form, hx, testFile{name: "tray.jpg", data: gpsJPEG(t)})
	wantStatus(t, w, http.StatusOK)
	if strings.Contains(w.Body.String(), "<html") {
		t.Fatal("a whole page answered the fragment request")
	}
	d := doc(t, w)
	wantCount(t, d, "#editor-form, #ed-body, #ed-title", 0)
	wantCount(t, d, "fieldset#editor-images", 1)
	wantText(t, d.Find("#editor-images #images-notice[role=status]"), "Uploaded")
	wantCount(t, d, `#editor-images button#ed-upload[formaction="/en/editor/files/upload"]`, 1)
	opt := wantCount(t, d, `#editor-images #ed-insert-file option[selected]`, 1)
	if file := opt.AttrOr("value", ""); !strings.HasSuffix(file, ".jpg") || opt.AttrOr("data-path", "") != "/files/"+file {
		t.Fatalf("chosen image: %q %q", file, opt.AttrOr("data-path", ""))
	}
	wantCount(t, d, "#editor-images #ed-insert-alt, #editor-images #ed-insert", 2)

	// A refusal: in the fieldset, as an alert; the picker still offers
	// the image uploaded before.
	w = uploadFromWritingWith(t, e, form, hx, testFile{name: "notes.txt", data: []byte("plain text, not an image")})
	if w.Code < 400 {
		t.Fatalf("status = %d", w.Code)
	}
	d = doc(t, w)
	wantCount(t, d, "#editor-form", 0)
	wantCount(t, d, "#editor-images #images-error[role=alert]", 1)
	wantCount(t, d, "#editor-images #ed-insert-file option", 1)

	// Without JavaScript: the whole writing page with the text, as before.
	w = uploadFromWriting(t, e, form, testFile{name: "tray2.jpg", data: gpsJPEG(t)})
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	wantCount(t, d, "#editor-form #editor-images", 1)
	wantCount(t, d, "#images-notice", 0)
	wantText(t, d.Find("#editor-notice"), "Uploaded")
	if got := d.Find("#ed-body").Text(); got != "Text the browser keeps." {
		t.Fatalf("body = %q", got)
	}
}

// From the writing page an editor uploads an image and inserts it with its
// alternative text: every word typed is there after the upload (with 1-Click
// and without a cookie), the picker offers the new image, Insert without
// alt text is refused with the text kept, and with it the Markdown is added
// and previewed.
func TestEditor_ImagesUploadedAndInsertedFromTheWritingPage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, oneClick := range []bool{true, false} {
		email := map[bool]string{true: "eda@example.com", false: "edb@example.com"}[oneClick]
		e := signInStaff(t, a, accounts.Editor, "Eda Editor", email, oneClick)
		d := doc(t, e.open(t, "/en/editor/new", nil))
		up := wantCount(t, d, `#editor-form #editor-images button#ed-upload[formaction="/en/editor/files/upload"][formenctype="multipart/form-data"][formnovalidate]`, 1)
		if up.AttrOr("value", "") != "upload" {
			t.Error("the upload button has no action")
		}
		wantCount(t, d, `#editor-form input#ed-files[type="file"][name="files"]`, 1)
		if d.Find(`label[for="ed-files"]`).Length() != 1 {
			t.Error("the file input has no label")
		}
		// Save stays the form's default button (the first submit button).
		if v := d.Find(`#editor-form button[type="submit"]`).First().AttrOr("value", ""); v != "save" {
			t.Errorf("default button = %q", v)
		}

		body := "Line one, kept.\n\nLine two — ünïcödé kept: 打印."
		form := newArticleForm("Printer Photos", body)
		delete(form, "action")
		w := uploadFromWriting(t, e, form, testFile{name: "printer.jpg", data: gpsJPEG(t)})
		wantStatus(t, w, http.StatusOK)
		d = doc(t, w)
		wantText(t, d.Find("#editor-notice"), "Uploaded")
		if got := d.Find("#ed-body").Text(); got != body {
			t.Fatalf("body after the upload = %q", got)
		}
		for sel, want := range map[string]string{"#ed-title": "Printer Photos", "#ed-keywords": "quokka", "#ed-description": "Paper copies of a ticket."} {
			if got := d.Find(sel).AttrOr("value", ""); got != want {
				t.Errorf("%s = %q", sel, got)
			}
		}
		wantCount(t, d, `#ed-category option[value="howto"][selected]`, 1)
		opt := wantCount(t, d, `#ed-insert-file option[selected]`, 1)
		file := opt.AttrOr("value", "")
		if !strings.HasSuffix(file, ".jpg") || opt.AttrOr("data-path", "") != "/files/"+file {
			t.Fatalf("chosen image: %q %q", file, opt.AttrOr("data-path", ""))
		}
		if !oneClick {
			wantCount(t, d, `#editor-form input[name="token"]`, 1)
		}

		// Insert without alternative text: refused, every word kept.
		form.Set("insert_file", file)
		form.Set("insert_alt", "  ")
		form.Set("action", "insert")
		w = e.send(t, "/en/editor/save", form)
		wantStatus(t, w, http.StatusUnprocessableEntity)
		d = doc(t, w)
		wantText(t, d.Find("#form-error"), "alternative text")
		if got := d.Find("#ed-body").Text(); got != body {
			t.Fatalf("body after a refused insert = %q", got)
		}
		// With it: the Markdown at the end, the preview shows the image.
		form.Set("insert_alt", "The printer's [paper] tray")
		w = e.send(t, "/en/editor/save", form)
		wantStatus(t, w, http.StatusOK)
		d = doc(t, w)
		want := body + "\n\n![The printer's \\[paper\\] tray](/files/" + file + ")\n"
		if got := d.Find("#ed-body").Text(); got != want {
			t.Fatalf("body after insert = %q, want %q", got, want)
		}
		if got := d.Find(`#preview-body img[src="/files/`+file+`"]`).AttrOr("alt", ""); got != "The printer's [paper] tray" {
			t.Errorf("preview image alt = %q", got)
		}
		wantText(t, d.Find("#editor-notice"), "added at the end")
		if got := d.Find("#ed-insert-alt").AttrOr("value", "x"); got != "" {
			t.Errorf("alt kept after insert: %q", got)
		}
		// An image that was never uploaded is refused.
		form.Set("insert_file", strings.Repeat("ab", 32)+".png")
		wantStatus(t, e.send(t, "/en/editor/save", form), http.StatusUnprocessableEntity)
	}
}

// An upload from the writing page that stores nothing (no file, a file of
// another type) shows the writing page again with the refusal and the text.
func TestEditor_RefusedUploadFromTheWritingPageKeepsTheText(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	body := "Nothing of this is lost."
	form := newArticleForm("Kept Text", body)
	delete(form, "action")
	for _, files := range [][]testFile{nil, {{name: "notes.txt", data: []byte("plain text, not an image")}}} {
		w := uploadFromWriting(t, e, form, files...)
		if w.Code < 400 {
			t.Fatalf("status = %d", w.Code)
		}
		d := doc(t, w)
		wantCount(t, d, "#form-error", 1)
		if got := d.Find("#ed-body").Text(); got != body {
			t.Fatalf("body = %q", got)
		}
		wantCount(t, d, "#images-none", 1)
	}
}

// The publishing time is read in the time zone the form names (the
// browser's with JavaScript, UTC without): the form says which; an unknown
// zone is refused in words.
func TestEditor_ScheduleReadsTheEditorsTimeZone(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	w := e.send(t, "/en/editor/save", newArticleForm("Zoned Article", "Text for later."))
	page := editorSaved(t, w, w.Code, "saved")
	d := doc(t, e.open(t, page, nil))
	zone := wantCount(t, d, `input#publish-zone[name="zone"][value="UTC"]`, 1)
	if d.Find(`label[for="publish-zone"]`).Text() != "Time zone" || !strings.Contains(zone.AttrOr("aria-describedby", ""), "publish-zone-hint") {
		t.Error("the zone is not said on the form")
	}
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Now().In(tokyo).Add(3 * time.Hour).Truncate(time.Minute)
	w = e.send(t, page+"/publish", url.Values{"action": {"schedule"}, "publish_at": {want.Format("2006-01-02T15:04")}, "zone": {"Asia/Tokyo"}})
	editorSaved(t, w, w.Code, "scheduled")
	id, _ := strconv.ParseInt(strings.Split(page, "/")[4], 10, 64)
	ed, err := a.kb.Edition(context.Background(), id, "en")
	if err != nil || !ed.PublishAt.Equal(want) {
		t.Fatalf("scheduled at %v, want %v (%v)", ed.PublishAt, want.UTC(), err)
	}
	d = doc(t, e.open(t, page, nil))
	if got := d.Find("#publish-at").AttrOr("data-utc", ""); got != want.UTC().Format(time.RFC3339) {
		t.Errorf("data-utc = %q", got)
	}
	for _, bad := range []string{"Mars/Olympus", "Local", "../../etc/passwd"} {
		w = e.send(t, page+"/publish", url.Values{"action": {"schedule"}, "publish_at": {want.Format("2006-01-02T15:04")}, "zone": {bad}})
		wantStatus(t, w, http.StatusBadRequest)
		wantText(t, doc(t, w).Find("#form-error"), "Unknown time zone")
	}
}
