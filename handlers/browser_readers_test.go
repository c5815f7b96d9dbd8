package handlers

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
)

// An editor uploads a photo, finds it in the files list (the image loads
// from its immutable address) and makes its Markdown with alternative
// text; with JavaScript and without.
func TestBrowser_EditorUploadsAnImageAndSeesItInTheFilesList(t *testing.T) {
	t.Parallel()
	for _, js := range []bool{true, false} {
		t.Run("javascript "+strconv.FormatBool(js), func(t *testing.T) {
			t.Parallel()
			var opts []tabOption
			if !js {
				opts = append(opts, withoutJavaScript())
			}
			b := newBrowserTab(t, opts...)
			photo, err := os.ReadFile("../internal/kb/testdata/files/gps-exif.jpg")
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "holiday photo.jpg")
			if err := os.WriteFile(file, photo, 0o644); err != nil {
				t.Fatal(err)
			}
			b.editorLogin("Eda Editor", "eda@example.com")
			b.follow("opening Files", chromedp.Click(chromedp.CSS(`nav.desk-menu a[href="/en/editor/files"]`)))
			b.check("the files page", `document.querySelector("h1").textContent === "Files" && !!document.querySelector("#files-none")`)
			b.checkAccessibility("the empty files page")

			b.do("choosing the photo", chromedp.SetUploadFiles(chromedp.CSS("#files"), []string{file}))
			b.follow("uploading", chromedp.Click(chromedp.CSS(`form.upload-form button[type="submit"]`)))
			b.check("the notice", `document.querySelector("#files-added").textContent.includes("1 file was stored")`)
			b.check("the list names it", `document.querySelector(".file-list").textContent.includes("holiday photo.jpg")`)
			b.waitFor("the image to load from its address",
				`(function (i) { return i && i.complete && i.naturalWidth === 64 && /^\/files\/[0-9a-f]{64}\.jpg$/.test(new URL(i.src).pathname); })(document.querySelector(".file-list img.file-thumb"))`)
			b.checkAccessibility("the files page after the upload")

			b.typeInto(".file-item input[name='alt']", "The support form, filled in")
			b.follow("making the Markdown", chromedp.Click(chromedp.CSS(`.snippet-form button[type="submit"]`)))
			b.check("the snippet", `/^!\[The support form, filled in\]\(\/files\/[0-9a-f]{64}\.jpg\)$/.test(document.querySelector("textarea.snippet-text").value)`)
			b.checkAccessibility("the files page with a snippet")

			// The readers' pages and the searches without results.
			b.follow("opening Readers", chromedp.Click(chromedp.CSS(`nav.desk-menu a[href="/en/editor/readers"]`)))
			b.checkAccessibility("the readers' numbers")
			b.follow("opening an article's numbers", chromedp.Click(chromedp.CSS(`table.readers-table tbody tr a`)))
			b.check("two charts", `document.querySelectorAll("svg.chart-svg[role=img] title").length === 2`)
			b.checkAccessibility("an article's numbers")
			b.follow("opening Searches", chromedp.Click(chromedp.CSS(`nav.desk-menu a[href="/en/editor/searches"]`)))
			b.checkAccessibility("the searches without results")
		})
	}
}

// A reader says an article did not help, and why, from the fixed list: with
// HTMX in place with the focus on the answer, without JavaScript through
// whole pages; no cookie either way.
func TestBrowser_ReaderSaysWhyAnArticleDidNotHelp(t *testing.T) {
	t.Parallel()
	for _, js := range []bool{true, false} {
		t.Run("javascript "+strconv.FormatBool(js), func(t *testing.T) {
			t.Parallel()
			var opts []tabOption
			if !js {
				opts = append(opts, withoutJavaScript())
			}
			b := newBrowserTab(t, opts...)
			b.open("/en/articles/reset-account", 200)
			if js {
				b.markPage()
				b.click(`.feedback button[name="helpful"][value="no"]`)
				b.waitFor("the reason form", `document.querySelector(".feedback form.feedback-reason")`)
				b.waitForFocus("the thanks", `el.classList.contains("feedback-thanks")`)
			} else {
				b.follow("answering no", chromedp.Click(chromedp.CSS(`.feedback button[name="helpful"][value="no"]`)))
				b.check("the reason form", `!!document.querySelector(".feedback form.feedback-reason")`)
			}
			b.checkAccessibility("the article asking why")
			b.click(`.feedback-reason input[value="outdated"]`)
			if js {
				b.click(`.feedback-reason button[type="submit"]`)
				b.waitFor("the thanks for the reason", `document.querySelector(".feedback").textContent.includes("Thank you for telling us why")`)
				b.waitForFocus("the thanks", `el.classList.contains("feedback-thanks")`)
				b.checkNoNavigation("/en/articles/reset-account")
			} else {
				b.follow("sending the reason", chromedp.Click(chromedp.CSS(`.feedback-reason button[type="submit"]`)))
				b.check("the thanks for the reason", `document.querySelector(".feedback").textContent.includes("Thank you for telling us why")`)
			}
			b.check("the form is gone", `!document.querySelector(".feedback form")`)
			b.checkAccessibility("the article after the reason")
			b.checkNoCookies()
		})
	}
}
