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
