package handlers

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// issue 13, item 7: an editor creates a category, names it in Spanish and
// moves it up; a visitor sees it there; deleting a category that holds
// articles is refused, saying why. With JavaScript on and off, axe on every
// page.
func TestBrowser_EditorCategoriesCreateRenameMoveVisitorSees(t *testing.T) {
	t.Parallel()
	for _, js := range []bool{true, false} {
		t.Run(jsName(js), func(t *testing.T) {
			t.Parallel()
			b := newBrowserTab(t, tabOptions(js)...)
			b.editorLogin("Eda Editor", "eda@example.com")
			b.follow("categories", chromedp.Click(chromedp.CSS(`.desk-menu a[href="/en/editor/categories"]`)))
			b.check("the six categories", `document.querySelectorAll("#categories-list tbody tr").length === 6`)
			b.checkAccessibility("categories")
			b.typeInto("#category-name", "Billing")
			b.typeInto("#category-intro", "How you pay.")
			b.follow("creating", chromedp.Click(chromedp.CSS(`form[action="/en/editor/categories/create"] button[type="submit"]`)))
			b.check("created", `document.querySelector("#categories-notice").textContent.includes("The category was created")`)
			b.check("listed last", `document.querySelector("#categories-list tbody tr:last-child").id === "category-billing"`)
			b.checkAccessibility("categories after creating one")

			b.follow("the category's names", chromedp.Click(chromedp.CSS(`#category-billing th a`)))
			b.checkAccessibility("a category's names")
			b.typeInto("#name-es", "Facturación")
			b.typeInto("#intro-es", "Cómo se paga.")
			b.follow("saving", chromedp.Click(chromedp.CSS(`form[action="/en/editor/category/billing/save"] button[type="submit"]`)))
			b.check("saved", `document.querySelector("#categories-notice").textContent.includes("were saved")`)

			b.open("/en/editor/categories", 200)
			b.follow("moving it up", chromedp.Click(chromedp.CSS(`#category-billing form:has(input[name="dir"][value="up"]) button`)))
			b.check("moved", `document.querySelector("#categories-notice").textContent.includes("order was changed") &&
				[...document.querySelectorAll("#categories-list tbody tr")].map(function (r) { return r.id; }).indexOf("category-billing") === 5`)

			b.follow("deleting How-To", chromedp.Click(chromedp.CSS(`#category-howto form[action="/en/editor/categories/delete"] button`)))
			b.check("refused, saying why", `document.querySelector("#form-error").textContent.includes("still holds articles")`)
			b.check("How-To is still there", `!!document.querySelector("#category-howto")`)
			b.checkAccessibility("a refused deletion")

			v := b.sibling(!js)
			v.open("/es/sections", 200)
			v.check("the visitor sees it in its place", `[...document.querySelectorAll("#sections-index > li > a")].map(function (a) { return a.textContent; })[5] === "Facturación"`)
			v.checkAccessibility("the visitors' categories")
			v.follow("opening it", chromedp.Click(chromedp.CSS(`#sections-index a[href="/es/sections/billing"]`)))
			v.check("its Spanish name and description", `document.querySelector("main h1").textContent === "Facturación" && document.querySelector("main .lead").textContent === "Cómo se paga."`)
			v.checkAccessibility("a new category's page")
			v.checkNoStoredCookies()
		})
	}
}
