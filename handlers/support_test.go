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
	"zerodesk/internal/tickets"
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

func TestSupport_FormHasEveryFieldAndTheHoneypot(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.get(t, "/en/support")
	wantStatus(t, w, http.StatusOK)
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q", w.Header().Get("Cache-Control"))
	}
	d := doc(t, w)
	form := wantCount(t, d, `form#support-form[method="post"][action="/en/support"][enctype="multipart/form-data"]`, 1)
	for _, sel := range []string{`input#support-name[name="name"][required]`, `input#support-email[type="email"][name="email"]`,
		`select#support-topic[name="topic"] option`, `input#support-subject[name="subject"][maxlength="200"]`,
		`textarea#support-body[name="body"]`, `input#support-files[type="file"][name="files"][multiple][accept]`,
		`input#support-comment[type="checkbox"][name="comment"]`, `label[for="support-website"]`} {
		wantFind(t, form, sel, 1)
	}
	hp := wantFind(t, form, `input#support-website[name="website"]`, 1)
	if hp.AttrOr("tabindex", "") != "-1" || hp.AttrOr("autocomplete", "") != "off" {
		t.Error("the honeypot is reachable by Tab or autofilled")
	}
	wantText(t, form.Find(`label[for="support-website"]`), "Leave this field empty")
	if form.Find(`#support-topic option`).Length() < 2 {
		t.Error("the topics are missing")
	}
	id1 := form.Find(`input[name="form_id"]`).AttrOr("value", "")
	id2 := doc(t, a.get(t, "/en/support")).Find(`input[name="form_id"]`).AttrOr("value", "")
	if len(id1) < 16 || id1 == id2 {
		t.Errorf("form ids %q, %q: not random per form", id1, id2)
	}
	// The subject suggests articles as it is typed.
	subject := form.Find("#support-subject")
	if subject.AttrOr("data-hx-get", "") != "/en/support/suggest" || !strings.Contains(subject.AttrOr("data-hx-trigger", ""), "delay:") {
		t.Error("the subject does not ask for suggestions, debounced")
	}
	wantCount(t, d, `#support-suggestions[aria-live="polite"]`, 1)
	wantCount(t, d, `a[href="/en/support/tickets"]`, 1)
}

func TestSupport_LinksPrefillTheForm(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	d := doc(t, a.get(t, "/en/support?kind=comment"))
	if _, ok := d.Find("#support-comment").Attr("checked"); !ok {
		t.Error("kind=comment does not tick the comment box")
	}
	d = doc(t, a.get(t, "/en/support?kind=translation&article=reset-account"))
	wantCount(t, d, `input[type="hidden"][name="article"][value="reset-account"]`, 1)
	wantCount(t, d, `#support-article a[href^="/en/articles/"]`, 1)
	wantText(t, d.Find("#support-article"), "translation")
	if v := d.Find("#support-subject").AttrOr("value", ""); !strings.Contains(v, "Please translate") {
		t.Errorf("subject = %q", v)
	}
	if _, ok := d.Find("#support-comment").Attr("checked"); ok {
		t.Error("a translation request is ticked as a comment")
	}
	d = doc(t, a.get(t, "/en/support?question=xylophone+quantum"))
	if v := d.Find("#support-subject").AttrOr("value", ""); v != "xylophone quantum" {
		t.Errorf("subject = %q", v)
	}
	// An unknown article is left out, not an error.
	w := a.get(t, "/en/support?article=no-such-article&kind=question")
	wantStatus(t, w, http.StatusOK)
	if doc(t, w).Find(`input[name="article"]`).Length() != 0 {
		t.Error("an unknown article is carried along")
	}
}

func TestSupport_SuggestionsListMatchingArticles(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.get(t, "/en/support/suggest?subject=reset+account", "HX-Request", "true")
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	links := wantCount(t, d, `.suggestions-box a[href^="/en/articles/"]`, 1)
	if links.Length() > 5 {
		t.Errorf("%d suggestions, want at most 5", links.Length())
	}
	if d.Find("html body header").Length() != 0 {
		t.Error("the suggestions are a whole page")
	}
	for _, q := range []string{"re", "", "zzzzqqqq"} {
		w := a.get(t, "/en/support/suggest?subject="+url.QueryEscape(q), "HX-Request", "true")
		wantStatus(t, w, http.StatusOK)
		if doc(t, w).Find("a").Length() != 0 {
			t.Errorf("%q suggests articles", q)
		}
	}
	wantStatus(t, a.get(t, "/en/support/suggest?subject=%ff%fe%fd", "HX-Request", "true"), http.StatusOK)
}

func TestSupport_GuestTicketConfirmationMailAndLink(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	f := ticketForm(t, a)
	w := a.postFiles(t, "/en/support", f, []testFile{{"screen shot.png", testPNG}})
	wantStatus(t, w, http.StatusOK)
	if w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("confirmation headers: %v", w.Header())
	}
	d := doc(t, w)
	ref, key := strings.TrimSpace(d.Find("#sent-ref").Text()), strings.TrimSpace(d.Find("#sent-key").Text())
	if !refPattern.MatchString(ref) || len(strings.ReplaceAll(key, " ", "")) < 16 {
		t.Fatalf("reference %q, key %q", ref, key)
	}
	wantText(t, d.Find("#sent-mailed"), "e-mailed")
	// "Follow this ticket" posts the key (never in a URL) and opens the ticket.
	form := wantCount(t, d, `form.sent-follow-form[method="post"]`, 1)
	action := form.AttrOr("action", "")
	if action != "/en/support/tickets/"+ref || form.Find(`input[type="hidden"][name="key"]`).AttrOr("value", "") != key {
		t.Errorf("follow form posts to %q without the key", action)
	}
	wantFind(t, form, `button#sent-follow[type="submit"]`, 1)
	if strings.Contains(action, strings.ReplaceAll(key, " ", "")) || w.Header().Get("Location") != "" {
		t.Error("the key is in a URL")
	}
	opened := a.post(t, action, url.Values{"key": {key}})
	wantStatus(t, opened, http.StatusOK)
	wantText(t, doc(t, opened).Find("h1"), "Cannot open my mailbox")

	// The mail has the link with the key; it says a message waits, never its text.
	if _, err := a.outbox.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	link := ticketLinkFromMail(t, a, ref)
	mailText := newestMail(t, a)
	if strings.Contains(mailText, "Since Tuesday") || strings.Contains(mailText, "Cannot open my mailbox") {
		t.Error("the mail carries the ticket's content")
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	w = a.get(t, u.RequestURI())
	wantStatus(t, w, http.StatusOK)
	if w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("ticket page headers: %v", w.Header())
	}
	d = doc(t, w)
	wantText(t, d.Find("h1"), "Cannot open my mailbox")
	wantText(t, d.Find(".thread"), "Since Tuesday the login says my usercode is wrong.")
	wantText(t, d.Find("#ticket-status"), "New")
	dl := wantCount(t, d, `.thread form.download-form[method="post"]`, 1)
	wantText(t, dl.Find("button"), "screen shot.png")
	wantFind(t, dl, `input[type="hidden"][name="key"]`, 1)
	// After the link, the key travels only in hidden fields of POST forms.
	d.Find("[href], [action], [src]").Each(func(_ int, s *goquery.Selection) {
		for _, attr := range []string{"href", "action", "src"} {
			if v := s.AttrOr(attr, ""); strings.Contains(v, "key=") || strings.Contains(v, url.QueryEscape(u.Query().Get("key"))) {
				t.Errorf("%s %q carries the key", attr, v)
			}
		}
	})
	d.Find("main form").Each(func(_ int, s *goquery.Selection) {
		if strings.ToLower(s.AttrOr("method", "get")) != "post" {
			t.Errorf("a form of the ticket page is sent by GET: %s", s.AttrOr("action", ""))
		}
	})
	// The request log records no key.
	if logs := a.logs.String(); strings.Contains(logs, u.Query().Get("key")) || strings.Contains(logs, "key=") {
		t.Errorf("the log holds the access key:\n%s", logs)
	}
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

func TestSupport_AReplayedFormMakesNoSecondTicket(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	f := ticketForm(t, a)
	ref, key := sendTicket(t, a, f)
	w := a.postFiles(t, "/en/support", f, nil)
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	if got := strings.TrimSpace(d.Find("#sent-ref").Text()); got != ref {
		t.Errorf("the replay shows %q, want %q", got, ref)
	}
	if d.Find("#sent-key").Length() != 0 || strings.Contains(w.Body.String(), key) {
		t.Error("the replay shows the access key again")
	}
	wantText(t, d.Find("main .notice"), "already been sent")
}

func TestSupport_BadInputIsExplainedAndKept(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), bytes.Repeat([]byte{0}, 200)...)
	for _, tc := range []struct {
		name    string
		change  func(url.Values)
		files   []testFile
		status  int
		field   string
		message string
	}{
		{"no subject", func(f url.Values) { f.Set("subject", "  ") }, nil, 400, "support-subject", "subject"},
		{"subject too long", func(f url.Values) { f.Set("subject", strings.Repeat("ab", 101)) }, nil, 400, "support-subject", "200"},
		{"no message", func(f url.Values) { f.Set("body", "") }, nil, 400, "support-body", "message"},
		{"message too long", func(f url.Values) { f.Set("body", strings.Repeat("x", 20001)) }, nil, 400, "support-body", "20"},
		{"broken UTF-8", func(f url.Values) { f.Set("body", "caf\xe9 au lait") }, nil, 400, "support-body", ""},
		{"bad e-mail", func(f url.Values) { f.Set("email", "ada-at-example") }, nil, 400, "support-email", ""},
		{"no name", func(f url.Values) { f.Set("name", "") }, nil, 400, "support-name", ""},
		{"unknown topic", func(f url.Values) { f.Set("topic", "no-such-topic") }, nil, 400, "support-topic", ""},
		{"honeypot", func(f url.Values) { f.Set("website", "http://spam.example") }, nil, 400, "support-subject", "must stay empty"},
		{"wrong type", nil, []testFile{{"tool.png", exe}}, 400, "support-files", "tool.png"},
		{"file too large", nil, []testFile{{"big.txt", bytes.Repeat([]byte("a"), 1<<20+1)}}, 400, "support-files", "big.txt"},
		{"too many files", nil, []testFile{{"1.png", testPNG}, {"2.png", testPNG}, {"3.png", testPNG}, {"4.png", testPNG}, {"5.png", testPNG}, {"6.png", testPNG}}, 400, "support-files", "5"},
		{"body over the upload limit", nil, []testFile{{"1.txt", bytes.Repeat([]byte("a"), 3<<20)}, {"2.txt", bytes.Repeat([]byte("a"), 3<<20)}, {"3.txt", bytes.Repeat([]byte("a"), 3<<20)}}, 413, "support-files", "too large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := ticketForm(t, a)
			if tc.change != nil {
				tc.change(f)
			}
			w := a.postFiles(t, "/en/support", f, tc.files)
			if w.Code == http.StatusInternalServerError {
				t.Fatalf("500:\n%.600s", w.Body.String())
			}
			d := wantRefused(t, w, tc.status, tc.field, tc.message)
			// What was typed is kept (broken text shown valid), the honeypot emptied.
			if tc.name != "no name" && d.Find("#support-name").AttrOr("value", "") != f.Get("name") {
				t.Errorf("name not kept: %q", d.Find("#support-name").AttrOr("value", ""))
			}
			if tc.name != "no subject" && d.Find("#support-subject").AttrOr("value", "") != f.Get("subject") {
				t.Errorf("subject not kept")
			}
			if tc.name == "broken UTF-8" {
				if got := d.Find("#support-body").Text(); got != "caf\uFFFD au lait" {
					t.Errorf("body shown as %q", got)
				}
			} else if tc.name != "no message" && d.Find("#support-body").Text() != f.Get("body") {
				t.Errorf("body not kept")
			}
			if d.Find("#support-website").AttrOr("value", "") != "" {
				t.Error("the honeypot is filled again")
			}
			if d.Find(`input[name="form_id"]`).AttrOr("value", "") != f.Get("form_id") {
				t.Error("the form id changed: a refused form can still be sent once")
			}
			if len(tc.files) > 0 {
				wantText(t, d.Find("#error-summary"), "choose your files again")
			}
		})
	}
	// Nothing refused made a ticket: the next one goes through.
	sendTicket(t, a, ticketForm(t, a))
}

func TestSupport_TicketsAreLimitedPerAddressAndPerEmail(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	send := func(addr, email string) *httptest.ResponseRecorder {
		f := ticketForm(t, a)
		f.Set("email", email)
		body, ct := multipartBody(t, f)
		r := httptest.NewRequest(http.MethodPost, "/en/support", body)
		r.Header.Set("Content-Type", ct)
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		r.RemoteAddr = addr + ":5000"
		return a.do(t, r)
	}
	for i := range 5 {
		wantStatus(t, send("203.0.113.9", "user"+string(rune('a'+i))+"@example.com"), http.StatusOK)
	}
	w := send("203.0.113.9", "other@example.com")
	wantRefused(t, w, http.StatusTooManyRequests, "", "")
	if w.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	if doc(t, w).Find("#support-email").AttrOr("value", "") != "other@example.com" {
		t.Error("the e-mail address was not kept")
	}
	// Per e-mail, from many addresses.
	for i := range 5 {
		wantStatus(t, send("198.51.100."+string(rune('1'+i)), "busy@example.com"), http.StatusOK)
	}
	wantRefused(t, send("198.51.100.99", "busy@example.com"), http.StatusTooManyRequests, "", "")
}

func TestSupport_CrossSiteFormsAreRefused(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	f := ticketForm(t, a)
	for _, hdr := range [][2]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "http://evil.example"}} {
		for _, path := range []string{"/en/support", "/en/support/tickets", "/en/support/tickets/ZD-AAAA-BBBB/reply", "/en/support/tickets/ZD-AAAA-BBBB/status"} {
			body, ct := multipartBody(t, f)
			r := httptest.NewRequest(http.MethodPost, path, body)
			r.Header.Set("Content-Type", ct)
			r.Header.Set(hdr[0], hdr[1])
			w := a.do(t, r)
			wantStatus(t, w, http.StatusForbidden)
			wantText(t, doc(t, w).Find("main"), "another website")
		}
	}
}

func TestSupport_WrongReferenceOrKeyGetOneMessageAndAreLimited(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ref, key := sendTicket(t, a, ticketForm(t, a))
	wantStatus(t, a.get(t, "/en/support/tickets"), http.StatusOK)
	d := doc(t, a.get(t, "/en/support/tickets?ref="+ref))
	if d.Find("#follow-ref").AttrOr("value", "") != ref {
		t.Error("the reference is not prefilled")
	}
	wrongKey := a.post(t, "/en/support/tickets", url.Values{"ref": {ref}, "key": {"AAAA BBBB CCCC DDDD EEEE"}})
	unknownRef := a.post(t, "/en/support/tickets", url.Values{"ref": {"ZD-AAAA-BBBB"}, "key": {key}})
	wantStatus(t, wrongKey, http.StatusForbidden)
	wantStatus(t, unknownRef, http.StatusForbidden)
	m1 := strings.TrimSpace(doc(t, wrongKey).Find("#error-summary").Text())
	m2 := strings.TrimSpace(doc(t, unknownRef).Find("#error-summary").Text())
	if m1 == "" || m1 != m2 {
		t.Errorf("wrong key says %q, unknown reference says %q", m1, m2)
	}
	if doc(t, wrongKey).Find("[aria-invalid=true]").Length() != 0 {
		t.Error("the refusal points at one of the two fields")
	}
	if doc(t, wrongKey).Find("#follow-ref").AttrOr("value", "") != ref {
		t.Error("the reference was not kept")
	}
	// The right key opens it, lower case and without dashes as typed.
	w := a.post(t, "/en/support/tickets", url.Values{"ref": {strings.ToLower(ref)}, "key": {key}})
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("h1"), "Cannot open my mailbox")
	// Guessing is limited.
	limited := false
	for range 40 {
		w := a.post(t, "/en/support/tickets", url.Values{"ref": {ref}, "key": {"WRONG KEY WRONG KEY"}})
		if w.Code == http.StatusTooManyRequests {
			limited = true
			wantCount(t, doc(t, w), "#error-summary", 1)
			break
		}
		wantStatus(t, w, http.StatusForbidden)
	}
	if !limited {
		t.Error("40 wrong keys in a row were never limited")
	}
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

func TestSupport_GuestRepliesClosesReopensAndRates(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ctx := context.Background()
	ref, key := sendTicket(t, a, ticketForm(t, a))
	agent := supportAgent(t, a)
	staff := tickets.Viewer{Session: agent}
	if err := a.tickets.Reply(ctx, staff, ref, tickets.Reply{Body: "Please try the reset link."}); err != nil {
		t.Fatal(err)
	}
	if err := a.tickets.Note(ctx, staff, ref, "internal: customer seems locked out"); err != nil {
		t.Fatal(err)
	}
	path := "/en/support/tickets/" + ref
	w := guestPost(t, a, path, key, nil)
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantText(t, d.Find(".thread .msg-agent"), "Please try the reset link.")
	if strings.Contains(w.Body.String(), "locked out") {
		t.Fatal("the customer sees an internal note")
	}
	// Reply with an attachment.
	reply := d.Find(`form[action="` + path + `/reply"]`)
	formID := reply.Find(`input[name="form_id"]`).AttrOr("value", "")
	wantFind(t, reply, `input[name="key"]`, 1)
	w = guestPost(t, a, path+"/reply", key, url.Values{"body": {"It worked, thanks!"}, "form_id": {formID}}, testFile{"log.txt", []byte("all fine\n")})
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	wantText(t, d.Find("#ticket-notice"), "reply was sent")
	wantText(t, d.Find(".thread"), "It worked, thanks!")
	wantText(t, d.Find(".thread .download-form button"), "log.txt")
	// The same form again adds nothing.
	w = guestPost(t, a, path+"/reply", key, url.Values{"body": {"It worked, thanks!"}, "form_id": {formID}})
	wantStatus(t, w, http.StatusOK)
	if n := strings.Count(doc(t, w).Find(".thread").Text(), "It worked, thanks!"); n != 1 {
		t.Errorf("the reply is in the conversation %d times", n)
	}
	// An empty reply is explained, nothing lost.
	w = guestPost(t, a, path+"/reply", key, url.Values{"body": {""}, "form_id": {"x-1"}}, testFile{"a.png", testPNG})
	d = doc(t, w)
	wantStatus(t, w, http.StatusBadRequest)
	wantCount(t, d, `#error-summary a[href="#reply-body"]`, 1)
	wantText(t, d.Find("#error-summary"), "choose your files again")

	// A reply past the upload limit: a clear message, the text kept.
	big := bytes.Repeat([]byte("a"), 3<<20)
	w = guestPost(t, a, path+"/reply", key, url.Values{"body": {"Here are my logs."}, "form_id": {"x-2"}}, testFile{"1.txt", big}, testFile{"2.txt", big}, testFile{"3.txt", big})
	wantStatus(t, w, http.StatusRequestEntityTooLarge)
	d = doc(t, w)
	wantCount(t, d, `#error-summary a[href="#reply-files"]`, 1)
	if d.Find("#reply-body").Text() != "Here are my logs." {
		t.Error("the reply text was not kept")
	}

	// Close, reopen.
	w = guestPost(t, a, path+"/status", key, url.Values{"status": {"closed"}})
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("#ticket-status"), "Closed")
	wantCount(t, doc(t, w), "#ticket-reopen", 1)
	w = guestPost(t, a, path+"/status", key, url.Values{"status": {"open"}})
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("#ticket-notice"), "open again")
	// A guest cannot resolve.
	w = guestPost(t, a, path+"/status", key, url.Values{"status": {"resolved"}})
	if w.Code < 400 || w.Code >= 500 {
		t.Errorf("a guest resolving: %d", w.Code)
	}
	// Rate once resolved: a radio group of five, then the rating shows.
	if d := doc(t, guestPost(t, a, path, key, nil)); d.Find(`form[action="`+path+`/rate"]`).Length() != 0 {
		t.Error("rating offered before the ticket is resolved")
	}
	if err := a.tickets.SetStatus(ctx, staff, ref, tickets.StatusResolved); err != nil {
		t.Fatal(err)
	}
	d = doc(t, guestPost(t, a, path, key, nil))
	wantCount(t, d, `fieldset.rating legend`, 1)
	if n := d.Find(`fieldset.rating input[type="radio"][name="score"]`).Length(); n != 5 {
		t.Errorf("%d scores offered", n)
	}
	w = guestPost(t, a, path+"/rate", key, url.Values{"score": {"9"}, "comment": {"kept"}})
	wantStatus(t, w, http.StatusBadRequest)
	d = doc(t, w)
	wantCount(t, d, `#error-summary a[href="#rate-score"]`, 1)
	if d.Find("#rate-comment").Text() != "kept" {
		t.Error("the rating comment was not kept")
	}
	w = guestPost(t, a, path+"/rate", key, url.Values{"score": {"5"}, "comment": {"Quick and kind."}})
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	wantText(t, d.Find("#ticket-notice"), "Thank you")
	wantText(t, d.Find("#rating"), "5 of 5")
	// A wrong key changes nothing.
	w = guestPost(t, a, path+"/status", "WRONG WRONG WRONG", url.Values{"status": {"open"}})
	wantStatus(t, w, http.StatusForbidden)
	// POST-only addresses reached by GET lead to the ticket, changing nothing.
	for _, p := range []string{"/reply", "/status", "/rate"} {
		w := a.get(t, path+p)
		wantStatus(t, w, http.StatusSeeOther)
		if w.Header().Get("Location") != path {
			t.Errorf("GET %s → %q", p, w.Header().Get("Location"))
		}
	}
}

func TestSupport_AttachmentsDownloadSafelyOnlyForTheTicketsViewers(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ref, key := sendTicket(t, a, ticketForm(t, a), testFile{"résumé; x.txt", []byte("plain text body\n")})
	_, otherKey := sendTicket(t, a, ticketForm(t, a))
	d := doc(t, guestPost(t, a, "/en/support/tickets/"+ref, key, nil))
	action := wantCount(t, d, ".thread form.download-form", 1).AttrOr("action", "")
	if !strings.HasPrefix(action, "/en/support/tickets/"+ref+"/attachments/") {
		t.Fatalf("download action %q", action)
	}
	w := guestPost(t, a, action, key, nil)
	wantStatus(t, w, http.StatusOK)
	h := w.Header()
	for name, want := range map[string]string{
		"Content-Type":            "application/octet-stream",
		"Content-Disposition":     "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9%3B%20x.txt",
		"X-Content-Type-Options":  "nosniff",
		"Cache-Control":           "no-store",
		"Content-Security-Policy": "sandbox; default-src 'none'",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if w.Body.String() != "plain text body\n" {
		t.Errorf("body %q", w.Body.String())
	}
	// Not for another ticket's key, nor without one, nor by GET.
	wantStatus(t, guestPost(t, a, action, otherKey, nil), http.StatusForbidden)
	wantStatus(t, a.post(t, action, url.Values{}), http.StatusForbidden)
	w = a.get(t, action+"?key="+url.QueryEscape(key))
	if w.Code == http.StatusOK && w.Header().Get("Content-Disposition") != "" {
		t.Error("a GET with the key in the URL downloads the file")
	}
	wantStatus(t, a.get(t, "/en/support/tickets/"+ref+"/attachments/x"), http.StatusNotFound)
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

func TestSupport_SignedInWith1ClickSeesTheirTicketsInMyAccount(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	cookie, _ := signedInUser(t, a, true)
	d := doc(t, a.get(t, "/en/account", "Cookie", cookie))
	wantText(t, d.Find("#my-tickets"), "no tickets")
	wantCount(t, d, `#my-tickets a[href="/en/support"]`, 1)

	d = doc(t, a.get(t, "/en/support", "Cookie", cookie))
	wantText(t, d.Find("#support-signed-in"), "Ada Lovelace")
	if d.Find("#support-name, #support-email").Length() != 0 {
		t.Error("a signed-in user is asked for name and e-mail")
	}
	f := url.Values{"topic": {d.Find("#support-topic option").First().AttrOr("value", "")}, "subject": {"Invoice question"},
		"body": {"Where is my invoice?"}, "form_id": {d.Find(`input[name="form_id"]`).AttrOr("value", "")}}
	w := a.postFiles(t, "/en/support", f, []testFile{{"invoice.pdf", []byte("%PDF-1.4\n%test\n")}}, "Cookie", cookie)
	wantStatus(t, w, http.StatusOK)
	ref := strings.TrimSpace(doc(t, w).Find("#sent-ref").Text())
	wantCount(t, doc(t, w), `a.ticket-open[href="/en/support/tickets/`+ref+`"]`, 1)

	d = doc(t, a.get(t, "/en/account", "Cookie", cookie))
	row := wantCount(t, d, "#my-tickets table.ticket-list tbody tr", 1)
	wantText(t, row, "Invoice question")
	wantText(t, row, ref)
	wantText(t, row, "New")
	link := row.Find("a.ticket-open").AttrOr("href", "")
	w = a.get(t, link, "Cookie", cookie)
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find(".thread"), "Where is my invoice?")
	if doc(t, w).Find(`input[name="key"], input[name="token"]`).Length() != 0 {
		t.Error("a 1-Click session's ticket forms carry a key or token")
	}
	wantCount(t, doc(t, w), `main a[href="/en/account"]`, 1)
	// With the cookie, the attachment is a plain download link.
	file := wantCount(t, doc(t, w), ".thread a.file-link", 1).AttrOr("href", "")
	w = a.get(t, file, "Cookie", cookie)
	wantStatus(t, w, http.StatusOK)
	if w.Header().Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(w.Body.String(), "%PDF") {
		t.Errorf("download: %v %q", w.Header(), w.Body.String())
	}
	if w := a.get(t, file); w.Header().Get("Content-Disposition") != "" {
		t.Error("the attachment downloads without the session")
	}
	// An agent's reply shows as unread until opened.
	agent := supportAgent(t, a)
	if err := a.tickets.Reply(context.Background(), tickets.Viewer{Session: agent}, ref, tickets.Reply{Body: "Attached to your account page."}); err != nil {
		t.Fatal(err)
	}
	d = doc(t, a.get(t, "/en/account", "Cookie", cookie))
	wantCount(t, d, "#my-tickets tr.unread .unread-mark", 1)
	a.get(t, link, "Cookie", cookie)
	d = doc(t, a.get(t, "/en/account", "Cookie", cookie))
	if d.Find("#my-tickets tr.unread").Length() != 0 {
		t.Error("the ticket is still unread after opening it")
	}
	// Another visitor gets the follow form, not the ticket.
	w = a.get(t, link)
	wantStatus(t, w, http.StatusOK)
	if strings.Contains(w.Body.String(), "Where is my invoice?") {
		t.Fatal("the ticket shows without a session or key")
	}
	wantCount(t, doc(t, w), "#follow-key", 1)
}

func TestSupport_SignedInWithout1ClickCarriesTheTokenInForms(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	_, token := signedInUser(t, a, false)
	w := a.post(t, "/en/account", url.Values{"token": {token}})
	d := doc(t, w)
	wantCount(t, d, `#my-tickets form[action="/en/support/new"] input[name="token"]`, 1)
	w = a.post(t, "/en/support/new", url.Values{"token": {token}})
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	wantText(t, d.Find("#support-signed-in"), "Ada Lovelace")
	if d.Find(`#support-form input[name="token"]`).AttrOr("value", "") != token {
		t.Fatal("the form does not carry the token")
	}
	f := url.Values{"token": {token}, "topic": {d.Find("#support-topic option").First().AttrOr("value", "")}, "subject": {"No cookie here"},
		"body": {"Testing without 1-Click."}, "form_id": {d.Find(`input[name="form_id"]`).AttrOr("value", "")}}
	w = a.postFiles(t, "/en/support", f, nil)
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	ref := strings.TrimSpace(d.Find("#sent-ref").Text())
	wantCount(t, d, `form.ticket-open-form[action="/en/support/tickets/`+ref+`"] input[name="token"]`, 1)
	// Open it from My account, by POST with the token.
	d = doc(t, a.post(t, "/en/account", url.Values{"token": {token}}))
	wantCount(t, d, `#my-tickets form[action="/en/support/tickets/`+ref+`"] input[name="token"]`, 1)
	w = a.post(t, "/en/support/tickets/"+ref, url.Values{"token": {token}})
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	wantText(t, d.Find(".thread"), "Testing without 1-Click.")
	wantCount(t, d, `form[action="/en/support/tickets/`+ref+`/reply"] input[name="token"]`, 1)
	// A reply with the token.
	w = a.postFiles(t, "/en/support/tickets/"+ref+"/reply", url.Values{"token": {token}, "body": {"One more thing."}, "form_id": {"f-2"}}, nil)
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find(".thread"), "One more thing.")
	for _, resp := range []*httptest.ResponseRecorder{w} {
		if len(resp.Header().Values("Set-Cookie")) > 0 {
			t.Error("a cookie-less session got a cookie")
		}
	}
}

func TestSupport_TheTicketPagesAreLocalized(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, lang := range []string{"ar", "ja", "de"} {
		w := a.get(t, "/"+lang+"/support")
		wantStatus(t, w, http.StatusOK)
		d := doc(t, w)
		if strings.Contains(d.Find("main").Text(), "Send the ticket") {
			t.Errorf("%s: the form is in English", lang)
		}
		if lang == "ar" && d.Find(`html[dir="rtl"]`).Length() != 1 {
			t.Error("Arabic is not right to left")
		}
	}
}

func TestSupport_OddBodiesAreRefusedClearlyNever500(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	// A plain form without files works as well.
	w := a.post(t, "/en/support", ticketForm(t, a))
	wantStatus(t, w, http.StatusOK)
	wantCount(t, doc(t, w), "#sent-ref", 1)
	for _, tc := range []struct{ ct, body string }{
		{"multipart/form-data; boundary=xyz", "--xyz\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\nhalf a part"},
		{"multipart/form-data", "no boundary at all"},
		{"application/json", `{"subject":"json"}`},
	} {
		r := httptest.NewRequest(http.MethodPost, "/en/support", strings.NewReader(tc.body))
		r.Header.Set("Content-Type", tc.ct)
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		w := a.do(t, r)
		if w.Code < 400 || w.Code >= 500 {
			t.Errorf("%s: status %d, want a 4xx", tc.ct, w.Code)
		}
		if doc(t, w).Find("main").Length() != 1 {
			t.Errorf("%s: no page", tc.ct)
		}
	}
	// The other routes keep the global 64 KiB limit.
	w = a.post(t, "/en/support/tickets", url.Values{"ref": {"ZD-AAAA-BBBB"}, "key": {strings.Repeat("k", 100<<10)}})
	wantStatus(t, w, http.StatusRequestEntityTooLarge)
	// A POST-only address by GET leads back to the form.
	w = a.get(t, "/en/support/new")
	wantStatus(t, w, http.StatusSeeOther)
	if w.Header().Get("Location") != "/en/support" {
		t.Errorf("Location %q", w.Header().Get("Location"))
	}
}
