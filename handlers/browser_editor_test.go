package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"zerodesk/internal/accounts"
	"zerodesk/internal/kb"
)

// editorLogin creates an editor from the CLI's function and signs in
// through the staff login; with 1-Click it lands in the editor's room.
func (b *browserTab) editorLogin(name, email string) {
	b.t.Helper()
	usercode, err := b.app.accounts.CreateStaff(context.Background(), accounts.Editor, name, email)
	if err != nil {
		b.t.Fatal(err)
	}
	b.open("/en/login/staff", 200)
	b.typeInto("#usercode", string(usercode))
	if !evalJS[bool](b, `document.querySelector('input[name="oneclick"]').checked`) {
		b.click(`input[name="oneclick"]`)
	}
	b.follow("sending the usercode", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	b.typeInto("#new-password", testPassword)
	b.follow("activating", chromedp.Click(chromedp.CSS(`form.account-form > p > button:not([name])`)))
	b.check("the editor's room", `location.pathname === "/en/editor" && !!document.querySelector(".desk-menu")`)
}

// sibling opens a second tab, in a browser context of its own (another
// person), on the same app and server.
func (b *browserTab) sibling(noJS bool) *browserTab {
	b.t.Helper()
	timeoutCtx, cancelTimeout := context.WithTimeout(sharedBrowser(b.t), tabTimeout)
	ctx, cancelTab := chromedp.NewContext(timeoutCtx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(func() { cancelTab(); cancelTimeout() })
	o := &browserTab{t: b.t, ctx: ctx, app: b.app, base: b.base, noJS: noJS}
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("opening a tab: %v", err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		b.t.Fatalf("focus emulation: %v", err)
	}
	if noJS {
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			b.t.Fatalf("turning JavaScript off: %v", err)
		}
	}
	return o
}

func tabOptions(js bool) []tabOption {
	if js {
		return nil
	}
	return []tabOption{withoutJavaScript()}
}

func jsName(js bool) string {
	if js {
		return "JavaScript on"
	}
	return "JavaScript off"
}

// The editor writes an article, previews it, saves a draft a visitor cannot
// see, publishes it, and a visitor finds it by search: with and without
// JavaScript.
func TestBrowser_EditorWritesPreviewsSavesPublishesVisitorFinds(t *testing.T) {
	t.Parallel()
	for _, js := range []bool{true, false} {
		t.Run(jsName(js), func(t *testing.T) {
			t.Parallel()
			b := newBrowserTab(t, tabOptions(js)...)
			b.editorLogin("Eda Editor", "eda@example.com")
			b.checkAccessibility("editor's room")
			b.follow("new article", chromedp.Click(chromedp.CSS(`.desk-menu a[href="/en/editor/new"]`)))
			b.checkAccessibility("new article")
			b.typeInto("#ed-title", "Printing a Ticket Receipt")
			b.typeInto("#ed-body", "Choose **Print** on the ticket. Xylophone.")
			b.typeInto("#ed-keywords", "quokka")
			if js {
				b.waitFor("the slug proposed from the title", `document.querySelector("#ed-slug").value === "printing-a-ticket-receipt"`)
				b.waitFor("the address checked", `document.querySelector("#slug-status").textContent.includes("This address is free")`)
				b.waitFor("the live preview", `(document.querySelector("#preview-body strong") || {}).textContent === "Print"`)
				b.check("leaving asks first", `(function () { var e = new Event("beforeunload", {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented; })()`)
			} else {
				b.follow("preview", chromedp.Click(chromedp.CSS(`button[name="action"][value="preview"]`)))
				b.check("the preview is the visitor's page", `document.querySelector("#preview-body article h1").textContent === "Printing a Ticket Receipt"`)
				b.check("the text is kept", `document.querySelector("#ed-body").value === "Choose **Print** on the ticket. Xylophone."`)
			}
			b.checkAccessibility("writing page with preview")
			b.follow("saving", chromedp.Click(chromedp.CSS(`button[name="action"][value="save"]`)))
			b.waitFor("saved", `document.querySelector("#editor-notice")?.textContent.includes("Saved as revision")`)
			b.checkAccessibility("saved draft")
			if w := b.app.get(t, "/en/articles/printing-a-ticket-receipt"); w.Code != http.StatusNotFound {
				t.Errorf("a visitor reads the draft: %d", w.Code)
			}
			if doc(t, b.app.get(t, "/en/search?q=xylophone")).Find(`a[href="/en/articles/printing-a-ticket-receipt"]`).Length() != 0 {
				t.Error("a visitor finds the draft")
			}
			b.follow("publishing", chromedp.Click(chromedp.CSS(`button[name="action"][value="publish"]`)))
			b.waitFor("published", `document.querySelector("#editor-notice")?.textContent.includes("visitors see it now")`)

			// A visitor (no cookie) finds it by search.
			v := b.sibling(!js)
			v.open("/en/search?q=xylophone", 200)
			v.follow("the search hit", chromedp.Click(chromedp.CSS(`main a[href="/en/articles/printing-a-ticket-receipt"]`)))
			v.check("the article", `document.querySelector("main h1").textContent === "Printing a Ticket Receipt"`)
			v.checkNoStoredCookies()

			b.open("/en/editor/articles", 200)
			b.check("the list says published", `[...document.querySelectorAll("table.editor-list tbody tr")].some(function (r) { return r.textContent.includes("Printing a Ticket Receipt") && r.textContent.includes("en: published"); })`)
			b.checkAccessibility("article list")
		})
	}
}

// newEditorArticle writes and saves an article through the domain, as Eda.
func newEditorArticle(t *testing.T, a *testApp, title, body string) *kb.Revision {
	t.Helper()
	rev, err := a.kb.Create(context.Background(), kb.Author{Name: "Eda Editor"}, kb.Draft{Lang: "en", Title: title,
		Body: body, Category: kb.HowTo})
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

// Two editors open one article; the second to save ends on the merge page
// with both texts intact.
func TestBrowser_EditorConcurrentSaveEndsOnTheMergePage(t *testing.T) {
	t.Parallel()
	for _, js := range []bool{true, false} {
		t.Run(jsName(js), func(t *testing.T) {
			t.Parallel()
			eda := newBrowserTab(t, tabOptions(js)...)
			rev := newEditorArticle(t, eda.app, "Shared Article", "The first text.")
			page := editorArticlePage(rev.ArticleID)
			eda.editorLogin("Eda Editor", "eda@example.com")
			ben := eda.sibling(!js)
			ben.editorLogin("Ben Editor", "ben@example.com")
			eda.open(page, 200)
			ben.open(page, 200)
			eda.typeInto("#ed-body", "Eda's words, saved first.")
			if js { // the live preview sits above the form: let it land before the click, not under it
				eda.waitFor("Eda's live preview", `document.querySelector("#preview-body").textContent.includes("saved first")`)
			}
			eda.follow("Eda saves", chromedp.Click(chromedp.CSS(`button[name="action"][value="save"]`)))
			eda.waitFor("Eda's save is saved", `document.querySelector("#editor-notice")?.textContent.includes("Saved as revision")`)
			ben.typeInto("#ed-body", "Ben's words, saved second.")
			ben.follow("Ben saves", chromedp.Click(chromedp.CSS(`button[name="action"][value="save"]`)))
			ben.waitFor("the merge page", `document.querySelector("h1")?.textContent.includes("Someone else saved")`)
			ben.check("Ben's text in the form", `document.querySelector("#ed-body").value === "Ben's words, saved second."`)
			ben.check("Eda's text beside it", `document.querySelector("#theirs-body").value === "Eda's words, saved first."`)
			ben.checkAccessibility("merge page")
			ben.typeInto("#ed-body", "Eda's and Ben's words.")
			ben.follow("Ben saves the merge", chromedp.Click(chromedp.CSS(`button[name="action"][value="save"]`)))
			ben.waitFor("saved", `document.querySelector("#editor-notice")?.textContent.includes("Saved as revision")`)
		})
	}
}

func editorArticlePage(id int64) string {
	return "/en/editor/articles/" + strconv.FormatInt(id, 10) + "/en"
}

// History shows who changed what as a word diff, and restores an old
// revision as a new one.
func TestBrowser_EditorHistoryDiffAndRestore(t *testing.T) {
	t.Parallel()
	for _, js := range []bool{true, false} {
		t.Run(jsName(js), func(t *testing.T) {
			t.Parallel()
			b := newBrowserTab(t, tabOptions(js)...)
			rev := newEditorArticle(t, b.app, "History Article", "The old wording stays.")
			d := rev.Draft
			d.Body, d.Note = "The new wording stays.", "reworded"
			if _, err := b.app.kb.Save(context.Background(), kb.Author{Name: "Ben Editor"}, rev.ArticleID, rev.ID, d); err != nil {
				t.Fatal(err)
			}
			b.editorLogin("Eda Editor", "eda@example.com")
			b.open(editorArticlePage(rev.ArticleID)+"/history", 200)
			b.check("who changed it", `document.querySelector("#history tbody tr").textContent.includes("Ben Editor")`)
			b.check("the diff", `document.querySelector("#word-diff del").textContent.includes("old") && document.querySelector("#word-diff ins").textContent.includes("new")`)
			b.checkAccessibility("history")
			b.follow("restoring", chromedp.Click(chromedp.CSS(`form[action$="/restore"] button`)))
			b.waitFor("restored", `document.querySelector("#editor-notice")?.textContent.includes("Restored as revision")`)
			b.check("the old text is back", `document.querySelector("#ed-body").value === "The old wording stays."`)
		})
	}
}

// A publication scheduled 2 seconds ahead appears without a restart: the
// server's scheduler publishes it.
func TestBrowser_EditorScheduledPublishAppears(t *testing.T) {
	t.Parallel()
	for _, js := range []bool{true, false} {
		t.Run(jsName(js), func(t *testing.T) {
			t.Parallel()
			scheduledPublishAppears(t, js)
		})
	}
}

func scheduledPublishAppears(t *testing.T, js bool) {
	b := newBrowserTab(t, tabOptions(js)...)
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go b.app.kb.RunScheduler(ctx, 200*time.Millisecond)
	rev := newEditorArticle(t, b.app, "Scheduled Article", "Out soon.")
	b.editorLogin("Eda Editor", "eda@example.com")
	b.open(editorArticlePage(rev.ArticleID), 200)
	due := time.Now().UTC().Add(2 * time.Second).Truncate(time.Second)
	at := due.Format("2006-01-02T15:04:05")
	evalJS[chromedp.Void](b, `document.querySelector("#publish-at").value = "`+at+`"; document.querySelector("#publish-zone").value = "UTC"`)
	b.follow("scheduling", chromedp.Click(chromedp.CSS(`button[name="action"][value="schedule"]`)))
	b.waitFor("scheduled", `document.querySelector("#editor-notice")?.textContent.includes("Scheduled")`)
	// Not out before its time (asked at once: on a busy machine axe alone
	// may outlast the two seconds, and then the article is rightly out).
	if w := b.app.get(t, "/en/articles/scheduled-article"); w.Code != http.StatusNotFound && time.Now().Before(due) {
		t.Fatalf("published before its time: %d", w.Code)
	}
	b.checkAccessibility("scheduled article")
	deadline := time.Now().Add(6 * time.Second)
	for b.app.get(t, "/en/articles/scheduled-article").Code != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("the scheduled article did not appear")
		}
		time.Sleep(100 * time.Millisecond)
	}
	v := b.sibling(!js)
	v.open("/en/articles/scheduled-article", 200)
	v.check("the article", `document.querySelector("main h1").textContent === "Scheduled Article"`)
}

// A changed slug keeps the old address, which leads to the new one.
func TestBrowser_EditorSlugChangeRedirects(t *testing.T) {
	t.Parallel()
	for _, js := range []bool{true, false} {
		t.Run(jsName(js), func(t *testing.T) {
			t.Parallel()
			b := newBrowserTab(t, tabOptions(js)...)
			rev := newEditorArticle(t, b.app, "Moving Article", "Text that moves.")
			if err := b.app.kb.Publish(context.Background(), rev.ArticleID, "en", rev.ID); err != nil {
				t.Fatal(err)
			}
			b.editorLogin("Eda Editor", "eda@example.com")
			b.open(editorArticlePage(rev.ArticleID), 200)
			b.typeInto("#ed-slug", "moved-article")
			if js {
				b.waitFor("the address checked", `document.querySelector("#slug-status").textContent.includes("This address is free")`)
			}
			b.follow("publishing", chromedp.Click(chromedp.CSS(`button[name="action"][value="publish"]`)))
			b.waitFor("published", `document.querySelector("#editor-notice")?.textContent.includes("visitors see it now")`)
			v := b.sibling(!js)
			v.open("/en/articles/moving-article", 200) // after the 301
			v.check("at the new address", `location.pathname === "/en/articles/moved-article" && document.querySelector("main h1").textContent === "Moving Article"`)
			if !strings.Contains(b.app.get(t, "/en/articles/moving-article").Header().Get("Location"), "moved-article") {
				t.Error("no 301 to the new address")
			}
		})
	}
}

// The room in Arabic: right to left, every word translated, no axe violation.
func TestBrowser_EditorInArabic(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	rev := newEditorArticle(t, b.app, "Arabic Room Article", "Text.")
	b.editorLogin("Eda Editor", "eda@example.com")
	for _, path := range []string{"/ar/editor", "/ar/editor/articles", "/ar/editor/new", strings.Replace(editorArticlePage(rev.ArticleID), "/en/", "/ar/", 1) + "/history"} {
		b.open(path, 200)
		b.check(path+" is right to left", `document.documentElement.dir === "rtl" && document.documentElement.lang === "ar"`)
		b.checkAccessibility(path)
	}
	b.open("/ar/editor/new", 200)
	b.typeInto("#ed-title", "مقالة")
	b.typeInto("#ed-body", "نص **غامق**.")
	b.waitFor("the live preview", `(document.querySelector("#preview-body strong") || {}).textContent === "غامق"`)
	b.checkAccessibility("Arabic writing page with preview")
}

// With JavaScript the text is kept every few seconds as the editor's
// working copy, and the page offers it back.
func TestBrowser_EditorAutosavesAWorkingCopy(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	rev := newEditorArticle(t, b.app, "Autosaved Article", "Saved text.")
	b.editorLogin("Eda Editor", "eda@example.com")
	b.open(editorArticlePage(rev.ArticleID), 200)
	b.typeInto("#ed-body", "Saved text, and words not saved yet")
	b.waitLong("the autosave", `document.querySelector("#autosave-status").textContent === "Working copy kept."`, 8*time.Second)
	s := evalJS[string](b, `document.querySelector("#ed-body").value`)
	if s != "Saved text, and words not saved yet" {
		t.Fatalf("body = %q", s)
	}
	// Leaving is not blocked for the test: the form counts as submitted.
	evalJS[chromedp.Void](b, `document.querySelector("#editor-form").dispatchEvent(new Event("submit"))`)
	b.open(editorArticlePage(rev.ArticleID), 200)
	b.check("the working copy is offered", `document.querySelector("#working-notice") !== null`)
	b.checkAccessibility("page offering the working copy")
	b.follow("opening it", chromedp.Click(chromedp.CSS(`#working-notice a`)))
	b.check("the unsaved words are back", `document.querySelector("#ed-body").value === "Saved text, and words not saved yet"`)
}
