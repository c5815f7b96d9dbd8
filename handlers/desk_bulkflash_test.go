package handlers

import (
	"net/http"
	"net/url"
	"testing"

	"zerodesk/internal/accounts"
	"zerodesk/internal/store/testengine"
)

// twoTestApps wires the portal twice on one seeded database of the run's
// engine, as two instances behind a proxy are (each with its own memory).
func twoTestApps(t *testing.T) (*testApp, *testApp) {
	t.Helper()
	dir := t.TempDir()
	dsn := seededAppDSN(t, testengine.Name(), dir)
	return wireTestApp(t, dir, openAppStore(t, dsn), testTicketLimits),
		wireTestApp(t, dir, openAppStore(t, dsn), testTicketLimits)
}

// TestDeskTriage_BulkResultShowsOnTheOtherInstance: behind a proxy without
// sticky sessions the GET after a bulk action's redirect may reach another
// instance; the result is in the session (the database), not in the memory
// of the instance that acted, so it shows there, once.
func TestDeskTriage_BulkResultShowsOnTheOtherInstance(t *testing.T) {
	t.Parallel()
	a, b := twoTestApps(t)
	grace := signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", true)
	rc := guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")
	w := grace.send(t, "/en/desk/bulk", url.Values{"do": {"tag"}, "tags": {"spring"}, "ref": {rc.Reference, "ZD-0000-0000"}})
	wantStatus(t, w, http.StatusSeeOther)
	loc := w.Header().Get("Location")
	onB := &deskAgent{a: b, cookie: grace.cookie}
	d := doc(t, onB.a.get(t, loc, "Cookie", onB.cookie))
	wantText(t, d.Find("#bulk-result"), "1 ticket changed.")
	wantText(t, d.Find("#bulk-refused"), "ZD-0000-0000")
	for _, app := range []*testApp{a, b} {
		if doc(t, app.get(t, loc, "Cookie", grace.cookie)).Find("#bulk-result").Length() != 0 {
			t.Error("the bulk result shows twice")
		}
	}
	// A refusal of the whole action (no ticket chosen) travels too, with
	// its message's placeholders.
	w = grace.send(t, "/en/desk/bulk", url.Values{"do": {"tag"}, "tags": {"spring"}})
	wantStatus(t, w, http.StatusSeeOther)
	if doc(t, onB.a.get(t, w.Header().Get("Location"), "Cookie", onB.cookie)).Find("#bulk-error").Length() != 1 {
		t.Error("the bulk action's refusal is not shown on the other instance")
	}
}
