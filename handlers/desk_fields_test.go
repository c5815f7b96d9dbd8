package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"zerodesk/internal/accounts"
	"zerodesk/internal/store/storetest"
	"zerodesk/internal/tickets"
)

// defineFields adds, through the admins' page, a choice and a required
// text field to the "account" topic and returns their form keys.
func defineFields(t *testing.T, a *testApp, admin *deskAgent) (choice, text tickets.Field) {
	t.Helper()
	w := admin.send(t, "/en/desk/fields/save", url.Values{"topic": {"account"}, "kind": {"choice"}, "label_en": {"System"},
		"options": {"Windows\r\nmacOS\r\n"}, "position": {"1"}})
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("#desk-notice"), "Saved")
	w = admin.send(t, "/en/desk/fields/save", url.Values{"topic": {"account"}, "kind": {"text"}, "label_en": {"Order number"},
		"required": {"1"}, "position": {"2"}})
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantText(t, d.Find("#fields-account"), "System")
	wantText(t, d.Find("#fields-account"), "Order number")
	list, err := a.tickets.Fields(context.Background(), "account", false)
	if err != nil || len(list) != 2 {
		t.Fatalf("fields = %+v, %v", list, err)
	}
	return list[0], list[1]
}

func TestDeskFields_AdminDefinesRolesRefusedBadDefinitionExplained(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	admin := signInStaff(t, a, accounts.Admin, "Ada Admin", "admin@example.com", false)
	wantCount(t, doc(t, admin.open(t, "/en/desk/topics", nil)), `#topics-fields-link a[href="/en/desk/fields"]`, 1)
	d := doc(t, admin.open(t, "/en/desk/fields", nil))
	wantCount(t, d, `form#field-new[action="/en/desk/fields/save"] input[name="token"]`, 1)
	choice, _ := defineFields(t, a, admin)

	// A choice without options: explained, what was typed kept.
	w := admin.send(t, "/en/desk/fields/save", url.Values{"topic": {"account"}, "kind": {"choice"}, "label_en": {"Browser"}, "position": {"3"}})
	wantStatus(t, w, http.StatusBadRequest)
	d = doc(t, w)
	wantText(t, d.Find("#form-error"), "English label")
	wantCount(t, d, `#field-label-en[value="Browser"]`, 1)
	w = admin.send(t, "/en/desk/fields/save", url.Values{"topic": {"account"}, "kind": {"text"}, "label_en": {"Bad\u202elabel"}, "position": {"3"}})
	wantStatus(t, w, http.StatusBadRequest)

	// Agents and editors may not define or remove fields.
	for _, role := range []accounts.Role{accounts.Agent, accounts.Editor} {
		s := signInStaff(t, a, role, "Staff "+string(role), string(role)+"@example.com", true)
		if w := s.open(t, "/en/desk/fields", nil); w.Code != http.StatusForbidden {
			t.Errorf("%s: fields page answered %d", role, w.Code)
		}
		if w := s.send(t, "/en/desk/fields/save", url.Values{"topic": {"account"}, "kind": {"text"}, "label_en": {"X"}, "position": {"1"}}); w.Code != http.StatusForbidden {
			t.Errorf("%s: save answered %d", role, w.Code)
		}
		if w := s.send(t, "/en/desk/fields/remove", url.Values{"id": {strconv.FormatInt(choice.ID, 10)}}); w.Code != http.StatusForbidden {
			t.Errorf("%s: remove answered %d", role, w.Code)
		}
	}
	if list, _ := a.tickets.Fields(context.Background(), "", false); len(list) != 2 {
		t.Fatalf("fields after refusals: %+v", list)
	}
	// Removed: no longer listed.
	w = admin.send(t, "/en/desk/fields/remove", url.Values{"id": {strconv.FormatInt(choice.ID, 10)}})
	wantStatus(t, w, http.StatusOK)
	if strings.Contains(doc(t, w).Find("#fields-account").Text(), "System") {
		t.Error("a removed field is still listed")
	}
}

func TestDeskFields_CustomerFillsAgentSeesEditsAndFilters(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	admin := signInStaff(t, a, accounts.Admin, "Ada Admin", "admin@example.com", false)
	choice, text := defineFields(t, a, admin)

	// The form asks them in the topic's fieldset, not required in HTML
	// (other topics' groups are shown too without JavaScript).
	d := doc(t, a.get(t, "/en/support"))
	group := wantCount(t, d, `fieldset#support-fields-account[data-topic="account"]`, 1)
	wantFind(t, group, `select#support-`+choice.Key()+`[name="`+choice.Key()+`"] option[value="macOS"]`, 1)
	wantFind(t, group, `input#support-`+text.Key()+`[name="`+text.Key()+`"]`, 1)
	if n := d.Find(`fieldset.custom-fields [required]`).Length(); n != 0 {
		t.Errorf("%d custom field inputs are required in HTML", n)
	}

	// A required field left empty: refused, named, what was typed kept.
	f := ticketForm(t, a)
	f.Set("topic", "account")
	f.Set(choice.Key(), "macOS")
	w := a.postFiles(t, "/en/support", f, nil)
	d = wantRefused(t, w, http.StatusBadRequest, "support-"+text.Key(), "Order number: please fill in this field")
	wantCount(t, d, `#support-`+choice.Key()+` option[value="macOS"][selected]`, 1)
	wantCount(t, d, `#support-subject[value="Cannot open my mailbox"]`, 1)
	// Hostile or over-long: refused.
	f.Set(text.Key(), "ORD\u202e4711")
	wantRefused(t, a.postFiles(t, "/en/support", f, nil), http.StatusBadRequest, "support-"+text.Key(), "not accepted")
	f.Set(text.Key(), strings.Repeat("x", tickets.MaxFieldText+1))
	wantRefused(t, a.postFiles(t, "/en/support", f, nil), http.StatusBadRequest, "support-"+text.Key(), "at most 200")
	// Another topic's fields are not checked.
	g := ticketForm(t, a)
	g.Set("topic", "billing")
	g.Set(choice.Key(), "Linux")
	sendTicket(t, a, g)

	// Values of this run alone: the byte scan reads PostgreSQL's shared WAL.
	lynx, puma := storetest.Secret(t, "ORD-4711-"), storetest.Secret(t, "ORD-0001-")
	f.Set(text.Key(), lynx)
	ref, _ := sendTicket(t, a, f)
	f = ticketForm(t, a)
	f.Set("topic", "account")
	f.Set(text.Key(), puma)
	f.Set(choice.Key(), "Windows")
	other, _ := sendTicket(t, a, f)
	if found := storetest.FindSecrets(t, a.db, a.logs.Bytes(), map[string]string{"text value": lynx, "other": puma}); len(found) > 0 {
		t.Fatalf("field values in plain: %v", found)
	}

	// The agent sees them on the ticket and edits them.
	agent := signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", true)
	base := "/en/desk/tickets/" + ref
	d = doc(t, agent.open(t, base, nil))
	form := wantCount(t, d, `form#ticket-fields[action="`+base+`/fields"]`, 1)
	wantFind(t, form, `input#ticket-`+text.Key()+`[value="`+lynx+`"]`, 1)
	wantFind(t, form, `#ticket-`+choice.Key()+` option[value="macOS"][selected]`, 1)
	d = agent.after(t, agent.send(t, base+"/fields", url.Values{choice.Key(): {"Windows"}, text.Key(): {lynx}}), ref)
	wantText(t, d.Find("#desk-notice"), "Saved")
	wantCount(t, d, `#ticket-`+choice.Key()+` option[value="Windows"][selected]`, 1)
	wantText(t, d.Find("#history"), "changed the field “System”")
	w = agent.send(t, base+"/fields", url.Values{choice.Key(): {"Linux"}})
	wantStatus(t, w, http.StatusBadRequest)
	wantText(t, doc(t, w).Find("#form-error"), "System: this value is not accepted")

	// The queue filters by field and value, with the other filters.
	rows := func(q url.Values) string {
		t.Helper()
		w := agent.open(t, "/en/desk", q)
		wantStatus(t, w, http.StatusOK)
		return doc(t, w).Find("#queue-table tbody").Text()
	}
	if got := rows(url.Values{"field": {choice.Key()}, "field_value": {"Windows"}}); !strings.Contains(got, ref) || !strings.Contains(got, other) {
		t.Errorf("choice filter lists %q", got)
	}
	if got := rows(url.Values{"field": {text.Key()}, "field_value": {strings.ToLower(lynx)}, "topic": {"account"}}); !strings.Contains(got, ref) || strings.Contains(got, other) {
		t.Errorf("text filter lists %q", got)
	}
	d = doc(t, agent.open(t, "/en/desk", url.Values{"field": {text.Key()}, "field_value": {lynx}}))
	wantCount(t, d, `#f-field option[value="`+text.Key()+`"][selected]`, 1)
	wantCount(t, d, `#f-field-value[value="`+lynx+`"]`, 1)
	// A bulk action comes back with the field filter it was shown with.
	wantCount(t, d, `#desk-bulk input[name="field"][value="`+text.Key()+`"]`, 1)
	wantCount(t, d, `#desk-bulk input[name="field_value"][value="`+lynx+`"]`, 1)
	// The queue's poll keeps the field filter.
	poll := wantCount(t, d, `[data-hx-get^="/en/desk/poll"]`, 1).AttrOr("data-hx-get", "")
	if !strings.Contains(poll, "field="+text.Key()) || !strings.Contains(poll, "field_value="+lynx) {
		t.Errorf("the poll drops the field filter: %s", poll)
	}
	w = agent.open(t, "/en/desk", url.Values{"field": {"f999"}, "field_value": {"x"}})
	wantStatus(t, w, http.StatusBadRequest)
	// A customer never sees the fields form of the desk.
	if strings.Contains(a.get(t, "/en/support/tickets/"+ref).Body.String(), "ticket-fields") {
		t.Error("the customer's page shows the desk's fields")
	}
}

// TestDeskFields_AdminEditsLabelChoicesRequired: a field is edited from
// the admins' page (its row's Edit link opens the form filled in): label,
// options and required change; its topic and kind stay; its labels in other
// languages are kept; a refused edit is explained with what was typed kept.
func TestDeskFields_AdminEditsLabelChoicesRequired(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	admin := signInStaff(t, a, accounts.Admin, "Ada Admin", "admin@example.com", false)
	choice, _ := defineFields(t, a, admin)
	id := strconv.FormatInt(choice.ID, 10)
	// A German label first, through the German page.
	w := admin.send(t, "/de/desk/fields/save", url.Values{"id": {id}, "label_en": {"System"}, "label_de": {"Betriebssystem"},
		"options": {"Windows\nmacOS"}, "position": {"1"}})
	wantStatus(t, w, http.StatusOK)

	d := doc(t, admin.open(t, "/en/desk/fields", nil))
	href := wantCount(t, d, "#field-"+choice.Key()+` a[href*="edit="]`, 1).AttrOr("href", "")
	href, _, _ = strings.Cut(href, "#") // a browser keeps the fragment to itself
	w = admin.open(t, href, nil)
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	wantCount(t, d, `form#field-edit input[name="id"][value="`+id+`"]`, 1)
	wantCount(t, d, `form#field-edit #field-label-en[value="System"]`, 1)
	wantText(t, d.Find("form#field-edit #field-options"), "Windows")
	wantText(t, d.Find("#field-fixed"), "Choice")
	if d.Find("form#field-edit #field-topic, form#field-edit #field-kind").Length() != 0 {
		t.Error("the edit form asks topic or kind, which do not change")
	}
	wantCount(t, d, "#field-form-title", 1)

	// Refused (no English label): explained, the typed options kept, still the edit form.
	w = admin.send(t, "/en/desk/fields/save", url.Values{"id": {id}, "label_en": {""}, "options": {"Linux\nWindows"}, "position": {"1"}})
	wantStatus(t, w, http.StatusBadRequest)
	d = doc(t, w)
	wantCount(t, d, `#form-error`, 1)
	wantText(t, d.Find("form#field-edit #field-options"), "Linux")

	w = admin.send(t, "/en/desk/fields/save", url.Values{"id": {id}, "topic": {"billing"}, "kind": {"text"}, "label_en": {"Operating system"},
		"options": {"Linux\r\nWindows\r\nmacOS"}, "required": {"1"}, "position": {"5"}})
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("#fields-account"), "Operating system")
	f, err := a.tickets.Field(context.Background(), choice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if f.Label("en") != "Operating system" || f.Label("de") != "Betriebssystem" || !f.Required || f.Position != 5 ||
		strings.Join(f.Options, ",") != "Linux,Windows,macOS" || f.Topic != "account" || f.Kind != tickets.FieldChoice {
		t.Fatalf("edited field = %+v", f)
	}
	// An unknown or removed field cannot be edited.
	wantStatus(t, admin.open(t, "/en/desk/fields?edit=999999", nil), http.StatusNotFound)
	wantStatus(t, admin.send(t, "/en/desk/fields/save", url.Values{"id": {"999999"}, "label_en": {"X"}, "position": {"1"}}), http.StatusNotFound)
}

// TestDeskFields_SupportFormErrorsComeInOneRound: a form with a bad e-mail
// address, a required custom field left empty, no subject and no body is
// refused once, naming all four in the form's order, each linked to its
// input and marked invalid; nothing typed is lost.
func TestDeskFields_SupportFormErrorsComeInOneRound(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	admin := signInStaff(t, a, accounts.Admin, "Ada Admin", "admin@example.com", false)
	choice, text := defineFields(t, a, admin)
	f := ticketForm(t, a)
	f.Set("topic", "account")
	f.Set("email", "not an address")
	f.Set(choice.Key(), "macOS")
	f.Set("subject", "")
	f.Set("body", "")
	w := a.postFiles(t, "/en/support", f, nil)
	d := wantRefused(t, w, http.StatusBadRequest, "support-"+text.Key(), "Order number: please fill in this field")
	var links []string
	d.Find("#error-summary a").Each(func(_ int, s *goquery.Selection) { links = append(links, s.AttrOr("href", "")) })
	want := []string{"#support-email", "#support-" + text.Key(), "#support-subject", "#support-body"}
	if strings.Join(links, " ") != strings.Join(want, " ") {
		t.Fatalf("error summary links %v, want %v (one round, in the form's order)", links, want)
	}
	for _, id := range want {
		if d.Find(id).AttrOr("aria-invalid", "") != "true" {
			t.Errorf("%s is not marked invalid", id)
		}
	}
	wantCount(t, d, `#support-`+choice.Key()+` option[value="macOS"][selected]`, 1)
	wantCount(t, d, `#support-email[value="not an address"]`, 1)
}
