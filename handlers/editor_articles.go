package handlers

import (
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

// The editor's writing (issue 13): the article list, the writing page with
// its preview, saving and publishing. A save names the revision it was made
// from; when someone else saved since, the merge page shows both texts and
// nothing is written. Changes answer 303 back to the page with 1-Click (a
// reload never saves twice), the page itself without a cookie.

// Message IDs of the editor's notices.
const (
	MsgEditorDoneSaved       = "editor.done.saved"
	MsgEditorDonePublished   = "editor.done.published"
	MsgEditorDoneScheduled   = "editor.done.scheduled"
	MsgEditorDoneUnpublished = "editor.done.unpublished"
	MsgEditorDoneRestored    = "editor.done.restored"
)

// editorDone are the notices a page may show after a redirect (?done=…):
// only these, so the URL cannot make the page say anything else.
var editorDone = map[string]string{
	"saved": MsgEditorDoneSaved, "published": MsgEditorDonePublished, "scheduled": MsgEditorDoneScheduled,
	"unpublished": MsgEditorDoneUnpublished, "restored": MsgEditorDoneRestored,
	"discarded": MsgProposalDiscarded,
}

const editorPageSize = 25

// editorFormLimit bounds a posted writing form (routes.go): kb.MaxBody bytes
// of Markdown URL-encoded (up to 3 bytes each) with the other fields.
const editorFormLimit = 256 << 10

// editorAuthor is the person as revisions name them.
func (h *Handlers) editorAuthor(c echo.Context, v editorVisit) (kb.Author, error) {
	p, err := h.Accounts.Profile(c.Request().Context(), v.s)
	if err != nil {
		return kb.Author{}, err
	}
	return kb.Author{ID: v.s.AccountID, Name: p.Name}, nil
}

// editorArticles is the article list.
func (h *Handlers) editorArticles(c echo.Context) error {
	v := editorOf(c, "articles")
	f := kb.ListFilter{Query: c.FormValue("q"), Sort: c.FormValue("sort"), PerPage: editorPageSize}
	q := url.Values{}
	keep := func(name, value string) string {
		if value != "" {
			q.Set(name, value)
		}
		return value
	}
	keep("q", f.Query)
	if cat := kb.Category(c.FormValue("category")); h.sections().Has(cat) {
		f.Category = kb.Category(keep("category", string(cat)))
	}
	if st := kb.State(c.FormValue("state")); slices.Contains(kb.ListStates, st) {
		f.State = kb.State(keep("state", string(st)))
	}
	langs := h.Locales.Languages()
	if l := c.FormValue("lang"); slices.Contains(langs, l) {
		f.Lang = keep("lang", l)
	}
	if id, err := strconv.ParseInt(c.FormValue("author"), 10, 64); err == nil && id > 0 {
		f.AuthorID = id
		keep("author", c.FormValue("author"))
	}
	if f.Sort != "title" && f.Sort != "views" {
		f.Sort = "changed"
	}
	keep("sort", f.Sort)
	f.Page, _ = strconv.Atoi(c.FormValue("page"))
	page, err := h.Editorial.ArticleList(c.Request().Context(), langs, f)
	if err != nil {
		return err
	}
	proposals, err := h.Editorial.OpenProposals(c.Request().Context())
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, views.EditorListPage(views.EditorListView{
		EditorFrame: v.frame, Langs: langs, Filter: f, Page: page, Query: q, Proposals: proposals}), nil)
}

// editorNew is the writing page of a new article, prefilled from its query
// (lang, title, keywords: "write an article for this" on the searches page).
func (h *Handlers) editorNew(c echo.Context) error {
	v := editorOf(c, "new")
	d := kb.Draft{Lang: lang(c), Category: kb.FAQ}
	if l := c.FormValue("lang"); slices.Contains(h.Locales.Languages(), l) {
		d.Lang = l
	}
	d.Title = truncateRunes(strings.TrimSpace(c.FormValue("title")), 200)
	d.Keywords = truncateRunes(strings.TrimSpace(c.FormValue("keywords")), 500)
	d.Slug = kb.ProposeSlug(d.Title)
	return h.editorPage(c, v, http.StatusOK, views.EditorEditView{Draft: d})
}

// editorPage renders the writing page with the choices every form needs.
func (h *Handlers) editorPage(c echo.Context, v editorVisit, status int, ev views.EditorEditView) error {
	ev.EditorFrame = v.frame
	ev.Langs = h.Locales.Languages()
	ev.Articles = h.Editorial.ArticleKeys(ev.Draft.Lang)
	if err := h.withImages(c, &ev); err != nil {
		return err
	}
	if ev.Preview == nil && ev.Theirs == nil && ev.Draft.Body != "" {
		ev.Preview = h.Editorial.Preview(ev.ArticleID, ev.Key, ev.Draft)
	}
	return h.render(c, status, views.EditorEditPage(ev), nil)
}

// editorArticleParams reads an article page's :id and :lang.
func (h *Handlers) editorArticleParams(c echo.Context) (int64, string, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	l := c.Param("tlang")
	if err != nil || id <= 0 || !slices.Contains(h.Locales.Languages(), l) {
		return 0, "", echo.ErrNotFound
	}
	return id, l, nil
}

// editorEdition reads an article page's :id and :lang and loads that
// translation as the editor sees it.
func (h *Handlers) editorEdition(c echo.Context) (*kb.Edition, string, error) {
	id, l, err := h.editorArticleParams(c)
	if err != nil {
		return nil, "", err
	}
	ed, err := h.Editorial.Edition(c.Request().Context(), id, l)
	return ed, l, err
}

// editorEdit is the writing page of one translation.
func (h *Handlers) editorEdit(c echo.Context) error {
	v := editorOf(c, "edit")
	ed, l, err := h.editorEdition(c)
	if err != nil {
		return err
	}
	id, ctx := ed.ArticleID, c.Request().Context()
	ev := editionView(ed)
	if msg, ok := editorDone[c.FormValue("done")]; ok {
		ev.NoticeID = msg
		if rev, err := strconv.ParseInt(c.FormValue("rev"), 10, 64); err == nil {
			ev.Args = []any{"Rev", rev}
		}
	}
	proposals, err := h.Editorial.Proposals(ctx, id, l)
	if err != nil {
		return err
	}
	for _, p := range proposals {
		if p.State == kb.ProposalOpen {
			ev.OpenProposals++
		}
	}
	w, err := h.Editorial.WorkingCopy(ctx, v.s.AccountID, id, l)
	if err != nil {
		return err
	}
	if w != nil {
		if c.FormValue("working") == "1" {
			ev.BaseID = w.BaseID
			ev.Draft.Title, ev.Draft.Slug, ev.Draft.Description = w.Draft.Title, w.Draft.Slug, w.Draft.Description
			ev.Draft.Body, ev.Draft.Keywords = w.Draft.Body, w.Draft.Keywords
		} else if w.Draft.Body != ed.Head.Body || w.Draft.Title != ed.Head.Title {
			ev.Working = w
		}
	}
	return h.editorPage(c, v, http.StatusOK, ev)
}

func editionView(ed *kb.Edition) views.EditorEditView {
	d := ed.Head.Draft
	d.Note = ""
	return views.EditorEditView{ArticleID: ed.ArticleID, Key: ed.Key, SourceLang: ed.SourceLang, BaseID: ed.Head.ID, Draft: d,
		State: ed.State, PublishAt: ed.PublishAt,
		Pending: ed.State == kb.StatePublished && ed.Head.ID != 0 && ed.PublishedID != ed.Head.ID}
}

// draftForm reads the writing form.
func draftForm(c echo.Context) (articleID, baseID int64, d kb.Draft) {
	articleID, _ = strconv.ParseInt(c.FormValue("article"), 10, 64)
	baseID, _ = strconv.ParseInt(c.FormValue("base"), 10, 64)
	pos, _ := strconv.Atoi(c.FormValue("position"))
	form, _ := c.FormParams()
	d = kb.Draft{
		Lang: c.FormValue("lang"), Title: c.FormValue("title"), Slug: c.FormValue("slug"),
		Description: c.FormValue("description"), Body: c.FormValue("body"), Keywords: c.FormValue("keywords"),
		Category: kb.Category(c.FormValue("category")), Position: pos, Related: form["related"], Note: c.FormValue("note"),
	}
	return articleID, baseID, d
}

// editorKey is the key of an article, "" for a new one.
func (h *Handlers) editorKey(c echo.Context, articleID int64, l string) string {
	if articleID == 0 {
		return ""
	}
	if ed, err := h.Editorial.Edition(c.Request().Context(), articleID, l); err == nil {
		return ed.Key
	}
	return ""
}

// editorSave saves the writing form as a revision (action "save"), saves and
// publishes it ("publish"), shows it with its preview ("preview", the
// Preview button without JavaScript) or with an image inserted ("insert",
// editor_images.go). Refusals show the form again, whole.
func (h *Handlers) editorSave(c echo.Context) error {
	v := editorOf(c, "edit")
	ev := h.writingView(c, &v)
	articleID, baseID, d := ev.ArticleID, ev.BaseID, ev.Draft
	ctx := c.Request().Context()
	action := c.FormValue("action")
	switch action {
	case "preview":
		return h.editorPage(c, v, http.StatusOK, ev)
	case "insert":
		return h.editorInsertImage(c, v, ev)
	}
	by, err := h.editorAuthor(c, v)
	if err != nil {
		return err
	}
	var rev *kb.Revision
	if articleID == 0 {
		rev, err = h.Editorial.Create(ctx, by, d)
	} else {
		rev, err = h.Editorial.Save(ctx, by, articleID, baseID, d)
	}
	if conflict, ok := kb.Conflict(err); ok {
		ev.Theirs = &conflict.Theirs
		ev.ErrorID = kb.MsgEditConflict
		ev.Diff = diffWords(conflict.Theirs.Body, d.Body)
		return h.editorPage(c, v, http.StatusConflict, ev)
	}
	if err != nil {
		return h.editorRefused(c, v, ev, err)
	}
	done := "saved"
	if action == "publish" {
		if err := h.Editorial.Publish(ctx, rev.ArticleID, rev.Lang, rev.ID); err != nil {
			ev.ArticleID, ev.BaseID, ev.Key = rev.ArticleID, rev.ID, h.editorKey(c, rev.ArticleID, rev.Lang)
			return h.editorRefused(c, v, ev, err)
		}
		done = "published"
	}
	return h.editorDone(c, v, rev.ArticleID, rev.Lang, done, rev.ID)
}

// editorRefused shows the form again with the refusal; anything but a
// refusal is the error page.
func (h *Handlers) editorRefused(c echo.Context, v editorVisit, ev views.EditorEditView, err error) error {
	if !errs.IsRefusal(err) {
		return err
	}
	ev.ErrorID = errs.MessageIDOf(err)
	// The refusal's own data (the images without alt text), and a hold's
	// languages by name.
	ev.Args = append(errArgs(err), heldLangNames(c.Request().Context(), err)...)
	if id := ev.ErrorID; id == kb.MsgEditSlugInvalid || id == kb.MsgEditSlugTaken {
		ev.SlugError = id
	}
	return h.editorPage(c, v, classify(err).Status, ev)
}

// editorDone ends a change: 303 to the article's page with 1-Click, the page
// itself with the notice without a cookie.
func (h *Handlers) editorDone(c echo.Context, v editorVisit, articleID int64, l, done string, rev int64) error {
	if v.frame.Token == "" {
		q := url.Values{"done": {done}}
		if rev > 0 {
			q.Set("rev", strconv.FormatInt(rev, 10))
		}
		return c.Redirect(http.StatusSeeOther, views.HrefQuery(c.Request().Context(), views.EditorArticlePath(articleID, l, ""), q))
	}
	ed, err := h.Editorial.Edition(c.Request().Context(), articleID, l)
	if err != nil {
		return err
	}
	ev := editionView(ed)
	ev.NoticeID = editorDone[done]
	if rev > 0 {
		ev.Args = []any{"Rev", rev}
	}
	v.frame.Here = "edit"
	return h.editorPage(c, v, http.StatusOK, ev)
}

func diffWords(old, new string) []views.Word {
	var out []views.Word
	for _, p := range kb.Diff(old, new) {
		out = append(out, views.Word{Text: p.Text, Added: p.Added, Removed: p.Removed})
	}
	return out
}

// editorPreview is the live preview (HTMX): the form's text as visitors
// will see it.
func (h *Handlers) editorPreview(c echo.Context) error {
	articleID, _, d := draftForm(c)
	if !slices.Contains(h.Locales.Languages(), d.Lang) {
		d.Lang = lang(c)
	}
	if len(d.Body) > kb.MaxBody {
		d.Body = d.Body[:kb.MaxBody]
	}
	a := h.Editorial.Preview(articleID, h.editorKey(c, articleID, d.Lang), d)
	return h.render(c, http.StatusOK, views.EditorPreview(a), views.EditorPreview(a))
}

// editorSlug checks the slug as it is typed (HTMX).
func (h *Handlers) editorSlug(c echo.Context) error {
	articleID, _, d := draftForm(c)
	msg := ""
	if d.Slug != "" {
		msg = slugMessage(h.Editorial.CheckSlug(c.Request().Context(), d.Lang, d.Slug, articleID))
	}
	return h.render(c, http.StatusOK, views.EditorSlugStatus(msg, d.Slug != ""), views.EditorSlugStatus(msg, d.Slug != ""))
}

// slugMessage is the slug check's message ID, "" when the slug is free.
func slugMessage(err error) string {
	if err == nil {
		return ""
	}
	return errs.MessageIDOf(err)
}

// editorSlugPropose proposes the slug from the title as it is typed (HTMX),
// while the slug is empty or still the last proposal.
func (h *Handlers) editorSlugPropose(c echo.Context) error {
	articleID, _, d := draftForm(c)
	slug := d.Slug
	if slug == "" || slug == c.FormValue("slug_proposed") {
		slug = kb.ProposeSlug(d.Title)
	}
	msg := ""
	if slug != "" {
		msg = slugMessage(h.Editorial.CheckSlug(c.Request().Context(), d.Lang, slug, articleID))
	}
	return h.render(c, http.StatusOK, views.EditorSlugField(slug, slug, msg), views.EditorSlugField(slug, slug, msg))
}

// editorAutosave keeps the form as the editor's working copy (editor.js,
// every few seconds while the text changes). No content: 204.
func (h *Handlers) editorAutosave(c echo.Context) error {
	v := editorOf(c, "edit")
	articleID, baseID, d := draftForm(c)
	if articleID == 0 {
		return c.NoContent(http.StatusNoContent)
	}
	by := kb.Author{ID: v.s.AccountID}
	if err := h.Editorial.KeepWorking(c.Request().Context(), by, articleID, baseID, d); err != nil {
		if errs.IsRefusal(err) {
			return c.NoContent(classify(err).Status)
		}
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
