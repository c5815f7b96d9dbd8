package handlers

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"zerodesk/internal/accounts"
	"zerodesk/internal/tickets"
	"zerodesk/internal/tickets/reports"
	"zerodesk/views"
)

func TestDeskReports_TodaysNumbersChartTableAndCSVWithoutTicketText(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	admin := signInStaff(t, a, accounts.Admin, "Ada Admin", "admin@example.com", false)
	agent := signInStaff(t, a, accounts.Agent, "Abe Agent", "agent@example.com", true)
	wantStatus(t, agent.open(t, "/en/desk/reports", nil), http.StatusForbidden)
	wantStatus(t, agent.open(t, "/en/desk/reports/export", nil), http.StatusForbidden)

	// Today: two tickets, one answered and resolved.
	secrets := []string{"Quintessa Marlowe", "quintessa@example.org", "Mauve invoice riddle", "The zeppelin ledger is blank."}
	rc := guestTicket(t, a, secrets[0], secrets[1], "account", secrets[2], secrets[3])
	guestTicket(t, a, "Other Person", "other@example.org", "billing", "Second subject here", "Second body here.")
	ctx := context.Background()
	wantStatus(t, admin.open(t, "/en/desk", nil), http.StatusOK) // the admin enters the desk
	v := agentViewer(t, admin)
	if err := a.h.Tickets.Assign(ctx, v, rc.Reference, v.Session.AccountID); err != nil {
		t.Fatal(err)
	}
	if err := a.h.Tickets.Reply(ctx, v, rc.Reference, tickets.Reply{Body: "Try again please.", FormID: "f1"}); err != nil {
		t.Fatal(err)
	}
	if err := a.h.Tickets.SetStatus(ctx, v, rc.Reference, tickets.StatusResolved); err != nil {
		t.Fatal(err)
	}
	// The customer rates it, with a comment the report must not carry.
	if err := a.h.Tickets.Rate(ctx, tickets.Viewer{Reference: rc.Reference, AccessKey: rc.AccessKey}, rc.Reference, 4,
		"Splendid quokka service"); err != nil {
		t.Fatal(err)
	}

	// The page opens on the last 30 days, ending today (UTC: no policy yet).
	today := time.Now().UTC().Format(time.DateOnly)
	w := admin.open(t, "/en/desk/reports", nil)
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantCount(t, d, `#report-to[value="`+today+`"]`, 1)
	wantText(t, d.Find("#report-created"), "2")
	wantText(t, d.Find("#report-resolved"), "1")
	wantText(t, d.Find("#report-backlog"), "1")
	wantText(t, d.Find("#report-first-met"), "100 % (1 of 1)")
	wantText(t, d.Find("#report-rating"), "4.0 of 5 (ratings: 1)")
	wantText(t, d.Find("#report-commented li"), rc.Reference)
	wantCount(t, d, `svg.chart-svg[role="img"] title#report-chart-title`, 1)
	wantCount(t, d, `svg.chart-svg rect.bar-0`, 30)
	if got := d.Find(`#report-days tbody tr`).Length(); got != 30 {
		t.Errorf("%d day rows, want 30", got)
	}
	last := d.Find(`#report-days tbody tr`).Last()
	if last.Find("th").Text() != today || last.Find("td").First().Text() != "2" {
		t.Errorf("today's row: %q", last.Text())
	}

	// By agent, one day; the CSV of the same.
	form := url.Values{"from": {today}, "to": {today}, "by": {"agent"}}
	w = admin.send(t, "/en/desk/reports", form)
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	wantCount(t, d, `#report-groups th[scope="row"]:contains("Ada Admin")`, 1)
	wantCount(t, d, `#report-groups th[scope="row"]:contains("Unassigned")`, 1)
	page := w.Body.Bytes()
	w = admin.send(t, "/en/desk/reports/export", form)
	wantStatus(t, w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") ||
		!strings.Contains(w.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("export headers %q %q", ct, w.Header().Get("Content-Disposition"))
	}
	rows, err := csv.NewReader(bytes.NewReader(w.Body.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || rows[0][0] != "row" || rows[1][0] != "day" || rows[1][3] != "2" || rows[2][0] != "total" {
		t.Fatalf("csv rows %q", rows)
	}
	agentCSV := w.Body.Bytes()

	// By tag: the tagged ticket under its tag, the other untagged; the CSV too.
	if err := a.h.Tickets.AddTags(ctx, v, rc.Reference, []string{"vip"}); err != nil {
		t.Fatal(err)
	}
	form.Set("by", "tag")
	w = admin.send(t, "/en/desk/reports", form)
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	wantCount(t, d, `#report-by option[value="tag"][selected]`, 1)
	wantCount(t, d, `#report-groups th[scope="row"]:contains("vip")`, 1)
	wantCount(t, d, `#report-groups th[scope="row"]:contains("No tag")`, 1)
	tagPage := w.Body.Bytes()
	w = admin.send(t, "/en/desk/reports/export", form)
	wantStatus(t, w, http.StatusOK)
	rows, err = csv.NewReader(bytes.NewReader(w.Body.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	tagRows := map[string][]string{}
	for _, r := range rows {
		if r[0] == "tag" {
			tagRows[r[1]] = r
		}
	}
	if len(tagRows) != 2 || tagRows["vip"][2] != "vip" || tagRows["vip"][3] != "1" || tagRows["vip"][4] != "1" || tagRows[""][3] != "1" {
		t.Fatalf("csv tag rows %q", tagRows)
	}

	// Byte scan: neither the pages nor the files carry the ticket's text,
	// the customer's name or address.
	for _, body := range [][]byte{page, agentCSV, tagPage, w.Body.Bytes()} {
		for _, s := range append(secrets, "Try again please", "zeppelin", "quintessa", "quokka") {
			if bytes.Contains(bytes.ToLower(body), bytes.ToLower([]byte(s))) {
				t.Errorf("a report carries %q", s)
			}
		}
	}

	// Bad input: explained, no 500.
	for _, bad := range []url.Values{{"from": {"yesterday"}, "to": {today}}, {"from": {today}, "to": {"2001-01-01"}},
		{"from": {today}, "to": {today}, "by": {"mood"}}} {
		w = admin.send(t, "/en/desk/reports", bad)
		wantStatus(t, w, http.StatusBadRequest)
		wantCount(t, doc(t, w), "#form-error", 1)
		w = admin.send(t, "/en/desk/reports/export", bad)
		wantStatus(t, w, http.StatusBadRequest)
	}
}

func TestReportCSV_CellsCannotBecomeFormulas(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"=1+1": "'=1+1", "+SUM(A1)": "'+SUM(A1)", "-2": "'-2", "@cmd": "'@cmd",
		"\tx": "'\tx", "\rx": "'\rx", "Ada": "Ada", "42": "42", "": ""} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
	rep := &reports.Report{Query: reports.Query{By: reports.ByAgent}, Days: []reports.Day{{Date: "2026-03-02", Created: 1}},
		Groups: []reports.Group{{Key: "7"}}}
	body, err := reportCSV(views.DeskReportsView{Report: rep, GroupNames: map[string]string{"7": `=HYPERLINK("http://x","y")`}})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[len(rows)-1][2]; !strings.HasPrefix(got, "'=") {
		t.Errorf("an agent's name became a formula: %q", got)
	}
}
