package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"zerodesk/internal/store"
	"zerodesk/internal/store/testengine"
)

// The two-instance proof of issue 15: two real `zerodesk serve` processes
// of one binary, on one PostgreSQL database, with one secret. Run by make
// test-pg (ZERODESK_TEST_ENGINE=postgres), where a missing server fails.

const instancesSecret = "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7"

type instance struct {
	name string
	base string
	cmd  *exec.Cmd
	logs *bytes.Buffer
}

func startInstance(t *testing.T, bin, name, dbURL string, extra ...string) *instance {
	t.Helper()
	addr := freeAddr(t)
	in := &instance{name: name, base: "http://" + addr, logs: &bytes.Buffer{}}
	in.cmd = exec.Command(bin, append([]string{"serve", "--data", t.TempDir(), "--db", dbURL, "--addr", addr,
		"--trusted-proxy", "127.0.0.0/8", "--public-url", "http://example.com"}, extra...)...)
	in.cmd.Env = append(os.Environ(), "ZERODESK_SECRET="+instancesSecret)
	in.cmd.Stderr = &syncWriter{w: in.logs}
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.cmd.Process.Kill()
		in.cmd.Wait()
		if t.Failed() {
			t.Logf("instance %s's log:\n%s", name, in.logs.String())
		}
	})
	waitHealthy(t, in.base)
	return in
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// client is a browser of one person: its cookies go to every instance (the
// load balancer's two back ends share one address for the browser).
type client struct {
	t      *testing.T
	cookie string
	ip     string
}

func (c *client) do(method, u string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	res, body, err := c.try(method, u, form)
	if err != nil {
		c.t.Fatal(err)
	}
	return res, body
}

// try is do without the test: for the load's goroutines, whose requests
// fail when their instance is killed.
func (c *client) try(method, u string, form url.Values) (*http.Response, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return nil, "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Origin", "http://example.com")
	}
	if c.cookie != "" {
		req.Header.Set("Cookie", c.cookie)
	}
	if c.ip != "" {
		req.Header.Set("X-Forwarded-For", c.ip)
	}
	res, err := (&http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		return nil, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, "", err
	}
	for _, ck := range res.Cookies() {
		if ck.Name == "zd" && ck.Value != "" {
			c.cookie = "zd=" + ck.Value
		}
	}
	return res, string(b), nil
}

func parse(t *testing.T, body string) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// eventually retries check until it holds or within is over.
func eventually(t *testing.T, within time.Duration, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestInstances_TwoOnOnePostgreSQL(t *testing.T) {
	needPostgres(t)
	bin := buildBinary(t)
	dbURL := testengine.Database(t, "", nil)
	a := startInstance(t, bin, "A", dbURL)
	b := startInstance(t, bin, "B", dbURL, "--no-demo")

	// An editor, created from the command line (before the agent: the
	// disable below takes the newest account); signed in on A with 1-Click.
	out, err := runBin(bin, dbURL, "admin", "create", "--db", dbURL, "--role", "editor", "--name", "Eda Editor", "--email", "eda@example.org")
	if err != nil {
		t.Fatalf("admin create --role editor: %v\n%s", err, out)
	}
	editor := signIn(t, a, regexp.MustCompile(`\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b`).FindString(out), "192.0.2.70")

	// An agent, created from the command line; its first login (1-Click)
	// on A; the session works on B.
	out, err = runBin(bin, dbURL, "admin", "create", "--db", dbURL, "--role", "agent", "--name", "Ann Agent", "--email", "ann@example.org")
	if err != nil {
		t.Fatalf("admin create: %v\n%s", err, out)
	}
	usercode := regexp.MustCompile(`\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b`).FindString(out)
	agent := signIn(t, a, usercode, "192.0.2.10")
	res, body := agent.do("GET", b.base+"/en/desk", nil)
	poll := parse(t, body).Find(".desk-poll").First().AttrOr("data-hx-get", "")
	if res.StatusCode != http.StatusOK || !strings.Contains(poll, "v=") {
		t.Fatalf("the desk on B with A's session: %d, poll %q", res.StatusCode, poll)
	}

	// A ticket submitted through A is in B's desk poll within a second.
	ref := submitTicket(t, a, "192.0.2.20", "Printer on fire "+strconv.Itoa(os.Getpid()))
	start := time.Now()
	eventually(t, time.Second, "the ticket in B's desk poll", func() bool {
		res, body := agent.do("GET", b.base+poll, nil)
		return res.StatusCode == http.StatusOK && strings.Contains(body, ref)
	})
	t.Logf("ticket %s in B's poll after %v", ref, time.Since(start))

	// An article an editor publishes on A (the writing form's Publish) is on
	// B's home and in B's search within a second of A's answer. B's home
	// and its search for the word are read first, so B has them cached.
	pword := "marmotquillfen"
	reader := &client{t: t, ip: "192.0.2.31"}
	onHome := func(in *instance) bool {
		res, body := reader.do("GET", in.base+"/en/", nil)
		return res.StatusCode == http.StatusOK && strings.Contains(body, "Feed the "+pword)
	}
	inSearch := func(in *instance) bool {
		res, body := reader.do("GET", in.base+"/en/search?q="+pword, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("B's search: %d", res.StatusCode)
		}
		return strings.Contains(body, "Feed the "+pword)
	}
	if onHome(b) || inSearch(b) {
		t.Fatal("the article is on B before it is published")
	}
	res, body = editor.do("POST", a.base+"/en/editor/save", url.Values{"article": {"0"}, "base": {"0"}, "lang": {"en"},
		"title": {"Feed the " + pword}, "slug": {pword}, "description": {"When and what the " + pword + " eats."},
		"body": {"The " + pword + " eats at noon, and only clover."}, "keywords": {pword}, "category": {"faq"}, "action": {"publish"}})
	published := time.Now()
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "done=published") {
		t.Fatalf("publishing on A: %d %q\n%.2000s", res.StatusCode, res.Header.Get("Location"), body)
	}
	var homeAfter, searchAfter time.Duration
	for homeAfter == 0 || searchAfter == 0 {
		if homeAfter == 0 && onHome(b) {
			homeAfter = time.Since(published)
		}
		if searchAfter == 0 && inSearch(b) {
			searchAfter = time.Since(published)
		}
		if time.Since(published) > 5*time.Second {
			t.Fatalf("A's publication not on B after 5s: home %v, search %v (0: not seen)", homeAfter, searchAfter)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("the article published on A: on B's home after %v, in B's search after %v", homeAfter, searchAfter)
	if homeAfter > time.Second || searchAfter > time.Second {
		t.Errorf("A's publication reached B after more than a second: home %v, search %v", homeAfter, searchAfter)
	}

	// An article published (by a third process: the command line's import,
	// which announces it as the instances do)
	// is on A's and B's home and in their search within a second.
	word := "zanzibarquokka"
	dir := t.TempDir()
	if out, err := runBin(bin, dbURL, "articles", "export", "--db", dbURL, dir); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	src, err := os.ReadFile(filepath.Join(dir, "en", "reset-account.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(`(?m)^title = .*$`).ReplaceAllString(string(src), `title = "Feed the `+word+`"`)
	text = regexp.MustCompile(`(?m)^key = .*$`).ReplaceAllString(text, `key = "`+word+`"`)
	text = regexp.MustCompile(`(?m)^slug = .*$`).ReplaceAllString(text, `slug = "`+word+`"`)
	if err := os.WriteFile(filepath.Join(dir, "en", word+".md"), []byte(text+"\nThe "+word+" eats at noon.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runBin(bin, dbURL, "articles", "import", "--db", dbURL, dir); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	start = time.Now()
	visitor := &client{t: t, ip: "192.0.2.30"}
	for _, in := range []*instance{a, b} {
		eventually(t, time.Second, "the article on "+in.name+"'s search", func() bool {
			_, body := visitor.do("GET", in.base+"/en/search?q="+word, nil)
			return strings.Contains(body, "Feed the "+word)
		})
		eventually(t, 500*time.Millisecond, "the article on "+in.name+"'s home", func() bool {
			_, body := visitor.do("GET", in.base+"/en/articles/"+word, nil)
			return strings.Contains(body, "Feed the "+word)
		})
	}
	t.Logf("the article on both after %v", time.Since(start))

	// Failed logins on A count toward the lockout on B: five wrong
	// passwords on A (each from an address of its own, so only the
	// usercode's count is reached), then the right one on B is refused.
	login := func(in *instance, ip, password string) bool {
		c := &client{t: t, ip: ip}
		_, body := c.do("POST", in.base+"/en/login/user", url.Values{"usercode": {usercode}, "oneclick": {"on"}})
		d := parse(t, body)
		c.do("POST", in.base+"/en/login/user/password", url.Values{"usercode": {d.Find(`input[name="usercode"]`).AttrOr("value", "")},
			"oneclick": {d.Find(`input[name="oneclick"]`).AttrOr("value", "")}, "password": {password}})
		return c.cookie != ""
	}
	for i := range 5 {
		if login(a, "192.0.2."+strconv.Itoa(41+i), "wrong password "+strconv.Itoa(i)) {
			t.Fatal("a wrong password signed in")
		}
	}
	if login(b, "192.0.2.60", "violet harbour kettle 47 sings") {
		t.Error("B let the usercode locked by the failures on A sign in")
	}

	// The agent disabled (by a third process, the command line): its
	// session ends on both instances at once.
	db, err := store.Open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var agentID int64
	if err := db.Read.QueryRow(`SELECT max(id) FROM accounts`).Scan(&agentID); err != nil {
		t.Fatal(err)
	}
	if out, err := runBin(bin, dbURL, "admin", "disable", "--db", dbURL, "--id", strconv.FormatInt(agentID, 10)); err != nil {
		t.Fatalf("admin disable: %v\n%s", err, out)
	}
	for _, in := range []*instance{a, b} {
		res, body := agent.do("GET", in.base+"/en/desk", nil)
		if res.StatusCode == http.StatusOK && strings.Contains(body, "desk-poll") {
			t.Errorf("%s still serves the desk to the disabled agent's session", in.name)
		}
	}

	// Per-address rates are shared (rate_buckets): an address that spends
	// its search budget (60 a minute) on A is refused on B at once, where
	// a budget per instance would give it 60 more.
	searcher := &client{t: t, ip: "203.0.113.61"}
	spent := 0
	for ; spent <= 200; spent++ {
		res, _ := searcher.do("GET", a.base+"/en/search?q=printer", nil)
		if res.StatusCode == http.StatusTooManyRequests {
			break
		}
		if res.StatusCode != http.StatusOK {
			t.Fatalf("search %d on A: %d", spent+1, res.StatusCode)
		}
	}
	if spent < 60 || spent > 70 {
		t.Errorf("A refused the address's search after %d, want the budget of 60 (plus a token a second)", spent)
	}
	// At most one token refills between A's refusal and B's answers: two
	// at once, and at least one is refused (B's own budget would allow both).
	refused := 0
	for range 2 {
		if res, _ := searcher.do("GET", b.base+"/en/search?q=printer", nil); res.StatusCode == http.StatusTooManyRequests {
			refused++
		}
	}
	t.Logf("search budget: %d searches on A before its 429, then %d of 2 on B refused", spent, refused)
	if refused == 0 {
		t.Error("the address that spent its search budget on A searches on B: the instances do not share the budget")
	}

	// kill -9 of A under a ticket load: every acknowledged ticket is in the
	// database, and B keeps serving.
	var acked sync.Map
	var n atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				ref, err := trySubmit(a, fmt.Sprintf("198.51.100.%d", 1+(w*60+i)%250), fmt.Sprintf("Load %d-%d", w, i))
				if err == nil {
					acked.Store(ref, true)
					n.Add(1)
				}
			}
		}()
	}
	eventually(t, 20*time.Second, "tickets acknowledged under load", func() bool { return n.Load() >= 10 })
	if err := a.cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	lost := 0
	acked.Range(func(k, _ any) bool {
		var c int
		if err := db.Read.QueryRow(`SELECT count(*) FROM tickets WHERE reference = $1`, k.(string)).Scan(&c); err != nil || c != 1 {
			lost++
		}
		return true
	})
	if lost > 0 {
		t.Errorf("%d of %d acknowledged tickets lost with A", lost, n.Load())
	}
	ref = submitTicket(t, b, "192.0.2.50", "After the crash")
	var c int
	if err := db.Read.QueryRow(`SELECT count(*) FROM tickets WHERE reference = $1`, ref).Scan(&c); err != nil || c != 1 {
		t.Errorf("B after the crash: ticket %s acknowledged, %d in the database (%v)", ref, c, err)
	}
	if res, _ := visitor.do("GET", b.base+"/en/articles/"+word, nil); res.StatusCode != http.StatusOK {
		t.Errorf("B after the crash: an article answers %d", res.StatusCode)
	}
}

// signIn is a staff member's first login (1-Click) on in: the client
// carries the session cookie.
func signIn(t *testing.T, in *instance, usercode, ip string) *client {
	t.Helper()
	c := &client{t: t, ip: ip}
	_, body := c.do("POST", in.base+"/en/login/user", url.Values{"usercode": {usercode}, "oneclick": {"on"}})
	d := parse(t, body)
	res, _ := c.do("POST", in.base+"/en/login/user/activate", url.Values{
		"usercode": {d.Find(`input[name="usercode"]`).AttrOr("value", "")}, "oneclick": {d.Find(`input[name="oneclick"]`).AttrOr("value", "")},
		"password": {"violet harbour kettle 47 sings"}, "phrase": {"cobalt lantern hums"}})
	if res.StatusCode != http.StatusSeeOther || c.cookie == "" {
		t.Fatalf("first login on %s: %d, cookie %q", in.name, res.StatusCode, c.cookie)
	}
	return c
}

func runBin(bin, dbURL string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "ZERODESK_SECRET="+instancesSecret, "ZERODESK_DB="+dbURL)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

var refPattern = regexp.MustCompile(`\bZD-[0-9A-Z]{4}-[0-9A-Z]{4}\b`)

// trySubmit sends the support form as a guest; the reference shown is the
// acknowledgement.
func trySubmit(in *instance, ip, subject string) (string, error) {
	c := &client{ip: ip}
	res, body, err := c.try("GET", in.base+"/en/support", nil)
	if err != nil {
		return "", err
	}
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("the form: %d", res.StatusCode)
	}
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		return "", err
	}
	form := url.Values{"form_id": {d.Find(`input[name="form_id"]`).AttrOr("value", "")},
		"name": {"Gus Guest"}, "email": {"gus." + strings.NewReplacer(" ", "", "-", "").Replace(strings.ToLower(subject)) + "@example.org"}, "topic": {"other"}, "subject": {subject}, "body": {"Something is wrong: " + subject}}
	res, body, err = c.try("POST", in.base+"/en/support", form)
	if err != nil {
		return "", err
	}
	ref := refPattern.FindString(res.Header.Get("Location"))
	if ref == "" && res.StatusCode == http.StatusOK {
		ref = parseRef(body)
	}
	if ref == "" {
		return "", fmt.Errorf("no reference: %d %s %.300s", res.StatusCode, res.Header.Get("Location"), body)
	}
	return ref, nil
}

func parseRef(body string) string {
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(d.Find("#sent-ref").Text())
}

func submitTicket(t *testing.T, in *instance, ip, subject string) string {
	t.Helper()
	ref, err := trySubmit(in, ip, subject)
	if err != nil {
		t.Fatalf("submitting a ticket on %s: %v", in.name, err)
	}
	return ref
}
