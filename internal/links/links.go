// Package links builds the portal's addresses, one way for every caller: the
// pages a mail links, the links inside help articles, the sitemap, canonical
// and hreflang links, and the views' own links. Every page of the portal is
// /LANG/PATH (the route table in handlers/routes.go), below the portal's base
// address when the link leaves the site.
package links

import "strings"

// Paths of the portal pages the domain links from mail.
const (
	Login         = "/login/user"       // the usercode login form
	Reset         = "/reset"            // the account reset
	Support       = "/support"          // support: open a ticket
	Account       = "/account"          // the account page
	SupportTicket = "/support/tickets/" // + reference: one ticket
	Articles      = "/articles/"        // + slug: one help article

	DeskNotifications = "/desk/notifications" // an agent's notifications (notify's mail)
)

// Portal is the portal's base address ("https://help.example.org"), or ""
// for links inside the site (root-relative). A trailing slash is ignored.
type Portal string

// Page is the address of path (starting with "/") in language lang.
func (p Portal) Page(lang, path string) string {
	return strings.TrimRight(string(p), "/") + "/" + lang + path
}

// Article is the address of the help article slug in language lang.
func (p Portal) Article(lang, slug string) string { return p.Page(lang, Articles+slug) }
