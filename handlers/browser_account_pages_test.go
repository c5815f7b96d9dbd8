package handlers

import (
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// Without a cookie, My account says how to move on and its buttons keep the
// session; the contents links stay on the page; times show in the browser's
// time zone (UTC without JavaScript, as the handler tests check).
func TestBrowser_CookielessMyAccountButtonsContentsAndLocalTimes(t *testing.T) {
	t.Parallel()
	b, _ := accountJourney(t, false)
	if _, err := chromedp.Call(b.ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
	b.check("the note", `document.querySelector("#cookieless").textContent.includes("use the buttons on this page")`)
	b.follow("reloading through the button", chromedp.Click(chromedp.CSS(`#cookieless form[action="/en/account"] button`)))
	b.check("still signed in", `document.querySelector("#account-name").textContent === "Ada Lovelace"`)
	b.check("the session time in Tokyo", `(function (t) {
		return t.textContent.includes("GMT+9") && t.title.includes("UTC");
	})(document.querySelector(".sessions time"))`)
	b.click(`#account-toc a[href="#password-title"]`)
	b.check("the contents link stayed on the page", `location.hash === "#password-title" && !!document.querySelector("#account-name")`)
	b.checkAccessibility("My account with its contents and the cookie-less note")
	b.follow("to the support form, keeping the session", chromedp.Click(chromedp.CSS(`#cookieless form[action="/en/support/new"] button`)))
	b.check("the support form", `!!document.querySelector("form[action='/en/support']")`)
	b.checkNoCookies()
}
