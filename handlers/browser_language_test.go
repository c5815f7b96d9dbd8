package handlers

// Language journeys in headless Chromium: switching language on an article,
// Arabic laid out right to left, and accessibility in more than English.

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestBrowser_SwitchingLanguageOnAnArticleKeepsTheArticle(t *testing.T) {
	t.Parallel()
	for _, js := range []bool{true, false} {
		name := "with JavaScript"
		var opts []tabOption
		if !js {
			name, opts = "without JavaScript", []tabOption{withoutJavaScript()}
		}
		t.Run(name, func(t *testing.T) {
			b := newBrowserTab(t, opts...)
			b.open("/en/articles/what-is-stored", http.StatusOK)
			english := evalJS[string](b, `document.querySelector("h1").textContent`)
			b.do("choosing Español", chromedp.SetValue(chromedp.CSS(`#language-select`), "es"))
			b.follow("pressing Change", chromedp.Click(chromedp.CSS(`form.language button[type="submit"]`)))
			b.waitFor("the Spanish page", `document.documentElement.lang === "es"`)
			path := evalJS[string](b, `location.pathname`)
			if !strings.HasPrefix(path, "/es/articles/") || path == "/es/articles/what-is-stored" {
				t.Fatalf("landed on %s; want the Spanish slug of the same article", path)
			}
			spanish := evalJS[string](b, `document.querySelector("h1").textContent`)
			if spanish == english || spanish == "" {
				t.Fatalf("the title is still %q", spanish)
			}
			// The translation predates a change of its original: it says so.
			b.check("the outdated notice links the original", `!!document.querySelector('.notice a[href="/en/articles/what-is-stored"]')`)
			b.checkNoCookies()
		})
	}
}

func TestBrowser_ArabicIsLaidOutRightToLeft(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t, withViewport(1200, 900))
	b.open("/ar/", http.StatusOK)
	b.check("dir is rtl", `document.documentElement.dir === "rtl" && getComputedStyle(document.body).direction === "rtl"`)
	// Mirrored, not just right-aligned text: the side panels sit right of main,
	// and the brand starts at the right edge of the top bar.
	b.check("the side panels are on the right",
		`document.querySelector("aside.side").getBoundingClientRect().left > document.querySelector("main").getBoundingClientRect().left`)
	b.check("the brand is at the right",
		`document.querySelector(".brand").getBoundingClientRect().right > innerWidth / 2`)
	b.check("the panel headings are right-aligned",
		`(function(){var h=document.querySelector("#view-panel-title").getBoundingClientRect(), m=document.querySelector("main").getBoundingClientRect(); return m.right - h.right < 40;})()`)
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil || len(png) < 1000 {
		t.Fatalf("screenshot: %v", err)
	}
	writeArtifact(t, "arabic-home.png", png)
}

func TestBrowser_TranslatedPagesHaveNoAccessibilityViolations(t *testing.T) {
	t.Parallel()
	loadAxe(t)
	b := newBrowserTab(t)
	for _, path := range []string{
		"/ar/", "/ar/articles/reset-account", "/ar/search?q=%D8%AD%D8%B3%D8%A7%D8%A8",
		"/es/", "/es/search?q=contrase%C3%B1a", "/zh-Hans/", "/ja/search?q=%E3%83%A6%E3%83%BC%E3%82%B6%E3%83%BC",
	} {
		t.Run(path, func(t *testing.T) {
			sub := *b
			sub.t = t
			sub.open(path, http.StatusOK)
			sub.checkAccessibility(path)
		})
	}
}

// writeArtifact keeps a file for a person to look at when ZERODESK_ARTIFACTS
// names a folder; otherwise it goes to the test's temporary folder.
func writeArtifact(t *testing.T, name string, data []byte) {
	t.Helper()
	dir := t.TempDir()
	if d := os.Getenv("ZERODESK_ARTIFACTS"); d != "" {
		dir = d
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Issue 10: on Arabic pages, English fallback titles and snippets carried
// lang but not dir, so their punctuation jumped to the wrong end, and the
// badge named English in English. In Chromium: the question mark of "How do
// I log in?" ends the English title on the right, and the Arabic badge
// follows the title on its left.
func TestBrowser_EnglishFallbackOnArabicPagesKeepsItsDirection(t *testing.T) {
	t.Parallel()
	loadAxe(t)
	b := newBrowserTab(t, withViewport(1200, 900))
	// endsRight: the last character of el's text lies right of its first.
	const endsRight = `(function(sel){
		var el = document.querySelector(sel); if (!el) return false;
		var w = document.createTreeWalker(el, NodeFilter.SHOW_TEXT), nodes = [], n;
		while ((n = w.nextNode())) { if (n.textContent.trim()) nodes.push(n); }
		if (!nodes.length) return false;
		var r = document.createRange(), a = nodes[0], z = nodes[nodes.length-1];
		var s = a.textContent.search(/\S/); r.setStart(a, s); r.setEnd(a, s+1);
		var first = r.getBoundingClientRect();
		var e = z.textContent.replace(/\s+$/, "").length; r.setStart(z, e-1); r.setEnd(z, e);
		var last = r.getBoundingClientRect();
		return z.textContent.trim().slice(-1) === "?" && last.left > first.left;
	})(%q)`
	b.open("/ar/articles/log-in-two-steps", http.StatusOK)
	b.check("the English title keeps its question mark at its end, on the right", strings.Replace(endsRight, "%q", `"h1"`, 1))
	b.check("the title is isolated left to right", `getComputedStyle(document.querySelector("h1")).direction === "ltr"`)
	b.check("the notice names English in Arabic", `document.querySelector(".notice").textContent.indexOf("الإنجليزية") >= 0 && document.querySelector(".notice").textContent.indexOf("English") < 0`)
	b.checkAccessibility("/ar/articles/log-in-two-steps")

	b.open("/ar/search?q=log+in", http.StatusOK)
	const hit = `Array.from(document.querySelectorAll("main ol.results li")).find(function(li){ return li.querySelector("a.result-title").textContent.trim() === "How do I log in?"; })`
	b.check("the English article is found", `!!`+hit)
	b.check("its title keeps its question mark on the right", `(function(){ var li = `+hit+`; li.querySelector("a.result-title").id = "probe"; return true; })() && `+strings.Replace(endsRight, "%q", `"#probe"`, 1))
	b.check("its snippet is laid out left to right", `getComputedStyle(`+hit+`.querySelector(".snippet")).direction === "ltr"`)
	b.check("the Arabic badge follows the title, on its left",
		`(function(){ var li = `+hit+`, t = li.querySelector("a.result-title").getBoundingClientRect(), g = li.querySelector(".in-language");
			return g && g.textContent.indexOf("الإنجليزية") >= 0 && g.getBoundingClientRect().right <= t.left + 1; })()`)
	b.checkAccessibility("/ar/search?q=log+in")
}
