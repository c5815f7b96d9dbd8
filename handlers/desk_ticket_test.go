package handlers

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"zerodesk/internal/accounts"
	"zerodesk/internal/tickets"
)

func TestDesk_EveryActionWorksWithAndWithout1ClickAndIsKeptInHistory(t *testing.T) {
	t.Parallel()
	for _, oneClick := range []bool{true, false} {
		t.Run("1-Click="+strconv.FormatBool(oneClick), func(t *testing.T) {
			a := newTestApp(t)
			agent := signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", oneClick)
			rc := guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")
			other := guestTicket(t, a, "Alan Turing", "alan@example.com", "billing", "Invoice question", "Where is my invoice?")
			base := "/en/desk/tickets/" + rc.Reference

			w := agent.open(t, base, nil)
			wantStatus(t, w, http.StatusOK)
			d := doc(t, w)
			wantText(t, d.Find("h1"), "Cannot sign in")
			wantText(t, d.Find(".thread"), "The second step refuses my password.")
			wantText(t, d.Find("#ticket-customer"), "alan@example.com")
			wantText(t, d.Find("#others"), other.Reference)
			wantText(t, d.Find("#timer-first"), "Due in")
			if !oneClick {
				// Every navigation is a form carrying the token; no URL holds it.
				wantCount(t, d, `.desk-menu form[method="post"] input[name="token"]`, 2)
				wantCount(t, d, `#others form[action="/en/desk/tickets/`+other.Reference+`"] input[name="token"]`, 1)
				d.Find("[href], [action], [src], [data-hx-get], [data-hx-post]").Each(func(_ int, s *goquery.Selection) {
					for _, attr := range []string{"href", "action", "src", "data-hx-get", "data-hx-post"} {
						if v, ok := s.Attr(attr); ok && strings.Contains(v, agent.token) {
							t.Errorf("%s=%q holds the session token", attr, v)
						}
					}
				})
			}

			d = agent.after(t, agent.send(t, base+"/assign", url.Values{"agent": {"me"}}), rc.Reference)
			wantText(t, d.Find("#desk-notice"), "assignment was changed")
			wantText(t, d.Find("#ticket-assignee"), "Grace Hopper")
			wantText(t, d.Find("#history"), "assigned the ticket to Grace Hopper")
			if d.Find("#assign-me").Length() != 0 {
				t.Error("Assign to me is offered for one's own ticket")
			}

			d = agent.after(t, agent.send(t, base+"/priority", url.Values{"priority": {"high"}}), rc.Reference)
			wantText(t, d.Find("#ticket-priority"), "High")
			wantText(t, d.Find("#history"), "changed the priority from Normal to High")

			d = agent.after(t, agent.send(t, base+"/status", url.Values{"status": {"pending"}}), rc.Reference)
			wantText(t, d.Find("#ticket-status"), "Pending")
			wantText(t, d.Find("#history"), "changed the status from New to Pending")

			form := d.Find("#compose")
			formID := form.Find(`input[name="form_id"]`).AttrOr("value", "")
			w = agent.sendMultipart(t, base+"/reply", url.Values{"body": {"Please try the reset link in your e-mail."},
				"form_id": {formID}, "do": {"send"}}, map[string][]byte{"steps.txt": []byte("1. Open the link\n2. Choose a new password\n")})
			d = agent.after(t, w, rc.Reference)
			wantText(t, d.Find("#desk-notice"), "Your reply was sent")
			wantText(t, d.Find(".thread .msg-agent"), "Please try the reset link")
			wantText(t, d.Find("#history"), "Grace Hopper replied")
			wantText(t, d.Find("#timer-first"), "Met in time")

			// The file downloads from the desk, as a download only.
			link := d.Find(".thread .msg-agent .file-link").First()
			var fw *httptest.ResponseRecorder
			if oneClick {
				fw = agent.open(t, link.AttrOr("href", ""), nil)
			} else {
				fw = agent.send(t, link.Closest("form").AttrOr("action", ""), nil)
			}
			wantStatus(t, fw, http.StatusOK)
			if fw.Header().Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(fw.Header().Get("Content-Disposition"), "attachment;") ||
				fw.Body.String() != "1. Open the link\n2. Choose a new password\n" {
				t.Errorf("download: %v %q", fw.Header(), fw.Body.String())
			}

			d = agent.after(t, agent.send(t, base+"/note", url.Values{"body": {"Customer sounded unsure; check again Monday."}}), rc.Reference)
			wantText(t, d.Find("#desk-notice"), "internal note was added")
			wantText(t, d.Find(".thread .msg-note"), "check again Monday")
			wantText(t, d.Find("#history"), "added an internal note")

			d = agent.after(t, agent.send(t, base+"/status", url.Values{"status": {"resolved"}}), rc.Reference)
			wantText(t, d.Find("#ticket-status"), "Resolved")
			if d.Find("#resolve").Length() != 0 {
				t.Error("a resolved ticket still offers Mark as resolved")
			}
			for _, kind := range []string{"created", "assigned", "priority", "status", "reply", "note"} {
				if d.Find(`#history li[data-kind="`+kind+`"]`).Length() == 0 {
					t.Errorf("the history has no %q entry", kind)
				}
			}

			// The customer sees the reply, never the note.
			g, err := a.tickets.Open(context.Background(), tickets.Viewer{Reference: rc.Reference, AccessKey: rc.AccessKey}, rc.Reference)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range g.Messages {
				if m.Internal || strings.Contains(m.Body, "Monday") {
					t.Error("the customer's view holds the internal note")
				}
			}
			gw := a.get(t, "/en/support/tickets/"+rc.Reference+"?key="+url.QueryEscape(rc.AccessKey))
			wantStatus(t, gw, http.StatusOK)
			if body := gw.Body.String(); strings.Contains(body, "Monday") || !strings.Contains(body, "Please try the reset link") {
				t.Error("the customer's ticket page shows the note, or not the reply")
			}

			// A GET of an action's address changes nothing: back to the ticket.
			gw = a.get(t, base+"/status")
			wantStatus(t, gw, http.StatusSeeOther)
			if gw.Header().Get("Location") != base {
				t.Errorf("GET of an action went to %q", gw.Header().Get("Location"))
			}
		})
	}
}

func TestDesk_BadInputIsExplainedAndKept(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	agent := signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", false)
	rc := guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")
	base := "/en/desk/tickets/" + rc.Reference
	d := doc(t, agent.open(t, base, nil))
	formID := d.Find(`#compose input[name="form_id"]`).AttrOr("value", "")

	// Over-long reply.
	long := strings.Repeat("a", a.tickets.Limits().MaxBody+1)
	w := agent.send(t, base+"/reply", url.Values{"body": {long}, "form_id": {formID}, "do": {"send"}})
	wantStatus(t, w, http.StatusBadRequest)
	d = doc(t, w)
	wantText(t, d.Find("#form-error"), "too long")
	if got := d.Find("#reply-body").Text(); got != long {
		t.Errorf("the refused reply was not kept (%d characters back)", len(got))
	}

	// Broken UTF-8.
	w = agent.send(t, base+"/reply", url.Values{"body": {"caf\xe9 au lait"}, "form_id": {formID}, "do": {"send"}})
	wantStatus(t, w, http.StatusBadRequest)
	wantCount(t, doc(t, w), "#form-error", 1)

	// A date that is none.
	w = agent.send(t, base+"/reply", url.Values{"body": {"Later."}, "release_at": {"tomorrow"}, "form_id": {formID}, "do": {"send"}})
	wantStatus(t, w, http.StatusBadRequest)
	d = doc(t, w)
	wantText(t, d.Find("#form-error"), "year-month-day")
	if d.Find("#reply-release").AttrOr("value", "") != "tomorrow" || d.Find("#reply-body").Text() != "Later." {
		t.Error("the refused reply lost what was typed")
	}

	// A status the desk does not know, a priority, an agent.
	for path, form := range map[string]url.Values{
		"/status":   {"status": {"frozen"}},
		"/priority": {"priority": {"extreme"}},
		"/assign":   {"agent": {"someone"}},
	} {
		w := agent.send(t, base+path, form)
		wantStatus(t, w, http.StatusBadRequest)
		if doc(t, w).Find("#form-error").Length() != 1 {
			t.Errorf("%s %v: no explanation", path, form)
		}
	}
	wantText(t, doc(t, agent.send(t, base+"/status", url.Values{"status": {"frozen"}})).Find("#form-error"), "That status does not exist")

	// An empty note.
	w = agent.send(t, base+"/note", url.Values{"body": {"  "}})
	wantStatus(t, w, http.StatusBadRequest)

	// A replayed reply form: sent once, then refused with a clear message.
	w = agent.send(t, base+"/reply", url.Values{"body": {"First answer."}, "form_id": {formID}, "do": {"send"}})
	wantStatus(t, w, http.StatusOK)
	w = agent.send(t, base+"/reply", url.Values{"body": {"First answer."}, "form_id": {formID}, "do": {"send"}})
	wantStatus(t, w, http.StatusConflict)
	wantCount(t, doc(t, w), "#form-error", 1)
	g, err := a.tickets.Open(context.Background(), tickets.Viewer{Session: agent.session(t)}, rc.Reference)
	if err != nil {
		t.Fatal(err)
	}
	replies := 0
	for _, m := range g.Messages {
		if m.FromAgent {
			replies++
		}
	}
	if replies != 1 {
		t.Errorf("the replayed form left %d replies, want 1", replies)
	}

	// An unknown ticket.
	wantStatus(t, agent.open(t, "/en/desk/tickets/ZD-AAAA-AAAA", nil), http.StatusForbidden)

	// An unknown canned reply.
	w = agent.send(t, base+"/reply", url.Values{"body": {"x"}, "canned": {"999"}, "do": {"canned"}})
	wantStatus(t, w, http.StatusNotFound)
	wantCount(t, doc(t, w), "#form-error", 1)
}

func TestDesk_AssignToAnotherAgentAndBack(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ada := signInStaff(t, a, accounts.Agent, "Ada Agent", "ada@example.com", true)
	grace := signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", true)
	wantStatus(t, ada.open(t, "/en/desk", nil), http.StatusOK) // Ada enters the desk: she can be chosen
	rc := guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "Refused.")
	base := "/en/desk/tickets/" + rc.Reference
	d := doc(t, grace.open(t, base, nil))
	opt := d.Find(`#assign-agent option`).FilterFunction(func(_ int, s *goquery.Selection) bool { return s.Text() == "Ada Agent" })
	if opt.Length() != 1 {
		t.Fatal("Ada is not offered")
	}
	d = grace.after(t, grace.send(t, base+"/assign", url.Values{"agent": {opt.AttrOr("value", "")}}), rc.Reference)
	wantText(t, d.Find("#ticket-assignee"), "Ada Agent")
	wantText(t, d.Find("#history"), "Grace Hopper assigned the ticket to Ada Agent")
	d = grace.after(t, grace.send(t, base+"/assign", url.Values{"agent": {"0"}}), rc.Reference)
	wantText(t, d.Find("#ticket-assignee"), "Unassigned")
	wantText(t, d.Find("#history"), "removed the assignment")
	// Someone who never entered the desk cannot be given a ticket.
	w := grace.send(t, base+"/assign", url.Values{"agent": {"99999"}})
	wantStatus(t, w, http.StatusBadRequest)
	wantCount(t, doc(t, w), "#form-error", 1)
}

func TestDesk_RefusedFilesAreExplainedAndTheReplyKept(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	agent := signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", true)
	rc := guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "Refused.")
	base := "/en/desk/tickets/" + rc.Reference
	for name, data := range map[string][]byte{
		"page.html": []byte("<!doctype html><html><script>alert(1)</script></html>"),
		"big.txt":   bytes.Repeat([]byte("a"), int(a.tickets.Limits().MaxAttachmentBytes)+1),
	} {
		w := agent.sendMultipart(t, base+"/reply", url.Values{"body": {"See the file."}, "form_id": {name}, "do": {"send"}},
			map[string][]byte{name: data})
		wantStatus(t, w, http.StatusBadRequest)
		d := doc(t, w)
		wantText(t, d.Find("#form-error"), name)
		if d.Find("#reply-body").Text() != "See the file." {
			t.Errorf("%s: the reply was not kept", name)
		}
		wantText(t, d.Find("#reply-files-hint"), "Choose your files again")
	}
}

func TestDesk_CannedRepliesAndArticleLinksWithoutJavaScript(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	admin := signInStaff(t, a, accounts.Admin, "Ada Admin", "admin@example.com", true)
	rc := guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")

	// The admin writes a canned reply in English.
	w := admin.send(t, "/en/desk/canned/save", url.Values{"id": {"0"}, "lang": {"en"}, "title": {"Reset steps"},
		"body": {"Open Reset Account from any page and follow the steps."}})
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantText(t, d.Find("#desk-notice"), "Saved")
	wantText(t, d.Find(".desk-canned legend"), "Reset steps")

	base := "/en/desk/tickets/" + rc.Reference
	d = doc(t, admin.open(t, base, nil))
	opt := d.Find(`#canned-select option`).FilterFunction(func(_ int, s *goquery.Selection) bool { return s.Text() == "Reset steps" })
	if opt.AttrOr("data-body", "") != "Open Reset Account from any page and follow the steps." {
		t.Fatalf("the canned reply is not offered: %q", opt.AttrOr("data-body", ""))
	}

	// Without JavaScript: the form comes back with the text in it.
	w = admin.send(t, base+"/reply", url.Values{"body": {"Hello Alan,"}, "canned": {opt.AttrOr("value", "")}, "do": {"canned"}})
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	if got := d.Find("#reply-body").Text(); got != "Hello Alan,\n\nOpen Reset Account from any page and follow the steps." {
		t.Errorf("reply after inserting = %q", got)
	}

	// Finding articles in the customer's language, then inserting a link.
	w = admin.send(t, base+"/reply", url.Values{"body": {"Hello Alan,"}, "article_q": {"password"}, "do": {"find"}})
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	buttons := wantCount(t, d, `#article-results button[name="do"][value^="link:http://example.com/en/articles/"]`, 1)
	link := strings.TrimPrefix(buttons.First().AttrOr("value", ""), "link:")
	if d.Find("#article-q").AttrOr("value", "") != "password" || d.Find("#reply-body").Text() != "Hello Alan," {
		t.Error("the search lost what was typed")
	}
	w = admin.send(t, base+"/reply", url.Values{"body": {"Hello Alan,"}, "do": {"link:" + link}})
	wantStatus(t, w, http.StatusOK)
	if got := doc(t, w).Find("#reply-body").Text(); got != "Hello Alan,\n\n"+link {
		t.Errorf("reply after the link = %q", got)
	}

	// A search too long to run: said where the results go, the reply kept.
	w = admin.send(t, base+"/reply", url.Values{"body": {"Hello Alan,"}, "article_q": {strings.Repeat("password ", 200)}, "do": {"find"}})
	wantStatus(t, w, http.StatusBadRequest)
	d = doc(t, w)
	wantText(t, d.Find("#article-refused"), "too long")
	if d.Find("#reply-body").Text() != "Hello Alan," {
		t.Error("the refused search lost the reply")
	}

	// With JavaScript the search asks for the results alone.
	w = admin.send(t, base+"/reply", url.Values{"article_q": {"password"}, "do": {"find"}}, "HX-Request", "true")
	wantStatus(t, w, http.StatusOK)
	if strings.Contains(w.Body.String(), "<main") || !strings.Contains(w.Body.String(), "data-link=") {
		t.Errorf("the fragment is not the results alone:\n%.300s", w.Body.String())
	}
}
