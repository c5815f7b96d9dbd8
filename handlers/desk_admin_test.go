package handlers

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"zerodesk/internal/accounts"
	"zerodesk/internal/tickets"
)

func TestDesk_AdminsManageTopicsCannedRepliesAndSeeTheOutbox(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.h.Outbox = a.outbox
	admin := signInStaff(t, a, accounts.Admin, "Ada Admin", "admin@example.com", false)

	w := admin.open(t, "/en/desk/topics", nil)
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantCount(t, d, `input[name="name_ja"][value="ログイン"]`, 1)
	wantCount(t, d, `form.desk-topic[action="/en/desk/topics/save"] input[name="token"]`, 6)

	// Add a topic, named in two languages.
	w = admin.send(t, "/en/desk/topics/save", url.Values{"key": {"mobile"}, "name_en": {"Mobile app"}, "name_fr": {"Application mobile"},
		"position": {"15"}, "active": {"on"}})
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	wantText(t, d.Find("#desk-notice"), "Saved")
	wantCount(t, d, `input[name="name_fr"][value="Application mobile"]`, 1)
	topics, err := a.tickets.Topics(context.Background(), "fr", false)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, tp := range topics {
		found = found || (tp.Key == "mobile" && tp.Name == "Application mobile")
	}
	if !found {
		t.Error("the new topic is not offered in French")
	}
	// Disable it: no longer offered.
	w = admin.send(t, "/en/desk/topics/save", url.Values{"key": {"mobile"}, "name_en": {"Mobile app"}, "position": {"15"}})
	wantStatus(t, w, http.StatusOK)
	topics, _ = a.tickets.Topics(context.Background(), "en", false)
	for _, tp := range topics {
		if tp.Key == "mobile" && tp.Active {
			t.Error("a disabled topic is still offered")
		}
	}
	// Bad position: explained, typed names kept.
	w = admin.send(t, "/en/desk/topics/save", url.Values{"key": {"tablet"}, "name_en": {"Tablet"}, "position": {"first"}})
	wantStatus(t, w, http.StatusBadRequest)
	d = doc(t, w)
	wantText(t, d.Find("#form-error"), "whole number")
	wantCount(t, d, `#topic-new-en[value="Tablet"]`, 1)

	// Canned replies: add, change, delete.
	before, _ := a.tickets.CannedReplies(context.Background(), "de")
	wantStatus(t, admin.send(t, "/en/desk/canned/save", url.Values{"id": {"0"}, "lang": {"de"}, "title": {"Danke"}, "body": {"Danke für Ihre Nachricht."}}), http.StatusOK)
	list, _ := a.tickets.CannedReplies(context.Background(), "de")
	i := slices.IndexFunc(list, func(c tickets.Canned) bool { return c.Title == "Danke" })
	if len(list) != len(before)+1 || i < 0 {
		t.Fatalf("German canned replies after adding one: %+v", list)
	}
	id := strconv.FormatInt(list[i].ID, 10)
	d = doc(t, admin.send(t, "/en/desk/canned", url.Values{"lang": {"de"}}))
	wantText(t, d.Find(".desk-canned legend"), "Danke")
	wantCount(t, d, `form.desk-canned[action="/en/desk/canned/save"] button[formaction="/en/desk/canned/delete"]`, 1)
	wantStatus(t, admin.send(t, "/en/desk/canned/save", url.Values{"id": {id}, "lang": {"de"}, "title": {"Dank"}, "body": {"Vielen Dank."}}), http.StatusOK)
	list, _ = a.tickets.CannedReplies(context.Background(), "de")
	if len(list) != len(before)+1 || !slices.ContainsFunc(list, func(c tickets.Canned) bool { return c.Title == "Dank" && c.Body == "Vielen Dank." }) {
		t.Errorf("after the change: %+v", list)
	}
	wantStatus(t, admin.send(t, "/en/desk/canned/delete", url.Values{"id": {id}, "lang": {"de"}}), http.StatusOK)
	if list, _ = a.tickets.CannedReplies(context.Background(), "de"); len(list) != len(before) {
		t.Errorf("after the deletion: %+v", list)
	}
	w = admin.send(t, "/en/desk/canned/save", url.Values{"id": {"0"}, "lang": {"de"}, "title": {""}, "body": {""}})
	wantStatus(t, w, http.StatusBadRequest)

	// The outbox: what waits (the guest's confirmation), without content.
	guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")
	w = admin.open(t, "/en/desk/outbox", nil)
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	if n := d.Find("#outbox tbody tr").Length(); n == 0 {
		t.Fatal("the outbox lists nothing")
	}
	body := w.Body.String()
	for _, secret := range []string{"alan@example.com", "Cannot sign in", "refuses my password", "Alan Turing"} {
		if strings.Contains(body, secret) {
			t.Errorf("the outbox page shows %q", secret)
		}
	}
	if _, err := a.outbox.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantCount(t, doc(t, admin.open(t, "/en/desk/outbox", nil)), "#outbox-empty", 1)
}
