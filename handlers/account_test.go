package handlers

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"zerodesk/internal/accounts"
	"zerodesk/internal/store/storetest"
)

func TestAccounts_MyAccountChangesNameLanguageAndPhrase(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	usercode := j.register(t, "Hedy Lamarr", "hedy@example.com")
	token := doc(t, j.activate(t, usercode, "amber falcon sings", false)).Find(`input[name="token"]`).First().AttrOr("value", "")
	w := j.post(t, "/en/account/profile", url.Values{"token": {token}, "name": {"Hedy Kiesler"}, "language": {"de"}})
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantText(t, d.Find(".notice"), "name and language were saved")
	wantText(t, d.Find("#account-name"), "Hedy Kiesler")
	wantText(t, d.Find("#account-lang"), "Deutsch")
	w = j.post(t, "/en/account/profile", url.Values{"token": {token}, "name": {""}, "language": {"de"}})
	wantStatus(t, w, http.StatusBadRequest)
	wantText(t, doc(t, w).Find("#form-error"), "enter your name")

	w = j.post(t, "/en/account/phrase", url.Values{"token": {token}, "phrase": {"quiet lantern glows"}})
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find(".notice"), "phrase was changed")
	w1, _ := j.login(t, usercode, testPassword, false)
	wantText(t, doc(t, w1).Find("#phrase"), "quiet lantern glows")
	for _, w := range j.responses {
		if len(w.Header().Values("Set-Cookie")) > 0 {
			t.Error("a cookie-less session got a cookie")
		}
	}
}

func TestAccounts_ExportMyDataIsAJSONDownload(t *testing.T) {
	t.Parallel()
	j, _, w := adaAtMyAccount(t)
	token := doc(t, w).Find(`form[action="/en/account/export"] input[name="token"]`).AttrOr("value", "")
	if token == "" {
		t.Fatal("My account has no export form carrying the session")
	}
	w = j.post(t, "/en/account/export", url.Values{"token": {token}})
	wantStatus(t, w, http.StatusOK)
	if cd := w.Header().Get("Content-Disposition"); cd != `attachment; filename="zerodesk-export.json"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	if w.Header().Get("Cache-Control") != "no-store" || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Errorf("export headers: %v", w.Header())
	}
	var x accounts.Export
	if err := json.Unmarshal(w.Body.Bytes(), &x); err != nil {
		t.Fatalf("the export is not JSON: %v\n%s", err, w.Body)
	}
	if x.Account.Name != "Ada Lovelace" || x.Account.Email != "ada@example.com" || x.Phrase != "silver otter hums" || len(x.Sessions) != 1 {
		t.Errorf("export = %+v", x)
	}
	if strings.Contains(w.Body.String(), token) {
		t.Error("the export holds the session token")
	}
	// Without a session: the login, no download.
	w = j.post(t, "/en/account/export", nil)
	wantStatus(t, w, http.StatusForbidden)
	if w.Header().Get("Content-Disposition") != "" {
		t.Error("a refused export is a download")
	}
}

func TestAccounts_DeleteMyAccountEndsTheSessionAndLeavesADecoy(t *testing.T) {
	t.Parallel()
	j, usercode, w := adaAtMyAccount(t)
	token := doc(t, w).Find(`form[action="/en/account/delete"] input[name="token"]`).AttrOr("value", "")
	if token == "" {
		t.Fatal("My account has no delete form carrying the session")
	}
	// Without the ticked box, or with a wrong password: nothing is deleted.
	w = j.post(t, "/en/account/delete", url.Values{"token": {token}, "password": {testPassword}})
	if w.Code == http.StatusOK {
		t.Fatal("deleted without the confirmation")
	}
	wantText(t, doc(t, w).Find("#form-error"), "Tick the box")
	w = j.post(t, "/en/account/delete", url.Values{"token": {token}, "password": {"not the password at all"}, "confirm": {"yes"}})
	if w.Code == http.StatusOK {
		t.Fatal("deleted with a wrong password")
	}
	wantText(t, doc(t, w).Find("#account-name"), "Ada Lovelace")

	w = j.post(t, "/en/account/delete", url.Values{"token": {token}, "password": {testPassword}, "confirm": {"yes"}})
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("h1"), "Your account was deleted")
	w = j.post(t, "/en/account", url.Values{"token": {token}})
	wantStatus(t, w, http.StatusForbidden)

	// Step 1 now answers as for any unknown usercode: a decoy phrase.
	w1 := j.post(t, "/en/login/user", url.Values{"usercode": {usercode}})
	wantStatus(t, w1, http.StatusOK)
	d := doc(t, w1)
	phrase := strings.TrimSpace(d.Find("#phrase").Text())
	if phrase == "" || phrase == "silver otter hums" || d.Find("#password").Length() != 1 {
		t.Fatalf("step 1 after the deletion: phrase %q\n%s", phrase, w1.Body)
	}
	_, w2 := j.login(t, usercode, testPassword, false)
	wantCount(t, doc(t, w2), "#form-error", 1)
	if doc(t, w2).Find("#account-name").Length() != 0 {
		t.Fatal("a deleted account logged in")
	}

	// With 1-Click, the cookie goes with the account.
	a := newTestApp(t)
	j = &journey{a: a}
	other := j.register(t, "Grace Hopper", "grace@example.com")
	w = j.activate(t, other, "amber falcon sings", true)
	ck := w.Result().Cookies()[0]
	w = a.post(t, "/en/account/delete", url.Values{"password": {testPassword}, "confirm": {"yes"}}, "Cookie", ck.Name+"="+ck.Value)
	wantStatus(t, w, http.StatusOK)
	if sc := w.Result().Cookies(); len(sc) != 1 || sc[0].MaxAge >= 0 {
		t.Errorf("the deletion does not delete the 1-Click cookie: %v", w.Header().Values("Set-Cookie"))
	}
}

// TestAccounts_NoSecretAtRestAfterAnHTTPJourney runs register → first login →
// logins with 1-Click off and on → password change → logout through the
// handlers, then scans the SQLite file, its WAL and the log for the usercode
// (any case, with or without hyphens), the passwords and the phrase. About
// SQLite's files (a live WAL, then a checkpoint): on SQLite in both engines'
// runs (newSQLiteTestApp); internal/accounts scans PostgreSQL's files.
func TestAccounts_NoSecretAtRestAfterAnHTTPJourney(t *testing.T) {
	t.Parallel()
	a := newSQLiteTestApp(t)
	// Secrets of this run alone: on PostgreSQL the byte scan reads the
	// cluster's WAL, which every test running at the same time writes.
	password, newPassword := storetest.Secret(t, "violet harbour kettle "), storetest.Secret(t, "quiet meadow lantern ")
	phrase := a.accounts.SuggestPhrases(1)[0]
	j := &journey{a: a, password: password}
	usercode := j.register(t, "Quentin Xavier Plumtree", "quentin.plumtree@example.org")
	w := j.activate(t, usercode, phrase, false)
	wantStatus(t, w, http.StatusOK)
	token := doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	wantStatus(t, j.post(t, "/en/account/logout", url.Values{"token": {token}}), http.StatusOK)

	// 1-Click off, the usercode typed in lower case without hyphens.
	w1, w2 := j.login(t, strings.ToLower(strings.ReplaceAll(usercode, "-", "")), password, false)
	wantText(t, doc(t, w1).Find("#phrase"), phrase)
	wantStatus(t, w2, http.StatusOK)
	token = doc(t, w2).Find(`input[name="token"]`).First().AttrOr("value", "")
	wantStatus(t, j.post(t, "/en/account/logout", url.Values{"token": {token}}), http.StatusOK)

	// 1-Click on; the password change and the logout ride the cookie.
	_, w2 = j.login(t, usercode, password, true)
	wantStatus(t, w2, http.StatusSeeOther)
	ck := w2.Result().Cookies()[0]
	cookie := ck.Name + "=" + ck.Value
	w = j.post(t, "/en/account/password", url.Values{"current": {password}, "next": {newPassword}}, "Cookie", cookie)
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find(".notice"), "password was changed")
	wantStatus(t, j.post(t, "/en/account/logout", nil, "Cookie", cookie), http.StatusOK)
	// A failed password leaves nothing either.
	_, w2 = j.login(t, usercode, password, false)
	wantCount(t, doc(t, w2), "#form-error", 1)

	secrets := map[string]string{
		"usercode":            usercode,
		"usercode lower":      strings.ToLower(usercode),
		"usercode bare":       strings.ReplaceAll(usercode, "-", ""),
		"usercode bare lower": strings.ToLower(strings.ReplaceAll(usercode, "-", "")),
		"password":            password,
		"new password":        newPassword,
		"phrase":              phrase,
	}
	scan := func(when string) (found []string) {
		if when == "live" && storetest.WALSize(a.db) == 0 {
			t.Fatal("no WAL to scan")
		}
		for _, f := range storetest.FindSecrets(t, a.db, []byte(a.logs.String()), secrets) {
			found = append(found, when+": "+f)
		}
		return found
	}
	for _, f := range scan("live") {
		t.Error(f)
	}
	if _, err := a.db.Write.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	for _, f := range scan("after checkpoint") {
		t.Error(f)
	}
	// The scan itself works: a planted base64url usercode is found.
	if _, err := a.db.Write.Exec(`CREATE TABLE planted (v TEXT); INSERT INTO planted VALUES ($1)`,
		base64.URLEncoding.EncodeToString([]byte(strings.ToLower(usercode)))); err != nil {
		t.Fatal(err)
	}
	if found := scan("planted"); !strings.Contains(strings.Join(found, "\n"), "usercode lower (base64url)") {
		t.Fatalf("the scan missed a planted usercode: %v", found)
	}
	if !strings.Contains(a.logs.String(), "accounts: activated") {
		t.Fatalf("the journey was not logged at all:\n%s", a.logs.String())
	}
}

func TestAccounts_StaffLogsInAndSeesItsRole(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	usercode, err := a.accounts.CreateStaff(context.Background(), accounts.Agent, "Grace Hopper", "grace@example.com")
	if err != nil {
		t.Fatal(err)
	}
	w := j.activate(t, string(usercode), "cobalt lantern hums", false)
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantText(t, d.Find("#account-role"), "Support agent")
	wantText(t, d.Find("#desk-entry"), "ticket desk")

	_, w = j.login(t, string(usercode), testPassword, false)
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("#account-role"), "Support agent")
}

func TestAccounts_UserSeesItsRoleWithoutALaterNote(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	usercode := j.register(t, "Ada Lovelace", "ada@example.com")
	d := doc(t, j.activate(t, usercode, "amber falcon sings", false))
	wantText(t, d.Find("#account-role"), "Basic user")
	if d.Find("#desk-entry").Length() != 0 {
		t.Error("a user is told of a later area")
	}
}

func TestAccounts_EmailChangeIsConfirmedByACodeToTheNewAddress(t *testing.T) {
	t.Parallel()
	j, usercode, w := adaAtMyAccount(t)
	a := j.a
	token := doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	wantCount(t, doc(t, w), `form[action="/en/account/email"] input[name="email"]`, 1)

	// A wrong password changes nothing and asks for no code.
	w = j.post(t, "/en/account/email", url.Values{"token": {token}, "email": {"ada@new.example.com"}, "password": {"wrong password here"}})
	if w.Code == http.StatusOK {
		t.Fatal("the change started with a wrong password")
	}
	w = j.post(t, "/en/account/email", url.Values{"token": {token}, "email": {"ada@new.example.com"}, "password": {testPassword}})
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantCount(t, d, `form[action="/en/account/email/confirm"] input[name="code"]`, 1)
	wantCount(t, d, `form[action="/en/account/email/confirm"] input[name="token"]`, 1)
	code := a.codeFromMail(t, "ada@new.example.com")

	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	w = j.post(t, "/en/account/email/confirm", url.Values{"token": {token}, "code": {wrong}})
	if w.Code == http.StatusOK {
		t.Fatal("a wrong code was accepted")
	}
	wantCount(t, doc(t, w), `form[action="/en/account/email/confirm"] input[name="code"]`, 1)
	wantCount(t, doc(t, w), "#form-error", 1)

	w = j.post(t, "/en/account/email/confirm", url.Values{"token": {token}, "code": {code}})
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("main .notice"), "e-mail address has been changed")

	s, err := a.accounts.Session(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.accounts.Profile(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if p.Email != "ada@new.example.com" {
		t.Fatalf("e-mail is %q", p.Email)
	}
	j.checkSecretsStayOut(t, usercode, testPassword, token, code)
}

func TestAccounts_EveryChangeIsLimitedPerAddressButLogoutNeverIs(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	limit := 4 * max(a.h.AccountLimit, 30)
	// The budget refills at limit a minute while the requests run (slowly
	// under -race on a busy machine): the first 429 must come after the
	// burst, and no later than the tokens refilled meanwhile allow.
	start := time.Now()
	refused := 0
	for n := 1; n <= 2*limit; n++ {
		if code := a.post(t, "/en/account/profile", url.Values{"name": {"x"}}).Code; code == http.StatusTooManyRequests {
			refused = n
			break
		}
	}
	refilled := int(time.Since(start).Seconds()*float64(limit)/60) + 1
	if refused <= limit || refused > limit+refilled+1 {
		t.Fatalf("the first 429 came at request %d; want after the burst of %d and by %d", refused, limit, limit+refilled+1)
	}
	for range limit + 1 {
		if code := a.post(t, "/en/account/logout", nil).Code; code == http.StatusTooManyRequests {
			t.Fatal("logout was rate limited")
		}
	}
}
