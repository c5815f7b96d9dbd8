package handlers

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
	"zerodesk/internal/cache"
	"zerodesk/static"
	"zerodesk/views"
)

// HTMX request headers we read.
const (
	headerHXRequest = "HX-Request"
	headerHXBoosted = "HX-Boosted"
)

// isFragmentRequest: an HTMX request that is not a boosted navigation wants the
// fragment; everything else wants the whole page.
func isFragmentRequest(c echo.Context) bool {
	r := c.Request()
	return r.Header.Get(headerHXRequest) == "true" && r.Header.Get(headerHXBoosted) != "true"
}

// Responses shorter than this are not worth compressing.
const minCompressLength = 1024

var (
	buffers     = sync.Pool{New: func() any { return new(bytes.Buffer) }}
	gzipWriters = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, 5); return w }}
)

// render is the one place that decides page or fragment, and the one place
// that writes HTML. The component is rendered whole into a buffer first, so a
// failure midway never sends half a page.
func (h *Handlers) render(c echo.Context, status int, page, fragment templ.Component) error {
	component, isFragment := choose(c, page, fragment)
	if !isFragment {
		h.frameAccount(c)
	}
	buf := buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer buffers.Put(buf)
	if err := component.Render(c.Request().Context(), buf); err != nil {
		return err
	}
	return writeHTML(c, status, buf.Bytes(), nil, "")
}

// renderCached is render for pages that hold nothing of the visitor: a visitor
// has no cookie and no session, so such a page is the same for everyone until
// the articles change. It is rendered once per catalog version and kept, plain
// and compressed. key must be built only from validated values (it bounds the
// cache): the language and text size are added here.
func (h *Handlers) renderCached(c echo.Context, key string, page, fragment templ.Component) error {
	return h.renderCachedIn(c, &h.pages, key, page, fragment)
}

// renderCachedIn is renderCached keeping the page in pages: search pages have
// their own cache, so a flood of new queries never pushes out the home page.
func (h *Handlers) renderCachedIn(c echo.Context, pages *cache.Versioned[string, cachedPage], key string, page, fragment templ.Component) error {
	if h.hasSessionCookie(c) {
		// The frame shows who is signed in: not a page for everyone.
		return h.render(c, http.StatusOK, page, fragment)
	}
	component, isFragment := choose(c, page, fragment)
	p := views.PageOf(c.Request().Context())
	full := key + "|" + p.L.Lang() + "|" + strconv.Itoa(p.TextSize) + "|" + strconv.FormatBool(isFragment)
	version := h.KB.Version()
	cached, ok := pages.Get(version, full)
	if !ok {
		var buf bytes.Buffer
		if err := component.Render(c.Request().Context(), &buf); err != nil {
			return err
		}
		cached = newCachedPage(buf.Bytes())
		pages.Put(version, full, cached)
	}
	if c.Request().Header.Get("If-None-Match") == cached.etag {
		c.Response().Header().Add("Vary", headerHXRequest)
		c.Response().Header().Set("ETag", cached.etag)
		c.Response().WriteHeader(http.StatusNotModified)
		return nil
	}
	return writeHTML(c, http.StatusOK, cached.body, cached.gzipped, cached.etag)
}

// frameTokenKey is where a handler that has just started a cookie-less session
// (the login) leaves its token for the page frame.
const frameTokenKey = "zerodesk.frameToken"

// frameCookieTokenKey is where a handler that has just renewed a 1-Click
// session leaves its new token: the request's cookie holds the old one.
const frameCookieTokenKey = "zerodesk.frameCookieToken"

// hasSessionCookie reports whether the request carries a 1-Click cookie.
func (h *Handlers) hasSessionCookie(c echo.Context) bool {
	ck, err := c.Cookie(h.cookieName(c))
	return err == nil && ck.Value != ""
}

// frameAccount puts the signed-in person, if any, into the page frame. It
// looks only at what the request already has at hand: a token the handler
// left, a form the handler has parsed, the 1-Click cookie. It never parses a
// body itself (upload routes bound theirs), and an ended or unknown session
// simply shows the visitor's frame. A page that shows a person is never
// stored by a shared cache.
func (h *Handlers) frameAccount(c echo.Context) {
	ctx := c.Request().Context()
	if !views.HasPage(ctx) {
		return
	}
	token, inForm := "", false
	if t, ok := c.Get(frameTokenKey).(string); ok && t != "" {
		token, inForm = t, true
	} else if r := c.Request(); r.Method == http.MethodPost {
		if r.PostForm != nil {
			token = r.PostForm.Get("token")
		}
		if token == "" && r.MultipartForm != nil && len(r.MultipartForm.Value["token"]) > 0 {
			token = r.MultipartForm.Value["token"][0]
		}
		inForm = token != ""
	}
	if t, ok := c.Get(frameCookieTokenKey).(string); ok && t != "" && token == "" {
		token = t
	}
	if token == "" {
		if ck, err := c.Cookie(h.cookieName(c)); err == nil {
			token = ck.Value
		}
	}
	if token == "" {
		return
	}
	s, err := (*accounts.Session)(nil), error(nil)
	if l, ok := c.Get(loadedSessionKey).(loadedSession); ok && l.token == token {
		s = l.s // the handler's, still live: loaded once per request
	} else if s, err = h.Accounts.PeekSession(ctx, token); err != nil {
		return
	}
	p, err := h.Accounts.Profile(ctx, s)
	if err != nil {
		return
	}
	a := &views.FrameAccount{Name: p.Name, Role: string(p.Role)}
	if inForm {
		a.Token = token
	}
	views.PageOf(ctx).Account = a
	if hdr := c.Response().Header(); hdr.Get("Cache-Control") != "no-store" {
		hdr.Set("Cache-Control", "private, no-store")
	}
}

func choose(c echo.Context, page, fragment templ.Component) (templ.Component, bool) {
	if fragment != nil && isFragmentRequest(c) {
		return fragment, true
	}
	return page, false
}

// writeHTML sends body, compressed when the client takes it and it is worth it
// (gzipped, when given, is body already compressed).
func writeHTML(c echo.Context, status int, body, gzipped []byte, etag string) error {
	res := c.Response()
	hdr := res.Header()
	hdr.Add("Vary", headerHXRequest)
	hdr.Add("Vary", "Accept-Encoding")
	hdr.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	if hdr.Get("Cache-Control") == "" {
		hdr.Set("Cache-Control", "no-cache")
	}
	if etag != "" {
		hdr.Set("ETag", etag)
	}
	out := body
	if len(body) >= minCompressLength && static.AcceptsGzip(c.Request()) {
		if gzipped == nil {
			zbuf := buffers.Get().(*bytes.Buffer)
			zbuf.Reset()
			defer buffers.Put(zbuf)
			gzipped = compress(zbuf, body)
		}
		hdr.Set(echo.HeaderContentEncoding, "gzip")
		out = gzipped
	}
	hdr.Set(echo.HeaderContentLength, strconv.Itoa(len(out)))
	res.WriteHeader(status)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	_, err := res.Write(out)
	return err
}

func compress(dst *bytes.Buffer, body []byte) []byte {
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(dst)
	zw.Write(body)
	zw.Close()
	gzipWriters.Put(zw)
	return dst.Bytes()
}

type cachedPage struct {
	body, gzipped []byte
	etag          string
}

func newCachedPage(body []byte) cachedPage {
	sum := sha256.Sum256(body)
	p := cachedPage{body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	if len(body) >= minCompressLength {
		p.gzipped = bytes.Clone(compress(new(bytes.Buffer), body))
	}
	return p
}

// maxCachedPages bounds the pages kept for everyone (Handlers.pages),
// whatever the keys.
const maxCachedPages = 4096

// maxCachedSearchPages bounds the search pages kept for everyone
// (Handlers.searchPages): the repeated queries of as-you-type and popular
// questions, ~15 KB each with the compressed copy.
const maxCachedSearchPages = 512
