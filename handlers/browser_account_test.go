package handlers

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
)

// typeInto replaces what a field holds with text, as a person would type it.
func (b *browserTab) typeInto(selector, text string) {
	b.t.Helper()
	evalJS[chromedp.Void](b, "document.querySelector("+strconv.Quote(selector)+").value = ''")
	b.do("typing into "+selector, chromedp.SendKeys(chromedp.CSS(selector), text))
}

// storedCookies are the cookies the browser keeps for the test server.
func (b *browserTab) storedCookies() []*network.Cookie {
	b.t.Helper()
	res, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.base + "/"}})
	if err != nil {
		b.t.Fatalf("reading cookies: %v", err)
	}
	return res.Cookies
}

// accountJourney registers, reads the usercode from the mail directory, runs
// the first login, then logs in again through the phrase and the password.
func accountJourney(t *testing.T, oneClick bool, opts ...tabOption) (*browserTab, string) {
	b := newBrowserTab(t, opts...)
	b.open("/en/register", 200)
	b.checkAccessibility("/en/register")
	b.typeInto("#reg-name", "Ada Lovelace")
	b.typeInto("#reg-email", "ada@example.com")
	b.follow("registering", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	b.check("the confirmation page", `document.querySelector("h1").textContent.includes("Check your e-mail")`)
	usercode := b.app.usercodeFromMail(t)

	b.open("/en/login/user", 200)
	b.checkAccessibility("/en/login/user")
	b.typeInto("#usercode", usercode)
	if !oneClick {
		b.click(`input[name="oneclick"]`)
	}
	b.follow("sending the usercode", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	b.check("the first login", `!!document.querySelector("#new-password")`)
	b.checkAccessibility("first login")
	b.typeInto("#new-password", "short one")
	b.follow("checking a short password", chromedp.Click(chromedp.CSS(`button[name="check"]`)))
	b.check("the refusal says how to fix it", `document.querySelector("#strength-reason").textContent.includes("9 of at least 12 characters")`)
	b.check("the check kept the typed password", `document.querySelector("#new-password").value === "short one"`)
	b.typeInto("#new-password", testPassword)
	b.follow("checking the strength", chromedp.Click(chromedp.CSS(`button[name="check"]`)))
	b.check("the strength meter", `document.querySelector("#strength meter").value === 4`)
	b.check("the password is still there", `document.querySelector("#new-password").value === `+strconv.Quote(testPassword))
	b.checkAccessibility("first login with the strength meter")
	phrase := evalJS[string](b, `document.querySelector('input[name="phrase"]:checked').value`)
	// Enter in the password field runs the form's default button: Activate.
	b.follow("pressing Enter in the password field", chromedp.SendKeys(chromedp.CSS("#new-password"), "\r"))
	b.check("My account", `document.querySelector("#account-name").textContent === "Ada Lovelace"`)
	b.checkAccessibility("My account")
	b.follow("signing out", chromedp.Click(chromedp.CSS(`form[action="/en/account/logout"] button`)))
	b.check("signed out", `!!document.querySelector("main h1")`)

	b.open("/en/login/user", 200)
	b.typeInto("#usercode", usercode)
	if !oneClick {
		b.click(`input[name="oneclick"]`)
	}
	b.follow("sending the usercode again", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	b.check("the phrase", `document.querySelector("#phrase").textContent === `+strconv.Quote(phrase))
	b.checkAccessibility("login step 2")
	b.typeInto("#password", testPassword)
	b.follow("sending the password", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	b.check("My account again", `document.querySelector("#account-name").textContent === "Ada Lovelace"`)
	b.check("the address bar holds no secret", `location.pathname + location.search === (`+jsBool(oneClick)+` ? "/en/account" : "/en/login/user/password")`)
	return b, usercode
}

func jsBool(v bool) string {
	if v {
		return "true"
	}
	return "false"
}

func TestBrowser_AccountJourneyWithout1ClickLeavesTheCookieJarEmpty(t *testing.T) {
	t.Parallel()
	b, _ := accountJourney(t, false)
	b.checkNoCookies()
	// The session lives in the forms: signing out by one sets no cookie either.
	b.follow("signing out", chromedp.Click(chromedp.CSS(`form[action="/en/account/logout"] button`)))
	b.checkNoCookies()
}

func TestBrowser_AccountJourneyWith1ClickKeepsOneCookie(t *testing.T) {
	t.Parallel()
	b, _ := accountJourney(t, true)
	cookies := b.storedCookies()
	if len(cookies) != 1 {
		t.Fatalf("the browser stores %d cookies, want 1", len(cookies))
	}
	c := cookies[0]
	if c.Name != "zd" || !c.HTTPOnly || !c.Session || c.SameSite != network.CookieSameSiteLax {
		t.Errorf("cookie %+v is not the 1-Click session cookie", c)
	}
	if evalJS[string](b, `document.cookie`) != "" {
		t.Error("the page can read the session cookie")
	}
	b.open("/en/account", 200)
}

func TestBrowser_TOTPSetUpAndLoginWithACode(t *testing.T) {
	t.Parallel()
	b, usercode := accountJourney(t, false)
	b.typeInto("#totp-password", testPassword)
	b.follow("starting the set-up", chromedp.Click(chromedp.CSS(`form[action="/en/account/totp/setup"] button`)))
	b.check("the set-up page", `!!document.querySelector("#totp-key")`)
	// The QR code is part of the page: an SVG drawn 240 pixels wide, dark on light.
	b.check("the QR code", `(() => { const s = document.querySelector(".totp-qr svg[role=img]"); if (!s) return false;
		const p = s.querySelector("path"); return s.getBoundingClientRect().width === 240 && p.getAttribute("d").length > 1000 &&
			getComputedStyle(s).backgroundColor === "rgb(255, 255, 255)" && getComputedStyle(p).fill === "rgb(0, 0, 0)"; })()`)
	b.checkAccessibility("two-step set-up")
	secret := strings.ReplaceAll(evalJS[string](b, `document.querySelector("#totp-key").textContent`), " ", "")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b.typeInto("#totp-code", code)
	b.follow("confirming the code", chromedp.Click(chromedp.CSS(`form[action="/en/account/totp/confirm"] button`)))
	b.check("the recovery codes", `document.querySelectorAll("#recovery-codes li").length === 10`)
	b.checkAccessibility("recovery codes")
	b.follow("back to My account", chromedp.Click(chromedp.CSS(`main form button`)))
	b.check("My account, two-step on", `!!document.querySelector('form[action="/en/account/totp/disable"]')`)
	b.checkAccessibility("My account with two-step verification")
	b.follow("signing out", chromedp.Click(chromedp.CSS(`form[action="/en/account/logout"] button`)))

	b.open("/en/login/user", 200)
	b.typeInto("#usercode", usercode)
	b.click(`input[name="oneclick"]`)
	b.follow("sending the usercode", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	b.typeInto("#password", testPassword)
	b.follow("sending the password", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	b.check("the code step", `!!document.querySelector("#second-code")`)
	b.checkAccessibility("login code step")
	// The set-up used this step's code: the next step's is accepted.
	code, _ = totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	b.typeInto("#second-code", code)
	b.follow("sending the code", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	b.check("My account after the code", `document.querySelector("#account-name").textContent === "Ada Lovelace"`)
	b.checkNoCookies()
}

func TestBrowser_DeleteMyAccountWith1ClickEmptiesTheCookieJar(t *testing.T) {
	t.Parallel()
	b, usercode := accountJourney(t, true)
	// The box must be ticked: the browser refuses the form without it.
	b.typeInto("#delete-password", testPassword)
	b.click(`form[action="/en/account/delete"] button`)
	b.check("still My account", `!!document.querySelector("#account-name")`)
	b.click(`form[action="/en/account/delete"] input[name="confirm"]`)
	b.follow("deleting the account", chromedp.Click(chromedp.CSS(`form[action="/en/account/delete"] button`)))
	b.check("the deletion page", `document.querySelector("h1").textContent.includes("deleted")`)
	b.checkAccessibility("account deleted")
	if n := len(b.storedCookies()); n != 0 {
		t.Errorf("the browser keeps %d cookies after the deletion", n)
	}
	// The usercode now shows a decoy phrase, not the account's.
	b.open("/en/login/user", 200)
	b.typeInto("#usercode", usercode)
	b.follow("sending the usercode", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	b.check("a decoy phrase", `document.querySelector("#phrase").textContent !== "silver otter hums"`)
}

// otherContext opens a second browser context (its own cookie jar) on the
// same app and server as b: another browser of the same person.
func (b *browserTab) otherContext() *browserTab {
	t := b.t
	t.Helper()
	root := sharedBrowser(t)
	timeoutCtx, cancelTimeout := context.WithTimeout(root, tabTimeout)
	ctx, cancelTab := chromedp.NewContext(timeoutCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(func() { cancelTab(); cancelTimeout() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a second context: %v", err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatalf("focus emulation: %v", err)
	}
	return &browserTab{t: t, ctx: ctx, app: b.app, base: b.base}
}

func TestBrowser_SignOutEverywhereEndsTheOtherBrowsersSession(t *testing.T) {
	t.Parallel()
	b, usercode := accountJourney(t, true)

	// The same person in another browser, 1-Click on (the default); on the
	// way, the staff login page is checked with axe.
	o := b.otherContext()
	o.open("/en/login/staff", 200)
	o.checkAccessibility("/en/login/staff")
	o.open("/en/login/user", 200)
	o.typeInto("#usercode", usercode)
	o.follow("sending the usercode", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	o.typeInto("#password", testPassword)
	o.follow("sending the password", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	o.check("My account in the other browser", `document.querySelector("#account-name").textContent === "Ada Lovelace"`)
	o.check("the role", `document.querySelector("#account-role").textContent === "Basic user"`)
	o.checkAccessibility("My account with role and e-mail change")
	if n := len(o.storedCookies()); n != 1 {
		t.Fatalf("the other browser stores %d cookies, want 1", n)
	}

	// The e-mail change's code page.
	o.typeInto("#new-email", "ada@new.example.com")
	o.typeInto("#email-password", testPassword)
	o.follow("asking for the code", chromedp.Click(chromedp.CSS(`form[action="/en/account/email"] button`)))
	o.check("the code page", `!!document.querySelector("#email-code")`)
	o.checkAccessibility("e-mail change code")

	// Sign out everywhere in the first browser.
	b.open("/en/account", 200)
	b.follow("signing out everywhere", chromedp.Click(chromedp.CSS(`form[action="/en/account/signout-everywhere"] button`)))
	b.check("signed out", `!!document.querySelector("main h1")`)

	// The other browser's My account now leads back to the login.
	if _, err := chromedp.Run(o.ctx, chromedp.NavigateResponse(o.base+"/en/account")); err != nil {
		t.Fatalf("opening My account again: %v", err)
	}
	o.check("the login", `!!document.querySelector("#usercode") && !document.querySelector("#account-name")`)
}
