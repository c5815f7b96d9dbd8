package handlers

import (
	"context"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"zerodesk/internal/kb"
)

// A translator translates an article side by side into Spanish; the English
// changes and the Spanish shows outdated with the source's diff; "I have
// updated it" clears it, and once published visitors read it without the
// outdated notice. With and without JavaScript, axe on every page (the
// Arabic one right to left).
func TestBrowser_TranslatorSideBySideOutdatedAndUpdated(t *testing.T) {
	t.Parallel()
	for _, js := range []bool{true, false} {
		t.Run(jsName(js), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			b := newBrowserTab(t, tabOptions(js)...)
			rev := newEditorArticle(t, b.app, "Printing a Ticket Receipt", "Choose **Print** on the ticket.")
			if err := b.app.kb.Publish(ctx, rev.ArticleID, "en", rev.ID); err != nil {
				t.Fatal(err)
			}
			id := strconv.FormatInt(rev.ArticleID, 10)
			page := "/en/editor/articles/" + id + "/es/translate"

			b.editorLogin("Tina Translator", "tina@example.com")
			b.follow("the translations", chromedp.Click(chromedp.CSS(`.desk-menu a[href="/en/editor/translations"]`)))
			evalJS[chromedp.Void](b, `document.querySelector("#queue-to").value = "es"`)
			b.follow("the Spanish queue", chromedp.Click(chromedp.CSS(`form.desk-filter button[type="submit"]`)))
			b.check("missing in the queue", `[...document.querySelectorAll("#queue tbody tr")].some(function (r) { return r.textContent.includes("Printing a Ticket Receipt") && r.textContent.includes("missing"); })`)
			b.checkAccessibility("translation queue")
			b.follow("the missing translation", chromedp.Click(chromedp.CSS(`#queue a[href="`+page+`"]`)))
			b.check("the source beside, rendered and in Markdown", `document.querySelector("#source-rendered strong").textContent === "Print" && document.querySelector("#source-body").value.includes("**Print**")`)
			b.checkAccessibility("new translation")

			b.typeInto("#ed-title", "Imprimir un recibo del ticket")
			b.typeInto("#ed-body", "Elija **Imprimir** en el ticket.")
			if js {
				b.waitFor("the slug proposed from the title", `document.querySelector("#ed-slug").value === "imprimir-un-recibo-del-ticket"`)
				b.waitFor("the live preview", `(document.querySelector("#preview-body strong") || {}).textContent === "Imprimir"`)
			} else {
				b.typeInto("#ed-slug", "imprimir-un-recibo-del-ticket")
				b.follow("preview", chromedp.Click(chromedp.CSS(`#editor-form button[value="preview"]`)))
				b.check("the preview", `document.querySelector("#preview-body strong").textContent === "Imprimir"`)
			}
			b.follow("publishing", chromedp.Click(chromedp.CSS(`#editor-form button[value="publish"]`)))
			b.waitFor("published", `document.querySelector("#editor-notice")?.textContent.includes("visitors see it now")`)

			// The English changes (another editor, through the domain).
			ed, err := b.app.kb.Edition(ctx, rev.ArticleID, "en")
			if err != nil {
				t.Fatal(err)
			}
			d := ed.Head.Draft
			d.Body = "Choose **Print** twice on the ticket."
			r2, err := b.app.kb.Save(ctx, kb.Author{Name: "Eda Editor"}, rev.ArticleID, ed.Head.ID, d)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.app.kb.Publish(ctx, rev.ArticleID, "en", r2.ID); err != nil {
				t.Fatal(err)
			}
			b.open(page, 200)
			b.check("outdated with the source's diff", `document.querySelector("#translation-state").textContent.includes("outdated") && document.querySelector("#source-diff ins").textContent.includes("twice")`)
			b.checkAccessibility("outdated translation")
			if js {
				b.open("/ar/editor/articles/"+id+"/es/translate", 200)
				b.check("right to left", `document.documentElement.dir === "rtl" && document.querySelector("#ed-body").getAttribute("lang") === "es"`)
				b.checkAccessibility("outdated translation in Arabic")
				b.open(page, 200)
			}
			v := b.sibling(!js)
			v.open("/es/articles/imprimir-un-recibo-del-ticket", 200)
			v.check("visitors are told", `!!document.querySelector("main p.notice")`)

			b.typeInto("#ed-body", "Elija **Imprimir** dos veces en el ticket.")
			if js { // as before publishing above: the live preview lands first, not under the click
				b.waitFor("the live preview of the update", `document.querySelector("#preview-body").textContent.includes("dos veces")`)
			}
			b.follow("I have updated it", chromedp.Click(chromedp.CSS(`#editor-form button[value="updated"]`)))
			b.check("current again", `!document.querySelector("#outdated") && document.querySelector("#editor-notice").textContent.includes("following the current source")`)
			b.checkAccessibility("updated translation")
			b.follow("publishing the update", chromedp.Click(chromedp.CSS(`#editor-form button[value="publish"]`)))
			v.open("/es/articles/imprimir-un-recibo-del-ticket", 200)
			v.check("visitors read the update, not outdated", `!document.querySelector("main p.notice") && document.querySelector("main").textContent.includes("dos veces")`)
			b.open("/en/editor/translations?to=es", 200)
			b.check("gone from the queue", `!document.querySelector('#queue a[href="`+page+`"]')`)
		})
	}
}
