package handlers

import (
	"net/http"
	"testing"

	"zerodesk/internal/links"
)

// Every portal page the domain links (from mail, from help articles) is a
// route of the table, in every language: links.Portal and routes.go cannot
// drift apart.
func TestLinks_EveryPageTheDomainLinksIsARoute(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	m := newRouteMatcher(a.e)
	for _, lang := range a.h.Locales.Languages() {
		for _, p := range []string{links.Login, links.Reset, links.Support, links.Account, links.SupportTicket + "AB12-CD34", links.DeskNotifications, "/"} {
			if path := links.Portal("").Page(lang, p); !m.matches(http.MethodGet, path) {
				t.Errorf("GET %s (links %q) reaches no route", path, p)
			}
		}
		if path := links.Portal("").Article(lang, "reset-account"); !m.matches(http.MethodGet, path) {
			t.Errorf("GET %s (an article) reaches no route", path)
		}
	}
}
