package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"zerodesk/internal/accounts"
	"zerodesk/internal/tickets"
)

// slaForm24h is a valid policy form: every hour of every day a working hour
// (so a test running at any time sees the clock run), in Berlin.
func slaForm24h() url.Values {
	f := url.Values{"zone": {"Europe/Berlin"}, "risk": {"25"}, "holidays": {"2026-12-25\n2027-01-01"}}
	for d := 0; d < 7; d++ {
		f.Set("day"+strconv.Itoa(d), "00:00-24:00")
	}
	for _, p := range []string{"low", "normal", "high", "urgent"} {
		f.Set("first_"+p, "8")
		f.Set("res_"+p, "40")
	}
	f.Set("first_normal", "2")
	f.Set("res_normal", "10")
	// An override for one topic, and the empty row the form always has.
	f["o_topic"] = []string{"account", ""}
	f["o_priority"] = []string{"normal", "low"}
	f["o_first"] = []string{"1", ""}
	f["o_res"] = []string{"4,5", ""}
	return f
}

func TestDeskSLA_AdminSetsThePolicyAndTheQueueShowsWorkingTimeLeft(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	admin := signInStaff(t, a, accounts.Admin, "Ada Admin", "admin@example.com", true)
	agent := signInStaff(t, a, accounts.Agent, "Abe Agent", "agent@example.com", false)

	// Agents see neither page nor its menu entry.
	wantStatus(t, agent.open(t, "/en/desk/sla", nil), http.StatusForbidden)
	wantStatus(t, agent.send(t, "/en/desk/sla/save", slaForm24h()), http.StatusForbidden)
	w := agent.open(t, "/en/desk", nil)
	wantStatus(t, w, http.StatusOK)
	wantCount(t, doc(t, w), `.desk-menu button:contains("Service levels")`, 0)

	// The page before any policy: UTC, every hour counts, the default targets.
	w = admin.open(t, "/en/desk/sla", nil)
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantCount(t, d, `.desk-menu a[href="/en/desk/sla"][aria-current="page"]`, 1)
	wantCount(t, d, `#sla-zone[value="UTC"]`, 1)
	wantCount(t, d, `#sla-day-1[value=""]`, 1)
	wantCount(t, d, `#sla-normal-first[value="8"]`, 1)
	wantCount(t, d, `#sla-risk[value="20"]`, 1)
	for _, id := range []string{"sla-zone", "sla-day-1", "sla-holidays", "sla-risk", "sla-urgent-res", "sla-o0-topic"} {
		wantCount(t, d, `label[for="`+id+`"]`, 1)
	}

	// Bad input: the reason, the typed values kept, nothing saved.
	bad := slaForm24h()
	bad.Set("day3", "nine to five")
	w = admin.send(t, "/en/desk/sla/save", bad)
	wantStatus(t, w, http.StatusBadRequest)
	d = doc(t, w)
	wantText(t, d.Find("#form-error"), "cannot be read")
	wantCount(t, d, `#sla-day-3[value="nine to five"]`, 1)
	wantCount(t, d, `#sla-zone[value="Europe/Berlin"]`, 1)
	for field, value := range map[string]string{"zone": "Mars/Olympus", "risk": "100", "first_high": "50", "holidays": "soon"} {
		bad := slaForm24h()
		bad.Set(field, value)
		w = admin.send(t, "/en/desk/sla/save", bad)
		wantStatus(t, w, http.StatusBadRequest)
		wantCount(t, doc(t, w), "#form-error", 1)
	}
	if !a.h.SLA.Policy().Calendar.Always() {
		t.Fatal("a refused form changed the policy")
	}

	// The policy saved: shown back as written.
	w = admin.send(t, "/en/desk/sla/save", slaForm24h())
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	wantText(t, d.Find("#desk-notice"), "Saved")
	wantCount(t, d, `#sla-zone[value="Europe/Berlin"]`, 1)
	wantCount(t, d, `#sla-day-5[value="00:00-24:00"]`, 1)
	wantCount(t, d, `#sla-o0-topic option[value="account"][selected]`, 1)
	wantCount(t, d, `#sla-o0-res[value="4.5"]`, 1)
	wantCount(t, d, `#sla-o1-topic option[value=""][selected]`, 1)
	if got := d.Find("#sla-holidays").Text(); got != "2026-12-25\n2027-01-01" {
		t.Errorf("holidays shown as %q", got)
	}
	if fr, res, risk := a.h.SLA.Targets("normal", "account"); fr != time.Hour || res != 270*time.Minute || risk != 25 {
		t.Fatalf("policy in force: %s %s %d", fr, res, risk)
	}
	// Who changed the policy is on the record; the refused forms are not.
	if n := doc(t, admin.open(t, "/en/desk/audit", nil)).Find(`tr[data-action="sla.policy"]:contains("Changed the service levels")`).Length(); n != 1 {
		t.Errorf("the audit log has %d lines of the policy change, want 1", n)
	}

	// A new ticket of that topic follows the override: one working hour to
	// the first answer, shown in working time in the queue.
	rc := guestTicket(t, a, "Grace Guest", "grace@example.org", "account", "Invoices missing", "The page stays empty.")
	tk, err := a.h.Tickets.Open(context.Background(), agentViewer(t, admin), rc.Reference)
	if err != nil {
		t.Fatal(err)
	}
	if got := tk.FirstResponseDue.Sub(tk.CreatedAt); got != time.Hour {
		t.Errorf("first response due after %s, want 1h (the topic's override)", got)
	}
	w = admin.open(t, "/en/desk", nil)
	wantStatus(t, w, http.StatusOK)
	line := doc(t, w).Find(`tr:contains("` + rc.Reference + `") .sla-left`)
	if !strings.Contains(line.Text(), "of working time left") || !strings.Contains(line.Text(), "min") {
		t.Fatalf("queue line shows %q", line.Text())
	}
	// Waiting for the customer: the clock stops, the line says so.
	wantStatus(t, admin.send(t, "/en/desk/tickets/"+rc.Reference+"/status", url.Values{"status": {"pending"}}), http.StatusSeeOther)
	w = admin.open(t, "/en/desk", url.Values{"status": {"pending"}})
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find(`tr:contains("`+rc.Reference+`") .sla-waiting`), "waiting for the customer")
}

func agentViewer(t *testing.T, d *deskAgent) tickets.Viewer {
	t.Helper()
	return tickets.Viewer{Session: d.session(t)}
}

func TestParseHours_ReadsIntervalsAndRefusesTheRest(t *testing.T) {
	t.Parallel()
	ok := map[string]string{
		"":                         "",
		"09:00-12:00, 13:00-17:00": "540-720 780-1020",
		"9-17":                     "540-1020",
		"22:00 – 06:00":            "1320-360",
		"00:00-24:00":              "0-0",
		"08:30-12:00; 12:30-16:45": "510-720 750-1005",
	}
	for in, want := range ok {
		ivs, good := parseHours(in)
		var parts []string
		for _, iv := range ivs {
			parts = append(parts, strconv.Itoa(iv.Start)+"-"+strconv.Itoa(iv.End))
		}
		if !good || strings.Join(parts, " ") != want {
			t.Errorf("parseHours(%q) = %v %v, want %s", in, parts, good, want)
		}
	}
	for _, in := range []string{"nine to five", "09:00", "25:00-26:00", "09:60-10:00", "24:00-08:00", "9:5-10", "24:30-01:00"} {
		if _, good := parseHours(in); good {
			t.Errorf("parseHours(%q) accepted", in)
		}
	}
}
