package handlers

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/errs"
	"zerodesk/internal/kb"
	"zerodesk/views"
)

// Translations side by side (issue 13, item 6): the translation editor shows
// the source (rendered and Markdown) beside the translation, creates a
// missing one, and, when the source changed since the revision a
// translation follows, the source's word diff since then with "I have
// updated it" and "still current". The queue lists, per language, what
// waits for a translator. A hold keeps the source's next revision from
// visitors until chosen languages follow it (kb/translate.go).

// Message IDs of the translation editor's notices.
const (
	MsgTranslateDoneUpdated = "translate.done.updated"
	MsgTranslateDoneCurrent = "translate.done.current"
	MsgTranslateDoneHolds   = "translate.done.holds"
)

// translateDone are the notices the translation page may show after a
// redirect (?done=…).
var translateDone = map[string]string{
	"saved": MsgEditorDoneSaved, "published": MsgEditorDonePublished,
	"updated": MsgTranslateDoneUpdated, "current": MsgTranslateDoneCurrent, "holds": MsgTranslateDoneHolds,
}

// Translating is the knowledge base as the translation editor uses it (*kb.KB).
type Translating interface {
	TranslationQueue(ctx context.Context, lang string) ([]kb.TranslationStatus, error)
	Translation(ctx context.Context, articleID int64, lang string) (*kb.TranslationWork, error)
	SaveTranslation(ctx context.Context, by kb.Author, articleID, baseID int64, d kb.Draft, source int64, updated bool) (*kb.Revision, error)
	StillCurrent(ctx context.Context, by kb.Author, articleID int64, lang string, baseID, source int64, note string) (*kb.Revision, error)
	Holds(ctx context.Context, articleID int64) ([]string, error)
	SetHolds(ctx context.Context, articleID int64, langs []string) error
	AskTranslation(ctx context.Context, articleID int64, lang string) error
}

var _ Translating = (*kb.KB)(nil)

// translating is the knowledge base's translation side, nil for a test
// double without one.
func (h *Handlers) translating() Translating {
	t, _ := h.Editorial.(Translating)
	return t
}

// editorTranslations is the queue of one language (?to=LANG; the page's
// language by default).
func (h *Handlers) editorTranslations(c echo.Context) error {
	v := editorOf(c, "translations")
	tr := h.translating()
	if tr == nil {
		return echo.ErrNotFound
	}
	to := c.FormValue("to")
	if !slices.Contains(h.Locales.Languages(), to) {
		to = lang(c)
	}
	items, err := tr.TranslationQueue(c.Request().Context(), to)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, views.TranslationQueuePage(views.TranslationQueueView{
		EditorFrame: v.frame, Langs: h.Locales.Languages(), To: to, Items: items}), nil)
}

// editorTranslate is the translation page of one article into :tlang.
func (h *Handlers) editorTranslate(c echo.Context) error {
	v := editorOf(c, "translations")
	id, l, err := h.editorArticleParams(c)
	if err != nil {
		return err
	}
	tv, err := h.translateView(c, id, l)
	if err != nil {
		return err
	}
	if err := h.offerWorkingCopy(c, v, id, l, &tv); err != nil {
		return err
	}
	if msg, ok := translateDone[c.FormValue("done")]; ok {
		tv.NoticeID = msg
		if rev, err := strconv.ParseInt(c.FormValue("rev"), 10, 64); err == nil {
			tv.Args = []any{"Rev", rev}
		}
	}
	return h.translatePage(c, v, http.StatusOK, tv)
}

// offerWorkingCopy: the translator's autosaved text (editor.js), opened
// with ?working=1, else offered back when it differs from the newest
// revision, as on the writing page.
func (h *Handlers) offerWorkingCopy(c echo.Context, v editorVisit, id int64, l string, tv *views.TranslateView) error {
	if tv.Work.Translation == nil {
		return nil
	}
	w, err := h.Editorial.WorkingCopy(c.Request().Context(), v.s.AccountID, id, l)
	if err != nil || w == nil {
		return err
	}
	if c.FormValue("working") == "1" {
		tv.BaseID = w.BaseID
		tv.Draft.Title, tv.Draft.Slug, tv.Draft.Description = w.Draft.Title, w.Draft.Slug, w.Draft.Description
		tv.Draft.Body, tv.Draft.Keywords = w.Draft.Body, w.Draft.Keywords
	} else if w.Draft.Body != tv.Draft.Body || w.Draft.Title != tv.Draft.Title {
		tv.Working = w
	}
	return nil
}

// translateView loads the page's facts: the translation, its source, the
// diff since the followed revision and the article's holds.
func (h *Handlers) translateView(c echo.Context, id int64, l string) (views.TranslateView, error) {
	ctx := c.Request().Context()
	tr := h.translating()
	if tr == nil {
		return views.TranslateView{}, echo.ErrNotFound
	}
	w, err := tr.Translation(ctx, id, l)
	if err != nil {
		return views.TranslateView{}, err
	}
	tv := views.TranslateView{Work: w, Draft: kb.Draft{Lang: l, Category: w.Source.Category, Position: w.Source.Position}}
	if w.Translation != nil {
		tv.Draft = w.Translation.Head.Draft
		tv.Draft.Note = ""
		tv.BaseID = w.Translation.Head.ID
	} else {
		tv.Draft.Slug = w.Key
	}
	if w.Outdated {
		if w.Since != nil {
			tv.SourceDiff = diffWords(w.Since.Body, w.Source.Body)
			tv.SourceTitleDiff = diffWords(w.Since.Title, w.Source.Title)
		} else {
			tv.SinceLost = true
		}
	}
	if tv.Holds, err = tr.Holds(ctx, id); err != nil {
		return tv, err
	}
	for _, other := range h.Locales.Languages() {
		if other == w.SourceLang {
			continue
		}
		if other == l {
			if w.Translation != nil {
				tv.HoldChoices = append(tv.HoldChoices, other)
			}
			continue
		}
		if o, err := tr.Translation(ctx, id, other); err == nil && o.State != kb.StateMissing {
			tv.HoldChoices = append(tv.HoldChoices, other)
		}
	}
	return tv, nil
}

// translatePage renders the translation page, with both previews.
func (h *Handlers) translatePage(c echo.Context, v editorVisit, status int, tv views.TranslateView) error {
	tv.EditorFrame = v.frame
	w := tv.Work
	tv.SourcePreview = h.Editorial.Preview(w.ArticleID, w.Key, w.Source.Draft)
	if tv.Preview == nil && tv.Draft.Body != "" {
		tv.Preview = h.Editorial.Preview(w.ArticleID, w.Key, tv.Draft)
	}
	return h.render(c, status, views.TranslatePage(tv), nil)
}

// editorTranslateSave saves the translation form: "save", "updated" (I have
// updated it: it now follows the source shown), "publish" and
// "updated_publish" (the same, then published), or "preview" (shown with its
// preview, the button without JavaScript).
func (h *Handlers) editorTranslateSave(c echo.Context) error {
	v := editorOf(c, "translations")
	id, l, err := h.editorArticleParams(c)
	if err != nil {
		return err
	}
	_, baseID, d := draftForm(c)
	d.Lang = l
	source, _ := strconv.ParseInt(c.FormValue("source"), 10, 64)
	tv, err := h.translateView(c, id, l)
	if err != nil {
		return err
	}
	tv.BaseID = baseID
	d.Category, d.Position = tv.Draft.Category, tv.Draft.Position
	tv.Draft = d
	action := c.FormValue("action")
	if action == "preview" {
		return h.translatePage(c, v, http.StatusOK, tv)
	}
	by, err := h.editorAuthor(c, v)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	updated := action == "updated" || action == "updated_publish"
	rev, err := h.translating().SaveTranslation(ctx, by, id, baseID, d, source, updated)
	if conflict, ok := kb.Conflict(err); ok {
		tv.ErrorID, tv.Theirs = kb.MsgEditConflict, &conflict.Theirs
		tv.Diff = diffWords(conflict.Theirs.Body, d.Body)
		tv.BaseID = conflict.Theirs.ID
		return h.translatePage(c, v, http.StatusConflict, tv)
	}
	if err != nil {
		return h.translateRefused(c, v, tv, err)
	}
	done := "saved"
	if updated {
		done = "updated"
	}
	if action == "publish" || action == "updated_publish" {
		if err := h.Editorial.Publish(ctx, id, l, rev.ID); err != nil {
			tv, verr := h.translateView(c, id, l)
			if verr != nil {
				return verr
			}
			return h.translateRefused(c, v, tv, err)
		}
		done = "published"
	}
	return h.translateDone(c, v, id, l, done, rev.ID)
}

// editorStillCurrent marks the translation current with the source shown,
// without a text change: a revision whose note says so.
func (h *Handlers) editorStillCurrent(c echo.Context) error {
	v := editorOf(c, "translations")
	id, l, err := h.editorArticleParams(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	base, _ := strconv.ParseInt(c.FormValue("base"), 10, 64)
	source, _ := strconv.ParseInt(c.FormValue("source"), 10, 64)
	note := strings.TrimSpace(c.FormValue("note"))
	if note == "" {
		note = views.PageOf(ctx).L.T("translate.current.note")
	}
	by, err := h.editorAuthor(c, v)
	if err != nil {
		return err
	}
	rev, err := h.translating().StillCurrent(ctx, by, id, l, base, source, note)
	if err != nil {
		tv, verr := h.translateView(c, id, l)
		if verr != nil {
			return verr
		}
		if _, ok := kb.Conflict(err); ok {
			err = errs.E(errs.Conflict, kb.MsgEditConflict)
		}
		return h.translateRefused(c, v, tv, err)
	}
	return h.translateDone(c, v, id, l, "current", rev.ID)
}

// editorHolds sets the languages the article's source waits for.
func (h *Handlers) editorHolds(c echo.Context) error {
	v := editorOf(c, "translations")
	id, l, err := h.editorArticleParams(c)
	if err != nil {
		return err
	}
	form, _ := c.FormParams()
	var langs []string
	for _, x := range form["hold"] {
		if slices.Contains(h.Locales.Languages(), x) && !slices.Contains(langs, x) {
			langs = append(langs, x)
		}
	}
	if tr := h.translating(); tr == nil {
		return echo.ErrNotFound
	} else if err := tr.SetHolds(c.Request().Context(), id, langs); err != nil {
		tv, verr := h.translateView(c, id, l)
		if verr != nil {
			return verr
		}
		return h.translateRefused(c, v, tv, err)
	}
	return h.translateDone(c, v, id, l, "holds", 0)
}

// translateRefused shows the page again with the refusal; anything but a
// refusal is the error page.
func (h *Handlers) translateRefused(c echo.Context, v editorVisit, tv views.TranslateView, err error) error {
	if !errs.IsRefusal(err) {
		return err
	}
	tv.ErrorID = errs.MessageIDOf(err)
	if id := tv.ErrorID; id == kb.MsgEditSlugInvalid || id == kb.MsgEditSlugTaken {
		tv.SlugError = id
	}
	return h.translatePage(c, v, classify(err).Status, tv)
}

// translateDone ends a change: 303 back to the translation page with
// 1-Click, the page itself with the notice without a cookie.
func (h *Handlers) translateDone(c echo.Context, v editorVisit, id int64, l, done string, rev int64) error {
	if v.frame.Token == "" {
		q := url.Values{"done": {done}}
		if rev > 0 {
			q.Set("rev", strconv.FormatInt(rev, 10))
		}
		return c.Redirect(http.StatusSeeOther, views.HrefQuery(c.Request().Context(), views.EditorArticlePath(id, l, "/translate"), q))
	}
	tv, err := h.translateView(c, id, l)
	if err != nil {
		return err
	}
	tv.NoticeID = translateDone[done]
	if rev > 0 {
		tv.Args = []any{"Rev", rev}
	}
	return h.translatePage(c, v, http.StatusOK, tv)
}

// heldLangNames are the languages a held publication waits for, named in
// the page's language, for the refusal's message.
func heldLangNames(ctx context.Context, err error) []any {
	langs := kb.HeldLangs(err)
	if len(langs) == 0 {
		return nil
	}
	names := make([]string, len(langs))
	for i, l := range langs {
		names[i] = views.LangName(ctx, l)
	}
	return []any{"Langs", strings.Join(names, ", ")}
}

// countTranslationAsk counts a visitor's ask for a translation sent with the
// support form (kind=translation, about an article shown in another
// language): a number per article and language, nothing of who asked.
func (h *Handlers) countTranslationAsk(c echo.Context, slug string) {
	tr := h.translating()
	if tr == nil || slug == "" {
		return
	}
	a, err := h.KB.Article(lang(c), slug)
	if err != nil || !a.Fallback {
		return
	}
	if err := tr.AskTranslation(c.Request().Context(), a.ArticleID, lang(c)); err != nil {
		h.Log.Error("counting an ask for a translation", "err", err)
	}
}
