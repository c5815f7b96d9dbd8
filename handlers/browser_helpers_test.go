package handlers

// The harness of the headless-Chromium journey tests (browser_test.go).
//
// One Chromium serves the whole test binary: it starts on the first browser
// test and stops in TestMain. Each test gets its own app (newTestApp) behind an
// httptest server, and its own tab in a fresh browser context, so localStorage,
// cookies and history never leak from one test to another.
//
// Skip rule: a browser test skips only when Chromium is missing and the CI
// variable is unset; with CI set it fails. The same holds for axe-core
// (installed by scripts/test-setup.sh). Nothing else makes these tests skip.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

const (
	// tabTimeout bounds one browser test, so a hung page fails instead of
	// stalling the suite.
	tabTimeout = 60 * time.Second
	// waitTimeout bounds one wait for something on the page.
	waitTimeout = 10 * time.Second
	// axeRelPath is where scripts/test-setup.sh installs axe-core, from the
	// repository root.
	axeRelPath = ".cache/axe/node_modules/axe-core/axe.min.js"
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopBrowser()
	removeSeededTemplate()
	os.Exit(code)
}

// inCI reports whether the CI variable is set: missing tools then fail the
// tests instead of skipping them.
func inCI() bool {
	_, ok := os.LookupEnv("CI")
	return ok
}

// missingTool skips the test, or fails it in CI.
func missingTool(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if inCI() {
		t.Fatalf("%s (CI is set, so this is a failure)", msg)
	}
	t.Skipf("%s; skipping (set CI to make this a failure)", msg)
}

// chromiumPath finds the browser: Debian's chromium first, then the other
// usual names.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

var browser struct {
	once   sync.Once
	ctx    context.Context // the first tab's chromedp context; new tabs derive from it
	cancel func()          // stops the browser and frees its user-data-dir
	err    error
}

// sharedBrowser starts Chromium once for the test binary.
func sharedBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		missingTool(t, "Chromium is not installed (apt-get install -y chromium)")
	}
	browser.once.Do(func() {
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.Flag("headless", true),
			chromedp.NoSandbox,
			chromedp.Flag("disable-gpu", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.NoFirstRun,
			chromedp.Flag("disable-quic", true),
			chromedp.WindowSize(1280, 900),
			// No UserDataDir option: the allocator makes a fresh temporary
			// profile directory and removes it when the browser stops.
		)
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(allocCtx)
		// The first Run starts the browser; it must have no timeout, or the
		// timeout would stop the browser.
		if err := chromedp.Do(ctx); err != nil {
			cancelCtx()
			cancelAlloc()
			browser.err = err
			return
		}
		browser.ctx = ctx
		browser.cancel = func() { cancelCtx(); cancelAlloc() }
	})
	if browser.err != nil {
		t.Fatalf("Chromium at %s did not start: %v", path, browser.err)
	}
	return browser.ctx
}

func stopBrowser() {
	if browser.cancel != nil {
		browser.cancel()
	}
}

// browserTab is one test's page: its own app, server, tab and browser context.
type browserTab struct {
	t    *testing.T
	ctx  context.Context
	app  *testApp
	base string // the server's origin, "http://127.0.0.1:PORT"
	noJS bool   // the page's scripts are off (axe runs all the same)
}

type tabOption func(*tabConfig)

type tabConfig struct {
	noJS     bool
	viewport [2]int64
	wrap     func(http.Handler) http.Handler
}

// withServerWrap puts wrap around the app in the test server (to watch
// every request and response of a journey).
func withServerWrap(wrap func(http.Handler) http.Handler) tabOption {
	return func(c *tabConfig) { c.wrap = wrap }
}

// withoutJavaScript turns script execution off before the first navigation.
func withoutJavaScript() tabOption { return func(c *tabConfig) { c.noJS = true } }

// withViewport emulates a window of this size in CSS pixels.
func withViewport(w, h int64) tabOption { return func(c *tabConfig) { c.viewport = [2]int64{w, h} } }

// newBrowserTab serves a fresh app and opens a tab on it.
func newBrowserTab(t *testing.T, opts ...tabOption) *browserTab {
	t.Helper()
	var cfg tabConfig
	for _, o := range opts {
		o(&cfg)
	}
	root := sharedBrowser(t)
	a := newTestApp(t)
	var app http.Handler = a.e
	if cfg.wrap != nil {
		app = cfg.wrap(app)
	}
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)

	timeoutCtx, cancelTimeout := context.WithTimeout(root, tabTimeout)
	ctx, cancelTab := chromedp.NewContext(timeoutCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(func() { cancelTab(); cancelTimeout() })
	b := &browserTab{t: t, ctx: ctx, app: a, base: srv.URL, noJS: cfg.noJS}

	// Open the tab. Focus emulation makes every tab behave as the focused
	// one, so focus and :focus-visible work while tests run in parallel.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatalf("focus emulation: %v", err)
	}
	if cfg.noJS {
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatalf("turning JavaScript off: %v", err)
		}
	}
	if cfg.viewport[0] > 0 {
		b.do("emulate the viewport", chromedp.EmulateViewport(cfg.viewport[0], cfg.viewport[1]))
	}
	t.Cleanup(b.screenshotsOnFailure)
	return b
}

// do runs actions, failing the test with what they were for.
func (b *browserTab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// open loads path and checks the HTTP status of the document.
func (b *browserTab) open(path string, wantStatus int64) {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("opening %s: %v", path, err)
	}
	if resp == nil || resp.Status != wantStatus {
		status := int64(0)
		if resp != nil {
			status = resp.Status
		}
		b.t.Fatalf("opening %s: status %d, want %d", path, status, wantStatus)
	}
}

// follow runs an action that navigates (a click on a link, Enter in a form)
// and waits for the new page. An action that starts no page load within
// navigationStartTimeout fails at once, saying so: a form that HTMX swaps
// with JavaScript on never loads a page, and waiting for one used to hang
// the journey until its 60 s tab timeout (CI). Use click and waitFor there.
func (b *browserTab) follow(what string, action chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := b.followWithin(action, navigationStartTimeout); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// navigationStartTimeout is how long follow waits, after its action ran, for
// a page load to start. Starting one is the browser's work alone (no server
// round trip), so this is generous even on a busy machine.
const navigationStartTimeout = 2 * time.Second

// errNoNavigation is follow's failure when the action loaded no page.
var errNoNavigation = errors.New("no page load started: with JavaScript on, is this form or link swapped by HTMX (data-hx-*)? Then click and waitFor what the swap shows instead of follow")

// navigationStarted tells whether the tab started a page load: an event said
// so, or the page asked now answers that it is another document, or is too
// busy loading to answer. The question also makes the answer sure on a busy
// machine: the browser sends its events in order, so every navigation event
// sent before the reply has reached the listener when the reply comes.
func (b *browserTab) navigationStarted(started <-chan struct{}) bool {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	same, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__zerodeskFollow === true`))
	select {
	case <-started:
		return true
	default:
		return err != nil || !same
	}
}

// followWithin is follow's work: the action, then the page load it started,
// or errNoNavigation when none started within `within` of the action.
func (b *browserTab) followWithin(action chromedp.Action[chromedp.Void], within time.Duration) error {
	started := make(chan struct{})
	var startedOnce sync.Once
	listenCtx, stopListening := context.WithCancel(b.ctx)
	defer stopListening()
	if err := chromedp.Listen(listenCtx, func(ev any) {
		switch ev := ev.(type) {
		case *page.EventFrameRequestedNavigation, *page.EventFrameStartedNavigating, *page.EventNavigatedWithinDocument:
			startedOnce.Do(func() { close(started) })
		case *network.EventRequestWillBeSent:
			if ev.Type == network.ResourceTypeDocument {
				startedOnce.Do(func() { close(started) })
			}
		}
	}); err != nil {
		return err
	}
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[chromedp.Void](`window.__zerodeskFollow = true`)); err != nil {
		return err
	}
	acted := make(chan struct{})
	wrapped := func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		v, err := action(ctx, t)
		close(acted)
		return v, err
	}
	runCtx, cancel := context.WithCancel(b.ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := chromedp.RunResponse(runCtx, wrapped)
		done <- err
	}()
	var deadline <-chan time.Time
	for {
		select {
		case err := <-done:
			return err
		case <-acted:
			acted = nil
			timer := time.NewTimer(within)
			defer timer.Stop()
			deadline = timer.C
		case <-deadline:
			deadline = nil
			if b.navigationStarted(started) {
				continue // loading: RunResponse waits for it, within the tab's timeout
			}
			cancel()
			<-done
			return fmt.Errorf("%w (waited %s after the action)", errNoNavigation, within)
		}
	}
}

// click sends a real mouse click to the first element matching the CSS selector.
func (b *browserTab) click(selector string) {
	b.t.Helper()
	b.do("clicking "+selector, chromedp.Click(chromedp.CSS(selector)))
}

// press sends key events to whatever has the focus (kb.Tab, kb.Enter...).
func (b *browserTab) press(keys string) {
	b.t.Helper()
	b.do(fmt.Sprintf("pressing %q", keys), chromedp.KeyEvent(keys))
}

// evalJS evaluates a JavaScript expression in the page and decodes its value.
func evalJS[T any](b *browserTab, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// waitFor waits until the JavaScript expression is truthy. Use it, not check,
// for anything an event handler updates: the toggle event of <details>, for
// one, fires a task after the open state changes.
func (b *browserTab) waitFor(what, expr string) {
	b.t.Helper()
	b.waitWithin(what, expr, 20*time.Millisecond, waitTimeout)
}

// waitWithin polls the JavaScript expression every interval until it is
// true or timeout passes. A page load during the wait (a form posted just
// before, its redirect, the next page) ends a poll with "navigated or
// closed" or a destroyed context: the page the test waits for is then on
// its way, so the poll starts again on it, within the same timeout. Seen in
// CI: TestBrowser_EditorSlugChangeRedirects' publish, whose POST answered
// with a redirect while the notice was awaited.
func (b *browserTab) waitWithin(what, expr string, interval, timeout time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			b.t.Fatalf("timed out after %s waiting for %s (%s)", timeout, what, expr)
		}
		// Poll returns the truthy value: make it a boolean, as a DOM node
		// cannot travel by value.
		_, err := chromedp.Run(b.ctx, chromedp.Poll[bool]("!!("+expr+")",
			chromedp.WithPollingInterval(interval), chromedp.WithPollingTimeout(left)))
		switch {
		case err == nil:
			return
		case errors.Is(err, chromedp.ErrPollingTimeout):
			b.t.Fatalf("timed out after %s waiting for %s (%s)", timeout, what, expr)
		case pageWentAway(err) && b.ctx.Err() == nil:
			time.Sleep(interval)
		default:
			b.t.Fatalf("waiting for %s: %v", what, err)
		}
	}
}

// pageWentAway tells whether a DevTools call failed because the document it
// ran in was replaced by a page load.
func pageWentAway(err error) bool {
	msg := err.Error()
	for _, s := range []string{"navigated or closed", "Execution context was destroyed", "Cannot find context", "Not attached to an active page"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// waitForFocus waits until the focused element meets the JavaScript condition
// on el, and fails telling where the focus is instead.
func (b *browserTab) waitForFocus(what, cond string) {
	b.t.Helper()
	expr := "!!(function (el) { return el && (" + cond + "); })(document.activeElement)"
	_, err := chromedp.Run(b.ctx, chromedp.Poll[bool](expr,
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(waitTimeout)))
	if err != nil {
		b.t.Fatalf("waiting for focus on %s: %v; focus is on %s", what, err, b.activeElement())
	}
}

// check fails the test unless the JavaScript expression is true.
func (b *browserTab) check(what, expr string) {
	b.t.Helper()
	if !evalJS[bool](b, "!!("+expr+")") {
		// Where the tab is, so a failure in CI says what it saw.
		where := evalJS[string](b, `location.pathname + location.search + " — h1: " + ((document.querySelector("h1") || {}).textContent || "").trim().slice(0, 120)`)
		b.t.Errorf("%s: false: %s (on %s)", what, expr, where)
	}
}

// markPage sets a marker on window; it survives until a full page load.
func (b *browserTab) markPage() {
	b.t.Helper()
	evalJS[chromedp.Void](b, `window.__zerodeskMarker = "kept"`)
}

// checkNoNavigation fails when the page was reloaded or left since markPage.
func (b *browserTab) checkNoNavigation(path string) {
	b.t.Helper()
	got := evalJS[[]string](b, `[location.pathname + location.search, String(window.__zerodeskMarker)]`)
	if got[0] != path || got[1] != "kept" {
		b.t.Errorf("the page navigated: now at %q (marker %q), want %q without a new page load", got[0], got[1], path)
	}
}

// activeElement describes the focused element, for failure messages.
func (b *browserTab) activeElement() string {
	b.t.Helper()
	return evalJS[string](b, `(function (e) {
		if (!e) return "nothing";
		var s = e.tagName.toLowerCase();
		if (e.id) s += "#" + e.id;
		if (e.className && typeof e.className === "string") s += "." + e.className.trim().split(/\s+/).join(".");
		var text = (e.textContent || "").trim().replace(/\s+/g, " ").slice(0, 40);
		return text ? s + " (" + text + ")" : s;
	})(document.activeElement)`)
}

// checkNoCookies checks both what the page sees and what the browser stores
// for the origin.
func (b *browserTab) checkNoCookies() {
	b.t.Helper()
	if c := evalJS[string](b, `document.cookie`); c != "" {
		b.t.Errorf("document.cookie = %q, want no cookie", c)
	}
	b.checkNoStoredCookies()
}

// checkNoStoredCookies asks the browser (not the page) for the origin's cookies.
func (b *browserTab) checkNoStoredCookies() {
	b.t.Helper()
	res, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.base + "/"}})
	if err != nil {
		b.t.Fatalf("reading cookies: %v", err)
	}
	for _, c := range res.Cookies {
		b.t.Errorf("the browser stores a cookie for %s: %s (path %s)", b.base, c.Name, c.Path)
	}
}

// tabUntil presses Tab until the JavaScript condition on document.activeElement
// holds, at most max times, and returns how many presses it took.
func (b *browserTab) tabUntil(what, cond string, max int) int {
	b.t.Helper()
	var seen []string
	for i := 1; i <= max; i++ {
		b.press(kb.Tab)
		if evalJS[bool](b, "!!(function (el) { return "+cond+"; })(document.activeElement)") {
			return i
		}
		seen = append(seen, b.activeElement())
	}
	b.t.Fatalf("%d presses of Tab never reached %s; focus went through:\n  %s", max, what, strings.Join(seen, "\n  "))
	return 0
}

// scriptsOff turns script execution off or on for the tab.
func (b *browserTab) scriptsOff(off bool) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off}); err != nil {
		b.t.Fatalf("turning JavaScript off=%v: %v", off, err)
	}
}

// Screenshots for debugging, only when a test failed: the page as the test
// left it, the home page and the home page with an article expanded. They go
// to a temporary directory, never into the repository.
func (b *browserTab) screenshotsOnFailure() {
	t := b.t
	if !t.Failed() || browser.ctx == nil {
		return
	}
	dir := t.TempDir()
	save := func(name string, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Logf("screenshot %s: %v", name, err)
			return
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, name), png, 0o644)
		}
		if err != nil {
			t.Logf("screenshot %s: %v", name, err)
			return
		}
		t.Logf("screenshot: %s", filepath.Join(dir, name))
	}
	if b.ctx.Err() == nil {
		save("failed-page.png", b.ctx)
	}
	ctx, cancel := chromedp.NewContext(browser.ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	// Open the tab without a timeout: the context of the first Run on a tab
	// bounds the tab's life.
	if err := chromedp.Do(ctx); err != nil {
		t.Logf("screenshots: %v", err)
		return
	}
	save("home.png", ctx, chromedp.Navigate(b.base+"/en/"))
	save("home-expanded.png", ctx,
		chromedp.Click(chromedp.CSS("#setup details > summary")),
		chromedp.WaitVisible(chromedp.CSS("#setup details[open] .prose")))
}
