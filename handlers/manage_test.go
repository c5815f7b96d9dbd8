package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"zerodesk/internal/accounts"
	"zerodesk/internal/store/storetest"
)

// cred is how a test request carries its session: the token in the form
// (1-Click off) or the cookie (1-Click on).
type cred struct{ token, cookie string }

func (c cred) form(v url.Values) url.Values {
	if v == nil {
		v = url.Values{}
	}
	if c.token != "" {
		v.Set("token", c.token)
	}
	return v
}

func (c cred) headers() []string {
	if c.cookie != "" {
		return []string{"Cookie", "zd=" + c.cookie}
	}
	return nil
}

// post sends a form as this session.
func (c cred) post(t *testing.T, j *journey, path string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	return j.post(t, path, c.form(form), c.headers()...)
}

// signedIn reads the session a login left: the cookie it set, or the token
// of its forms.
func signedIn(t *testing.T, w *httptest.ResponseRecorder, oneClick bool) cred {
	t.Helper()
	if oneClick {
		wantStatus(t, w, http.StatusSeeOther)
		for _, c := range w.Result().Cookies() {
			if c.Name == "zd" {
				return cred{cookie: c.Value}
			}
		}
		t.Fatal("no session cookie")
	}
	wantStatus(t, w, http.StatusOK)
	tok := doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	if tok == "" {
		t.Fatal("no session token in the page")
	}
	return cred{token: tok}
}

// usercodeMailedTo delivers the outbox and reads the usercode of the newest
// mail to one address.
func (a *testApp) usercodeMailedTo(t testing.TB, to string) string {
	t.Helper()
	return a.mailedTo(t, to, `\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b`, "usercode")
}

// registerManager registers a premium user through HTTP, runs its first
// login (phrase "amber falcon sings") and makes it a manager, as an admin
// would. It returns the usercode.
func (j *journey) registerManager(t *testing.T, name, email string) string {
	t.Helper()
	w := j.post(t, "/en/register", url.Values{"name": {name}, "email": {email}, "language": {"en"}, "type": {"premium"}})
	wantStatus(t, w, http.StatusOK)
	usercode := j.a.usercodeMailedTo(t, email)
	first := signedIn(t, j.activate(t, usercode, "amber falcon sings", false), false)
	s, err := j.a.accounts.Session(context.Background(), first.token)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.a.accounts.SetRole(context.Background(), s.AccountID, accounts.Manager); err != nil {
		t.Fatal(err)
	}
	return usercode
}

// manager is registerManager signed in again, with or without 1-Click.
func (j *journey) manager(t *testing.T, name, email string, oneClick bool) cred {
	t.Helper()
	usercode := j.registerManager(t, name, email)
	_, w := j.login(t, usercode, testPassword, oneClick)
	return signedIn(t, w, oneClick)
}

// memberCard is the list entry of the member named name.
func memberCard(t *testing.T, d *goquery.Document, name string) *goquery.Selection {
	t.Helper()
	var card *goquery.Selection
	d.Find("#members li.member").Each(func(_ int, s *goquery.Selection) {
		if strings.TrimSpace(s.Find("h3").Text()) == name {
			card = s
		}
	})
	if card == nil {
		t.Fatalf("no member %q in the list", name)
	}
	return card
}

func TestManage_ManagerAddsSuspendsReactivatesAndClosesAUser(t *testing.T) {
	t.Parallel()
	for _, oneClick := range []bool{false, true} {
		name := "without 1-Click"
		if oneClick {
			name = "with 1-Click"
		}
		t.Run(name, func(t *testing.T) {
			a := newTestApp(t)
			j := &journey{a: a}
			mgr := j.manager(t, "Margaret Manager", "margaret@example.com", oneClick)

			// My account links the area (a form: it must carry the token).
			w := mgr.post(t, j, "/en/account", nil)
			wantStatus(t, w, http.StatusOK)
			open := wantCount(t, doc(t, w), `form#manage-open[action="/en/account/members"][method="post"]`, 1)
			if got := open.Find(`input[name="token"]`).Length(); got != map[bool]int{true: 0, false: 1}[oneClick] {
				t.Errorf("the link carries %d token fields", got)
			}

			w = mgr.post(t, j, "/en/account/members", nil)
			wantStatus(t, w, http.StatusOK)
			d := doc(t, w)
			wantText(t, d.Find("h1"), "Users of your account")
			wantCount(t, d, "#members-empty", 1)

			w = mgr.post(t, j, "/en/account/members/add", url.Values{
				"name": {"Bruno Member"}, "email": {"bruno@example.com"}, "language": {"en"}, "type": {"basic"}})
			wantStatus(t, w, http.StatusOK)
			d = doc(t, w)
			wantText(t, d.Find("#manage-notice"), "The user was added")
			card := memberCard(t, d, "Bruno Member")
			wantText(t, card.Find(".member-status"), "Waiting for the first login")
			wantText(t, card.Find(".member-email"), "b…@example.com")
			wantText(t, card.Find(".member-type"), "Basic user")
			wantText(t, card.Find(".member-last"), "Never")
			if d.Find(`#member-name`).AttrOr("value", "x") != "" {
				t.Error("the add form keeps the added user's name")
			}
			usercode := a.usercodeMailedTo(t, "bruno@example.com")

			// The member activates (no cookie), the manager sees it.
			member := &journey{a: a}
			wantStatus(t, member.activate(t, usercode, "cobalt lantern hums", false), http.StatusOK)
			card = memberCard(t, doc(t, mgr.post(t, j, "/en/account/members", nil)), "Bruno Member")
			wantText(t, card.Find(".member-status"), "Active")
			if strings.Contains(card.Find(".member-last").Text(), "Never") || !strings.Contains(card.Find(".member-last").Text(), "UTC") {
				t.Errorf("last sign-in = %q", card.Find(".member-last").Text())
			}
			id := card.AttrOr("data-member", "")

			w = mgr.post(t, j, "/en/account/members/suspend", url.Values{"member": {id}})
			wantStatus(t, w, http.StatusOK)
			wantText(t, doc(t, w).Find("#manage-notice"), "suspended")
			wantText(t, memberCard(t, doc(t, w), "Bruno Member").Find(".member-status"), "Suspended")
			_, lw := member.login(t, usercode, testPassword, false)
			wantStatus(t, lw, http.StatusForbidden)
			wantText(t, doc(t, lw).Find("#form-error"), "This account is suspended")

			w = mgr.post(t, j, "/en/account/members/reactivate", url.Values{"member": {id}})
			wantStatus(t, w, http.StatusOK)
			_, lw = member.login(t, usercode, testPassword, false)
			wantStatus(t, lw, http.StatusOK)

			w = mgr.post(t, j, "/en/account/members/type", url.Values{"member": {id}, "type": {"premium"}})
			wantStatus(t, w, http.StatusOK)
			wantText(t, memberCard(t, doc(t, w), "Bruno Member").Find(".member-type"), "Premium user")

			w = mgr.post(t, j, "/en/account/members/close", url.Values{"member": {id}})
			wantStatus(t, w, http.StatusBadRequest)
			wantText(t, doc(t, w).Find("#form-error"), "Tick the box")
			w = mgr.post(t, j, "/en/account/members/close", url.Values{"member": {id}, "confirm": {"yes"}})
			wantStatus(t, w, http.StatusOK)
			card = memberCard(t, doc(t, w), "Bruno Member")
			wantText(t, card.Find(".member-status"), "Closed")
			if card.Find("form").Length() != 0 {
				t.Error("a closed member still offers actions")
			}
			_, lw = member.login(t, usercode, testPassword, false)
			wantStatus(t, lw, http.StatusForbidden)
			wantText(t, doc(t, lw).Find("#form-error"), "The usercode or the password is wrong")

			w = mgr.post(t, j, "/en/account/members/audit", nil)
			wantStatus(t, w, http.StatusOK)
			var actions []string
			doc(t, w).Find("#audit tbody tr").Each(func(_ int, s *goquery.Selection) {
				actions = append(actions, s.AttrOr("data-action", ""))
			})
			if got := strings.Join(actions, " "); got != "closed type_changed reactivated suspended added" {
				t.Errorf("audit log = %s", got)
			}
			wantText(t, doc(t, w).Find("#audit"), "Changed \u2068Bruno Member\u2069 from Basic user to Premium user")
			wantText(t, doc(t, w).Find("#audit"), "You")

			if oneClick {
				wantStatus(t, a.get(t, "/en/account/members", mgr.headers()...), http.StatusOK)
				wantStatus(t, a.get(t, "/en/account/members/audit", mgr.headers()...), http.StatusOK)
			} else {
				for _, w := range j.responses {
					if c := w.Header().Values("Set-Cookie"); len(c) != 0 {
						t.Fatalf("a cookie-less session got Set-Cookie %v", c)
					}
				}
				// Every form of the area carries the token; no URL does.
				d = doc(t, mgr.post(t, j, "/en/account/members", nil))
				d.Find("main form").Each(func(_ int, f *goquery.Selection) {
					if f.Find(`input[name="token"]`).AttrOr("value", "") != mgr.token {
						t.Errorf("form %s lacks the token", f.AttrOr("action", ""))
					}
				})
				j.checkSecretsStayOut(t, mgr.token, usercode)
			}
		})
	}
}

func TestManage_OnlyManagersEnter(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	j.post(t, "/en/register", url.Values{"name": {"Ursula User"}, "email": {"ursula@example.com"}, "language": {"en"}, "type": {"basic"}})
	usercode := a.usercodeMailedTo(t, "ursula@example.com")
	user := signedIn(t, j.activate(t, usercode, "amber falcon sings", false), false)
	agentCode, err := a.accounts.CreateStaff(context.Background(), accounts.Agent, "Agnes Agent", "agnes@example.com")
	if err != nil {
		t.Fatal(err)
	}
	agent := signedIn(t, j.activate(t, string(agentCode), "cobalt lantern hums", false), false)

	for who, c := range map[string]cred{"basic user": user, "agent": agent} {
		for _, path := range []string{"/en/account/members", "/en/account/members/audit", "/en/account/members/add", "/en/account/members/suspend"} {
			w := c.post(t, j, path, url.Values{"name": {"X"}, "email": {"x@example.com"}, "type": {"basic"}, "language": {"en"}, "member": {"1"}})
			wantStatus(t, w, http.StatusForbidden)
			wantText(t, doc(t, w).Find("main"), "This area is for account managers.")
		}
		if d := doc(t, c.post(t, j, "/en/account", nil)); d.Find("#manage-open").Length() != 0 {
			t.Errorf("My account of a %s links the managers' area", who)
		}
	}
	// No session at all: the login, with the reason.
	w := j.post(t, "/en/account/members", nil)
	wantStatus(t, w, http.StatusForbidden)
	wantCount(t, doc(t, w), `form[action="/en/login/user"]`, 1)
	w = a.get(t, "/en/account/members")
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/en/login/user" {
		t.Errorf("Location = %q", loc)
	}
	var n int
	if err := a.db.Read.QueryRow(`SELECT count(*) FROM account_members`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d members added by non-managers (%v)", n, err)
	}
}

func TestManage_AnotherManagersUserIsNotFoundLikeAMissingOne(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	mgrA := j.manager(t, "Margaret Manager", "margaret@example.com", false)
	mgrB := j.manager(t, "Norbert Other", "norbert@example.com", false)
	w := mgrA.post(t, j, "/en/account/members/add", url.Values{
		"name": {"Bruno Member"}, "email": {"bruno@example.com"}, "language": {"en"}, "type": {"basic"}})
	wantStatus(t, w, http.StatusOK)
	id := memberCard(t, doc(t, w), "Bruno Member").AttrOr("data-member", "")

	for _, path := range []string{"/en/account/members/suspend", "/en/account/members/reactivate", "/en/account/members/type", "/en/account/members/close"} {
		foreign := mgrB.post(t, j, path, url.Values{"member": {id}, "type": {"premium"}, "confirm": {"yes"}})
		missing := mgrB.post(t, j, path, url.Values{"member": {"987654"}, "type": {"premium"}, "confirm": {"yes"}})
		malformed := mgrB.post(t, j, path, url.Values{"member": {"abc"}, "type": {"premium"}})
		unconfirmed := mgrB.post(t, j, path, url.Values{"member": {id}, "type": {"premium"}})
		for what, w := range map[string]*httptest.ResponseRecorder{"foreign": foreign, "missing": missing, "malformed": malformed, "unconfirmed": unconfirmed} {
			wantStatus(t, w, http.StatusNotFound)
			if got := strings.TrimSpace(doc(t, w).Find("#form-error").Text()); got != "There is no such user in your account." {
				t.Errorf("%s %s: error %q", path, what, got)
			}
		}
		if doc(t, foreign).Find("main").Text() != doc(t, missing).Find("main").Text() {
			t.Errorf("%s: another manager's user and a missing one answer differently", path)
		}
	}
	d := doc(t, mgrB.post(t, j, "/en/account/members", nil))
	if d.Find("#members li").Length() != 0 || strings.Contains(d.Text(), "Bruno") {
		t.Error("manager B sees manager A's user")
	}
	card := memberCard(t, doc(t, mgrA.post(t, j, "/en/account/members", nil)), "Bruno Member")
	wantText(t, card.Find(".member-status"), "Waiting for the first login")
	wantText(t, card.Find(".member-type"), "Basic user")
}

func TestManage_BadInputIsExplainedAndTheFormKept(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	mgr := j.manager(t, "Margaret Manager", "margaret@example.com", false)
	for _, c := range []struct {
		lang, name, email, typ string
		want                   string
	}{
		{"en", "Bruno Member", "not an address", "basic", "Please enter a valid e-mail address."},
		{"de", "Bruno Member", "keine adresse", "premium", "Bitte geben Sie eine gültige E-Mail-Adresse ein."},
		{"en", "   ", "bruno@example.com", "basic", a.h.Locales.Localizer("en").T(accounts.MsgNameInvalid)},
		{"en", "Bruno Member", "bruno@example.com", "manager", a.h.Locales.Localizer("en").T(accounts.MsgTypeInvalid)},
	} {
		w := mgr.post(t, j, "/"+c.lang+"/account/members/add", url.Values{
			"name": {c.name}, "email": {c.email}, "language": {c.lang}, "type": {c.typ}})
		wantStatus(t, w, http.StatusBadRequest)
		d := doc(t, w)
		if got := strings.TrimSpace(d.Find("#form-error").Text()); got != c.want {
			t.Errorf("%s %q %q: error %q, want %q", c.lang, c.name, c.email, got, c.want)
		}
		if d.Find("#member-add #member-email").AttrOr("value", "") != c.email || d.Find("#member-add #member-name").AttrOr("value", "") != c.name {
			t.Errorf("the form lost its values")
		}
		if c.typ == "premium" && d.Find(`#member-add input[value="premium"]`).AttrOr("checked", "no") == "no" {
			t.Errorf("the form lost the type")
		}
	}
	// An unknown language and type change to nonsense are refused too.
	w := mgr.post(t, j, "/en/account/members/add", url.Values{
		"name": {"Bruno"}, "email": {"bruno@example.com"}, "language": {"xx"}, "type": {"basic"}})
	wantStatus(t, w, http.StatusBadRequest)
	if d := doc(t, mgr.post(t, j, "/en/account/members", nil)); d.Find("#members li").Length() != 0 {
		t.Error("refused input added a user")
	}
}

func TestManage_AddingIsLimitedPerManager(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	mgr := j.manager(t, "Margaret Manager", "margaret@example.com", false)
	var last *httptest.ResponseRecorder
	for i := range 21 {
		last = mgr.post(t, j, "/en/account/members/add", url.Values{
			"name": {"Member"}, "email": {"m" + string(rune('a'+i)) + "@example.com"}, "language": {"en"}, "type": {"basic"}})
		if i < 20 {
			wantStatus(t, last, http.StatusOK)
		}
	}
	wantStatus(t, last, http.StatusTooManyRequests)
	wantText(t, doc(t, last).Find("#form-error"), "You have added many users in the last hour")
	if last.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}

func TestManage_GETOnAnActionChangesNothing(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	mgr := j.manager(t, "Margaret Manager", "margaret@example.com", true)
	w := mgr.post(t, j, "/en/account/members/add", url.Values{
		"name": {"Bruno Member"}, "email": {"bruno@example.com"}, "language": {"en"}, "type": {"basic"}})
	id := memberCard(t, doc(t, w), "Bruno Member").AttrOr("data-member", "")
	usercode := a.usercodeMailedTo(t, "bruno@example.com")
	(&journey{a: a}).activate(t, usercode, "cobalt lantern hums", false)
	for _, path := range []string{"suspend", "close", "type"} {
		w := a.get(t, "/en/account/members/"+path+"?member="+id+"&confirm=yes&type=premium", mgr.headers()...)
		wantStatus(t, w, http.StatusOK)
		card := memberCard(t, doc(t, w), "Bruno Member")
		wantText(t, card.Find(".member-status"), "Active")
		wantText(t, card.Find(".member-type"), "Basic user")
	}
}

func TestManage_NoUsercodeOrNameAtRestAfterAnHTTPJourney(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	mgr := j.manager(t, "Margaret Manager", "margaret@example.com", false)
	// This run's own: on PostgreSQL the byte scan reads the cluster's WAL.
	name, email := storetest.Secret(t, "Ximena Quillfeather "), strings.ToLower(storetest.Secret(t, "ximena.quill."))+"@example.com"
	w := mgr.post(t, j, "/en/account/members/add", url.Values{"name": {name}, "email": {email}, "language": {"en"}, "type": {"basic"}})
	id := memberCard(t, doc(t, w), name).AttrOr("data-member", "")
	usercode := a.usercodeMailedTo(t, email)
	(&journey{a: a}).activate(t, usercode, "cobalt lantern hums", false)
	mgr.post(t, j, "/en/account/members/suspend", url.Values{"member": {id}})
	mgr.post(t, j, "/en/account/members/audit", nil)
	secrets := map[string]string{"usercode": usercode, "usercode raw": strings.ReplaceAll(usercode, "-", ""), "name": name, "e-mail": email}
	for _, f := range storetest.FindSecrets(t, a.db, []byte(a.logs.String()), secrets) {
		t.Error(f)
	}
}
