package handlers

import (
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The live preview keeps the writer where they are: with a notice or an
// error on the page (which asked for the focus when the page loaded), a
// preview arriving does not move the focus to it nor scroll the page, so a
// click on Publish right after typing lands on Publish. htmx 4 fires
// htmx:after:swap on the element that asked (the preview section), whose
// parent is the whole page: app.js used to focus the page's notice on every
// preview (the cause of TestBrowser_EditorWritesAnArticleWithAnImage's
// failures when Publish came right after Insert).
func TestBrowser_EditorLivePreviewKeepsTheFocus(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	rev := newEditorArticle(t, b.app, "Preview Focus Article", "Saved text.")
	b.editorLogin("Eda Editor", "eda@example.com")
	b.open(editorArticlePage(rev.ArticleID)+"?done=saved", 200)
	b.check("a notice that asks for the focus", `document.querySelector("#editor-notice[data-autofocus]") !== null`)
	b.typeInto("#ed-body", "Saved text. Wombat preview.")
	b.waitFor("the live preview", `document.querySelector("#preview-body").textContent.includes("Wombat preview")`)
	b.check("the focus stays in the text", `document.activeElement && document.activeElement.id === "ed-body"`)
	// A second change, a second preview: still where the writer is.
	b.typeInto("#ed-body", "Saved text. Quokka preview.")
	b.waitFor("the second preview", `document.querySelector("#preview-body").textContent.includes("Quokka preview")`)
	b.check("the focus stays in the text", `document.activeElement && document.activeElement.id === "ed-body"`)
}

// With JavaScript the translation page keeps the translator's text every few
// seconds as their working copy, as the writing page does, and offers it back.
func TestBrowser_TranslatorAutosavesAWorkingCopy(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	b.editorLogin("Eda Editor", "eda@example.com")
	page := "/en/editor/articles/" + strconv.FormatInt(mustArticleID(t, b.app, "compliance"), 10) + "/es/translate"
	b.open(page, 200)
	b.typeInto("#ed-body", "Texto a medio traducir")
	b.waitLong("the autosave", `document.querySelector("#autosave-status").textContent === "Working copy kept."`, 8*time.Second)
	evalJS[chromedp.Void](b, `document.querySelector("#editor-form").dispatchEvent(new Event("submit"))`)
	b.open(page, 200)
	b.check("the working copy is offered", `document.querySelector("#working-notice") !== null`)
	b.checkAccessibility("translation page offering the working copy")
	b.follow("opening it", chromedp.Click(chromedp.CSS(`#working-notice a`)))
	b.check("the unsaved words are back", `document.querySelector("#ed-body").value === "Texto a medio traducir"`)
}
