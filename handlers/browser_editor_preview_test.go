package handlers

import (
	"strconv"
	"strings"
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

// The live preview never moves the form's buttons under the writer's click:
// on the writing page and the translation page, wide and at phone width,
// with the page scrolled to its end (where a shorter document would scroll
// everything down), Save and Publish stay where they were while the preview
// shrinks to a line and grows again.
func TestBrowser_EditorLivePreviewNeverMovesTheButtons(t *testing.T) {
	t.Parallel()
	for _, size := range []struct {
		name string
		w, h int64
	}{{"wide", 1280, 900}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			t.Parallel()
			b := newBrowserTab(t, withViewport(size.w, size.h))
			long := strings.Repeat("A paragraph of the article, long enough to take a few lines of the preview.\n\n", 25)
			rev := newEditorArticle(t, b.app, "Preview Layout Article", long)
			b.editorLogin("Eda Editor", "eda@example.com")
			translate := "/en/editor/articles/" + strconv.FormatInt(mustArticleID(t, b.app, "compliance"), 10) + "/es/translate"
			for _, page := range []string{editorArticlePage(rev.ArticleID), translate} {
				b.open(page, 200)
				for _, text := range []string{"Short now.", long + "Long again."} {
					marker := text[len(text)-10:]
					evalJS[chromedp.Void](b, `window.scrollTo(0, document.documentElement.scrollHeight)`)
					before := b.formButtonPlaces()
					evalJS[chromedp.Void](b, `(function (el) { el.value = `+strconv.Quote(text)+`; el.dispatchEvent(new Event("input", {bubbles: true})); })(document.querySelector("#ed-body"))`)
					b.waitFor("the live preview of "+strconv.Quote(marker), `document.querySelector("#preview-body").textContent.includes(`+strconv.Quote(marker)+`)`)
					if after := b.formButtonPlaces(); after != before {
						t.Errorf("%s: the preview moved the buttons: %s before it, %s after", page, before, after)
					}
				}
				// Leave without the unsaved-changes question.
				evalJS[chromedp.Void](b, `document.querySelector("#editor-form").dispatchEvent(new Event("submit"))`)
			}
		})
	}
}

// formButtonPlaces is where Save and Publish are in the window (CSS pixels).
func (b *browserTab) formButtonPlaces() string {
	b.t.Helper()
	return evalJS[string](b, `JSON.stringify(["save", "publish"].map(function (v) {
		var r = document.querySelector('#editor-form button[value="' + v + '"]').getBoundingClientRect();
		return [v, Math.round(r.left), Math.round(r.top)];
	}))`)
}
