package handlers

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"zerodesk/internal/accounts"
	"zerodesk/internal/audit"
	"zerodesk/internal/store/storetest"
	"zerodesk/internal/tickets"
)

// An agent's read, reply, note and status change are on the record; the
// admin's page lists them by reference, filters by ticket, actor, action and
// dates, pages, exports CSV (text/csv, defused cells); and neither the page,
// the export nor the audit table holds the ticket's subject, body, note,
// name or address.
func TestDeskAudit_RecordsReadsAndChangesAndExportsWithoutContent(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	admin := signInStaff(t, a, accounts.Admin, "Ada Admin", "ada@example.com", true)
	agent := signInStaff(t, a, accounts.Agent, "Abe Agent", "abe@example.com", false)
	// What the byte scan looks for is this run's own: on PostgreSQL it reads
	// the cluster's WAL, which every test running at the same time writes.
	subject, body := storetest.Secret(t, "Refund for order "), storetest.Secret(t, "Please refund my broken kettle ")
	note, name := storetest.Secret(t, "Caller sounded upset about kettle "), storetest.Secret(t, "Grace Hopper ")
	address := strings.ToLower(storetest.Secret(t, "grace.")) + "@example.org"
	rc := guestTicket(t, a, name, address, "billing", subject, body)
	other := guestTicket(t, a, "Alan Turing", "alan@example.org", "login", "Cannot sign in", "The second step refuses.")
	ref := rc.Reference
	wantStatus(t, agent.open(t, "/en/desk/tickets/"+ref, nil), http.StatusOK)
	wantStatus(t, agent.open(t, "/en/desk/tickets/"+other.Reference, nil), http.StatusOK)
	wantStatus(t, agent.sendMultipart(t, "/en/desk/tickets/"+ref+"/reply", url.Values{"body": {"We are on it."}}, nil), http.StatusOK)
	wantStatus(t, agent.send(t, "/en/desk/tickets/"+ref+"/note", url.Values{"body": {note}}), http.StatusOK)
	wantStatus(t, agent.send(t, "/en/desk/tickets/"+ref+"/status", url.Values{"status": {"pending"}}), http.StatusOK)
	agentID := strconv.FormatInt(agent.session(t).AccountID, 10)

	w := admin.open(t, "/en/desk/audit", url.Values{"ticket": {strings.ToLower(ref)}})
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	for _, action := range []string{"ticket.read", "ticket.replied", "ticket.noted", "ticket.status"} {
		wantCount(t, d, `#audit tr[data-action="`+action+`"]`, 1)
	}
	wantCount(t, d, `#audit a[href="/en/desk/tickets/`+ref+`"]`, 1)
	wantText(t, d.Find(`#audit tr[data-action="ticket.read"]`), "Account "+agentID)
	wantText(t, d.Find(`#audit tr[data-action="ticket.status"]`), "pending")
	if strings.Contains(d.Find("#audit").Text(), other.Reference) {
		t.Error("the ticket filter let another ticket through")
	}
	d = doc(t, admin.open(t, "/en/desk/audit", url.Values{"action": {"ticket.read"}, "actor": {agentID}}))
	wantCount(t, d, `#audit tbody tr`, 2)
	d = doc(t, admin.open(t, "/en/desk/audit", url.Values{"since": {"2099-01-01"}}))
	wantCount(t, d, "#audit-empty", 1)
	for _, bad := range []url.Values{{"actor": {"abe"}}, {"ticket": {"<script>"}}, {"since": {"yesterday"}}, {"action": {"Drop table"}}, {"page": {"-1"}}} {
		w = admin.open(t, "/en/desk/audit", bad)
		wantStatus(t, w, http.StatusBadRequest)
		wantCount(t, doc(t, w), "#form-error", 1)
	}

	w = admin.open(t, "/en/desk/audit/export", nil)
	wantStatus(t, w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type %q", ct)
	}
	recs, err := csv.NewReader(strings.NewReader(w.Body.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < 7 || recs[0][0] != "id" {
		t.Fatalf("export: %q", recs)
	}
	page := d.Text()
	table := auditTableText(t, a)
	for _, content := range []string{subject, body, note, "kettle", "Grace", address, "Alan Turing", "We are on it"} {
		for where, text := range map[string]string{"page": page, "export": w.Body.String(), "audit table": table} {
			if strings.Contains(text, content) {
				t.Errorf("the %s holds %q", where, content)
			}
		}
	}

	// Byte scans: the database file (where the ticket is sealed), the logs
	// and the export hold none of it in any encoding.
	if found := storetest.FindSecrets(t, a.db, append(a.logs.Bytes(), w.Body.Bytes()...), map[string]string{
		"subject": subject, "body": body, "note": note, "name": name, "address": address,
	}); len(found) > 0 {
		t.Errorf("found: %v", found)
	}

	// Paging: 60 reads make two pages.
	v := tickets.Viewer{Session: agent.session(t)}
	for range 60 {
		if err := a.tickets.RecordRead(context.Background(), v, ref); err != nil {
			t.Fatal(err)
		}
	}
	d = doc(t, admin.open(t, "/en/desk/audit", nil))
	wantCount(t, d, "#audit tbody tr", audit.PageSize)
	wantCount(t, d, "#audit-older", 1)
	d = doc(t, admin.open(t, "/en/desk/audit", url.Values{"page": {"1"}}))
	wantCount(t, d, "#audit-newer", 1)

	// Retention: set, refused outside its bounds, on the record.
	w = admin.send(t, "/en/desk/audit/retention", url.Values{"days": {"90"}})
	wantStatus(t, w, http.StatusOK)
	wantCount(t, doc(t, w), `#retention-days[value="90"]`, 1)
	w = admin.send(t, "/en/desk/audit/retention", url.Values{"days": {"0"}})
	wantStatus(t, w, http.StatusBadRequest)
	wantText(t, doc(t, w).Find("#form-error"), "3650")
	wantCount(t, doc(t, admin.open(t, "/en/desk/audit", url.Values{"action": {"audit.retention"}})), "#audit tbody tr", 1)
}

// auditTableText is every line of the audit table, as text.
func auditTableText(t *testing.T, a *testApp) string {
	t.Helper()
	rows, err := a.db.Read.QueryContext(context.Background(), `SELECT action || ' ' || ticket || ' ' || field || ' ' || old_value || ' ' || new_value FROM audit_log`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		b.WriteString(s + "\n")
	}
	return b.String()
}
