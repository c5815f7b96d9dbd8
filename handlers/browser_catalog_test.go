package handlers

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"testing/fstest"

	"github.com/chromedp/chromedp"
)

// Issue 13, "Scale": a visitor goes from the home page's Set Up panel to
// the whole section and pages through it, with JavaScript and without.
func TestBrowser_VisitorPagesThroughALargeSection(t *testing.T) {
	t.Parallel()
	for _, js := range []bool{true, false} {
		t.Run("javascript "+strconv.FormatBool(js), func(t *testing.T) {
			t.Parallel()
			var opts []tabOption
			if !js {
				opts = append(opts, withoutJavaScript())
			}
			b := newBrowserTab(t, opts...)
			src := fstest.MapFS{}
			for i := range 60 {
				src[fmt.Sprintf("en/bulk-%03d.md", i)] = &fstest.MapFile{Data: fmt.Appendf(nil,
					"+++\nkey = \"bulk-%03d\"\ncategory = \"setup\"\nposition = %d\ntitle = \"Bulk setup step %03d\"\ndescription = \"Step %d.\"\npublished = 2026-05-01\n+++\nStep %d.\n",
					i, 100+i, i, i, i)}
			}
			if _, err := b.app.kb.Import(context.Background(), src); err != nil {
				t.Fatal(err)
			}
			b.open("/en/", 200)
			b.check("the Set Up panel is bounded", `document.querySelectorAll("#setup-list .entry").length === 10`)
			b.follow("the link to the whole section", chromedp.Click(chromedp.CSS(`#setup .entries-more a`)))
			b.check("the section's first page", `location.pathname === "/en/sections/setup" && document.querySelectorAll("#setup-list .entry").length === 50`)
			b.checkAccessibility("the section's first page")
			b.follow("the next page", chromedp.Click(chromedp.CSS(`nav.pagination a[rel="next"]`)))
			b.check("the second page", `location.search === "?page=2" && document.querySelectorAll("#setup-list .entry").length === 13 && document.querySelector('nav.pagination [aria-current="page"]').textContent === "2"`)
			b.checkAccessibility("the section's last page")
			b.checkNoCookies()
		})
	}
}
