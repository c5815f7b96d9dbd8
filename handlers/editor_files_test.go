package handlers

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"zerodesk/internal/accounts"
	"zerodesk/internal/kb"
)

// readersPaths are the pages of the editor's room this branch adds.
var readersPaths = []string{"/en/editor/files", "/en/editor/readers", "/en/editor/readers/reset-account", "/en/editor/searches"}

func gpsJPEG(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("../internal/kb/testdata/files/gps-exif.jpg")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// uploadAs posts the files form as d's browser would (same-origin, token
// first when there is no cookie); extra headers replace the defaults.
func uploadAs(t *testing.T, d *deskAgent, files map[string][]byte, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	if d == nil {
		d = &deskAgent{}
	}
	fields := url.Values{}
	if d.token != "" {
		fields.Set("token", d.token)
	}
	var parts []testFile
	for name, data := range files {
		parts = append(parts, testFile{name: name, data: data})
	}
	body, ct := multipartBody(t, fields, parts...)
	r := httptest.NewRequest(http.MethodPost, "/en/editor/files/upload", body)
	r.Header.Set("Content-Type", ct)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Origin", "http://example.com")
	if d.cookie != "" {
		r.Header.Set("Cookie", d.cookie)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			r.Header.Del(headers[i])
		} else {
			r.Header.Set(headers[i], headers[i+1])
		}
	}
	if d.a == nil {
		t.Fatal("uploadAs needs an app")
	}
	return d.a.do(t, r)
}

func storedFiles(t *testing.T, a *testApp) []kb.File {
	t.Helper()
	fs, err := a.kb.Files(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// The pages and the upload refuse guests and every role but editor and
// admin; an upload refused by role stores nothing.
func TestEditorReaders_RefuseEveryOtherRoleAndGuests(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, path := range readersPaths {
		w := a.get(t, path)
		wantStatus(t, w, http.StatusForbidden)
		wantCount(t, doc(t, w), `form[action="/en/login/user"] input[name="usercode"]`, 1)
		w = a.post(t, path, url.Values{"token": {"not-a-session"}})
		wantStatus(t, w, http.StatusForbidden)
	}
	guest := uploadAs(t, &deskAgent{a: a}, map[string][]byte{"a.jpg": gpsJPEG(t)})
	wantStatus(t, guest, http.StatusForbidden)

	j := &journey{a: a}
	usercode := j.register(t, "Ada Lovelace", "ada@example.com")
	w := j.activate(t, usercode, "amber falcon sings", true)
	cookie := w.Result().Cookies()[0]
	for who, p := range map[string]*deskAgent{
		"user":                  {a: a, cookie: cookie.Name + "=" + cookie.Value},
		"manager":               signInStaff(t, a, accounts.Manager, "Mia Manager", "mia@example.com", true),
		"agent":                 signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", true),
		"agent without 1-Click": signInStaff(t, a, accounts.Agent, "Alan Turing", "alan@example.com", false),
	} {
		for _, path := range readersPaths {
			if w := p.open(t, path, nil); w.Code != http.StatusForbidden {
				t.Errorf("%s got %d on %s", who, w.Code, path)
			}
		}
		if w := uploadAs(t, p, map[string][]byte{"a.jpg": gpsJPEG(t)}); w.Code != http.StatusForbidden {
			t.Errorf("%s uploaded: %d", who, w.Code)
		}
	}
	if n := len(storedFiles(t, a)); n != 0 {
		t.Fatalf("%d files stored by refused uploads", n)
	}
}

// An editor uploads a photo with a GPS position: it is stored without it and
// served from its content-hashed address, cached for good, with its type.
func TestEditorFiles_UploadStripsMetadataAndServesImmutably(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, oneClick := range []bool{true, false} {
		email := "eda@example.com"
		if !oneClick {
			email = "edb@example.com"
		}
		e := signInStaff(t, a, accounts.Editor, "Eda Editor", email, oneClick)
		w := uploadAs(t, e, map[string][]byte{"holiday.jpg": gpsJPEG(t)})
		wantStatus(t, w, http.StatusOK)
		d := doc(t, w)
		wantText(t, d.Find("#files-added"), "1 file was stored")
		img := wantCount(t, d, `ul.file-list img.file-thumb[alt=""]`, 1)
		if !oneClick {
			wantCount(t, d, `form[action="/en/editor/files/upload"] input[name="token"]`, 1)
		}
		src := img.AttrOr("src", "")
		if !strings.HasPrefix(src, "/files/") || !strings.HasSuffix(src, ".jpg") || len(src) != len("/files/")+64+4 {
			t.Fatalf("img src = %q", src)
		}
		wantText(t, d.Find("ul.file-list"), "holiday.jpg")

		f := a.get(t, src)
		wantStatus(t, f, http.StatusOK)
		for h, want := range map[string]string{
			"Cache-Control":          "public, max-age=31536000, immutable",
			"Content-Type":           "image/jpeg",
			"X-Content-Type-Options": "nosniff",
		} {
			if got := f.Header().Get(h); got != want {
				t.Errorf("%s = %q, want %q", h, got, want)
			}
		}
		if !strings.Contains(f.Header().Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("CSP = %q", f.Header().Get("Content-Security-Policy"))
		}
		body := f.Body.Bytes()
		for _, mark := range []string{"Exif\x00\x00", "ZDCam", "GPSLatitude", "12 Rue Example"} {
			if bytes.Contains(body, []byte(mark)) {
				t.Errorf("served file holds %q", mark)
			}
		}
		if len(f.Result().Cookies()) != 0 {
			t.Error("a file set a cookie")
		}
		if nm := a.get(t, src, "If-None-Match", f.Header().Get("ETag")); nm.Code != http.StatusNotModified {
			t.Errorf("If-None-Match: %d", nm.Code)
		}
	}
	if n := len(storedFiles(t, a)); n != 1 {
		t.Fatalf("%d files stored; the same bytes twice are one", n)
	}

	e := signInStaff(t, a, accounts.Admin, "Ada Admin", "adm@example.com", true)
	pdf := []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
	wantStatus(t, uploadAs(t, e, map[string][]byte{"guide.pdf": pdf}), http.StatusOK)
	var pdfPath string
	for _, f := range storedFiles(t, a) {
		if f.Type == kb.TypePDF {
			pdfPath = f.Path()
		}
	}
	w := a.get(t, pdfPath)
	wantStatus(t, w, http.StatusOK)
	if w.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(w.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("PDF headers: %v", w.Header())
	}
	for _, bad := range []string{"/files/nope.jpg", pdfPath[:len(pdfPath)-3] + "jpg", "/files/" + strings.Repeat("a", 64) + ".png", "/files/x"} {
		if w := a.get(t, bad); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d", bad, w.Code)
		}
	}
}

// Uploads are refused for a type that is not sniffed as one of the five
// (whatever its name), past the size limits, cross-site and without an
// origin; nothing is stored by any of them.
func TestEditorFiles_UploadRefusals(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)

	w := uploadAs(t, e, map[string][]byte{"innocent.png": []byte("<html><script>alert(1)</script></html>")})
	wantStatus(t, w, http.StatusUnsupportedMediaType)
	d := doc(t, w)
	wantText(t, d.Find("#files-refused"), "innocent.png")
	wantText(t, d.Find("#files-refused"), "Not a PNG, JPEG, GIF, WebP or PDF file")

	big := append([]byte("%PDF-1.7\n"), make([]byte, kb.MaxFileBytes)...)
	w = uploadAs(t, e, map[string][]byte{"big.pdf": big})
	wantStatus(t, w, http.StatusRequestEntityTooLarge)
	wantText(t, doc(t, w).Find("#files-refused"), "Larger than 10 MB")

	huge := map[string][]byte{}
	for _, n := range []string{"1.pdf", "2.pdf", "3.pdf", "4.pdf", "5.pdf", "6.pdf"} {
		huge[n] = big
	}
	w = uploadAs(t, e, huge)
	wantStatus(t, w, http.StatusRequestEntityTooLarge)
	wantText(t, doc(t, w).Find("#form-error"), "The upload is too large")

	w = uploadAs(t, e, nil)
	wantStatus(t, w, http.StatusBadRequest)
	wantText(t, doc(t, w).Find("#form-error"), "Choose at least one file")

	w = uploadAs(t, e, map[string][]byte{"a.jpg": gpsJPEG(t)}, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	wantStatus(t, w, http.StatusForbidden)
	w = uploadAs(t, e, map[string][]byte{"a.jpg": gpsJPEG(t)}, "Sec-Fetch-Site", "", "Origin", "")
	wantStatus(t, w, http.StatusForbidden)

	if n := len(storedFiles(t, a)); n != 0 {
		t.Fatalf("%d files stored by refused uploads", n)
	}
}

// Every upload slot taken: the editor is told to try again (503,
// Retry-After) and nothing is stored.
func TestEditorFiles_UploadBusy(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.h.UploadSlots, a.h.UploadWait = 1, 1
	g := a.h.gate()
	g.slots <- struct{}{}
	defer func() { <-g.slots }()
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	w := uploadAs(t, e, map[string][]byte{"a.jpg": gpsJPEG(t)})
	wantStatus(t, w, http.StatusServiceUnavailable)
	if w.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	if n := len(storedFiles(t, a)); n != 0 {
		t.Fatalf("%d files stored", n)
	}
}

// The Markdown snippet needs the alternative text; with it, the snippet is
// ready to copy, the text escaped for Markdown.
func TestEditorFiles_SnippetRequiresAltText(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", false)
	wantStatus(t, uploadAs(t, e, map[string][]byte{"form.jpg": gpsJPEG(t)}), http.StatusOK)
	f := storedFiles(t, a)[0]
	name := f.Hash + "." + f.Type.Ext

	w := e.send(t, "/en/editor/files", url.Values{"file": {name}, "alt": {"   "}})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	d := doc(t, w)
	in := wantCount(t, d, `input[name="alt"][aria-invalid="true"][required]`, 1)
	wantText(t, d.Find("#"+in.AttrOr("aria-describedby", "x")[:len("file-")+16]+"-error"), "an image without alternative text cannot be published")
	if d.Find("textarea.snippet-text").Length() != 0 {
		t.Fatal("a snippet without alternative text")
	}

	w = e.send(t, "/en/editor/files", url.Values{"file": {name}, "alt": {"The [Support] form"}})
	wantStatus(t, w, http.StatusOK)
	got := doc(t, w).Find("textarea.snippet-text").Text()
	if want := `![The \[Support\] form](/files/` + name + `)`; got != want {
		t.Fatalf("snippet = %q, want %q", got, want)
	}
	if got := kb.ImagesWithoutAlt(got); len(got) != 0 {
		t.Fatalf("the snippet has an image without alt text: %v", got)
	}
	if w := e.send(t, "/en/editor/files", url.Values{"file": {strings.Repeat("0", 64) + ".jpg"}, "alt": {"x"}}); w.Code != http.StatusNotFound {
		t.Fatalf("unknown file: %d", w.Code)
	}
}

// The files list is paginated, newest first: every file on exactly one
// page, a pager between them, and a snippet asked for on page 2 answered
// there.
func TestEditorFiles_ListIsPaginated(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	const n = editorFilesPerPage + 6
	for i := range n {
		pdf := []byte(fmt.Sprintf("%%PDF-1.4\n%% file %d\n1 0 obj <<>> endobj\ntrailer <<>>\n%%%%EOF\n", i))
		if _, err := a.kb.AddFile(context.Background(), fmt.Sprintf("guide-%02d.pdf", i), pdf, 0); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	d := doc(t, e.open(t, "/en/editor/files", nil))
	wantCount(t, d, ".file-list .file-item", editorFilesPerPage)
	wantText(t, d.Find("#files-pager"), "Page 1 of 2")
	wantCount(t, d, `#files-pager a[href="/en/editor/files?page=2"]`, 1)
	d.Find(".file-item").Each(func(_ int, s *goquery.Selection) { seen[s.AttrOr("id", "")] = true })
	d = doc(t, e.open(t, "/en/editor/files?page=2", nil))
	wantCount(t, d, ".file-list .file-item", n-editorFilesPerPage)
	wantCount(t, d, `#files-pager a[href="/en/editor/files?page=1"]`, 1)
	d.Find(".file-item").Each(func(_ int, s *goquery.Selection) {
		if seen[s.AttrOr("id", "")] {
			t.Errorf("%s on both pages", s.AttrOr("id", ""))
		}
		seen[s.AttrOr("id", "")] = true
	})
	if len(seen) != n {
		t.Fatalf("%d files listed, want %d", len(seen), n)
	}
	last := d.Find(".file-item").Last()
	form := url.Values{"file": {last.Find(`input[name="file"]`).AttrOr("value", "")}, "alt": {"The guide"},
		"page": {last.Find(`input[name="page"]`).AttrOr("value", "")}}
	w := e.send(t, "/en/editor/files", form)
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("#files-pager"), "Page 2 of 2")
	// A page past the end lists nothing and fails nothing.
	wantStatus(t, e.open(t, "/en/editor/files?page=99", nil), http.StatusOK)
}
