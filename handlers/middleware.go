package handlers

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/errs"
	"zerodesk/internal/ratelimit"
	"zerodesk/views"
)

// contentSecurityPolicy allows no inline script or style at all: every script
// and stylesheet is a file of ours, and htmx needs no eval for what we use.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeadersSet are the headers every answer carries, in the header
// map's canonical names, with values made once: assigned, not Set, so an
// answer canonicalises no name and makes no slice for them. Each value has
// cap == len, so an Add to one copies instead of writing into the array every
// answer shares; a Set replaces it.
var securityHeadersSet = []struct {
	name  string
	value []string
}{
	{"Content-Security-Policy", []string{contentSecurityPolicy}},
	{"X-Content-Type-Options", []string{"nosniff"}},
	{"X-Frame-Options", []string{"DENY"}},
	// Search queries live in URLs: they never travel to another site.
	{"Referrer-Policy", []string{"no-referrer"}},
	{"Cross-Origin-Opener-Policy", []string{"same-origin"}},
	{"Cross-Origin-Resource-Policy", []string{"same-origin"}},
	{"Permissions-Policy", []string{"camera=(), microphone=(), geolocation=(), payment=(), usb=()"}},
}

var hstsValue = []string{"max-age=63072000; includeSubDomains"}

// setSecurityHeaders sets the headers every answer carries. HSTS goes out
// whenever the browser is known to have reached us over HTTPS: directly over
// TLS, or through a trusted proxy that says so (secure, account_session.go).
func (h *Handlers) setSecurityHeaders(c echo.Context) {
	hd := c.Response().Header()
	for _, sh := range securityHeadersSet {
		hd[sh.name] = sh.value
	}
	if h.secure(c) {
		hd["Strict-Transport-Security"] = hstsValue
	}
}

// everyRequest is what every routed request goes through, in this order:
// its id (setRequestID), the request log (logRequest, which hands an error
// to the error handler), panics turned into errors (recoverPanic), the
// security headers (setSecurityHeaders), the refusal of cross-origin
// changes and the bound on bodies (bodyWithin; ownLimit names the routes
// that bound theirs themselves). One middleware, not six: echo wraps a
// route's handler in every middleware on every request, a closure each;
// these steps call each other through closures that stay on the stack.
func (h *Handlers) everyRequest(bodyLimit int64, ownLimit func(echo.Context) bool) echo.MiddlewareFunc {
	cop := http.NewCrossOriginProtection()
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			setRequestID(c)
			return h.logRequest(c, func(c echo.Context) error {
				return recoverPanic(c, func(c echo.Context) error {
					h.setSecurityHeaders(c)
					if err := refuseCrossOrigin(cop, c); err != nil {
						return err
					}
					return bodyWithin(c, bodyLimit, ownLimit, next)
				})
			})
		}
	}
}

// refuseCrossOrigin refuses state-changing requests from other sites (by
// Sec-Fetch-Site or Origin). It needs no cookie and no token, so it also
// protects visitors who have no session at all.
func refuseCrossOrigin(cop *http.CrossOriginProtection, c echo.Context) error {
	if err := cop.Check(c.Request()); err != nil {
		return errs.E(errs.Forbidden, "error.cross_origin")
	}
	return nil
}

// withPage checks the language of the URL and puts what the views need in the
// request context.
func (h *Handlers) withPage(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		lang := c.Param("lang")
		if !h.Locales.Supported(lang) {
			return echo.ErrNotFound
		}
		h.setPage(c, lang, strings.TrimPrefix(c.Request().URL.Path, "/"+lang))
		return next(c)
	}
}

// setPage stores the views' Page for lang; path is below the language prefix.
func (h *Handlers) setPage(c echo.Context, lang, path string) {
	r := c.Request()
	if path == "" {
		path = "/"
	}
	size := views.DefaultTextSize
	// The text-size links and the language switch keep only the parameters a
	// page is about (a search query); one-off state such as "open" or "voted"
	// is not carried along. No query, nothing to parse (echo parses it once
	// for the handler too).
	var kept url.Values
	if r.URL.RawQuery != "" {
		query := c.QueryParams()
		if s := query.Get("size"); s != "" {
			if n, err := strconv.Atoi(s); err == nil && n >= views.MinTextSize && n <= views.MaxTextSize {
				size = n
			}
		}
		if q := query.Get("q"); q != "" {
			kept = url.Values{"q": {q}}
		}
	}
	page := &views.Page{
		L:        h.Locales.Localizer(lang),
		Langs:    h.Locales.Languages(),
		Path:     path,
		Query:    kept,
		TextSize: size,
		Assets:   h.Assets,
		// Canonical and hreflang links are absolute: from --public-url.
		PublicURL: h.PublicURL,
		Sections:  h.sections(),
	}
	page.Notes, page.NotesMore, page.NotesVersion = h.technicalNotes(lang)
	c.SetRequest(r.WithContext(views.WithPage(r.Context(), page)))
}

// logRequest logs one line per request with the status actually sent: it
// hands an error of next to the error handler itself before reading the
// response, so a refused post, a 404 or a panic logs 403, 404 or 500, never
// the 200 an untouched response starts with (the metrics outside read that
// status too). When the log drops info records (--log-level warn or error)
// it reads no clock and builds no record. It logs no address (personal
// data) and the path only: queries may hold what a visitor typed.
func (h *Handlers) logRequest(c echo.Context, next echo.HandlerFunc) error {
	req := c.Request()
	if !h.Log.Enabled(req.Context(), slog.LevelInfo) {
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		return err
	}
	start := time.Now()
	err := next(c)
	if err != nil {
		c.Error(err)
	}
	took := time.Since(start)
	method := req.Method
	if isHead(c) {
		method = http.MethodHead
	}
	path := req.URL.Path
	if path == "" {
		path = "/"
	}
	id := req.Header.Get(echo.HeaderXRequestID)
	if id == "" {
		id = c.Response().Header().Get(echo.HeaderXRequestID)
	}
	h.Log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
		slog.String("id", id),
		slog.String("method", method),
		slog.String("path", path),
		slog.Int("status", c.Response().Status),
		slog.Duration("took", took))
	// The error, already handled, goes on to the middleware outside; echo's
	// error handler ignores it on a committed answer.
	return err
}

// setRequestID names the request, in X-Request-Id of the answer and in the
// logs: the id the client (a proxy) sent, else a new random one.
func setRequestID(c echo.Context) {
	id := c.Request().Header.Get(echo.HeaderXRequestID)
	if id == "" {
		id = newRequestID()
	}
	c.Response().Header()[echo.HeaderXRequestID] = []string{id}
}

// recoverPanic turns a panic of next into an error: a logged 500 with the
// usual error page.
func recoverPanic(c echo.Context, next echo.HandlerFunc) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			err = errs.Wrap(fmt.Errorf("panic: %v\n%s", r, debug.Stack()), "handler")
		}
	}()
	return next(c)
}

func (h *Handlers) ipExtractor() echo.IPExtractor {
	if len(h.TrustedProxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := make([]echo.TrustOption, 0, len(h.TrustedProxies)+3)
	opts = append(opts, echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false))
	for _, n := range h.TrustedProxies {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// noStore keeps account pages out of every cache (and the history cache).
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		c.Response().Header().Set("Referrer-Policy", "no-referrer")
		return next(c)
	}
}

// accountLimiter bounds how fast one address can register or log in (the
// domain counts failed passwords on its own, durably). name tells the
// budget apart from the others (ratelimit.Budget).
func (h *Handlers) accountLimiter(name string) echo.MiddlewareFunc {
	n := h.AccountLimit
	if n <= 0 {
		n = 30
	}
	return h.perAddressLimit(name, n)
}

// ticketLimit is how many requests one address may send to the ticket
// routes per minute.
func (h *Handlers) ticketLimit() int {
	if h.TicketLimit > 0 {
		return h.TicketLimit
	}
	return max(h.AccountLimit, 30)
}

// sessionLimiter bounds changes within a live session: four times as
// generous as accountLimiter, so a busy account page never uses up the
// login budget.
func (h *Handlers) sessionLimiter(name string) echo.MiddlewareFunc {
	return h.perAddressLimit(name, 4*max(h.AccountLimit, 30))
}

// deskLimiter bounds every desk route (docs/SECURITY.md) [600 a minute].
func (h *Handlers) deskLimiter() echo.MiddlewareFunc {
	return h.perAddressLimit("desk", cmp.Or(h.DeskLimit, 600))
}

// voteLimiter bounds how fast one address can vote, whatever the article.
func (h *Handlers) voteLimiter() echo.MiddlewareFunc { return h.perAddressLimit("vote", h.VoteLimit) }

// searchLimiter bounds how fast one address can search, keystrokes included:
// generous for a person typing, a wall for a script. The 429 page says it was
// the searching, and still offers the search box and the Support Ticket.
func (h *Handlers) searchLimiter() echo.MiddlewareFunc {
	return h.perAddressLimitRefusing(ratelimit.Budget{Name: "search", PerMinute: h.SearchLimit},
		func() error { return errs.E(errs.RateLimited, "search.rate_limited") })
}

// perAddressLimit lets one client address make n requests a minute (in
// bursts of up to n) through the routes it guards; past that, 429. The
// routes that share one budget share one call (routes.go); name is the
// budget's, the same on every instance: on PostgreSQL the budgets are shared
// by the instances (ratelimit.Limits), so an address has it once.
func (h *Handlers) perAddressLimit(name string, n int) echo.MiddlewareFunc {
	return h.perAddressLimitRefusing(ratelimit.Budget{Name: name, PerMinute: n},
		func() error { return errs.E(errs.RateLimited, "error.rate_limited") })
}

// perAddressLimitRefusing is perAddressLimit with its own refusal.
func (h *Handlers) perAddressLimitRefusing(b ratelimit.Budget, refuse func() error) echo.MiddlewareFunc {
	if h.Limits == nil {
		h.Limits = ratelimit.NewMemory(nil)
	}
	limits := h.Limits
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !limits.Allow(c.Request().Context(), b, c.RealIP()) {
				return refuse()
			}
			return next(c)
		}
	}
}

// limitBody bounds every request body to limit bytes (routes for which
// ownLimit holds, those that take attachments, bound theirs themselves,
// larger: readPosted) and reads a
// posted form at once, so a body past the limit is a 413 whether it declared
// its length or not: a chunked body that runs over is refused like one whose
// Content-Length says so, never handed on as a half-read form.
func (h *Handlers) limitBody(limit int64, ownLimit func(echo.Context) bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error { return bodyWithin(c, limit, ownLimit, next) }
	}
}

// bodyWithin is limitBody's step: next, with the body bounded.
func bodyWithin(c echo.Context, limit int64, ownLimit func(echo.Context) bool, next echo.HandlerFunc) error {
	if ownLimit(c) {
		return next(c)
	}
	r := c.Request()
	if r.ContentLength > limit {
		return echo.ErrStatusRequestEntityTooLarge
	}
	if r.Body == nil || r.Body == http.NoBody {
		return next(c)
	}
	r.Body = http.MaxBytesReader(c.Response().Writer, r.Body, limit)
	if err := readForm(r, limit); bodyTooLarge(err) {
		return echo.ErrStatusRequestEntityTooLarge
	}
	return next(c)
}

// readForm parses a posted form now, in memory up to limit. Other errors are
// left to the handler, which finds the fields it needs missing.
func readForm(r *http.Request, limit int64) error {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
	default:
		return nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	switch ct {
	case "application/x-www-form-urlencoded":
		return r.ParseForm()
	case "multipart/form-data":
		return r.ParseMultipartForm(limit)
	}
	return nil
}

// headAsGet answers HEAD wherever GET is answered: the request is routed and
// handled as a GET (same status and headers) and the body is dropped. The
// request log still says HEAD.
func headAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method != http.MethodHead {
			return next(c)
		}
		// The router reads the server's own request, so the method is
		// changed in place and restored before the server finishes the
		// answer (net/http sends no body for HEAD).
		r.Method = http.MethodGet
		defer func() { r.Method = http.MethodHead }()
		c.Set(ctxHead, true)
		res := c.Response()
		res.Writer = headWriter{res.Writer}
		return next(c)
	}
}

// ctxHead marks, in the Echo context, a HEAD request served as a GET.
const ctxHead = "zerodesk.head"

// isHead reports whether c is a HEAD request being served as a GET: nobody
// reads the page, so it counts no visit.
func isHead(c echo.Context) bool {
	head, _ := c.Get(ctxHead).(bool)
	return head
}

// headWriter passes on the status and headers of an answer, not its body.
type headWriter struct{ http.ResponseWriter }

func (w headWriter) Write(p []byte) (int, error) { return len(p), nil }

func (w headWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	var id [16]byte
	hex.Encode(id[:], b[:])
	return string(id[:])
}

// isLanguageRoot matches "/en/", the home page, whose slash is part of its URL.
func isLanguageRoot(path string) bool {
	return len(path) > 2 && strings.Count(path, "/") == 2 && strings.HasSuffix(path, "/")
}
