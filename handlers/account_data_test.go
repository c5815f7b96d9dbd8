package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A user's export holds their tickets with the messages opened; deleting the
// account erases them: the access key follows nothing afterwards.
func TestAccounts_ExportHoldsMyTicketsAndDeletionErasesThem(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	cookie, _ := signedInUser(t, a, true)
	d := doc(t, a.get(t, "/en/support", "Cookie", cookie))
	f := url.Values{"topic": {d.Find("#support-topic option").First().AttrOr("value", "")}, "subject": {"Quince ledger mismatch"},
		"body": {"The walrus invoice shows twice."}, "form_id": {d.Find(`input[name="form_id"]`).AttrOr("value", "")}}
	w := a.postFiles(t, "/en/support", f, []testFile{{"invoice.pdf", []byte("%PDF-1.4\n%test\n")}}, "Cookie", cookie)
	wantStatus(t, w, http.StatusOK)
	ref := strings.TrimSpace(doc(t, w).Find("#sent-ref").Text())
	key := strings.TrimSpace(doc(t, w).Find("#sent-key").Text())
	if ref == "" || key == "" {
		t.Fatalf("no reference or key on the confirmation:\n%s", w.Body)
	}

	w = a.post(t, "/en/account/export", nil, "Cookie", cookie)
	wantStatus(t, w, http.StatusOK)
	var x struct {
		Account struct{ Name string } `json:"account"`
		Tickets []struct {
			Reference, Subject string
			Messages           []struct {
				From, Body  string
				Attachments []struct {
					Name string
					Size int64
				}
			}
		} `json:"tickets"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &x); err != nil {
		t.Fatalf("the export is not JSON: %v\n%s", err, w.Body)
	}
	if x.Account.Name != "Ada Lovelace" || len(x.Tickets) != 1 {
		t.Fatalf("export:\n%s", w.Body)
	}
	tk := x.Tickets[0]
	if tk.Reference != ref || tk.Subject != "Quince ledger mismatch" || len(tk.Messages) != 1 ||
		tk.Messages[0].Body != "The walrus invoice shows twice." || tk.Messages[0].From != "you" ||
		len(tk.Messages[0].Attachments) != 1 || tk.Messages[0].Attachments[0].Name != "invoice.pdf" {
		t.Fatalf("exported ticket:\n%s", w.Body)
	}
	if strings.Contains(w.Body.String(), key) {
		t.Error("the export holds the ticket's access key")
	}

	w = a.post(t, "/en/account/delete", url.Values{"password": {testPassword}, "confirm": {"yes"}}, "Cookie", cookie)
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("h1"), "Your account was deleted")
	w = a.post(t, "/en/support/tickets", url.Values{"ref": {ref}, "key": {key}})
	if strings.Contains(w.Body.String(), "walrus invoice") || strings.Contains(w.Body.String(), "Quince ledger") {
		t.Fatal("the ticket still opens with its access key after the deletion")
	}
	wantStatus(t, w, http.StatusForbidden)
	wantCount(t, doc(t, w), "#error-summary", 1)
}

// An account without tickets exports an empty list, not null.
func TestAccounts_ExportWithoutTicketsHasAnEmptyList(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	cookie, _ := signedInUser(t, a, true)
	w := a.post(t, "/en/account/export", nil, "Cookie", cookie)
	wantStatus(t, w, http.StatusOK)
	if !strings.Contains(w.Body.String(), `"tickets": []`) {
		t.Fatalf("export:\n%s", w.Body)
	}
}
