package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"zerodesk/internal/accounts"
)

func TestDeskManagers_AdminGrantsAndRevokesByAddress(t *testing.T) {
	t.Parallel()
	for _, oneClick := range []bool{false, true} {
		a := newTestApp(t)
		admin := signInStaff(t, a, accounts.Admin, "Ada Admin", "admin@example.com", oneClick)
		agent := signInStaff(t, a, accounts.Agent, "Abe Agent", "agent@example.com", false)
		j := &journey{a: a}
		usercode, userToken := j.signedIn(t, "Uma User", "uma@example.com", "basic")

		// Admins only: an agent and a user are refused, and a GET of the
		// change is no change.
		wantStatus(t, agent.open(t, "/en/desk/managers", nil), http.StatusForbidden)
		wantStatus(t, j.post(t, "/en/desk/managers", url.Values{"token": {userToken}}), http.StatusForbidden)
		wantStatus(t, a.get(t, "/en/desk/managers/save?email=uma@example.com&action=grant"), http.StatusSeeOther)

		w := admin.open(t, "/en/desk/managers", nil)
		wantStatus(t, w, http.StatusOK)
		d := doc(t, w)
		wantCount(t, d, `.desk-menu [aria-current="page"]`, 1)
		wantText(t, d.Find("#role-audit-empty"), "No role was changed")

		w = admin.send(t, "/en/desk/managers/save", url.Values{"email": {"not an address"}, "action": {"grant"}})
		wantStatus(t, w, http.StatusBadRequest)
		d = doc(t, w)
		wantCount(t, d, "#form-error", 1)
		if d.Find("#manager-email").AttrOr("value", "") != "not an address" {
			t.Error("the typed address was lost")
		}

		w = admin.send(t, "/en/desk/managers/save", url.Values{"email": {"uma@example.com"}, "action": {"grant"}})
		wantStatus(t, w, http.StatusOK)
		d = doc(t, w)
		wantText(t, d.Find("#managers-notice"), "Accounts changed: 1")
		wantText(t, d.Find("#role-audit li"), "made manager by admin")
		if strings.Contains(w.Body.String(), "uma@example.com") {
			t.Error("the page shows the address after the change")
		}
		// An unknown address answers alike, with 0.
		w = admin.send(t, "/en/desk/managers/save", url.Values{"email": {"nobody@example.com"}, "action": {"grant"}})
		wantText(t, doc(t, w).Find("#managers-notice"), "Accounts changed: 0")

		// The user's next login is a manager's: the members link shows.
		_, w2 := j.login(t, usercode, testPassword, false)
		wantStatus(t, w2, http.StatusOK)
		wantText(t, doc(t, w2).Find("#account-role"), "Account manager")
		wantCount(t, doc(t, w2), "#manage-open", 1)

		w = admin.send(t, "/en/desk/managers/save", url.Values{"email": {"uma@example.com"}, "action": {"revoke"}})
		wantText(t, doc(t, w).Find("#managers-notice"), "Manager role removed. Accounts changed: 1")
		_, w2 = j.login(t, usercode, testPassword, false)
		wantText(t, doc(t, w2).Find("#account-role"), "Premium")
	}
}
