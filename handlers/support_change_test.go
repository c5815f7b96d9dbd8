package handlers

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"zerodesk/internal/tickets"
)

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
