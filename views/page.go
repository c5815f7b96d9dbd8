// Package views holds the templ components. Views take typed view models; only
// cross-cutting things (the localizer, text size, current path) come from the
// request context, through the helpers in this file.
package views

import (
	"context"
	"net/url"
	"strconv"

	"zerodesk/internal/kb"
	"zerodesk/internal/links"
	"zerodesk/locales"
	"zerodesk/static"
)

// Text size steps: 0 is smallest, DefaultTextSize is 100%.
const (
	MinTextSize     = 0
	DefaultTextSize = 1
	MaxTextSize     = 5
)

// Page is what every view may know about the request it answers.
type Page struct {
	L        *locales.Localizer
	Langs    []string   // UI languages, for Select language
	Path     string     // the path below the language prefix, "/" for home
	Query    url.Values // the request's query, without "size"
	TextSize int
	Assets   *static.Assets
	// PublicURL is the portal's address as people reach it (--public-url),
	// without a trailing slash: the base of canonical and hreflang links.
	// Empty: those links stay relative to the host.
	PublicURL string
	// Sections are the help articles' categories, with the names editors gave
	// them (sections.go); nil: the six of the first migration, locale texts.
	Sections *kb.Sections
	// Notes are the footer's Technical Notes (the first articles of the
	// category, kb.KB.TechnicalNotes: shared, read only); NotesMore: the
	// category holds more, and the footer links it.
	// NotesVersion is the catalog version they come from: the footer is
	// rendered once per version (onceLatest).
	Notes        []kb.Summary
	NotesMore    bool
	NotesVersion uint64
	// Account is the signed-in person, nil for a visitor. The frame shows it
	// on every page, with My account and Sign out.
	Account *FrameAccount
}

// FrameAccount is the signed-in person as the page frame shows them.
type FrameAccount struct {
	Name string
	Role string // accounts.Role: basic, premium, manager, agent, admin, editor
	// Token is a cookie-less session's token: the frame's actions are then POST
	// forms carrying it (never a link: it must not reach a URL). "" with 1-Click.
	Token string
}

// Staff reports whether the account works at the desk.
func (a *FrameAccount) Staff() bool { return a.Role == "agent" || a.Role == "admin" }

// Edits reports whether the account writes the help articles (the editor's room).
func (a *FrameAccount) Edits() bool { return a.Role == "editor" || a.Role == "admin" }

// Absolute makes a portal path absolute with the public URL, when known.
func Absolute(ctx context.Context, path string) string {
	return PageOf(ctx).PublicURL + path
}

// permanent is a page's address for search engines: absolute, without the
// text size (a reader's choice, not another page).
func permanent(ctx context.Context, href string) string {
	if u, err := url.Parse(href); err == nil && u.Query().Has("size") {
		q := u.Query()
		q.Del("size")
		u.RawQuery = q.Encode()
		href = u.String()
	}
	return Absolute(ctx, href)
}

type pageKey struct{}

// WithPage stores p in ctx for the views.
func WithPage(ctx context.Context, p *Page) context.Context {
	return context.WithValue(ctx, pageKey{}, p)
}

// HasPage reports whether ctx carries a Page.
func HasPage(ctx context.Context) bool {
	_, ok := ctx.Value(pageKey{}).(*Page)
	return ok
}

// PageOf returns the request's Page (a neutral English one when none is set,
// so components can render in isolation in tests).
func PageOf(ctx context.Context) *Page {
	if p, ok := ctx.Value(pageKey{}).(*Page); ok {
		return p
	}
	return fallbackPage
}

var fallbackPage = func() *Page {
	c, err := locales.Load()
	if err != nil {
		panic(err)
	}
	a, err := static.Load()
	if err != nil {
		panic(err)
	}
	return &Page{L: c.Localizer(locales.Default), Langs: c.Languages(), Path: "/", TextSize: DefaultTextSize, Assets: a}
}()

// T translates a message ID in the request's language.
func T(ctx context.Context, id string, args ...any) string { return PageOf(ctx).L.T(id, args...) }

// N translates a message with plural forms.
func N(ctx context.Context, id string, count int, args ...any) string {
	return PageOf(ctx).L.N(id, count, args...)
}

// Lang is the request's language code.
func Lang(ctx context.Context) string { return PageOf(ctx).L.Lang() }

// Href links a portal path in the request's language, keeping a non-default
// text size so it survives navigation without JavaScript or cookies.
func Href(ctx context.Context, path string) string { return HrefQuery(ctx, path, nil) }

// HrefQuery is Href with query parameters.
func HrefQuery(ctx context.Context, path string, q url.Values) string {
	p := PageOf(ctx)
	return link(p.L.Lang(), path, q, p.TextSize)
}

func link(lang, path string, q url.Values, size int) string {
	u := links.Portal("").Page(lang, path)
	if size != DefaultTextSize {
		if q == nil {
			q = url.Values{}
		} else {
			q = cloneValues(q)
		}
		q.Set("size", strconv.Itoa(size))
	}
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// TextSizeHref is the current page at another text size (the −/+ links).
func TextSizeHref(ctx context.Context, size int) string {
	p := PageOf(ctx)
	return link(p.L.Lang(), p.Path, p.Query, size)
}

// LangHref is the current page in another language.
func LangHref(ctx context.Context, lang string) string {
	p := PageOf(ctx)
	return link(lang, p.Path, p.Query, p.TextSize)
}

// Asset is the hashed URL of a static file.
func Asset(ctx context.Context, name string) string { return PageOf(ctx).Assets.URL(name) }

func cloneValues(q url.Values) url.Values {
	c := make(url.Values, len(q)+1)
	for k, v := range q {
		c[k] = append([]string(nil), v...)
	}
	return c
}

func itoa(n int) string { return strconv.Itoa(n) }
