package handlers

// Every page type, rendered through the whole app and checked by the Nu HTML
// checker (vnu) in one run: one JVM start for all pages. vnu comes from
// scripts/test-setup.sh (.cache/vnu), Java from the system
// (apt-get install -y default-jre-headless). Like the browser tests, this one
// skips when a tool is missing and CI is unset, and fails when CI is set.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"zerodesk/internal/accounts"
)

// vnuRelPath is where scripts/test-setup.sh installs the checker.
const vnuRelPath = ".cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar"

// validationPages collects whole pages to check, by a name that says what
// state each shows.
type validationPages struct {
	t     *testing.T
	pages map[string][]byte
}

// anyRefusal accepts any 4xx.
const anyRefusal = -1

func (p *validationPages) add(name string, w *httptest.ResponseRecorder, status int) {
	p.t.Helper()
	if w.Code != status && !(status == anyRefusal && w.Code >= 400 && w.Code < 500) {
		p.t.Fatalf("%s: status %d, want %d; body:\n%.600s", name, w.Code, status, w.Body.String())
	}
	if !strings.HasPrefix(w.Body.String(), "<!doctype html>") {
		p.t.Fatalf("%s: not a whole page:\n%.300s", name, w.Body.String())
	}
	if _, dup := p.pages[name]; dup {
		p.t.Fatalf("page %s added twice", name)
	}
	p.pages[name] = bytes.Clone(w.Body.Bytes())
}

// allPageTypes renders every page type of the portal, English and Arabic,
// signed out and signed in (with and without 1-Click): once per test
// binary, for the two tests that read them (TestPages_AreValidHTML and
// TestRoutes_EveryAddressAPageUsesIsInTheTable), each getting its own copy
// of the map. The first caller renders them (and fails if that fails); a
// later caller fails too, pointing at it.
func allPageTypes(t *testing.T) map[string][]byte {
	t.Helper()
	allPages.once.Do(func() {
		allPages.by = t.Name()
		allPages.pages = renderAllPageTypes(t)
	})
	if allPages.pages == nil {
		t.Fatalf("rendering every page type failed in %s", allPages.by)
	}
	return maps.Clone(allPages.pages)
}

var allPages struct {
	once  sync.Once
	by    string // the test that rendered them
	pages map[string][]byte
}

func renderAllPageTypes(t *testing.T) map[string][]byte {
	a := newTestApp(t)
	p := &validationPages{t: t, pages: map[string][]byte{}}
	ok := http.StatusOK

	for _, lang := range []string{"en", "ar"} {
		for _, path := range []string{"/", "/articles/reset-account", "/articles/contact-us", "/sections/howto",
			"/search?q=password", "/search?q=zzqqxx", "/search", "/login", "/login/user", "/login/staff", "/register",
			"/reset", "/recover", "/support", "/support/tickets", "/browser-test"} {
			p.add(lang+path, a.get(t, "/"+lang+path), ok)
		}
		p.add(lang+"/404", a.get(t, "/"+lang+"/no-such-page"), http.StatusNotFound)
	}
	// The article's feedback answered without JavaScript.
	voted := a.post(t, "/en/articles/reset-account/feedback", url.Values{"helpful": {"yes"}})
	wantStatus(t, voted, http.StatusSeeOther)
	p.add("en/feedback", a.get(t, voted.Header().Get("Location")), ok)

	// Accounts: register, both login steps, first activation, My account
	// (both session modes), the two-step set-up.
	j := &journey{a: a}
	p.add("en/register refused", a.post(t, "/en/register", url.Values{"name": {""}, "email": {"nope"}}), anyRefusal)
	usercode := j.register(t, "Grace Hopper", "grace@example.com")
	p.add("en/register done", a.post(t, "/en/register", url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "language": {"en"}, "type": {"basic"}}), ok)
	p.add("en/login step 1 refused", a.post(t, "/en/login/user", url.Values{"usercode": {"AAAA-BBBB-CCCC"}}), anyRefusal)
	first := a.post(t, "/en/login/user", url.Values{"usercode": {usercode}})
	p.add("en/login first activation", first, ok)
	p.add("en/account cookie-less", j.activate(t, usercode, "cobalt lantern hums", false), ok)
	w1, w2 := j.login(t, usercode, "wrong password entirely", false)
	p.add("en/login step 2", w1, ok)
	p.add("en/login step 2 refused", w2, anyRefusal)
	_, w2 = j.login(t, usercode, testPassword, false)
	cookieless := signedIn(t, w2, false)
	p.add("en/totp setup", a.post(t, "/en/account/totp/setup", cookieless.form(url.Values{"password": {testPassword}})), ok)
	p.add("en/account refused", a.post(t, "/en/account/password", cookieless.form(url.Values{"current": {"wrong"}, "next": {"x"}})), anyRefusal)
	_, w2 = j.login(t, usercode, testPassword, true)
	oneClick := signedIn(t, w2, true)
	for _, lang := range []string{"en", "ar"} {
		p.add(lang+"/account 1-Click", a.get(t, "/"+lang+"/account", oneClick.headers()...), ok)
		p.add(lang+"/home signed in", a.get(t, "/"+lang+"/", oneClick.headers()...), ok)
		p.add(lang+"/support signed in", a.get(t, "/"+lang+"/support", oneClick.headers()...), ok)
	}
	p.add("en/signed out", a.post(t, "/en/account/logout", oneClick.form(nil), oneClick.headers()...), ok)

	// Members, for an account manager.
	mj := &journey{a: a}
	mcode := mj.registerManager(t, "Mara Manager", "mara@example.com")
	_, w2 = mj.login(t, mcode, testPassword, true)
	manager := signedIn(t, w2, true)
	for _, lang := range []string{"en", "ar"} {
		p.add(lang+"/members", a.get(t, "/"+lang+"/account/members", manager.headers()...), ok)
		p.add(lang+"/members audit", a.get(t, "/"+lang+"/account/members/audit", manager.headers()...), ok)
	}

	// Support: the refused form, the confirmation, the ticket.
	f := ticketForm(t, a)
	bad := url.Values{}
	for k, v := range f {
		bad[k] = v
	}
	bad.Set("email", "not an address")
	p.add("en/support refused", a.postFiles(t, "/en/support", bad, nil), anyRefusal)
	sent := a.postFiles(t, "/en/support", f, nil)
	p.add("en/support confirmation", sent, ok)
	d := doc(t, sent)
	ref, key := strings.TrimSpace(d.Find("#sent-ref").Text()), strings.TrimSpace(d.Find("#sent-key").Text())
	for _, lang := range []string{"en", "ar"} {
		p.add(lang+"/ticket", a.post(t, "/"+lang+"/support/tickets", url.Values{"ref": {ref}, "key": {key}}), ok)
	}
	p.add("en/ticket refused", a.post(t, "/en/support/tickets", url.Values{"ref": {ref}, "key": {"wrong"}}), anyRefusal)

	// The desk: queue, ticket, admin pages; 1-Click and cookie-less.
	rc := guestTicket(t, a, "Lin", "lin@example.com", "login", "Printer on fire", "It is on fire.")
	admin := signInStaff(t, a, accounts.Admin, "Ada Admin", "admin@example.com", true)
	agent := signInStaff(t, a, accounts.Agent, "Abe Agent", "agent@example.com", false)
	for _, lang := range []string{"en", "ar"} {
		for _, path := range []string{"/desk", "/desk/tickets/" + rc.Reference, "/desk/topics", "/desk/canned", "/desk/outbox"} {
			p.add(lang+path+" 1-Click", a.get(t, "/"+lang+path, "Cookie", admin.cookie), ok)
		}
	}
	p.add("en/desk cookie-less", agent.send(t, "/en/desk", nil), ok)
	p.add("en/desk ticket cookie-less", agent.send(t, "/en/desk/tickets/"+rc.Reference, nil), ok)
	p.add("en/desk signed out", a.get(t, "/en/desk"), anyRefusal)

	// The editor's room (issue 13): list, writing with preview, merge,
	// history, the 410 of an archived article.
	editor := signInStaff(t, a, accounts.Editor, "Eda Editor", "editor@example.com", true)
	written := editor.send(t, "/en/editor/save", newArticleForm("Valid Article", "Some **text**."))
	edPage, edQuery, _ := strings.Cut(written.Header().Get("Location"), "?")
	edValues, _ := url.ParseQuery(edQuery)
	edited := newArticleForm("Valid Article", "Some more **text**.")
	edited.Set("article", strings.Split(edPage, "/")[4])
	edited.Set("base", edValues.Get("rev"))
	edited.Set("slug", "valid-article")
	edited.Set("action", "publish")
	editor.send(t, "/en/editor/save", edited)
	// An agent's drafts pages and proposal (editor_proposals.go).
	draftPage := "/editor/drafts/" + strings.Split(edPage, "/")[4] + "/en"
	agent.send(t, "/en"+draftPage+"/propose", url.Values{"title": {"Valid Article"}, "body": {"Proposed **text**."}})
	for _, lang := range []string{"en", "ar"} {
		p.add(lang+"/editor/drafts cookie-less agent", agent.send(t, "/"+lang+"/editor/drafts", nil), ok)
		p.add(lang+draftPage+" cookie-less agent", agent.send(t, "/"+lang+draftPage, nil), ok)
	}
	p.add("en/editor merge", editor.send(t, "/en/editor/save", edited), http.StatusConflict)
	for _, lang := range []string{"en", "ar"} {
		for _, path := range []string{"/editor", "/editor/articles", "/editor/new", strings.TrimPrefix(edPage, "/en"), strings.TrimPrefix(edPage, "/en") + "/history"} {
			p.add(lang+path, a.get(t, "/"+lang+path, "Cookie", editor.cookie), ok)
		}
	}
	p.add("en/editor agent", agent.send(t, "/en/editor", nil), anyRefusal)
	tokenEditor := signInStaff(t, a, accounts.Editor, "Ben Editor", "editor2@example.com", false)
	for _, path := range []string{"/en/editor/articles", edPage, edPage + "/history"} {
		p.add(path+" cookie-less", tokenEditor.send(t, path, nil), ok)
	}
	editor.send(t, edPage+"/publish", url.Values{"action": {"unpublish"}})
	p.add("en/410", a.get(t, "/en/articles/valid-article"), http.StatusGone)

	// 429: the vote limit.
	var w *httptest.ResponseRecorder
	for range a.h.VoteLimit + 1 {
		w = a.post(t, "/en/articles/reset-account/feedback", url.Values{"helpful": {"yes"}})
	}
	p.add("en/429", w, http.StatusTooManyRequests)
	// A category larger than a page (issue 13, "Scale"): the paginated
	// section and the bounded Set Up panel with its link to the section.
	big := withLargeSetup(t, 60)
	for _, lang := range []string{"en", "ar"} {
		for _, path := range []string{"/", "/sections/setup", "/sections/setup?page=2"} {
			p.add(lang+path+" (large catalog)", big.get(t, "/"+lang+path), ok)
		}
	}
	return p.pages
}

// vnuMessage is one message of vnu's JSON output.
type vnuMessage struct {
	Type     string `json:"type"`
	URL      string `json:"url"`
	Line     int    `json:"lastLine"`
	Message  string `json:"message"`
	Extract  string `json:"extract"`
	SubType  string `json:"subType"`
	FirstCol int    `json:"firstColumn"`
}

// runVNU checks the files and returns its messages (errors only).
func runVNU(t *testing.T, files []string) []vnuMessage {
	t.Helper()
	java, err := exec.LookPath("java")
	if err != nil {
		missingTool(t, "Java is not installed (apt-get install -y default-jre-headless)")
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	jar := filepath.Join(root, vnuRelPath)
	if _, err := os.Stat(jar); err != nil {
		missingTool(t, "vnu.jar is not installed (run scripts/test-setup.sh)")
	}
	args := append([]string{"-Xss4m", "-jar", jar, "--errors-only", "--format", "json", "--exit-zero-always"}, files...)
	cmd := exec.Command(java, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("vnu: %v\n%s", err, stderr.String())
	}
	// vnu writes its JSON report to stderr.
	out := stderr.Bytes()
	if len(bytes.TrimSpace(out)) == 0 {
		out = stdout.Bytes()
	}
	var report struct {
		Messages []vnuMessage `json:"messages"`
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("vnu's report: %v\n%.2000s", err, out)
	}
	return report.Messages
}

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9-]+`)

func TestPages_AreValidHTML(t *testing.T) {
	t.Parallel()
	pages := allPageTypes(t)
	dir := t.TempDir()
	names := map[string]string{} // file → page
	var files []string
	for name, body := range pages {
		file := filepath.Join(dir, fmt.Sprintf("%03d-%s.html", len(files), unsafeName.ReplaceAllString(name, "_")))
		if err := os.WriteFile(file, body, 0o644); err != nil {
			t.Fatal(err)
		}
		names["file:"+file] = name
		files = append(files, file)
	}
	var problems []string
	for _, m := range runVNU(t, files) {
		if m.Type != "error" && m.SubType != "fatal" {
			continue
		}
		name := names[m.URL]
		if name == "" {
			name = m.URL
		}
		problems = append(problems, fmt.Sprintf("%s:%d: %s\n\t%s", name, m.Line, m.Message, strings.TrimSpace(m.Extract)))
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		t.Errorf("vnu found %d errors in %d pages:\n%s", len(problems), len(pages), strings.Join(problems, "\n"))
	}
	if len(pages) < 60 {
		t.Errorf("only %d pages checked", len(pages))
	}
}
