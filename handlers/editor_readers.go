package handlers

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"zerodesk/views"
)

// What readers need (issue 13, item 9): the readers' numbers of every
// article (/LANG/editor/readers), one article's days with charts
// (/LANG/editor/readers/KEY, ?in=LANG for one page language) and the
// searches that found nothing (/LANG/editor/searches, ?in=LANG), the same
// query and the same 3-visitor rule as the `zerodesk searches` command.

const (
	// readersDays is the period the pages show.
	readersDays = 30
	// missingSearchesShown is how many searches without hits the page lists.
	missingSearchesShown = 100
)

// inLanguage is the ?in= (or form) language of a page: one of the portal's,
// else def.
func (h *Handlers) inLanguage(c echo.Context, def string) string {
	if in := c.FormValue("in"); in != "" && h.Locales.Supported(in) {
		return in
	}
	return def
}

func (h *Handlers) editorReaders(c echo.Context) error {
	v := editorOf(c, "readers")
	list, err := h.Readers.ArticleStats(c.Request().Context(), lang(c), readersDays)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, views.EditorReadersPage(views.EditorReadersView{EditorFrame: v.frame, Days: readersDays, Articles: list}), nil)
}

func (h *Handlers) editorReadersArticle(c echo.Context) error {
	v := editorOf(c, "readers")
	ctx := c.Request().Context()
	a, _, err := h.Readers.ArticleByKey(lang(c), c.Param("key"))
	if err != nil {
		return err
	}
	langs, err := h.Readers.ArticleLanguages(ctx, a.ArticleID, readersDays)
	if err != nil {
		return err
	}
	in := h.inLanguage(c, "")
	if in != "" && !slices.Contains(langs, in) {
		langs = append(langs, in)
		slices.Sort(langs)
	}
	days, err := h.Readers.ArticleDaily(ctx, a.ArticleID, in, readersDays)
	if err != nil {
		return err
	}
	reasons, err := h.Readers.ArticleReasons(ctx, a.ArticleID, in, readersDays)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, views.EditorReadersArticlePage(views.EditorReadersArticleView{
		EditorFrame: v.frame, Article: a, Days: days, Reasons: reasons, Languages: langs, In: in, Period: readersDays,
	}), nil)
}

func (h *Handlers) editorSearches(c echo.Context) error {
	v := editorOf(c, "searches")
	ctx := c.Request().Context()
	in := h.inLanguage(c, lang(c))
	stats, err := h.Readers.MissingSearches(ctx, in, missingSearchesShown)
	if err != nil {
		return err
	}
	hidden, hiddenZero, err := h.Readers.HiddenSearches(ctx, in)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, views.EditorSearchesPage(views.EditorSearchesView{
		EditorFrame: v.frame, In: in, Languages: h.Locales.Languages(), Queries: stats, Hidden: hidden, HiddenSearches: hiddenZero,
	}), nil)
}
