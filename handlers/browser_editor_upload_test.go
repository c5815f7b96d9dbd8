package handlers

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// With JavaScript, an image uploaded from the writing page arrives without
// a reload (issue 13, item 8: JavaScript makes it quicker, never
// different): the text typed and not saved stays with its cursor, the new
// image is offered in the picker, Insert puts it at the cursor with its
// alternative text, and the live preview shows it. Without JavaScript the
// same upload reloads the page with every word kept
// (TestBrowser_EditorWritesAnArticleWithAnImage).
func TestBrowser_EditorUploadsAnImageWithoutLosingText(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t, tabOptions(true)...)
	photo, err := os.ReadFile("../internal/kb/testdata/files/gps-exif.png")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "drawer.png")
	if err := os.WriteFile(file, photo, 0o644); err != nil {
		t.Fatal(err)
	}
	b.editorLogin("Eda Editor", "eda@example.com")
	b.follow("new article", chromedp.Click(chromedp.CSS(`.desk-menu a[href="/en/editor/new"]`)))
	b.typeInto("#ed-title", "Cash Drawer")
	b.typeInto("#ed-body", "First line.\n\nLast line.")
	// The cursor at the start of "Last line.".
	evalJS[chromedp.Void](b, `document.querySelector("#ed-body").setSelectionRange(13, 13)`)
	b.markPage()
	b.do("choosing the image", chromedp.SetUploadFiles(chromedp.CSS("#ed-files"), []string{file}))
	b.click("#ed-upload")
	b.waitFor("the upload's notice", `(function (n) { return n && n.textContent.includes("Uploaded"); })(document.querySelector("#images-notice"))`)
	b.checkNoNavigation("/en/editor/new")
	b.check("the notice has the focus", `document.activeElement === document.querySelector("#images-notice")`)
	b.check("the typed text is still there", `document.querySelector("#ed-body").value === "First line.\n\nLast line." && document.querySelector("#ed-title").value === "Cash Drawer"`)
	b.check("the cursor stayed", `document.querySelector("#ed-body").selectionStart === 13`)
	b.check("the file input emptied", `document.querySelector("#ed-files").files.length === 0`)
	b.checkAccessibility("the writing page after an upload with JavaScript")
	path := evalJS[string](b, `document.querySelector("#ed-insert-file option:checked").getAttribute("data-path")`)
	if path == "" {
		t.Fatal("no image chosen after the upload")
	}

	b.typeInto("#ed-insert-alt", "The cash drawer, open")
	b.click("#ed-insert")
	b.check("inserted at the cursor", `document.querySelector("#ed-body").value === "First line.\n\n![The cash drawer, open](`+path+`)\n\nLast line."`)
	b.waitFor("the live preview shows the image", `(function (i) { return i && i.alt === "The cash drawer, open"; })(document.querySelector('#preview-body img[src="`+path+`"]'))`)
	b.checkNoNavigation("/en/editor/new")
	b.checkAccessibility("the writing page after an insert")
}
