package handlers

import (
	"errors"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// follow waits for a page load; an action that starts none (a form HTMX
// swaps, with JavaScript on) fails within seconds naming the cause, instead
// of hanging until the tab's timeout. A real navigation still follows.
func TestBrowser_FollowFailsFastWhenNoPageLoads(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	b.open("/en/", 200)
	start := time.Now()
	err := b.followWithin(chromedp.Click(chromedp.CSS("h1")), navigationStartTimeout)
	if !errors.Is(err, errNoNavigation) {
		t.Fatalf("following a click that loads no page: %v, want errNoNavigation", err)
	}
	if took := time.Since(start); took > navigationStartTimeout+8*time.Second {
		t.Errorf("the failure took %s, want about %s", took, navigationStartTimeout)
	}
	if err := b.followWithin(chromedp.Click(chromedp.CSS(`a[href="/en/support"]`)), navigationStartTimeout); err != nil {
		t.Fatalf("following a link: %v", err)
	}
	b.check("the link's page is loaded", `location.pathname === "/en/support"`)
}
