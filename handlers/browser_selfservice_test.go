package handlers

import (
	"net/url"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"zerodesk/internal/accounts"
)

// The Self-Management journeys in a real browser: Reset Account (with the
// wrong-code lock), Recover Account by question and by key (with the wrong
// answer and the locked-out path), and their parts of My account.

// submit clicks the submit button of the form with this action and waits for
// the next page.
func (b *browserTab) submit(action string) {
	b.t.Helper()
	b.follow("submitting "+action, chromedp.Click(chromedp.CSS(`form[action="`+action+`"] button[type="submit"]`)))
}

// pickPhrase picks the last generated phrase the form with prefix offers
// and returns it.
func (b *browserTab) pickPhrase(prefix string) string {
	b.t.Helper()
	b.click("#" + prefix + "-phrases label:last-of-type input")
	return evalJS[string](b, `document.querySelector("#`+prefix+`-phrases input:checked").value`)
}

// fillReset fills the code step of a reset and returns the phrase picked.
func (b *browserTab) fillReset(code string) string {
	b.t.Helper()
	b.typeInto("#reset-code", code)
	b.typeInto("#reset-name", "Ada Again")
	b.typeInto("#reset-password", newPassword)
	phrase := b.pickPhrase("reset")
	if !evalJS[bool](b, `document.querySelector("#reset-confirm").checked`) {
		b.click("#reset-confirm")
	}
	return phrase
}

func TestBrowser_ResetLocksAfterFiveWrongCodesThenResetsWithTheMailedOne(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	j := &journey{a: b.app}
	usercode, _ := j.signedIn(t, "Ada Lovelace", "ada@example.com", "basic")

	b.open("/en/reset", 200)
	b.checkAccessibility("/en/reset")
	b.typeInto("#reset-usercode", usercode)
	b.typeInto("#reset-email", "ada@example.com")
	b.submit("/en/reset")
	b.check("the code step", `!!document.querySelector("#reset-code")`)
	b.checkAccessibility("reset code step")
	// The box must be ticked: the browser refuses the form without it.
	b.typeInto("#reset-code", "000000")
	b.typeInto("#reset-name", "Ada Again")
	b.typeInto("#reset-password", newPassword)
	b.pickPhrase("reset")
	b.click(`form[action="/en/reset/confirm"] button[type="submit"]`)
	b.check("still the code step", `!!document.querySelector("#reset-code") && !document.querySelector("#form-error")`)
	code := b.app.codeFromMail(t, "ada@example.com")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := 1; i < accounts.ResetCodeTries; i++ {
		b.fillReset(wrong)
		b.submit("/en/reset/confirm")
		b.check("a wrong code "+strconv.Itoa(i), `document.querySelector("#form-error").textContent.includes("This code is wrong")`)
	}
	b.checkAccessibility("reset with a wrong code")
	b.fillReset(wrong)
	b.submit("/en/reset/confirm")
	b.check("the flow is dead", `document.querySelector("#form-error").textContent.includes("Too many wrong codes") && !!document.querySelector("#reset-email")`)
	b.checkAccessibility("reset flow ended")

	// Again, with the code that arrives this time.
	b.typeInto("#reset-usercode", usercode)
	b.typeInto("#reset-email", "ada@example.com")
	b.submit("/en/reset")
	picked := b.fillReset(b.app.codeFromMail(t, "ada@example.com"))
	b.submit("/en/reset/confirm")
	b.check("reset done", `document.querySelector("#reset-done") !== null`)
	b.checkAccessibility("reset done")
	b.checkNoCookies()

	b.open("/en/login/user", 200)
	b.typeInto("#usercode", usercode)
	b.follow("sending the usercode", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	b.check("the new phrase", `document.querySelector("#phrase").textContent === `+js(picked))
}

// premiumSignedIn is a premium account made over HTTP, with its form token.
func premiumSignedIn(t *testing.T, b *browserTab) (string, string) {
	t.Helper()
	j := &journey{a: b.app}
	return j.signedIn(t, "Grace Hopper", "grace@example.com", "premium")
}

func (b *browserTab) fillRecover(secret string) {
	b.t.Helper()
	b.typeInto("#recover-secret", secret)
	b.typeInto("#recover-password", newPassword)
	b.pickPhrase("recover")
}

func TestBrowser_RecoverWithTheQuestionAfterAWrongAnswer(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	usercode, token := premiumSignedIn(t, b)
	j := &journey{a: b.app}
	w := j.post(t, "/en/account/recover-setup", url.Values{"token": {token}, "method": {"question"},
		"question": {accounts.MsgQuestionCity}, "answer": {"Lisbon"}, "keep": {"yes"}, "password": {testPassword}})
	wantStatus(t, w, 200)

	b.open("/en/recover", 200)
	b.checkAccessibility("/en/recover")
	b.typeInto("#recover-usercode", usercode)
	b.submit("/en/recover")
	b.check("the question", `document.querySelector("#recover-prompt").textContent === "In which city did your parents meet?"`)
	b.checkAccessibility("recover: the question")
	b.fillRecover("Porto")
	b.submit("/en/recover/answer")
	b.check("a wrong answer", `document.querySelector("#form-error").textContent.includes("did not open")`)
	b.checkAccessibility("recover: a wrong answer")
	b.fillRecover("  LISBON ")
	b.submit("/en/recover/answer")
	b.check("recovered", `!!document.querySelector("#recover-done")`)
	b.checkAccessibility("recover done")
	b.checkNoCookies()

	// The data stayed: the name shows after the login with the new password.
	b.open("/en/login/user", 200)
	b.typeInto("#usercode", usercode)
	b.follow("sending the usercode", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	b.typeInto("#password", newPassword)
	b.follow("sending the password", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	b.check("My account", `document.querySelector("#account-name").textContent === "Grace Hopper"`)
}

func TestBrowser_RecoverWithAKeyThenTheLockedOutPath(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	usercode, token := premiumSignedIn(t, b)
	j := &journey{a: b.app}
	w := j.post(t, "/en/account/recover-setup", url.Values{"token": {token}, "method": {"key"}, "keep": {"yes"}, "password": {testPassword}})
	wantStatus(t, w, 200)
	key := doc(t, w).Find("#recovery-key").Text()

	b.open("/en/recover", 200)
	b.typeInto("#recover-usercode", usercode)
	b.submit("/en/recover")
	b.check("the key prompt", `document.querySelector("#recover-prompt").textContent === "Your recovery key"`)
	b.checkAccessibility("recover: the key")
	b.fillRecover(key)
	b.submit("/en/recover/answer")
	b.check("recovered", `!!document.querySelector("#recover-done")`)

	// Five wrong keys lock the usercode for a day, and the page says until when.
	b.open("/en/recover", 200)
	b.typeInto("#recover-usercode", usercode)
	b.submit("/en/recover")
	for i := 0; i < accounts.RecoverAttempts; i++ {
		b.fillRecover("not my key")
		b.submit("/en/recover/answer")
	}
	b.check("locked out", `document.querySelector("#recover-locked").textContent.includes("try again after")`)
	b.checkAccessibility("recover: locked out")
	b.open("/en/recover", 200)
	b.typeInto("#recover-usercode", usercode)
	b.submit("/en/recover")
	b.check("still locked", `!!document.querySelector("#recover-locked")`)
	b.checkNoCookies()
}

func TestBrowser_MyAccountSetsUpRecoveryAndResetsACompromisedAccount(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	usercode, _ := premiumSignedIn(t, b)
	b.open("/en/login/user", 200)
	b.typeInto("#usercode", usercode)
	b.follow("sending the usercode", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	b.typeInto("#password", testPassword)
	b.follow("sending the password", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	b.check("My account", `!!document.querySelector("#recovery-record-title")`)
	b.checkAccessibility("My account with the recovery set-up")

	// A security question, the record downloaded and not kept.
	b.click(`input[name="method"][value="question"]`)
	evalJS[chromedp.Void](b, `document.querySelector("#setup-question").value = `+js(accounts.MsgQuestionBook))
	b.typeInto("#setup-answer", "The Little Prince")
	b.click(`input[name="keep"][value="no"]`)
	b.typeInto("#setup-password", testPassword)
	b.submit("/en/account/recover-setup")
	b.check("the set-up page", `!!document.querySelector("#recovery-download") && !document.querySelector("#recovery-key")`)
	b.checkAccessibility("recovery set up, file to download")
	b.follow("back to My account", chromedp.Click(chromedp.CSS(`form[action="/en/account"] button`)))
	b.check("the state", `document.querySelector("#recovery-state").textContent.includes("only in the file")`)

	// The recommended key, kept here: shown once.
	b.typeInto("#setup-password", testPassword)
	b.submit("/en/account/recover-setup")
	b.check("the key", `document.querySelector("#recovery-key").textContent.replace(/-/g, "").length === 28`)
	b.checkAccessibility("recovery key shown once")
	b.follow("back to My account", chromedp.Click(chromedp.CSS(`form[action="/en/account"] button`)))
	b.check("the state", `document.querySelector("#recovery-state").textContent.includes("with a recovery key")`)

	// "My account may be compromised": one step, every session ends.
	b.typeInto("#compromised-current", testPassword)
	b.typeInto("#compromised-password", newPassword)
	b.pickPhrase("compromised")
	b.click("#compromised-confirm")
	b.submit("/en/account/reset")
	b.check("reset done", `!!document.querySelector("#reset-done")`)
	b.checkAccessibility("compromised account reset")
	if n := len(b.storedCookies()); n != 0 {
		t.Errorf("the browser keeps %d cookies after the reset", n)
	}
	b.open("/en/account", 200)
	b.check("signed out", `!!document.querySelector("#usercode")`)
}

// Without JavaScript the flows are the same plain forms (axe needs script, so
// the pages are checked in the tests above).
func TestBrowser_ResetAndRecoverWorkWithoutJavaScript(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t, withoutJavaScript())
	usercode, token := premiumSignedIn(t, b)
	j := &journey{a: b.app}
	w := j.post(t, "/en/account/recover-setup", url.Values{"token": {token}, "method": {"key"}, "keep": {"yes"}, "password": {testPassword}})
	wantStatus(t, w, 200)
	key := doc(t, w).Find("#recovery-key").Text()

	b.open("/en/recover", 200)
	b.typeInto("#recover-usercode", usercode)
	b.submit("/en/recover")
	b.fillRecover(key)
	b.submit("/en/recover/answer")
	b.check("recovered", `!!document.querySelector("#recover-done")`)

	b.open("/en/reset", 200)
	b.typeInto("#reset-usercode", usercode)
	b.typeInto("#reset-email", "grace@example.com")
	b.submit("/en/reset")
	b.fillReset(b.app.codeFromMail(t, "grace@example.com"))
	b.submit("/en/reset/confirm")
	b.check("reset done", `!!document.querySelector("#reset-done")`)
	b.checkNoCookies()
}
