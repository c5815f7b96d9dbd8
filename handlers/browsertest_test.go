package handlers

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

func visible(s *goquery.Selection) bool {
	_, hidden := s.Attr("hidden")
	return s.Length() == 1 && !hidden
}

func TestBrowserTest_WithoutJavaScriptSaysWhatCannotBeChecked(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.get(t, "/en/browser-test", "Accept-Language", "fr-CH, fr;q=0.9, sv;q=0.8, en;q=0.5")
	wantStatus(t, w, http.StatusOK)
	if c := w.Header().Values("Set-Cookie"); len(c) != 0 {
		t.Fatalf("Set-Cookie: %v", c)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}
	d := doc(t, w)
	wantText(t, d.Find("h1"), "Browser Test")
	// JavaScript: "off" until the script says otherwise.
	if !visible(d.Find("#bt-js-off")) || visible(d.Find("#bt-js-on")) || !visible(d.Find("#bt-js-means-off")) {
		t.Error("without JavaScript the page does not say JavaScript is off")
	}
	wantText(t, d.Find("#bt-js-off"), "Off.")
	wantText(t, d.Find("#bt-js-means-off"), "expand and collapse by loading the page again")
	// Cookies cannot be known on the server without setting one.
	if !visible(d.Find("#bt-cookies-unknown")) || visible(d.Find("#bt-cookies-on")) || visible(d.Find("#bt-cookies-off")) {
		t.Error("the server claims to know about cookies")
	}
	wantText(t, d.Find("#bt-cookies-means-unknown"), "untick “Allow 1-Click Access”")
	// A plain connection: do not log in.
	wantText(t, d.Find("#bt-secure-off"), "not encrypted")
	wantText(t, d.Find("#bt-secure"), "Do not sign in")
	// The languages asked for, by their own names, and what the portal chose.
	var items []string
	d.Find("#bt-languages-list li").Each(func(_ int, s *goquery.Selection) {
		items = append(items, strings.Join(strings.Fields(s.Text()), " "))
	})
	if len(items) != 4 || !strings.Contains(items[0], "fr-CH") || !strings.Contains(items[0], "available here") ||
		!strings.HasPrefix(items[1], "français") || !strings.Contains(items[2], "svenska") || !strings.Contains(items[2], "not available here") ||
		!strings.Contains(items[3], "English") {
		t.Errorf("languages = %q", items)
	}
	if d.Find("#bt-languages-list li span[lang]").First().AttrOr("lang", "") != "fr-CH" {
		t.Error("a language name is not marked with its language")
	}
	wantText(t, d.Find("#bt-language-chosen"), "This page is in English.")
	wantText(t, d.Find("#bt-language-negotiated"), "would choose Français")
	wantText(t, d.Find("#text-size-status"), "Step 2 of 6")
	wantText(t, d.Find("#bt-size-percent"), "100 %")
	wantText(t, d.Find("#bt-zoom"), "Cannot be checked without JavaScript.")
	// Only files of ours run: no inline script.
	d.Find("script").Each(func(_ int, s *goquery.Selection) {
		if _, ok := s.Attr("src"); !ok || strings.TrimSpace(s.Text()) != "" {
			t.Errorf("inline script: %s", s.Text())
		}
	})
	wantCount(t, d, `script[src*="browsertest"]`, 1)
}

func TestBrowserTest_SecureConnectionTLSOrATrustedProxy(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	get := func(tlsOn bool, remote, proto string) *goquery.Document {
		r := httptest.NewRequest(http.MethodGet, "/en/browser-test", nil)
		if tlsOn {
			r.TLS = &tls.ConnectionState{}
		}
		r.RemoteAddr = remote
		if proto != "" {
			r.Header.Set("X-Forwarded-Proto", proto)
		}
		w := a.do(t, r)
		wantStatus(t, w, http.StatusOK)
		return doc(t, w)
	}
	if d := get(true, "", ""); d.Find("#bt-secure-on").Length() != 1 {
		t.Error("TLS is not reported as secure")
	}
	// Anyone can send the header: without trusted proxies it means nothing.
	if d := get(false, "", "https"); d.Find("#bt-secure-off").Length() != 1 {
		t.Error("an untrusted X-Forwarded-Proto made the connection secure")
	}
	_, proxies, _ := net.ParseCIDR("10.0.0.0/8")
	a.h.TrustedProxies = append(a.h.TrustedProxies, proxies)
	if d := get(false, "10.1.2.3:5555", "https"); d.Find("#bt-secure-on").Length() != 1 {
		t.Error("https at a trusted proxy is not reported as secure")
	}
	if d := get(false, "10.1.2.3:5555", "http"); d.Find("#bt-secure-off").Length() != 1 {
		t.Error("http at a trusted proxy is reported as secure")
	}
	// With proxies configured, a client that reaches the server directly
	// still cannot claim https.
	if d := get(false, "203.0.113.9:5555", "https"); d.Find("#bt-secure-off").Length() != 1 {
		t.Error("X-Forwarded-Proto from a client that is not a trusted proxy made the connection secure")
	}
}

func TestBrowserTest_InTheVisitorsLanguageAndTextSize(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.get(t, "/fr/browser-test?size=2", "Accept-Language", "fr")
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantText(t, d.Find("#bt-js-off"), "Désactivé.")
	wantText(t, d.Find("#text-size-status"), "Niveau 3 sur 6")
	wantText(t, d.Find("#bt-size-percent"), "112,5 %")
	wantText(t, d.Find("#bt-language-chosen"), "Cette page est en Français.")
	if d.Find("#bt-language-negotiated").Length() != 0 {
		t.Error("the negotiated language is told although it is this page's")
	}

	w = a.get(t, "/ar/browser-test")
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	if d.Find("html").AttrOr("dir", "") != "rtl" {
		t.Error("Arabic is not right to left")
	}
	wantText(t, d.Find("#bt-js-off"), "معطّل")
	wantText(t, d.Find("#bt-languages-none"), "لا يذكر متصفحك")
	wantText(t, d.Find("#text-size-status"), "٢")

	// An Accept-Language that does not parse, or an absurd one, lists nothing.
	for _, header := range []string{"not a header;;;q=abc", strings.Repeat("en-US,", 400)} {
		d = doc(t, a.get(t, "/en/browser-test", "Accept-Language", header))
		if d.Find("#bt-languages-list li").Length() != 0 || d.Find("#bt-languages-none").Length() != 1 {
			t.Errorf("Accept-Language %.20q: %d languages listed", header, d.Find("#bt-languages-list li").Length())
		}
	}
	// Many languages: at most maxAskedLanguages.
	many := []string{"de", "fr", "es", "it", "nl", "sv", "da", "nb", "fi", "pl", "cs", "hu", "ro", "el"}
	d = doc(t, a.get(t, "/en/browser-test", "Accept-Language", strings.Join(many, ",")))
	if n := d.Find("#bt-languages-list li").Length(); n != maxAskedLanguages {
		t.Errorf("%d languages listed, want %d", n, maxAskedLanguages)
	}
}

func TestBrowser_BrowserTestWithJavaScript(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t, withViewport(1000, 700))
	b.open("/en/browser-test", http.StatusOK)
	b.waitFor("the script's findings", `!document.querySelector("#bt-js-on").hidden`)
	b.check("JavaScript is on, not off", `document.querySelector("#bt-js-off").hidden && !document.querySelector("#bt-js-means-on").hidden`)
	b.check("cookies are allowed", `!document.querySelector("#bt-cookies-on").hidden && document.querySelector("#bt-cookies-off").hidden &&
		document.querySelector("#bt-cookies-unknown").hidden && !document.querySelector("#bt-cookies-means-on").hidden`)
	b.check("the window is measured", `document.querySelector("#bt-viewport").textContent === "1,000 × 700 pixels"`)
	b.check("the pixel ratio is a number", `/^[0-9.]+$/.test(document.querySelector("#bt-zoom").textContent)`)
	b.check("the screen is measured", `/^[0-9,]+ × [0-9,]+ pixels$/.test(document.querySelector("#bt-screen-size").textContent)`)
	b.checkAccessibility("/en/browser-test with JavaScript")

	// Text size + changes the size in place; the page follows.
	b.click(`a[data-text-size-step="1"]`)
	b.waitFor("the new step", `document.querySelector("#text-size-status").textContent === "Step 3 of 6"`)
	b.waitFor("the new percentage", `document.querySelector("#bt-size-percent").textContent === "112.5 % of the normal size"`)
	b.checkNoCookies()
}

func TestBrowser_BrowserTestSaysWhenCookiesAreBlocked(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	if _, err := chromedp.Call(b.ctx, emulation.SetDocumentCookieDisabled, emulation.SetDocumentCookieDisabledParams{Disabled: true}); err != nil {
		t.Fatalf("blocking cookies: %v", err)
	}
	b.open("/fr/browser-test", http.StatusOK)
	b.waitFor("the script's findings", `!document.querySelector("#bt-js-on").hidden`)
	b.check("navigator.cookieEnabled is false", `navigator.cookieEnabled === false`)
	b.check("cookies are blocked: untick 1-Click", `!document.querySelector("#bt-cookies-off").hidden &&
		document.querySelector("#bt-cookies-means-off").textContent.includes("Autoriser l’accès en 1 clic") &&
		document.querySelector("#bt-cookies-on").hidden`)
	b.check("numbers the French way", `document.querySelector("#bt-size-percent").textContent.startsWith("100 %")`)
	b.checkAccessibility("/fr/browser-test with cookies blocked")
	b.checkNoCookies()
}

func TestBrowser_BrowserTestWithoutJavaScript(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t, withoutJavaScript(), withViewport(1280, 900))
	b.open("/en/browser-test?size=5", http.StatusOK)
	b.check("200 % text fits the window", `document.documentElement.scrollWidth <= document.documentElement.clientWidth`)
	b.check("no script ran", `!document.documentElement.classList.contains("js")`)
	b.check("JavaScript is off", `(function (off, on) {
		return off.getBoundingClientRect().height > 0 && off.textContent === "Off." && on.getBoundingClientRect().height === 0;
	})(document.querySelector("#bt-js-off"), document.querySelector("#bt-js-on"))`)
	b.check("cookies cannot be checked, and what to do", `document.querySelector("#bt-cookies-unknown").getBoundingClientRect().height > 0 &&
		document.querySelector("#bt-cookies-means-unknown").textContent.includes("untick")`)
	b.check("the window cannot be measured", `document.querySelector("#bt-viewport").textContent === "Cannot be checked without JavaScript."`)
	b.check("the text size of the address", `document.querySelector("#text-size-status").textContent === "Step 6 of 6" &&
		document.querySelector("#bt-size-percent").textContent.startsWith("200 %")`)
	b.check("a plain connection: do not sign in", `document.querySelector("#bt-secure-off").getBoundingClientRect().height > 0`)
	// axe needs timers, which a page without JavaScript does not run: allow
	// scripts again for axe alone. The page's own scripts were skipped when it
	// loaded and stay so; the DOM axe checks is the one without JavaScript.
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
		t.Fatalf("allowing scripts for axe: %v", err)
	}
	b.checkAccessibility("/en/browser-test without JavaScript at 200%")
	b.check("still the page without JavaScript", `!document.documentElement.classList.contains("js") && !document.querySelector("#bt-js-off").hidden`)
	b.checkNoCookies()
}
