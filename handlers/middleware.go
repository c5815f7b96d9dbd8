package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"zerodesk/internal/errs"
	"zerodesk/views"
)

// contentSecurityPolicy allows no inline script or style at all: every script
// and stylesheet is a file of ours, and htmx needs no eval for what we use.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// Search queries live in URLs: they never travel to another site.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
		if c.Request().TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		return next(c)
	}
}

// refuseCrossOrigin refuses state-changing requests from other sites (by
// Sec-Fetch-Site or Origin). It needs no cookie and no token, so it also
// protects visitors who have no session at all.
func (h *Handlers) refuseCrossOrigin() echo.MiddlewareFunc {
	cop := http.NewCrossOriginProtection()
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := cop.Check(c.Request()); err != nil {
				return errs.E(errs.Forbidden, "error.cross_origin")
			}
			return next(c)
		}
	}
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
	query := r.URL.Query()
	size := views.DefaultTextSize
	if s := query.Get("size"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= views.MinTextSize && n <= views.MaxTextSize {
			size = n
		}
	}
	// The text-size links and the language switch keep only the parameters a
	// page is about (a search query); one-off state such as "open" or "voted"
	// is not carried along.
	kept := url.Values{}
	if q := query.Get("q"); q != "" {
		kept.Set("q", q)
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
	}
	c.SetRequest(r.WithContext(views.WithPage(r.Context(), page)))
}

func (h *Handlers) logRequests() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus:    true,
		LogMethod:    true,
		LogURIPath:   true,
		LogLatency:   true,
		LogRequestID: true,
		LogRemoteIP:  false, // addresses are personal data: not logged
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			// The path only: queries may hold what a visitor typed.
			h.Log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
				slog.String("id", v.RequestID),
				slog.String("method", v.Method),
				slog.String("path", v.URIPath),
				slog.Int("status", v.Status),
				slog.Duration("took", v.Latency))
			return nil
		},
	})
}

// recoverPanics turns a panic into a logged 500 with the usual error page.
func (h *Handlers) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
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

// voteLimiter bounds how fast one address can vote, whatever the article.
func (h *Handlers) voteLimiter() echo.MiddlewareFunc { return perAddressLimit(h.VoteLimit) }

// searchLimiter bounds how fast one address can search, keystrokes included:
// generous for a person typing, a wall for a script. The 429 page says it was
// the searching, and still offers the search box and the Support Ticket.
func (h *Handlers) searchLimiter() echo.MiddlewareFunc {
	return perAddressLimitRefusing(h.SearchLimit, func() error { return errs.E(errs.RateLimited, "search.rate_limited") })
}

// perAddressLimit lets one client address make n requests a minute (in
// bursts of up to n) through the routes it guards; past that, 429.
func perAddressLimit(n int) echo.MiddlewareFunc {
	return perAddressLimitRefusing(n, func() error { return errs.E(errs.RateLimited, "error.rate_limited") })
}

// perAddressLimitRefusing is perAddressLimit with its own refusal.
func perAddressLimitRefusing(n int, refuse func() error) echo.MiddlewareFunc {
	store := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate:      rate.Limit(float64(n) / 60),
		Burst:     n,
		ExpiresIn: 10 * time.Minute,
	})
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store:               store,
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		ErrorHandler: func(echo.Context, error) error {
			return errs.E(errs.Forbidden, "error.forbidden")
		},
		DenyHandler: func(echo.Context, string, error) error {
			return refuse()
		},
	})
}

func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// isLanguageRoot matches "/en/", the home page, whose slash is part of its URL.
func isLanguageRoot(path string) bool {
	return len(path) > 2 && strings.Count(path, "/") == 2 && strings.HasSuffix(path, "/")
}
