package handlers

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"zerodesk/internal/accounts"
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
			if js {
				// Without a reload (TestBrowser_EditorUploadsAnImageWithoutLosingText).
				b.click("#ed-upload")
				b.waitFor("uploaded", `(function (n) { return n && n.textContent.includes("Uploaded"); })(document.querySelector("#images-notice"))`)
			} else {
				b.follow("uploading from the writing page", chromedp.Click(chromedp.CSS("#ed-upload")))
				b.waitFor("uploaded", `document.querySelector("#editor-notice")?.textContent.includes("Uploaded")`)
			}
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
				// Publish at once, before the live preview arrives: the
				// preview no longer moves the focus to the refusal above
				// (TestBrowser_EditorLivePreviewKeepsTheFocus).
			} else {
				b.follow("inserting", chromedp.Click(chromedp.CSS("#ed-insert")))
				b.check("inserted at the end", `document.querySelector("#ed-body").value === "Open the tray. Wombat.\n\n![The paper tray, open](`+path+`)\n"`)
			}
			b.follow("publishing", chromedp.Click(chromedp.CSS(`button[name="action"][value="publish"]`)))
			b.waitFor("published", `(function (n) { return n && n.textContent.includes("visitors see it now"); })(document.querySelector("#editor-notice"))`)

			v := b.sibling(!js)
			v.open("/en/articles/receipt-printer-tray", 200)
			v.waitFor("the visitor sees the image", `(function (i) { return i && i.alt === "The paper tray, open" && i.complete && i.naturalWidth > 0; })(document.querySelector('main img[src="`+path+`"]'))`)
			v.checkNoStoredCookies()
		})
	}
}

// An agent reads a draft from the desk and proposes an edit; an editor
// publishes it from the history and a visitor reads it: with and without
// JavaScript.
func TestBrowser_AgentProposesAnEditEditorPublishes(t *testing.T) {
	t.Parallel()
	for _, js := range []bool{true, false} {
		t.Run(jsName(js), func(t *testing.T) {
			t.Parallel()
			b := newBrowserTab(t, tabOptions(js)...)
			rev := newEditorArticle(t, b.app, "Printer Paper Jams", "Open the lid and pull the paper.")
			b.staffLogin(accounts.Agent, "Grace Agent", "grace@example.com", true)
			b.open("/en/desk", 200)
			b.follow("help articles", chromedp.Click(chromedp.CSS(`.desk-menu a[href="/en/editor/drafts"]`)))
			b.checkAccessibility("the drafts list")
			page := "/en/editor/drafts/" + strconv.FormatInt(rev.ArticleID, 10) + "/en"
			b.follow("the draft", chromedp.Click(chromedp.CSS(`table.drafts-table a[href="`+page+`"]`)))
			b.check("the draft, read only", `document.querySelector("#preview-body").textContent.includes("pull the paper")`)
			b.checkAccessibility("a draft with the proposal form")
			b.typeInto("#pr-body", "Open the lid and pull the paper gently, towards you.")
			b.typeInto("#pr-note", "gentler")
			b.follow("proposing", chromedp.Click(chromedp.CSS(`#propose-form button[type="submit"]`)))
			b.waitFor("kept", `document.querySelector("#editor-notice")?.textContent.includes("An editor will publish or discard it")`)
			b.checkAccessibility("a proposal sent")

			e := b.sibling(!js)
			e.editorLogin("Eda Editor", "eda@example.com")
			e.open("/en/editor/articles", 200)
			e.check("the list says a proposal waits", `document.querySelector("table.editor-list .proposal-count").textContent.includes("1")`)
			e.open("/en/editor/articles/"+strconv.FormatInt(rev.ArticleID, 10)+"/en/history", 200)
			e.check("the history names the agent", `document.querySelector("#history").textContent.includes("Grace Agent")`)
			e.checkAccessibility("a history with a proposal")
			e.follow("publishing the proposal", chromedp.Click(chromedp.CSS(`#proposals button[value="accept"]`)))
			e.waitFor("published", `document.querySelector("#editor-notice")?.textContent.includes("visitors see it now")`)
			w := b.app.get(t, "/en/articles/printer-paper-jams")
			if w.Code != 200 || !strings.Contains(w.Body.String(), "gently, towards you") {
				t.Errorf("the visitor's article: %d", w.Code)
			}
		})
	}
}

// With JavaScript the publishing time reads in the browser's time zone,
// said on the form; the server schedules that instant.
func TestBrowser_EditorSchedulesInItsOwnTimeZone(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	if _, err := chromedp.Call(b.ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
	rev := newEditorArticle(t, b.app, "Tokyo Article", "Out later.")
	b.editorLogin("Eda Editor", "eda@example.com")
	b.open(editorArticlePage(rev.ArticleID), 200)
	b.check("the zone is the browser's", `document.querySelector("#publish-zone").value === "Asia/Tokyo"`)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Now().In(tokyo).Add(5 * time.Hour).Truncate(time.Minute)
	evalJS[chromedp.Void](b, `document.querySelector("#publish-at").value = "`+want.Format("2006-01-02T15:04")+`"`)
	b.follow("scheduling", chromedp.Click(chromedp.CSS(`button[name="action"][value="schedule"]`)))
	b.waitFor("scheduled", `document.querySelector("#editor-notice")?.textContent.includes("Scheduled")`)
	ed, err := b.app.kb.Edition(context.Background(), rev.ArticleID, "en")
	if err != nil || !ed.PublishAt.Equal(want) {
		t.Fatalf("scheduled at %v, want %v (%v)", ed.PublishAt, want.UTC(), err)
	}
	b.check("shown again in Tokyo time", `document.querySelector("#publish-at").value.startsWith("`+want.Format("2006-01-02T15:04")+`")`)
	b.checkAccessibility("the publishing form in a time zone")
}
