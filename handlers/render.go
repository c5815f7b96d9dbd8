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

// pageView builds the page (and the HTMX fragment, if the page has one) of a
// page kept for everyone. renderCached calls it only when the page must be
// rendered: not kept yet for this catalog version, or for a signed-in person.
// So a kept page costs no lists, lookups or components; and what a view
// shows must follow from its cache key (with what renderCachedIn adds) and
// the catalog version alone, never from anything else of the request.
type pageView func() (page, fragment templ.Component, err error)

// renderCached is render for pages that hold nothing of the visitor: a visitor
// has no cookie and no session, so such a page is the same for everyone until
// the articles change. It is rendered once per catalog version and kept, plain
// and compressed. key must be built only from validated values (it bounds the
// cache): the language, text size and page or fragment are added here.
// fragments says whether the view has an HTMX fragment of its own.
//
// version is h.KB.Version() read by the handler BEFORE it fetched anything
// the page shows (an article, search results): the page is kept under that
// version, so a page built from what was fetched just before a publication
// is kept under the older version (dropped with it), never under the new one
// (where it would stay stale until the next change).
func (h *Handlers) renderCached(c echo.Context, version uint64, key string, fragments bool, view pageView) error {
	return h.renderCachedIn(c, &h.pages, version, key, fragments, view)
}

// renderCachedIn is renderCached keeping the page in pages: search pages have
// their own cache, so a flood of new queries never pushes out the home page.
func (h *Handlers) renderCachedIn(c echo.Context, pages *cache.Versioned[pageKey, cachedPage], version uint64, key string, fragments bool, view pageView) error {
	if h.hasSessionCookie(c) {
		// The frame shows who is signed in: not a page for everyone.
		page, fragment, err := view()
		if err != nil {
			return err
		}
		return h.render(c, http.StatusOK, page, fragment)
	}
	isFragment := fragments && isFragmentRequest(c)
	p := views.PageOf(c.Request().Context())
	full := pageKey{key: key, lang: p.L.Lang(), size: p.TextSize, fragment: isFragment}
	cached, ok := pages.Get(version, full)
	if !ok {
		page, fragment, err := view()
		if err != nil {
			return err
		}
		component := page
		if isFragment && fragment != nil {
			component = fragment
		}
		var buf bytes.Buffer
		if err := component.Render(c.Request().Context(), &buf); err != nil {
			return err
		}
		cached = newCachedPage(buf.Bytes())
		pages.Put(version, full, cached)
	}
	if c.Request().Header.Get("If-None-Match") == cached.etag {
		hdr := c.Response().Header()
		addVary(hdr, varyHX)
		hdr["Etag"] = cached.etagValue
		c.Response().WriteHeader(http.StatusNotModified)
		return nil
	}
	return cached.write(c, http.StatusOK)
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

// Header values shared by every answer that sends them (writeHTML, the 304
// of a kept page): assigned to the header map, not Set, so an answer makes
// no slice and canonicalises no name for them. Each has cap == len, so an
// Add to one of them (a later Vary) copies instead of writing into the
// array every answer shares (TestCachedPages_AnAddNeverWritesIntoASharedValue).
var (
	varyPage        = []string{headerHXRequest, "Accept-Encoding"}
	varyHX          = []string{headerHXRequest}
	htmlContentType = []string{echo.MIMETextHTMLCharsetUTF8}
	noCache         = []string{"no-cache"}
	gzipEncoding    = []string{"gzip"}
)

// addVary adds values to Vary: the shared slice when the answer has no Vary
// yet, else one Add each, as before.
func addVary(hdr http.Header, values []string) {
	if _, ok := hdr["Vary"]; !ok {
		hdr["Vary"] = values
		return
	}
	for _, v := range values {
		hdr.Add("Vary", v)
	}
}

// writeHTML sends body, compressed when the client takes it and it is worth it
// (gzipped, when given, is body already compressed).
func writeHTML(c echo.Context, status int, body, gzipped []byte, etag string) error {
	p := cachedPage{body: body, gzipped: gzipped, etag: etag}
	return p.write(c, status)
}

// write sends the page, compressed when the client takes it and it is worth
// it, with the header values it keeps (a kept page's) or made now.
func (p *cachedPage) write(c echo.Context, status int) error {
	res := c.Response()
	hdr := res.Header()
	addVary(hdr, varyPage)
	hdr["Content-Type"] = htmlContentType
	if hdr.Get("Cache-Control") == "" {
		hdr["Cache-Control"] = noCache
	}
	switch {
	case p.etagValue != nil:
		hdr["Etag"] = p.etagValue
	case p.etag != "":
		hdr.Set("ETag", p.etag)
	}
	out, length := p.body, p.bodyLength
	if len(p.body) >= minCompressLength && static.AcceptsGzip(c.Request()) {
		out, length = p.gzipped, p.gzippedLength
		if out == nil {
			zbuf := buffers.Get().(*bytes.Buffer)
			zbuf.Reset()
			defer buffers.Put(zbuf)
			out, length = compress(zbuf, p.body), nil
		}
		hdr["Content-Encoding"] = gzipEncoding
	}
	if length != nil {
		hdr["Content-Length"] = length
	} else {
		hdr.Set(echo.HeaderContentLength, strconv.Itoa(len(out)))
	}
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

// pageKey names a page kept for everyone: the handler's key and what
// renderCachedIn adds (a struct, so a lookup joins no strings).
type pageKey struct {
	key      string
	lang     string
	size     int
	fragment bool
}

type cachedPage struct {
	body, gzipped []byte
	etag          string
	// The header values it is sent with, made once (newCachedPage) and
	// assigned on every answer; each has cap == len (see varyPage).
	etagValue, bodyLength, gzippedLength []string
}

func newCachedPage(body []byte) cachedPage {
	sum := sha256.Sum256(body)
	p := cachedPage{body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	p.etagValue = []string{p.etag}
	p.bodyLength = []string{strconv.Itoa(len(body))}
	if len(body) >= minCompressLength {
		p.gzipped = bytes.Clone(compress(new(bytes.Buffer), body))
		p.gzippedLength = []string{strconv.Itoa(len(p.gzipped))}
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
