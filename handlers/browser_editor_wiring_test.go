package handlers

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
)

// The editor writes an article with an image uploaded from the writing
// page (every word kept across the upload), previews it, publishing with
// an image without alternative text is refused, with it the article
// publishes, and a visitor sees the image: with and without JavaScript.
func TestBrowser_EditorWritesAnArticleWithAnImage(t *testing.T) {
	t.Parallel()
	for _, js := range []bool{true, false} {
		t.Run(jsName(js), func(t *testing.T) {
			t.Parallel()
			b := newBrowserTab(t, tabOptions(js)...)
			photo, err := os.ReadFile("../internal/kb/testdata/files/gps-exif.png")
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "tray.png")
			if err := os.WriteFile(file, photo, 0o644); err != nil {
				t.Fatal(err)
			}
			b.editorLogin("Eda Editor", "eda@example.com")
			b.follow("new article", chromedp.Click(chromedp.CSS(`.desk-menu a[href="/en/editor/new"]`)))
			b.typeInto("#ed-title", "Receipt Printer Tray")
			b.typeInto("#ed-keywords", "quokka")
			b.typeInto("#ed-body", "Open the tray. Wombat.")
			if js {
				b.waitFor("the slug proposed", `document.querySelector("#ed-slug").value === "receipt-printer-tray"`)
			} else {
				evalJS[chromedp.Void](b, `document.querySelector("#ed-slug").value = "receipt-printer-tray"`)
			}
			b.do("choosing the image", chromedp.SetUploadFiles(chromedp.CSS("#ed-files"), []string{file}))
			b.follow("uploading from the writing page", chromedp.Click(chromedp.CSS("#ed-upload")))
			b.check("uploaded", `document.querySelector("#editor-notice").textContent.includes("Uploaded")`)
			b.check("every word kept", `document.querySelector("#ed-body").value === "Open the tray. Wombat." && document.querySelector("#ed-title").value === "Receipt Printer Tray" && document.querySelector("#ed-keywords").value === "quokka"`)
			b.checkAccessibility("the writing page after an upload")
			path := evalJS[string](b, `document.querySelector("#ed-insert-file option:checked").getAttribute("data-path")`)

			// An image without alternative text, typed by hand, previewed.
			evalJS[chromedp.Void](b, `document.querySelector("#ed-body").value = "Open the tray. Wombat.\n\n![]("+`+strconv.Quote(path)+`+")\n"`)
			if js {
				evalJS[chromedp.Void](b, `document.querySelector("#ed-body").dispatchEvent(new Event("input", {bubbles: true}))`)
				b.waitFor("the live preview", `!!document.querySelector('#preview-body img[src="`+path+`"]')`)
			} else {
				b.follow("preview", chromedp.Click(chromedp.CSS(`button[name="action"][value="preview"]`)))
				b.check("the preview", `!!document.querySelector('#preview-body img[src="`+path+`"]')`)
			}
			b.follow("publishing without alt text", chromedp.Click(chromedp.CSS(`button[name="action"][value="publish"]`)))
			b.check("refused in words", `document.querySelector("#form-error").textContent.includes("alternative text")`)
			b.check("the text kept", `document.querySelector("#ed-body").value.includes("Wombat.") && document.querySelector("#ed-body").value.includes("![](`+path+`)")`)
			b.checkAccessibility("a refused publication")

			// Inserted with alternative text from the picker.
			evalJS[chromedp.Void](b, `(function (t) { t.value = "Open the tray. Wombat."; t.setSelectionRange(0, 0); })(document.querySelector("#ed-body"))`)
			b.typeInto("#ed-insert-alt", "The paper tray, open")
			if js {
				b.markPage()
				b.click("#ed-insert")
				b.check("inserted at the cursor", `document.querySelector("#ed-body").value === "![The paper tray, open](`+path+`)\n\nOpen the tray. Wombat."`)
				b.checkNoNavigation(evalJS[string](b, `location.pathname + location.search`))
			} else {
				b.follow("inserting", chromedp.Click(chromedp.CSS("#ed-insert")))
				b.check("inserted at the end", `document.querySelector("#ed-body").value === "Open the tray. Wombat.\n\n![The paper tray, open](`+path+`)\n"`)
			}
			b.follow("publishing", chromedp.Click(chromedp.CSS(`button[name="action"][value="publish"]`)))
			b.check("published", `document.querySelector("#editor-notice").textContent.includes("visitors see it now")`)

			v := b.sibling(!js)
			v.open("/en/articles/receipt-printer-tray", 200)
			v.waitFor("the visitor sees the image", `(function (i) { return i && i.alt === "The paper tray, open" && i.complete && i.naturalWidth > 0; })(document.querySelector('main img[src="`+path+`"]'))`)
			v.checkNoStoredCookies()
		})
	}
}
