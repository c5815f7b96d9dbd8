package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"zerodesk/internal/tickets"
)

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
