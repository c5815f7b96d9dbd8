package handlers

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"zerodesk/internal/errs"
	"zerodesk/internal/kb"
	"zerodesk/internal/links"
	"zerodesk/views"
)

// How many articles the home page lists in Popular and Latest: no more than
// the catalog version covers (kb.PopularShown; the build fails otherwise).
const homeListLength = 6

const _ = uint(kb.PopularShown - homeListLength)

// Bounds of the lists of a category (issue 13, "Scale"): the home page's Set
// Up panel shows its first homeSetupLength articles and links to the
// section; a section page lists sectionPageLength a page. The demo's
// categories fit in both, so its pages are as they were.
const (
	homeSetupLength   = 10
	sectionPageLength = 50
)

func lang(c echo.Context) string { return views.Lang(c.Request().Context()) }

// queryParam is c.QueryParam that parses nothing when the address has no
// query (the pages kept for everyone are mostly asked for without one).
func queryParam(c echo.Context, name string) string {
	if c.Request().URL.RawQuery == "" {
		return ""
	}
	return c.QueryParam(name)
}

// root sends a visitor to the home page in the language their browser asks for.
func (h *Handlers) root(c echo.Context) error {
	c.Response().Header().Add("Vary", "Accept-Language")
	c.Response().Header().Add("Vary", "Cookie")
	target := links.Portal("").Page(h.preferredLanguage(c), "/")
	if q := c.QueryString(); q != "" {
		target += "?" + q
	}
	return c.Redirect(http.StatusFound, target)
}

// preferredLanguage is the language for a URL that names none: the saved
// preference of a signed-in (1-Click) user, else the browser's Accept-Language,
// else the default.
func (h *Handlers) preferredLanguage(c echo.Context) string {
	if ck, err := c.Cookie(h.cookieName(c)); err == nil && ck.Value != "" {
		if s, err := h.Accounts.Session(c.Request().Context(), ck.Value); err == nil && h.Locales.Supported(s.Lang) {
			return s.Lang
		}
	}
	return h.Locales.Negotiate(c.Request().Header.Get("Accept-Language"))
}

// languageRoot sends /en to /en/.
func (h *Handlers) languageRoot(c echo.Context) error {
	target := links.Portal("").Page(lang(c), "/")
	if q := c.QueryString(); q != "" {
		target += "?" + q
	}
	return c.Redirect(http.StatusMovedPermanently, target)
}

// home is the portal page. Its lists follow from the language and the
// catalog version (the popular order within kb.PopularShown included), so
// they are built only when the page is rendered, never for a kept page.
func (h *Handlers) home(c echo.Context) error {
	open := queryParam(c, "open")
	switch open {
	case "setup", "popular", "latest":
	default:
		open = ""
	}
	return h.renderCached(c, h.KB.Version(), "home|"+open, false, func() (templ.Component, templ.Component, error) {
		l := lang(c)
		setup, _, total := h.KB.SectionPage(l, kb.Setup, 1, homeSetupLength)
		v := views.HomeView{Setup: setup, SetupMore: total > len(setup), Open: open}
		v.Popular, v.Latest = h.KB.HomeLists(l, homeListLength)
		switch open {
		case "setup":
			v.Bodies = h.bodies(l, v.Setup)
		case "popular":
			v.Bodies = h.bodies(l, v.Popular)
		case "latest":
			v.Bodies = h.bodies(l, v.Latest)
		}
		return views.Home(v), nil, nil
	})
}

// bodies loads the articles of a list shown expanded.
func (h *Handlers) bodies(l string, items []kb.Summary) map[int64]*kb.Article {
	m := make(map[int64]*kb.Article, len(items))
	for _, s := range items {
		if a, err := h.KB.Article(l, s.Slug); err == nil {
			m[s.ArticleID] = a
		}
	}
	return m
}

// article is an article's permanent page, or its body when expanded in place.
// The article itself (a copy with its Related list) is fetched only to render
// the page: a kept page needs only the article's address (ArticleAddress).
func (h *Handlers) article(c echo.Context) error {
	l, slug := lang(c), c.Param("slug")
	version := h.KB.Version() // before the article: see renderCached
	id, canonical, err := h.KB.ArticleAddress(l, slug)
	if errs.CodeOf(err) == errs.NotFound {
		return h.goneOrMoved(c, err) // editor_publish.go: old and archived addresses
	}
	if err != nil {
		return err
	}
	if canonical != slug {
		// Another language's slug or the article's key: its address here.
		return c.Redirect(http.StatusMovedPermanently, views.Href(c.Request().Context(), "/articles/"+canonical))
	}
	if !isHead(c) {
		h.KB.CountView(id, l)
	}
	var v views.ArticleView
	if voted := queryParam(c, "voted"); voted == "yes" || voted == "no" {
		v.Voted = voted
		v.ReasonSent = voted == "no" && c.QueryParam("reason") == "sent"
	}
	view := func() (templ.Component, templ.Component, error) {
		a, err := h.KB.Article(l, canonical)
		if err != nil {
			return nil, nil, err // unpublished since the address was read
		}
		v.Article = a
		return views.ArticlePage(v), views.ArticleFragment(a), nil
	}
	if v.Voted != "" {
		// The thanks shows the tally, which votes change without a new
		// catalog version (kb.KB.Version): rendered for the voter, not kept.
		page, fragment, err := view()
		if err != nil {
			return err
		}
		return h.render(c, http.StatusOK, page, fragment)
	}
	return h.renderCached(c, version, "article|"+canonical, true, view)
}

// feedback counts "Was this helpful?" without cookies or accounts. A "no"
// may come back with a reason from a fixed list (kb.Reasons): the thanks
// after "no" asks for one, and sending it changes the same vote.
func (h *Handlers) feedback(c echo.Context) error {
	l := lang(c)
	a, err := h.KB.Article(l, c.Param("slug"))
	if err != nil {
		return err
	}
	answer := c.FormValue("helpful")
	if answer != "yes" && answer != "no" {
		return errs.E(errs.Invalid, "feedback.invalid")
	}
	reason := kb.Reason(c.FormValue("reason"))
	if reason != "" && (!reason.Valid() || answer != "no") {
		return errs.E(errs.Invalid, "feedback.invalid")
	}
	tally, err := h.KB.Vote(c.Request().Context(), a.ArticleID, l, c.RealIP(), answer == "yes", reason)
	if err != nil {
		return err
	}
	if !isFragmentRequest(c) {
		// Post/redirect/get: a reload never votes twice.
		q := url.Values{"voted": {answer}}
		if reason != "" {
			q.Set("reason", "sent")
		}
		return c.Redirect(http.StatusSeeOther, views.HrefQuery(c.Request().Context(), "/articles/"+a.Slug, q)+"#feedback")
	}
	counted := *a
	counted.HelpfulYes, counted.HelpfulNo = tally.Yes, tally.No
	f := views.Feedback(&counted, answer, reason != "")
	return h.render(c, http.StatusOK, f, f)
}

// section lists one category (the How-To and Documents panels, and others).
func (h *Handlers) section(c echo.Context) error {
	cat := kb.Category(c.Param("category"))
	if !h.sections().Has(cat) {
		return echo.ErrNotFound
	}
	l := lang(c)
	page, ok := pageParam(c)
	if !ok {
		return echo.ErrNotFound
	}
	open := queryParam(c, "open") == string(cat)
	// The key holds the page asked for: a page past the last is a 404 when
	// rendered and so never kept, and a kept page is one that exists in
	// this catalog version.
	return h.renderCached(c, h.KB.Version(), "section|"+string(cat)+"|"+strconv.FormatBool(open)+"|"+strconv.Itoa(page), false,
		func() (templ.Component, templ.Component, error) {
			v := views.SectionView{Category: cat}
			var total int
			v.Items, v.Page, total = h.KB.SectionPage(l, cat, page, sectionPageLength)
			v.Pages = max(1, (total+sectionPageLength-1)/sectionPageLength)
			if v.Page != page {
				return nil, nil, echo.ErrNotFound // past the last page: no such page (and no cache entry for it)
			}
			if open {
				v.Open, v.Bodies = true, h.bodies(l, v.Items)
			}
			return views.SectionPage(v), nil, nil
		})
}

// pageParam reads ?page=N of a paginated list: absent is page 1; anything but
// a whole number from 1 is no page (ok false).
func pageParam(c echo.Context) (page int, ok bool) {
	raw := queryParam(c, "page")
	if raw == "" {
		return 1, true
	}
	page, err := strconv.Atoi(raw)
	if err != nil || page < 1 || len(raw) > 9 {
		return 0, false
	}
	return page, true
}
