package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Every ticket route, on the public side and at the desk, is under the
// per-address limit (docs/SECURITY.md; issue 10, security 7): the routes are
// taken from Echo's own list, so a new route is checked too.
func TestTicketRoutes_EveryOneIsUnderThePerAddressLimit(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	const limit = 3
	a.h.TicketLimit, a.h.DeskLimit = limit, limit
	a.e = a.h.Echo()
	n := 0
	for i, rt := range a.e.Routes() {
		isTicket := strings.Contains(rt.Path, "/tickets") || (rt.Path == "/:lang/support" && rt.Method == http.MethodPost)
		if !isTicket || (rt.Method != http.MethodGet && rt.Method != http.MethodPost) {
			continue
		}
		n++
		path := strings.NewReplacer(":lang", "en", ":ref", "ZD-AAAA-BBBB", ":id", "1").Replace(rt.Path)
		addr := fmt.Sprintf("203.0.113.%d:4000", i%250+1)
		limited := false
		for range limit + 1 {
			var r *http.Request
			if rt.Method == http.MethodPost {
				r = httptest.NewRequest(http.MethodPost, path, strings.NewReader(url.Values{"key": {"AAAA"}}.Encode()))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.Header.Set("Sec-Fetch-Site", "same-origin")
			} else {
				r = httptest.NewRequest(http.MethodGet, path, nil)
			}
			r.RemoteAddr = addr
			w := a.do(t, r)
			if w.Code == http.StatusTooManyRequests {
				limited = true
				break
			}
		}
		if !limited {
			t.Errorf("%s %s: %d requests from one address were never limited", rt.Method, rt.Path, limit+1)
		}
	}
	if n < 20 {
		t.Fatalf("only %d ticket routes found", n)
	}
}

// A guesser who knows a reference cannot lock its owner out: the owner's
// key and mailed link keep working from their own address, and the
// guesser stays limited (issue 10, security 4).
func TestTicketRoutes_WrongKeysCostTheGuesserNotTheOwner(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ref, key := sendTicket(t, a, ticketForm(t, a))
	if _, err := a.outbox.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	link := strings.TrimPrefix(ticketLinkFromMail(t, a, ref), "http://example.com")
	follow := func(addr, key string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/en/support/tickets", strings.NewReader(url.Values{"ref": {ref}, "key": {key}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		r.RemoteAddr = addr + ":5000"
		return a.do(t, r)
	}
	const guesser, owner = "203.0.113.66", "198.51.100.20"
	locked := false
	for range 12 {
		w := follow(guesser, "WRONG KEY WRONG KEY")
		if w.Code == http.StatusTooManyRequests {
			locked = true
			break
		}
		wantStatus(t, w, http.StatusForbidden)
	}
	if !locked {
		t.Fatal("12 wrong keys from one address were never limited")
	}
	// The guesser, even with the right key, stays refused.
	wantStatus(t, follow(guesser, key), http.StatusTooManyRequests)
	// The owner opens the ticket from their own address, with the key and
	// with the e-mailed link.
	w := follow(owner, key)
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("h1"), "Cannot open my mailbox")
	r := httptest.NewRequest(http.MethodGet, link, nil)
	r.RemoteAddr = owner + ":5001"
	w = a.do(t, r)
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("h1"), "Cannot open my mailbox")
	wantStatus(t, follow(guesser, "WRONG KEY WRONG KEY"), http.StatusTooManyRequests)
}

// The confirmation lets a guest save the reference and the key: a posted
// form (the key never in a URL) that downloads a small text file, never
// cached (issue 10, what a person runs into 3).
func TestSupport_TheConfirmationSavesTheKeyAsAFile(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.postFiles(t, "/en/support", ticketForm(t, a), nil)
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	ref, key := strings.TrimSpace(d.Find("#sent-ref").Text()), strings.TrimSpace(d.Find("#sent-key").Text())
	form := wantCount(t, d, `.sent-actions form[method="post"]`, 1)
	action := form.AttrOr("action", "")
	if action != "/en/support/tickets/"+ref+"/keyfile" || form.Find(`input[type="hidden"][name="key"]`).AttrOr("value", "") != key {
		t.Fatalf("save form posts to %q without the key", action)
	}
	wantCount(t, d, `.sent-actions[data-print-label="Print"]`, 1)
	wantCount(t, d, "#sent-keep", 1)
	saved := a.post(t, action, url.Values{"key": {key}})
	wantStatus(t, saved, http.StatusOK)
	h := saved.Header()
	if !strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") || !strings.Contains(h.Get("Content-Disposition"), ref+".txt") ||
		h.Get("Cache-Control") != "no-store" || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers %v", h)
	}
	text := saved.Body.String()
	for _, want := range []string{"Reference: " + ref, "Access key: " + key, "http://example.com/en/support/tickets?ref=" + ref, "private"} {
		if !strings.Contains(text, want) {
			t.Errorf("the file lacks %q:\n%s", want, text)
		}
	}
	// The ticket page keeps it within reach too, for the guest with the key.
	opened := a.post(t, "/en/support/tickets/"+ref, url.Values{"key": {key}})
	wantStatus(t, opened, http.StatusOK)
	keep := wantCount(t, doc(t, opened), `form.ticket-keyfile[method="post"]`, 1)
	if keep.AttrOr("action", "") != action || keep.Find(`input[name="key"]`).AttrOr("value", "") != key {
		t.Error("the ticket page's save form does not post the key to the key file")
	}
	// A wrong key gets the follow form's refusal, not a file.
	wrong := a.post(t, action, url.Values{"key": {"AAAA BBBB CCCC DDDD EEEE"}})
	wantStatus(t, wrong, http.StatusForbidden)
	if strings.Contains(wrong.Header().Get("Content-Disposition"), "attachment") {
		t.Error("a wrong key got a file")
	}
	// Arabic: the file's words are Arabic.
	w = a.postFiles(t, "/ar/support", ticketForm(t, a), nil)
	d = doc(t, w)
	ref, key = strings.TrimSpace(d.Find("#sent-ref").Text()), strings.TrimSpace(d.Find("#sent-key").Text())
	saved = a.post(t, "/ar/support/tickets/"+ref+"/keyfile", url.Values{"key": {key}})
	wantStatus(t, saved, http.StatusOK)
	if !strings.Contains(saved.Body.String(), "تذكرة") {
		t.Errorf("the Arabic file:\n%s", saved.Body.String())
	}
}
