package handlers

// What the portal tells search engines and browsers about itself:
// /robots.txt, /sitemap.xml (every published article and page in every
// language, with their alternates) and /favicon.ico.

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/kb"
	"zerodesk/internal/links"
	"zerodesk/locales"
)

// baseURL is the portal's public address: --public-url, else the address
// this request reached (scheme from the connection or a trusted proxy).
func (h *Handlers) baseURL(c echo.Context) string {
	if h.PublicURL != "" {
		return h.PublicURL
	}
	scheme := "http"
	if h.secure(c) {
		scheme = "https"
	}
	return scheme + "://" + c.Request().Host
}

func (h *Handlers) robots(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.String(http.StatusOK, "User-agent: *\nAllow: /\n\nSitemap: "+h.baseURL(c)+"/sitemap.xml\n")
}

// favicon answers the browsers that ask for /favicon.ico without reading the
// page's <link rel="icon">: with the SVG icon's (hashed) address.
func (h *Handlers) favicon(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Redirect(http.StatusFound, h.Assets.URL("img/favicon.svg"))
}

// sitemapPages are the portal's indexable pages besides the articles, below
// the language prefix.
var sitemapPages = func() []string {
	pages := []string{"/"}
	for _, c := range kb.Categories {
		pages = append(pages, "/sections/"+string(c))
	}
	return append(pages, "/support", "/login", "/browser-test") // the pages search engines may index
}()

type sitemapURLSet struct {
	XMLName xml.Name     `xml:"urlset"`
	NS      string       `xml:"xmlns,attr"`
	XHTML   string       `xml:"xmlns:xhtml,attr"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc        string        `xml:"loc"`
	LastMod    string        `xml:"lastmod,omitempty"`
	Alternates []sitemapLink `xml:"xhtml:link"`
}

type sitemapLink struct {
	Rel      string `xml:"rel,attr"`
	HrefLang string `xml:"hreflang,attr"`
	Href     string `xml:"href,attr"`
}

// sitemapBase is replaced by the portal's address in each answer, so the
// sitemap is built once per catalog version whatever Host a request names.
const sitemapBase = "https://zerodesk.invalid"

func (h *Handlers) sitemap(c echo.Context) error {
	version := h.KB.Version()
	body, ok := h.sitemaps.Get(version, struct{}{})
	if !ok {
		var err error
		if body, err = h.buildSitemap(sitemapBase); err != nil {
			return err
		}
		h.sitemaps.Put(version, struct{}{}, body)
	}
	var base bytes.Buffer
	xml.EscapeText(&base, []byte(h.baseURL(c)))
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return c.Blob(http.StatusOK, "application/xml; charset=utf-8", bytes.ReplaceAll(body, []byte(sitemapBase), base.Bytes()))
}

func (h *Handlers) buildSitemap(base string) ([]byte, error) {
	set := sitemapURLSet{NS: "http://www.sitemaps.org/schemas/sitemap/0.9", XHTML: "http://www.w3.org/1999/xhtml"}
	portal := links.Portal(base)
	langs := h.Locales.Languages()
	withDefault := func(alts []sitemapLink, defaultHref string) []sitemapLink {
		if defaultHref != "" {
			alts = append(alts, sitemapLink{Rel: "alternate", HrefLang: "x-default", Href: defaultHref})
		}
		return alts
	}
	pages := slices.Clone(sitemapPages)
	for _, cat := range h.sections().Keys() { // categories editors created, and their index
		if !slices.Contains(kb.Categories, cat) {
			pages = append(pages, "/sections/"+string(cat))
		}
	}
	pages = append(pages, "/sections")
	for _, page := range pages {
		var alts []sitemapLink
		for _, l := range langs {
			alts = append(alts, sitemapLink{Rel: "alternate", HrefLang: l, Href: portal.Page(l, page)})
		}
		alts = withDefault(alts, portal.Page(locales.Default, page))
		for _, l := range langs {
			set.URLs = append(set.URLs, sitemapURL{Loc: portal.Page(l, page), Alternates: alts})
		}
	}
	seen := map[string]bool{}
	for _, l := range langs {
		for _, cat := range h.sections().Keys() {
			for _, s := range h.KB.Section(l, cat) {
				if s.Lang != l || seen[l+"/"+s.Slug] {
					continue // a fallback: listed in its own language
				}
				seen[l+"/"+s.Slug] = true
				a, err := h.KB.Article(l, s.Slug)
				if err != nil {
					return nil, err
				}
				var alts []sitemapLink
				defaultHref := ""
				for _, t := range a.Translations {
					href := portal.Article(t.Lang, t.Slug)
					alts = append(alts, sitemapLink{Rel: "alternate", HrefLang: t.Lang, Href: href})
					if t.Lang == locales.Default {
						defaultHref = href
					}
				}
				u := sitemapURL{Loc: portal.Article(l, s.Slug), Alternates: withDefault(alts, defaultHref)}
				if !s.PublishedAt.IsZero() {
					u.LastMod = s.PublishedAt.UTC().Format("2006-01-02")
				}
				set.URLs = append(set.URLs, u)
			}
		}
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", " ")
	if err := enc.Encode(set); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
