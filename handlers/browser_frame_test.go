package handlers

// The page frame in Chromium: where the main actions sit on a phone, the
// desk as a full-width work surface, and axe-core on every public page type
// with JavaScript off.

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"zerodesk/internal/accounts"
)

// setSessionCookie gives the tab a 1-Click session ("zd=…"), as the login
// would have.
func (b *browserTab) setSessionCookie(cookie string) {
	b.t.Helper()
	name, value, _ := strings.Cut(cookie, "=")
	if _, err := chromedp.Call(b.ctx, network.SetCookie, network.SetCookieParams{
		Name: name, Value: value, URL: b.base + "/", SameSite: network.CookieSameSiteLax,
	}); err != nil {
		b.t.Fatalf("setting the session cookie: %v", err)
	}
}

// box is an element's place on the page (document coordinates).
type box struct {
	Found                                   bool
	Top, Bottom, Left, Right, Width, Height float64
}

func (b *browserTab) box(selector string) box {
	b.t.Helper()
	return evalJS[box](b, `(function(){var e=document.querySelector(`+js(selector)+`); if(!e) return {Found:false};
		var r=e.getBoundingClientRect(); return {Found:true, Top:r.top+scrollY, Bottom:r.bottom+scrollY, Left:r.left+scrollX, Right:r.right+scrollX, Width:r.width, Height:r.height};})()`)
}

// checkNoSidewaysScroll fails when the page is wider than the window.
func (b *browserTab) checkNoSidewaysScroll(page string) {
	b.t.Helper()
	if w := evalJS[[]float64](b, `[document.documentElement.scrollWidth, window.innerWidth]`); w[0] > w[1] {
		b.t.Errorf("%s: the page is %v px wide in a %v px window", page, w[0], w[1])
	}
}

// The main actions (search, Support Ticket, Log in or My account, language)
// are on the first screen of a 390×844 phone, with and without JavaScript.
func TestBrowser_PhoneFirstScreenHoldsTheMainActions(t *testing.T) {
	t.Parallel()
	loadAxe(t)
	for _, noJS := range []bool{false, true} {
		name, opts := "with JavaScript", []tabOption{withViewport(390, 844)}
		if noJS {
			name, opts = "without JavaScript", append(opts, withoutJavaScript())
		}
		t.Run(name, func(t *testing.T) {
			b := newBrowserTab(t, opts...)
			check := func(page string, actions map[string]string) {
				t.Helper()
				for what, sel := range actions {
					bx := b.box(sel)
					if !bx.Found || bx.Width == 0 || bx.Height == 0 {
						t.Errorf("%s: %s (%s) is not shown", page, what, sel)
						continue
					}
					if bx.Bottom > 844 || bx.Right > 390 || bx.Left < 0 {
						t.Errorf("%s: %s ends at x %.0f, y %.0f: not on the first 390×844 screen", page, what, bx.Right, bx.Bottom)
					}
				}
				if h := b.box("header.topbar"); h.Height > 844*0.36 {
					t.Errorf("%s: the header takes %.0f px of the first screen's 844", page, h.Height)
				}
				b.checkNoSidewaysScroll(page)
			}
			visitor := map[string]string{
				"search":         "#site-search",
				"Support Ticket": "header .account-bar .support-link",
				"Log in":         "header .account-bar .login-link",
				"language":       "#language-select",
			}
			for _, path := range []string{"/en/", "/ar/", "/en/articles/reset-account", "/en/search?q=password"} {
				b.open(path, http.StatusOK)
				check(path, visitor)
			}
			member := signInStaff(t, b.app, accounts.Agent, "Grace Hopper", "grace@example.com", true)
			b.setSessionCookie(member.cookie)
			for _, path := range []string{"/en/", "/ar/articles/reset-account"} {
				b.open(path, http.StatusOK)
				check(path+" signed in", map[string]string{
					"search":         "#site-search",
					"Support Ticket": "header .account-bar .support-link",
					"My account":     "header .account-bar .account-link",
					"Sign out":       "header .account-bar .signout-form button",
					"language":       "#language-select",
				})
				b.checkAccessibility(path + " signed in")
			}
		})
	}
}

// The desk is a full-width work surface: at 1920×1080 every column of the
// queue shows whole; on a 390×844 phone the rows are cards that fit; the
// ticket's actions are within the first two screens.
func TestBrowser_DeskIsAFullWidthWorkSurface(t *testing.T) {
	t.Parallel()
	for _, vp := range [][2]int64{{1920, 1080}, {390, 844}} {
		t.Run(fmt.Sprintf("%dx%d", vp[0], vp[1]), func(t *testing.T) {
			b := newBrowserTab(t, withViewport(vp[0], vp[1]))
			a := b.app
			var ref string
			for i := range 6 {
				rc := guestTicket(t, a, "Customer With A Rather Long Name "+strconv.Itoa(i), "c"+strconv.Itoa(i)+"@example.com", "billing",
					"The invoice for March lists a licence we cancelled in February "+strconv.Itoa(i), "Where is my invoice?")
				ref = rc.Reference
			}
			admin := signInStaff(t, a, accounts.Admin, "Ada Admin", "admin@example.com", true)
			b.setSessionCookie(admin.cookie)
			for _, lang := range []string{"en", "ar"} {
				page := "/" + lang + "/desk"
				b.open(page, http.StatusOK)
				b.check(page+": no public side panels or footer", `!document.querySelector("aside.side, footer.footer")`)
				b.check(page+": the signed-in frame", `document.querySelector("header .signed-in").textContent.includes("Ada Admin")`)
				if m := b.box("main"); m.Width < float64(vp[0])-64 {
					t.Errorf("%s: main is %.0f px wide in a %d px window", page, m.Width, vp[0])
				}
				b.checkNoSidewaysScroll(page)
				hidden := evalJS[[]string](b, `(function(){var out=[], w=window.innerWidth;
					var region=document.querySelector(".table-scroll");
					if (region.scrollWidth > region.clientWidth + 1) out.push("the table scrolls sideways: " + region.scrollWidth + " > " + region.clientWidth);
					document.querySelectorAll("#queue-table tbody th, #queue-table tbody td").forEach(function(c){
						var r=c.getBoundingClientRect();
						if (r.width === 0 || r.left < -1 || r.right > w + 1 || c.scrollWidth > c.clientWidth + 1) out.push(c.textContent.trim().slice(0, 40) + " at " + Math.round(r.left) + "–" + Math.round(r.right));
					});
					return out;})()`)
				if len(hidden) > 0 {
					t.Errorf("%s: queue content not fully visible:\n%s", page, strings.Join(hidden, "\n"))
				}
				if vp[0] < 700 {
					b.check(page+": rows are cards", `getComputedStyle(document.querySelector("#queue-table tbody tr")).display === "block"`)
				}
				b.checkAccessibility(page)

				page = "/" + lang + "/desk/tickets/" + ref
				b.open(page, http.StatusOK)
				b.checkNoSidewaysScroll(page)
				for what, sel := range map[string]string{"assign to me": "#assign-me", "resolve": "#resolve", "the jump to the reply": `.desk-jump a[href="#reply-title"]`} {
					bx := b.box(sel)
					if !bx.Found || bx.Height == 0 {
						t.Errorf("%s: %s (%s) is not shown", page, what, sel)
					} else if bx.Bottom > 2*float64(vp[1]) {
						t.Errorf("%s: %s is at y %.0f, beyond the first two screens (%d px)", page, what, bx.Bottom, 2*vp[1])
					}
				}
				b.checkAccessibility(page)
			}
		})
	}
}

// axe-core on every public page type with JavaScript off, including the
// expanded lists ("Expand all" without JavaScript), in English and Arabic.
// A tab per group keeps each within the tab's time bound.
func TestBrowser_PublicPagesWithoutJavaScriptHaveNoAccessibilityViolations(t *testing.T) {
	t.Parallel()
	loadAxe(t)
	groups := [][]string{
		{"/", "/articles/reset-account", "/sections/howto", "/search?q=password", "/search?q=zzqqxx"},
		{"/login", "/login/user", "/register", "/reset", "/recover"},
		{"/support", "/support/tickets", "/browser-test"},
	}
	for _, lang := range []string{"en", "ar"} {
		for i, group := range groups {
			t.Run(lang+strconv.Itoa(i), func(t *testing.T) {
				t.Parallel()
				b := newBrowserTab(t, withoutJavaScript())
				if i == 0 {
					b.open("/"+lang+"/", http.StatusOK)
					expandAll := evalJS[string](b, `document.querySelector("[data-expand-all]").getAttribute("href")`)
					b.open(expandAll, http.StatusOK)
					b.checkAccessibility(expandAll + " (expand all) without JavaScript")
				}
				if i == 2 {
					b.open("/"+lang+"/no-such-page", http.StatusNotFound)
					b.checkAccessibility("404 without JavaScript")
				}
				for _, p := range group {
					b.open("/"+lang+p, http.StatusOK)
					b.checkAccessibility("/" + lang + p + " without JavaScript")
				}
				b.check("none of the page's scripts ran", `typeof window.htmx === "undefined"`)
			})
		}
	}
}
