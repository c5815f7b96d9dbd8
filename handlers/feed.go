package handlers

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/links"
	"zerodesk/views"
)

// The Atom feed of new and changed articles per language (issue 13, item
// 11), at /LANG/feed.atom, linked from every page of that language
// (layout.templ). It is built once per catalog version and language, with a
// placeholder for the portal's address (as the sitemap).

const (
	feedEntries = 50
	feedBase    = "https://zerodesk.invalid"
)

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel      string `xml:"rel,attr"`
	Type     string `xml:"type,attr,omitempty"`
	HrefLang string `xml:"hreflang,attr,omitempty"`
	Href     string `xml:"href,attr"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID        string   `xml:"id"`
	Title     string   `xml:"title"`
	Link      atomLink `xml:"link"`
	Published string   `xml:"published"`
	Updated   string   `xml:"updated"`
	Summary   string   `xml:"summary,omitempty"`
}

func (h *Handlers) feed(c echo.Context) error {
	l := lang(c)
	version := h.KB.Version()
	body, ok := h.feeds.Get(version, l)
	if !ok {
		var err error
		if body, err = h.buildFeed(c, l); err != nil {
			return err
		}
		h.feeds.Put(version, l, body)
	}
	var base bytes.Buffer
	xml.EscapeText(&base, []byte(h.baseURL(c)))
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, "application/atom+xml; charset=utf-8", bytes.ReplaceAll(body, []byte(feedBase), base.Bytes()))
}

func (h *Handlers) buildFeed(c echo.Context, l string) ([]byte, error) {
	portal := links.Portal(feedBase)
	ctx := c.Request().Context()
	self := portal.Page(l, "/feed.atom")
	f := atomFeed{
		Lang: l, ID: self, Title: views.T(ctx, "feed.title", "Site", views.T(ctx, "site.name")),
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: self},
			{Rel: "alternate", Type: "text/html", HrefLang: l, Href: portal.Page(l, "/")},
		},
		Author: atomAuthor{Name: views.T(ctx, "site.name")},
	}
	updated := time.Unix(0, 0).UTC()
	for _, e := range h.Readers.Feed(l, feedEntries) {
		if e.UpdatedAt.After(updated) {
			updated = e.UpdatedAt
		}
		f.Entries = append(f.Entries, atomEntry{
			// The key's address: it stays the article's when its slug changes.
			ID: portal.Article(l, e.Key), Title: e.Title,
			Link:      atomLink{Rel: "alternate", Type: "text/html", HrefLang: l, Href: portal.Article(l, e.Slug)},
			Published: e.PublishedAt.UTC().Format(time.RFC3339), Updated: e.UpdatedAt.UTC().Format(time.RFC3339),
			Summary: e.Description,
		})
	}
	f.Updated = updated.Format(time.RFC3339)
	out, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), out...), nil
}
