package handlers

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"zerodesk/internal/accounts"
	"zerodesk/internal/testsupport"
)

// A tiny valid PNG: what the service sniffs as image/png.
var testPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

type testFile struct {
	name string
	data []byte
}

// multipartBody is a form as a browser sends one with files: fields first,
// then each file under "files".
func multipartBody(t testing.TB, fields url.Values, files ...testFile) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range fields[k] {
			if err := w.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="files"; filename="`+f.name+`"`)
		h.Set("Content-Type", "application/octet-stream")
		part, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		part.Write(f.data)
	}
	w.Close()
	return &buf, w.FormDataContentType()
}

// postFiles sends a same-origin multipart form.
func (a *testApp) postFiles(t testing.TB, path string, fields url.Values, files []testFile, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	body, ct := multipartBody(t, fields, files...)
	r := httptest.NewRequest(http.MethodPost, path, body)
	r.Header.Set("Content-Type", ct)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Origin", "http://example.com")
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return a.do(t, r)
}

// ticketForm is a complete guest ticket, from the form as served.
func ticketForm(t testing.TB, a *testApp) url.Values {
	t.Helper()
	d := doc(t, a.get(t, "/en/support"))
	topic := d.Find(`#support-topic option`).First().AttrOr("value", "")
	formID := d.Find(`input[name="form_id"]`).AttrOr("value", "")
	if topic == "" || formID == "" {
		t.Fatalf("the form has no topic (%q) or form id (%q)", topic, formID)
	}
	return url.Values{
		"name": {"Ada Lovelace"}, "email": {"ada@example.com"}, "topic": {topic},
		"subject": {"Cannot open my mailbox"}, "body": {"Since Tuesday the login says my usercode is wrong."},
		"form_id": {formID},
	}
}

// wantFind is wantCount within a selection.
func wantFind(t testing.TB, in *goquery.Selection, selector string, atLeast int) *goquery.Selection {
	t.Helper()
	s := in.Find(selector)
	if s.Length() < atLeast {
		t.Fatalf("%q matched %d elements, want at least %d", selector, s.Length(), atLeast)
	}
	return s
}

var refPattern = regexp.MustCompile(`^ZD-[0-9A-Z]{4}-[0-9A-Z]{4}$`)

// sendTicket submits f and returns the reference and access key shown.
func sendTicket(t testing.TB, a *testApp, f url.Values, files ...testFile) (ref, key string) {
	t.Helper()
	w := a.postFiles(t, "/en/support", f, files)
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	ref = strings.TrimSpace(d.Find("#sent-ref").Text())
	key = strings.TrimSpace(d.Find("#sent-key").Text())
	if !refPattern.MatchString(ref) || key == "" {
		t.Fatalf("confirmation without reference or key: ref %q key %q\n%.800s", ref, key, w.Body.String())
	}
	return ref, key
}

// wantRefused checks a refused ticket form: the status, the error summary
// with the message, the field marked and described, and what was typed kept.
func wantRefused(t testing.TB, w *httptest.ResponseRecorder, status int, field, message string) *goquery.Document {
	t.Helper()
	wantStatus(t, w, status)
	d := doc(t, w)
	summary := wantCount(t, d, "#error-summary[role=alert][tabindex='-1'][autofocus]", 1)
	wantText(t, summary, message)
	if field != "" {
		wantCount(t, d, `#error-summary a[href="#`+field+`"]`, 1)
		in := wantCount(t, d, "#"+field, 1)
		if in.AttrOr("aria-invalid", "") != "true" || !strings.Contains(in.AttrOr("aria-describedby", ""), field+"-error") {
			t.Errorf("field %s is not marked invalid and described by its error", field)
		}
		wantText(t, wantCount(t, d, "#"+field+"-error", 1), message)
	}
	return d
}

// newestMail delivers nothing; it reads the newest .eml, decoded.
func newestMail(t testing.TB, a *testApp) string {
	t.Helper()
	mails := testsupport.MailFiles(t, a.mailDir)
	if len(mails) == 0 {
		t.Fatal("no mail")
	}
	return decodeMail(t, []byte(mails[len(mails)-1]))
}

// decodeMail is the text of an .eml, quoted-printable undone.
func decodeMail(t testing.TB, raw []byte) string {
	t.Helper()
	s := strings.ReplaceAll(string(raw), "=\r\n", "")
	s = strings.ReplaceAll(s, "=\n", "")
	s = strings.ReplaceAll(s, "=3D", "=")
	return s
}

// ticketLinkFromMail finds the e-mailed link to ticket ref (with its key).
func ticketLinkFromMail(t testing.TB, a *testApp, ref string) string {
	t.Helper()
	re := regexp.MustCompile(`https?://[^\s"<>]*/support/tickets/` + regexp.QuoteMeta(ref) + `\?key=[^\s"<>]+`)
	for _, raw := range testsupport.MailFiles(t, a.mailDir) {
		if m := re.FindString(decodeMail(t, []byte(raw))); m != "" {
			return m
		}
	}
	t.Fatalf("no mail links to %s", ref)
	return ""
}

// guestPost posts a ticket page form as the guest with the key.
func guestPost(t testing.TB, a *testApp, path, key string, f url.Values, files ...testFile) *httptest.ResponseRecorder {
	t.Helper()
	if f == nil {
		f = url.Values{}
	}
	f.Set("key", key)
	return a.postFiles(t, path, f, files)
}

// supportAgent is a signed-in support agent, for the replies of the desk.
func supportAgent(t testing.TB, a *testApp) *accounts.Session {
	t.Helper()
	ctx := context.Background()
	usercode, err := a.accounts.CreateStaff(ctx, accounts.Agent, "Grace Hopper", "grace@example.com")
	if err != nil {
		t.Fatal(err)
	}
	j := &journey{a: a}
	w := j.activate(t.(*testing.T), string(usercode), "cobalt lantern hums", false)
	token := doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	s, err := a.accounts.Session(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.tickets.EnterDesk(ctx, s, "Grace"); err != nil {
		t.Fatal(err)
	}
	return s
}

// signedInUser registers and activates a user; with 1-Click it returns the
// cookie header, else the form token.
func signedInUser(t *testing.T, a *testApp, oneClick bool) (cookie, token string) {
	t.Helper()
	j := &journey{a: a}
	usercode := j.register(t, "Ada Lovelace", "ada@example.com")
	c := signedIn(t, j.activate(t, usercode, "silver otter hums", oneClick), oneClick)
	if oneClick {
		return "zd=" + c.cookie, ""
	}
	return "", c.token
}
