package handlers

// Journeys through the portal in headless Chromium, with and without
// JavaScript. The harness is in browser_helpers_test.go; these tests skip only
// when Chromium (or axe-core, for the accessibility checks) is missing and CI
// is unset.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// firstSetupEntry is the CSS selector, by id, of the first article of the Set
// Up section of the home page.
func (b *browserTab) firstSetupEntry() string {
	b.t.Helper()
	id := evalJS[string](b, `document.querySelector("#setup details").id`)
	if id == "" {
		b.t.Fatal("the first Set Up entry has no id")
	}
	return "#" + id
}

// js quotes a Go string for a JavaScript expression.
func js(s string) string { return fmt.Sprintf("%q", s) }

func TestBrowser_ExpandCollapseLoadsArticleInPlace(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	b.open("/en/", http.StatusOK)
	b.markPage()
	entry := b.firstSetupEntry()
	details := `document.querySelector(` + js(entry) + `)`
	summary := `document.querySelector(` + js(entry+" > summary") + `)`

	b.check("the entry starts closed", `!`+details+`.open`)
	b.waitFor("the closed entry to say so", summary+`.getAttribute("aria-expanded") === "false"`)

	b.click(entry + " > summary")
	b.waitFor("the article body to load inside the entry", details+`.querySelector(".entry-body .prose")`)
	b.check("the entry is open", details+`.open`)
	b.waitFor("the summary to say it is expanded", summary+`.getAttribute("aria-expanded") === "true"`)
	b.check("the body is the fragment, not a whole page", `!`+details+`.querySelector("header, aside.side, footer, main")`)
	b.check("the loaded body has the article's feedback form", details+`.querySelector(".feedback form button[value=yes]")`)
	if !evalJS[bool](b, `document.activeElement === `+summary) {
		t.Errorf("focus moved to %s after expanding; want it to stay on the summary", b.activeElement())
	}

	b.click(entry + " > summary")
	b.waitFor("the entry to close", `!`+details+`.open`)
	b.waitFor("the summary to say it is collapsed", summary+`.getAttribute("aria-expanded") === "false"`)
	if !evalJS[bool](b, `document.activeElement === `+summary) {
		t.Errorf("focus moved to %s after collapsing; want it to stay on the summary", b.activeElement())
	}
	b.checkNoNavigation("/en/")
}

func TestBrowser_WithoutJavaScriptEntriesOpenAndLinkToArticles(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t, withoutJavaScript())
	b.open("/en/", http.StatusOK)
	b.check("no script ran", `!document.documentElement.classList.contains("js")`)
	b.check("the notice about JavaScript is shown", `(function (n) {
		return n && n.getBoundingClientRect().height > 0 && getComputedStyle(n).display !== "none" &&
			/turn on JavaScript/.test(n.textContent);
	})(document.querySelector("header .noscript-notice"))`)

	entry := b.firstSetupEntry()
	details := `document.querySelector(` + js(entry) + `)`
	title := evalJS[string](b, details+`.querySelector("summary").textContent.trim()`)
	b.click(entry + " > summary")
	b.waitFor("the entry to open", details+`.open`)
	b.check("the description shows", `(function (p) {
		return p && p.textContent.trim().length > 20 && p.getBoundingClientRect().height > 0;
	})(`+details+`.querySelector(".entry-body p"))`)
	link := entry + ` .entry-body a[href^="/en/articles/"]`
	b.check("a link to the article page shows", `(function (a) {
		return a && a.getBoundingClientRect().height > 0;
	})(document.querySelector(`+js(link)+`))`)
	href := evalJS[string](b, `document.querySelector(`+js(link)+`).getAttribute("href")`)

	b.follow("following the link to the article", chromedp.Click(chromedp.CSS(link)))
	if got := evalJS[string](b, `location.pathname`); got != href {
		t.Fatalf("the link went to %q, want %q", got, href)
	}
	if h1 := evalJS[string](b, `document.querySelector("h1").textContent.trim()`); h1 != title {
		t.Errorf("the article page is titled %q, want %q", h1, title)
	}
	b.check("the article page has the body", `document.querySelector("article .prose p")`)

	b.open("/en/", http.StatusOK)
	b.follow("following Expand all of Set Up", chromedp.Click(chromedp.CSS("#setup a[data-expand-all]")))
	if got := evalJS[string](b, `location.pathname + location.search + location.hash`); got != "/en/?open=setup#setup" {
		t.Errorf("Expand all went to %q, want /en/?open=setup#setup", got)
	}
	b.check("every Set Up entry is open with its full body", `(function (all) {
		return all.length === 3 && all.every(function (d) {
			return d.open && d.querySelector(".entry-body .prose p") && d.querySelector(".entry-body .prose").getBoundingClientRect().height > 0;
		});
	})(Array.from(document.querySelectorAll("#setup details")))`)
	b.check("the other sections stay closed", `!document.querySelector("#popular details[open], #latest details[open]")`)
	b.check("the link now collapses", `document.querySelector("#setup a[data-collapse-all]")`)
}

func TestBrowser_ExpandAllLoadsEverySetUpArticleAndCollapsesThem(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	b.open("/en/", http.StatusOK)
	b.markPage()
	const toggle = `document.querySelector("#setup .entries-all a")`
	const entries = `Array.from(document.querySelectorAll("#setup details"))`
	if got := evalJS[string](b, toggle+`.textContent.trim()`); got != "Expand all" {
		t.Fatalf("the Set Up toggle reads %q, want Expand all", got)
	}
	b.check("the toggle says it is collapsed at first", toggle+`.getAttribute("aria-expanded") === "false"`)

	b.click("#setup .entries-all a")
	b.waitFor("every Set Up entry to open and load its body", `(function (all) {
		return all.length === 3 && all.every(function (d) { return d.open && d.querySelector(".entry-body .prose"); });
	})(`+entries+`)`)
	if got := evalJS[string](b, toggle+`.textContent.trim()`); got != "Collapse all" {
		t.Errorf("after expanding, the toggle reads %q, want Collapse all", got)
	}
	b.check("the toggle says it is expanded", toggle+`.getAttribute("aria-expanded") === "true"`)
	b.waitFor("every summary to say it is expanded", entries+`.every(function (d) {
		return d.querySelector("summary").getAttribute("aria-expanded") === "true";
	})`)
	b.check("the other sections stay closed", `!document.querySelector("#popular details[open], #latest details[open]")`)

	b.click("#setup .entries-all a")
	b.waitFor("every Set Up entry to close", entries+`.every(function (d) { return !d.open; })`)
	if got := evalJS[string](b, toggle+`.textContent.trim()`); got != "Expand all" {
		t.Errorf("after collapsing, the toggle reads %q, want Expand all", got)
	}
	b.check("the toggle says it is collapsed", toggle+`.getAttribute("aria-expanded") === "false"`)
	b.waitFor("every summary to say it is collapsed", entries+`.every(function (d) {
		return d.querySelector("summary").getAttribute("aria-expanded") === "false";
	})`)
	b.checkNoNavigation("/en/")
}

func TestBrowser_SearchAsYouTypeShowsResultsWithoutLeavingThePage(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	b.open("/en/", http.StatusOK)
	b.markPage()

	b.do("typing in the search box", chromedp.SendKeys(chromedp.ID("site-search"), "passw"))
	b.waitFor("results to appear below the search box", `document.querySelector("#site-search-live ol.results li mark")`)
	b.check("the results show", `document.querySelector("#site-search-live").getBoundingClientRect().height > 0`)
	b.check("the matches are highlighted", `Array.from(document.querySelectorAll("#site-search-live mark")).some(function (m) {
		return m.textContent.toLowerCase().indexOf("passw") === 0;
	})`)
	if id := evalJS[string](b, `document.activeElement.id`); id != "site-search" {
		t.Errorf("focus moved to %s while typing; want it to stay in the search box", b.activeElement())
	}
	if v := evalJS[string](b, `document.getElementById("site-search").value`); v != "passw" {
		t.Errorf("the search box holds %q, want passw", v)
	}
	b.checkNoNavigation("/en/")

	b.follow("submitting the search with Enter", chromedp.KeyEvent(kb.Enter))
	if got := evalJS[string](b, `location.pathname + location.search`); got != "/en/search?q=passw" {
		t.Fatalf("submitting went to %q, want /en/search?q=passw", got)
	}
	b.check("the results page lists results", `document.querySelectorAll("main #search-results ol.results li").length >= 1`)
	b.check("the results page highlights matches", `document.querySelector("main #search-results ol.results mark")`)
}

func TestBrowser_TypoSearchSuggestsTheCorrection(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	b.open("/en/", http.StatusOK)
	b.follow("submitting a misspelt search", chromedp.SendKeys(chromedp.ID("site-search"), "pasword\n"))
	if got := evalJS[string](b, `location.pathname + location.search`); got != "/en/search?q=pasword" {
		t.Fatalf("submitting went to %q, want /en/search?q=pasword", got)
	}
	notice := evalJS[string](b, `(document.querySelector("main .did-you-mean") || {textContent: ""}).textContent.replace(/\s+/g, " ").trim()`)
	if !strings.Contains(notice, "password") {
		t.Errorf("the correction notice reads %q; want it to offer password", notice)
	}
	b.check("the corrected search has results", `document.querySelectorAll("main #search-results ol.results li").length >= 1`)
}

func TestBrowser_TextSizeIsRememberedInTheBrowserWithoutCookies(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	b.open("/en/", http.StatusOK)
	const size = `document.documentElement.dataset.textSize`
	const fontSize = `parseFloat(getComputedStyle(document.documentElement).fontSize)`
	if got := evalJS[string](b, size); got != "1" {
		t.Fatalf("the page starts at text size %q, want 1", got)
	}
	before := evalJS[float64](b, fontSize)
	if evalJS[bool](b, `localStorage.getItem("zerodesk.textSize") !== null`) {
		t.Error("a visit alone stored a text size; only the visitor's choice should be stored")
	}
	b.markPage()

	b.click(`a[data-text-size-step="1"]`)
	b.waitFor("the text size to grow to 2", size+` === "2"`)
	after := evalJS[float64](b, fontSize)
	if after <= before {
		t.Errorf("the font size of <html> went from %vpx to %vpx; want it larger", before, after)
	}
	b.checkNoNavigation("/en/")
	if got := evalJS[string](b, `localStorage.getItem("zerodesk.textSize") || ""`); got != "2" {
		t.Errorf("localStorage holds text size %q, want 2", got)
	}

	b.do("reloading", chromedp.Reload())
	if got := evalJS[string](b, size); got != "2" {
		t.Errorf("after a reload the text size is %q, want 2 (remembered)", got)
	}
	if got := evalJS[float64](b, fontSize); got != after {
		t.Errorf("after a reload the font size is %vpx, want %vpx", got, after)
	}
	b.checkNoCookies()
}

func TestBrowser_TextSizeWithoutJavaScriptTravelsInTheURL(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t, withoutJavaScript())
	b.open("/en/", http.StatusOK)
	b.follow("following the + link", chromedp.Click(chromedp.CSS(`a[data-text-size-step="1"]`)))
	if got := evalJS[string](b, `location.pathname + location.search`); got != "/en/?size=2" {
		t.Fatalf("+ went to %q, want /en/?size=2", got)
	}
	if got := evalJS[string](b, `document.documentElement.dataset.textSize`); got != "2" {
		t.Errorf("the page renders text size %q, want 2", got)
	}
	b.check("the page's text is larger", `parseFloat(getComputedStyle(document.documentElement).fontSize) > 16`)
	b.check("every side link keeps size=2", `(function (links) {
		return links.length > 0 && links.every(function (a) { return new URL(a.href).searchParams.get("size") === "2"; });
	})(Array.from(document.querySelectorAll("aside.side a[href]")))`)
	b.check("the − link goes back to the default size", `(function (u) {
		return u.pathname === "/en/" && (u.searchParams.get("size") || "1") === "1";
	})(new URL(document.querySelector('a[data-text-size-step="-1"]').href))`)
	b.checkNoCookies()
}

func TestBrowser_TextSizeFromALinkCanBeChangedByKeyboardAndIsKept(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	// A shared link at the largest size: the page is rendered with + disabled
	// and every link carrying size=5.
	b.open("/en/?size=5", http.StatusOK)
	const size = `document.documentElement.dataset.textSize`
	const plus = `document.querySelector('a[data-text-size-step="1"]')`
	b.check("+ is disabled at the largest size", plus+`.getAttribute("aria-disabled") === "true"`)

	b.do("focusing −", chromedp.Focus(chromedp.CSS(`a[data-text-size-step="-1"]`)))
	b.press(kb.Enter)
	b.waitFor("Enter on − to make the text smaller", size+` === "4"`)
	b.check("+ is enabled again", `!`+plus+`.hasAttribute("aria-disabled")`)
	b.press(kb.Tab)
	if !evalJS[bool](b, `document.activeElement === `+plus) {
		t.Fatalf("Tab after − went to %s; want the re-enabled +", b.activeElement())
	}
	b.press(kb.Enter)
	b.waitFor("Enter on + to make the text larger", size+` === "5"`)

	b.click(`a[data-text-size-step="-1"]`)
	b.click(`a[data-text-size-step="-1"]`)
	b.waitFor("two clicks on − to reach size 3", size+` === "3"`)
	b.check("the search form sends the chosen size", `Array.from(document.querySelectorAll('input[name="size"]')).every(function (i) { return i.value === "3"; })`)
	b.follow("following the Reset Account link", chromedp.Click(chromedp.CSS(`aside.side a[href^="/en/reset"]`)))
	if got := evalJS[string](b, size); got != "3" {
		t.Errorf("after following a link the text size is %q, want the chosen 3 (the link still carried the old size?)", got)
	}
	b.checkNoCookies()
}

func TestBrowser_SkipLinkIsTheFirstTabStopAndFocusesMain(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	b.open("/en/", http.StatusOK)
	b.tabUntil("the skip link", `el.classList.contains("skip-link")`, 1)
	b.check("the focused skip link is visible on screen", `(function (r) {
		return r.top >= 0 && r.bottom <= innerHeight && r.width > 0;
	})(document.activeElement.getBoundingClientRect())`)
	b.press(kb.Enter)
	b.waitForFocus("main", `el.id === "main"`)
	// The next Tab continues from the content, not from the top bar.
	b.press(kb.Tab)
	b.check("Tab after the skip link stays in main", `document.activeElement.closest("main")`)
}

func TestBrowser_KeyboardOnlyReachesAndTogglesAnArticle(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	b.open("/en/", http.StatusOK)
	entry := b.firstSetupEntry()
	details := `document.querySelector(` + js(entry) + `)`
	summary := `document.querySelector(` + js(entry+" > summary") + `)`

	b.tabUntil("the first Set Up summary", `el === `+summary, 40)
	style := evalJS[map[string]string](b, `(function (s) {
		return {outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth, outlineColor: s.outlineColor, boxShadow: s.boxShadow};
	})(getComputedStyle(document.activeElement))`)
	if (style["outlineStyle"] == "none" || style["outlineWidth"] == "0px") && style["boxShadow"] == "none" {
		t.Errorf("the focused summary shows no focus indicator: %v", style)
	}
	b.check("the summary matches :focus-visible", `document.activeElement.matches(":focus-visible")`)

	b.press(kb.Enter)
	b.waitFor("Enter to expand the entry and load its body", details+`.open && `+details+`.querySelector(".entry-body .prose")`)
	b.waitFor("the summary to say it is expanded", summary+`.getAttribute("aria-expanded") === "true"`)
	if !evalJS[bool](b, `document.activeElement === `+summary) {
		t.Fatalf("focus moved to %s after Enter; want it on the summary", b.activeElement())
	}

	b.press(kb.Enter)
	b.waitFor("Enter again to collapse the entry", `!`+details+`.open`)
	b.waitFor("the summary to say it is collapsed", summary+`.getAttribute("aria-expanded") === "false"`)
}

func TestBrowser_FeedbackThanksReplacesTheFormAndTakesFocus(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	b.open("/en/", http.StatusOK)
	b.markPage()
	entry := b.firstSetupEntry()
	details := `document.querySelector(` + js(entry) + `)`

	b.click(entry + " > summary")
	b.waitFor("the article body to load", details+`.querySelector(".feedback form")`)
	b.click(entry + ` .feedback button[value="yes"]`)
	b.waitFor("the thanks message", details+`.querySelector(".feedback .feedback-thanks")`)
	b.check("the form is gone", `!`+details+`.querySelector(".feedback form")`)
	b.check("there is one feedback area", details+`.querySelectorAll(".feedback").length === 1`)
	b.waitForFocus("the thanks message (data-autofocus)", `el.hasAttribute("data-autofocus") && `+details+`.contains(el)`)
	b.checkNoNavigation("/en/")
	b.checkNoCookies()
}

func TestBrowser_LargestTextOnANarrowScreenNeedsNoHorizontalScroll(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t, withViewport(640, 900))
	for _, path := range []string{
		"/en/?size=5",
		"/en/?size=5&open=setup", // every Set Up article expanded, code blocks included
		"/en/articles/what-is-stored?size=5",
		"/en/articles/setup-self-hosting?size=5",
		"/en/search?q=password&size=5",
	} {
		b.open(path, http.StatusOK)
		if got := evalJS[string](b, `document.documentElement.dataset.textSize`); got != "5" {
			t.Errorf("%s: text size %q, want 5", path, got)
		}
		if w := evalJS[int](b, `innerWidth`); w != 640 {
			t.Fatalf("%s: the viewport is %d px wide, want 640", path, w)
		}
		got := evalJS[[]int](b, `[document.documentElement.scrollWidth, innerWidth]`)
		if got[0] <= got[1]+1 {
			continue
		}
		wide := evalJS[[]string](b, `Array.from(document.querySelectorAll("body *")).filter(function (e) {
			return e.getBoundingClientRect().right > innerWidth + 1;
		}).slice(0, 6).map(function (e) {
			return e.tagName.toLowerCase() + (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : "") +
				" (right edge " + Math.round(e.getBoundingClientRect().right) + ")";
		})`)
		t.Errorf("%s: the page scrolls sideways: scrollWidth %d > innerWidth %d; too wide: %s", path, got[0], got[1], strings.Join(wide, ", "))
	}
}

func TestBrowser_PagesHaveNoAccessibilityViolations(t *testing.T) {
	t.Parallel()
	loadAxe(t)
	b := newBrowserTab(t)
	for _, p := range []struct {
		name, path string
		status     int64
	}{
		{"home", "/en/", http.StatusOK},
		{"article", "/en/articles/reset-account", http.StatusOK},
		{"search results", "/en/search?q=password", http.StatusOK},
		{"search without results", "/en/search?q=xylophone+quantum", http.StatusOK},
		{"search results, second page", "/en/search?q=the&page=2", http.StatusOK},
		{"not found", "/en/nothing-here", http.StatusNotFound},
	} {
		t.Run(p.name, func(t *testing.T) {
			sub := *b
			sub.t = t
			sub.open(p.path, p.status)
			sub.checkAccessibility(p.path)
		})
	}
	t.Run("home with an article expanded", func(t *testing.T) {
		sub := *b
		sub.t = t
		sub.open("/en/", http.StatusOK)
		entry := sub.firstSetupEntry()
		sub.click(entry + " > summary")
		sub.waitFor("the article body to load", `document.querySelector(`+js(entry+" .entry-body .prose")+`)`)
		sub.checkAccessibility("/en/ with " + entry + " expanded")
	})
}

// Between the browser's breakpoint and the scaled one (an 800 or 1024 px
// window at 200 % text) the side panels must not squeeze the reading column:
// the panels stack and the main column takes the window's width.
func TestBrowser_LargestTextInAMidSizeWindowReadsInOneWideColumn(t *testing.T) {
	t.Parallel()
	for _, width := range []int64{800, 1024} {
		b := newBrowserTab(t, withViewport(width, 900))
		for _, path := range []string{"/en/?size=5", "/en/articles/what-is-stored?size=5", "/en/browser-test?size=5", "/en/?size=4"} {
			b.open(path, http.StatusOK)
			got := evalJS[[]int](b, `[Math.round(document.querySelector("main").getBoundingClientRect().width), innerWidth, document.documentElement.scrollWidth]`)
			if got[0]*10 < got[1]*8 {
				t.Errorf("%d px, %s: the main column is %d px of a %d px window", width, path, got[0], got[1])
			}
			if got[2] > got[1]+1 {
				t.Errorf("%d px, %s: the page scrolls sideways (%d > %d)", width, path, got[2], got[1])
			}
		}
	}
}
