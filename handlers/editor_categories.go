package handlers

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"zerodesk/internal/errs"
	"zerodesk/internal/kb"
	"zerodesk/views"
)

// The categories (issue 13, item 7): editors create, name and describe per
// language, reorder and delete empty categories at /LANG/editor/categories;
// visitors find them all at /LANG/sections. Everything is a plain form: it
// works the same without JavaScript.

// CategoryEditor is what the categories page needs of the knowledge base.
// *kb.KB has it.
type CategoryEditor interface {
	Sections() *kb.Sections
	CategoryList(ctx context.Context) ([]kb.CategoryInfo, error)
	CreateCategory(ctx context.Context, lang, name, intro string) (kb.Category, error)
	DescribeCategory(ctx context.Context, key kb.Category, lang, name, intro string) error
	MoveCategory(ctx context.Context, key kb.Category, up bool) error
	DeleteCategory(ctx context.Context, key kb.Category) error
}

// categoryEditor is the knowledge base as a CategoryEditor, nil when it is
// not one (test doubles).
func (h *Handlers) categoryEditor() CategoryEditor {
	ce, _ := h.Editorial.(CategoryEditor)
	return ce
}

// sections are the categories for the page frame (nil: the builtin six).
func (h *Handlers) sections() *kb.Sections {
	if s, ok := h.KB.(interface{ Sections() *kb.Sections }); ok {
		return s.Sections()
	}
	return nil
}

// technicalNotes are the footer's Technical Notes (none from a test double
// without them): the catalog's own list, no copy per request.
func (h *Handlers) technicalNotes(lang string) ([]kb.Summary, bool, uint64) {
	if n, ok := h.KB.(interface {
		TechnicalNotes(lang string) ([]kb.Summary, bool, uint64)
	}); ok {
		return n.TechnicalNotes(lang)
	}
	return nil, false, 0
}

// Message IDs of the notices after a change.
const (
	MsgCategoryCreated = "categories.done.created"
	MsgCategorySaved   = "categories.done.saved"
	MsgCategoryMoved   = "categories.done.moved"
	MsgCategoryDeleted = "categories.done.deleted"
)

// categoryNotices are what ?done= may say after a change.
var categoryNotices = map[string]string{
	"created": MsgCategoryCreated, "saved": MsgCategorySaved, "moved": MsgCategoryMoved, "deleted": MsgCategoryDeleted,
}

// editorCategories is the list: order, counts, the create form.
func (h *Handlers) editorCategories(c echo.Context) error {
	v := editorOf(c, "categories")
	return h.categoriesPage(c, v, http.StatusOK, views.EditorCategoriesView{NoticeID: categoryNotices[c.QueryParam("done")]})
}

func (h *Handlers) categoriesPage(c echo.Context, v editorVisit, status int, cv views.EditorCategoriesView) error {
	ce := h.categoryEditor()
	if ce == nil {
		return echo.ErrNotFound
	}
	list, err := ce.CategoryList(c.Request().Context())
	if err != nil {
		return err
	}
	cv.EditorFrame, cv.List = v.frame, list
	return h.render(c, status, views.EditorCategoriesPage(cv), nil)
}

// categoryDone ends a change: 303 to the list with 1-Click, the list itself
// with the notice without a cookie.
func (h *Handlers) categoryDone(c echo.Context, v editorVisit, done, path string) error {
	if v.frame.Token == "" {
		return c.Redirect(http.StatusSeeOther, views.HrefQuery(c.Request().Context(), path, url.Values{"done": {done}}))
	}
	if path != views.EditorPath("/categories") {
		return h.categoryPageOf(c, v, kb.Category(c.Param("key")), http.StatusOK, categoryNotices[done], "")
	}
	return h.categoriesPage(c, v, http.StatusOK, views.EditorCategoriesView{NoticeID: categoryNotices[done]})
}

// editorCategoryCreate adds a category named in the page's language.
func (h *Handlers) editorCategoryCreate(c echo.Context) error {
	v := editorOf(c, "categories")
	ce := h.categoryEditor()
	if ce == nil {
		return echo.ErrNotFound
	}
	name, intro := c.FormValue("name"), c.FormValue("intro")
	if _, err := ce.CreateCategory(c.Request().Context(), lang(c), name, intro); err != nil {
		if !errs.IsRefusal(err) {
			return err
		}
		return h.categoriesPage(c, v, classify(err).Status, views.EditorCategoriesView{ErrorID: errs.MessageIDOf(err),
			Name: shown(name), Intro: shown(intro)})
	}
	return h.categoryDone(c, v, "created", views.EditorPath("/categories"))
}

// editorCategoryMove moves one category up or down.
func (h *Handlers) editorCategoryMove(c echo.Context) error {
	v := editorOf(c, "categories")
	ce := h.categoryEditor()
	if ce == nil {
		return echo.ErrNotFound
	}
	if err := ce.MoveCategory(c.Request().Context(), kb.Category(c.FormValue("key")), c.FormValue("dir") == "up"); err != nil {
		return err
	}
	return h.categoryDone(c, v, "moved", views.EditorPath("/categories"))
}

// editorCategoryDelete deletes an empty category; one with articles is
// refused on the list with how many it holds.
func (h *Handlers) editorCategoryDelete(c echo.Context) error {
	v := editorOf(c, "categories")
	ce := h.categoryEditor()
	if ce == nil {
		return echo.ErrNotFound
	}
	if err := ce.DeleteCategory(c.Request().Context(), kb.Category(c.FormValue("key"))); err != nil {
		if !errs.IsRefusal(err) || errs.CodeOf(err) == errs.NotFound {
			return err
		}
		return h.categoriesPage(c, v, classify(err).Status, views.EditorCategoriesView{ErrorID: errs.MessageIDOf(err),
			ErrorArgs: errArgs(err), ErrorKey: kb.Category(c.FormValue("key"))})
	}
	return h.categoryDone(c, v, "deleted", views.EditorPath("/categories"))
}

// editorCategory is one category's names and descriptions in every language.
func (h *Handlers) editorCategory(c echo.Context) error {
	v := editorOf(c, "categories")
	return h.categoryPageOf(c, v, kb.Category(c.Param("key")), http.StatusOK, categoryNotices[c.QueryParam("done")], "")
}

func (h *Handlers) categoryPageOf(c echo.Context, v editorVisit, key kb.Category, status int, notice, errorID string) error {
	ce := h.categoryEditor()
	if ce == nil {
		return echo.ErrNotFound
	}
	list, err := ce.CategoryList(c.Request().Context())
	if err != nil {
		return err
	}
	i := slices.IndexFunc(list, func(ci kb.CategoryInfo) bool { return ci.Key == key })
	if i < 0 {
		return echo.ErrNotFound
	}
	cv := views.EditorCategoryView{EditorFrame: v.frame, Category: list[i], Langs: h.Locales.Languages(),
		NoticeID: notice, ErrorID: errorID, Fallbacks: h.categoryFallbacks(key)}
	return h.render(c, status, views.EditorCategoryPage(cv), nil)
}

// editorCategorySave saves the names and descriptions of every language
// whose fields changed; a refusal names the language and keeps what was typed.
func (h *Handlers) editorCategorySave(c echo.Context) error {
	v := editorOf(c, "categories")
	ce := h.categoryEditor()
	if ce == nil {
		return echo.ErrNotFound
	}
	key := kb.Category(c.Param("key"))
	ctx := c.Request().Context()
	list, err := ce.CategoryList(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(list, func(ci kb.CategoryInfo) bool { return ci.Key == key })
	if i < 0 {
		return echo.ErrNotFound
	}
	cur := list[i]
	typed := kb.CategoryInfo{Key: key, Position: cur.Position, Articles: cur.Articles, Names: map[string]string{}, Intros: map[string]string{}}
	for _, l := range h.Locales.Languages() {
		typed.Names[l], typed.Intros[l] = shown(c.FormValue("name-"+l)), shown(c.FormValue("intro-"+l))
	}
	for _, l := range h.Locales.Languages() {
		if typed.Names[l] == cur.Names[l] && typed.Intros[l] == cur.Intros[l] {
			continue
		}
		if err := ce.DescribeCategory(ctx, key, l, typed.Names[l], typed.Intros[l]); err != nil {
			if !errs.IsRefusal(err) {
				return err
			}
			cv := views.EditorCategoryView{EditorFrame: v.frame, Category: typed, Langs: h.Locales.Languages(),
				ErrorID: errs.MessageIDOf(err), ErrorLang: l, Fallbacks: h.categoryFallbacks(key)}
			return h.render(c, classify(err).Status, views.EditorCategoryPage(cv), nil)
		}
	}
	return h.categoryDone(c, v, "saved", views.EditorPath("/category/"+string(key)))
}

// sectionsIndex lists every category for visitors, in the editors' order.
func (h *Handlers) sectionsIndex(c echo.Context) error {
	return h.renderCached(c, h.KB.Version(), "sections", false, func() (templ.Component, templ.Component, error) {
		return views.SectionsPage(views.SectionsView{Keys: h.sections().Keys()}), nil, nil
	})
}

// categoryFallbacks are the names pages show in each language when editors
// gave none: the locale's for the six builtin categories.
func (h *Handlers) categoryFallbacks(key kb.Category) map[string]string {
	out := map[string]string{}
	if !slices.Contains(kb.Categories, key) {
		return out
	}
	for _, l := range h.Locales.Languages() {
		out[l] = h.Locales.Text(l, "section."+string(key), nil)
	}
	return out
}
