package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"zerodesk/views"
)

// maxAskedLanguages bounds the languages listed from one Accept-Language.
const maxAskedLanguages = 12

// browserTest reports what the server can tell of the browser (a secure
// connection, the languages it asks for, the text size in the address); the
// page's static script adds what only the browser knows (cookies, JavaScript,
// zoom, window size). It sets no cookie and stores nothing.
func (h *Handlers) browserTest(c echo.Context) error {
	r := c.Request()
	header := r.Header.Get("Accept-Language")
	v := views.BrowserTestView{
		Secure:     h.secure(c),
		Negotiated: h.Locales.Negotiate(header),
		Asked:      h.askedLanguages(header),
	}
	// The answer depends on the request's headers and connection: never cached.
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Add("Vary", "Accept-Language")
	return h.render(c, http.StatusOK, views.BrowserTestPage(v), nil)
}

// askedLanguages lists the languages of an Accept-Language header in the
// browser's order of preference, each by its own name, and whether the
// portal offers it. A header that does not parse lists nothing.
func (h *Handlers) askedLanguages(header string) []views.AskedLanguage {
	if len(header) > 1000 {
		return nil
	}
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil {
		return nil
	}
	var out []views.AskedLanguage
	seen := map[string]bool{}
	for _, tag := range tags {
		code := tag.String()
		if tag == language.Und || seen[code] {
			continue
		}
		seen[code] = true
		name := display.Self.Name(tag)
		if name == "" {
			name = code
		}
		out = append(out, views.AskedLanguage{Code: code, Name: name, Offered: h.offers(tag)})
		if len(out) == maxAskedLanguages {
			break
		}
	}
	return out
}

// offers reports whether one of the UI languages is tag's language.
func (h *Handlers) offers(tag language.Tag) bool {
	base, _ := tag.Base()
	for _, code := range h.Locales.Languages() {
		b, _ := language.MustParse(code).Base()
		if b == base {
			return true
		}
	}
	return false
}
