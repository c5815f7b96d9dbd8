package handlers

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

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
