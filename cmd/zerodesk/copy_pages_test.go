package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"zerodesk/data"
	"zerodesk/handlers"
	"zerodesk/internal/accounts"
	"zerodesk/internal/crypt"
	"zerodesk/internal/kb"
	"zerodesk/internal/mail"
	"zerodesk/internal/store"
	"zerodesk/internal/store/testengine"
	"zerodesk/internal/testsupport"
	"zerodesk/internal/tickets"
	"zerodesk/locales"
)

// pagesSite is the whole portal wired as serve wires it (handlers.Build)
// on one database, served in process.
type pagesSite struct {
	app  *handlers.App
	db   *store.DB
	h    http.Handler
	mail string
}

// openPagesSite opens the installation in dir (its key file), on its SQLite
// file, or on dbURL when not empty, migrated as serve migrates it.
func openPagesSite(t *testing.T, dir, dbURL string) *pagesSite {
	t.Helper()
	args := []string{"--data", dir}
	if dbURL != "" {
		args = append(args, "--db", dbURL)
	}
	cfg, err := parseFlags("test", args, io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	db, err := openStore(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	secret, err := crypt.LoadOrCreateKeyFile(filepath.Join(dir, "zerodesk.key"))
	if err != nil {
		t.Fatal(err)
	}
	mailDir := filepath.Join(dir, "mail")
	app, err := handlers.Build(context.Background(), handlers.Wiring{DB: db, Secret: secret,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Sender: mail.FileSink{Dir: mailDir},
		PortalURL: "http://example.com", Hasher: crypt.NewHasher(testsupport.TinyArgon, 0)})
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	s := &pagesSite{app: app, db: db, h: app.Handlers.Echo(), mail: mailDir}
	t.Cleanup(s.close)
	return s
}

func (s *pagesSite) close() {
	if s.app == nil {
		return
	}
	s.app.Tickets.Close()
	s.app.Audit.Close()
	s.db.Close()
	s.app = nil
}

// do sends r through the whole middleware chain, from one client address.
func (s *pagesSite) do(r *http.Request, cookie string) *httptest.ResponseRecorder {
	r.RemoteAddr = "198.51.100.7:40000"
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, r)
	return w
}

// post sends a same-origin form post, as a browser would, with a session
// cookie when cookie is not empty.
func (s *pagesSite) post(path string, form url.Values, cookie string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Origin", "http://example.com")
	return s.do(r, cookie)
}

var tokenInput = regexp.MustCompile(`<input type="hidden" name="token" value="([^"]+)"`)

var hiddenInput = regexp.MustCompile(`<input[^>]*name="(usercode|oneclick)"[^>]*value="([^"]*)"|<input[^>]*value="([^"]*)"[^>]*name="(usercode|oneclick)"`)

// activate runs an account's first login with 1-Click, through HTTP, and
// returns its session cookie ("zd=…").
func (s *pagesSite) activate(t *testing.T, usercode string) string {
	t.Helper()
	return s.firstLogin(t, usercode, true)
}

// firstLogin runs an account's first login through HTTP and returns its
// session: with 1-Click its cookie ("zd=…"), without it the token its
// pages' forms carry ("token=…").
func (s *pagesSite) firstLogin(t *testing.T, usercode string, oneClick bool) string {
	t.Helper()
	step1 := url.Values{"usercode": {usercode}}
	if oneClick {
		step1.Set("oneclick", "on")
	}
	w := s.post("/en/login/user", step1, "")
	if w.Code != http.StatusOK {
		t.Fatalf("login step 1: %d\n%s", w.Code, w.Body)
	}
	form := url.Values{"password": {"violet harbour kettle 47 sings"}, "phrase": {"cobalt lantern hums"}}
	for _, m := range hiddenInput.FindAllStringSubmatch(w.Body.String(), -1) {
		if m[1] != "" {
			form.Set(m[1], m[2])
		} else {
			form.Set(m[4], m[3])
		}
	}
	w = s.post("/en/login/user/activate", form, "")
	if !oneClick {
		if m := tokenInput.FindStringSubmatch(w.Body.String()); m != nil && len(w.Result().Cookies()) == 0 {
			return "token=" + m[1]
		}
		t.Fatalf("no session token after the first login without 1-Click (%d)\n%s", w.Code, w.Body)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == "zd" && c.Value != "" {
			return c.Name + "=" + c.Value
		}
	}
	t.Fatalf("no session cookie after the first login (%d)\n%s", w.Code, w.Body)
	return ""
}

// session is the account's session of a cookie ("zd=…") or form token
// ("token=…").
func (s *pagesSite) session(t *testing.T, cookie string) *accounts.Session {
	t.Helper()
	_, token, _ := strings.Cut(cookie, "=")
	sess, err := s.app.Accounts.Session(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return sess
}

// staff creates an account of role from the CLI's path and signs it in.
func (s *pagesSite) staff(t *testing.T, role accounts.Role, name, email string) string {
	t.Helper()
	code, err := s.app.Accounts.CreateStaff(context.Background(), role, name, email)
	if err != nil {
		t.Fatal(err)
	}
	return s.activate(t, string(code))
}

var usercodeInMail = regexp.MustCompile(`\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b`)

// mailedUsercode delivers the outbox and returns the usercode of the newest
// mail to email.
func (s *pagesSite) mailedUsercode(t *testing.T, email string) string {
	t.Helper()
	if _, err := s.app.Outbox.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	files := testsupport.MailFiles(t, s.mail)
	for i := len(files) - 1; i >= 0; i-- {
		raw := files[i]
		if strings.Contains(string(raw), email) {
			if m := usercodeInMail.FindString(string(raw)); m != "" {
				return m
			}
		}
	}
	t.Fatalf("no usercode mailed to %s", email)
	return ""
}

// roundTrip is what the load made: the sessions and the addresses of what
// the pages show.
type roundTrip struct {
	customer, manager, agent, editor, admin  string // session cookies
	member, formAgent                        string // sessions without 1-Click: "token=…"
	guestRef, guestKey, userRef, articleSlug string
	draftID, publishedID                     int64
	category                                 kb.Category
	guestFile, userFile                      int64 // attachments' ids
	fieldID                                  int64 // the custom field on billing
}

var pngPixel = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

// loadRoundTrip fills the installation through the services and the login
// pages: the demo, accounts of every role, a manager with a member, a
// category, a published article with a translation, an editor's draft,
// tickets of guests and of a signed-in user with replies, an attachment,
// tags, a custom field and its value.
func loadRoundTrip(t *testing.T, s *pagesSite) roundTrip {
	t.Helper()
	ctx := context.Background()
	var rt roundTrip
	if _, err := s.app.KB.SeedIfEmpty(ctx, data.Demo()); err != nil {
		t.Fatal(err)
	}
	rt.admin = s.staff(t, accounts.Admin, "Ada Admin", "ada@example.org")
	rt.agent = s.staff(t, accounts.Agent, "Abe Agent", "abe@example.org")
	rt.editor = s.staff(t, accounts.Editor, "Eda Editor", "eda@example.org")
	rt.manager = s.staff(t, accounts.Manager, "Max Manager", "max@example.org")
	if _, err := s.app.Accounts.AddMember(ctx, s.session(t, rt.manager),
		accounts.NewMember{Name: "Mia Member", Email: "mia@example.org", Lang: "de", Type: accounts.Basic}); err != nil {
		t.Fatal(err)
	}
	if err := s.app.Accounts.Register(ctx, accounts.Registration{Name: "Cy Customer", Email: "cy@example.org",
		Lang: "en", Type: accounts.Basic, Addr: "198.51.100.9"}); err != nil {
		t.Fatal(err)
	}
	rt.customer = s.activate(t, s.mailedUsercode(t, "cy@example.org"))
	rt.member = s.firstLogin(t, s.mailedUsercode(t, "mia@example.org"), false)
	code, err := s.app.Accounts.CreateStaff(ctx, accounts.Agent, "Ana Agent", "ana@example.org")
	if err != nil {
		t.Fatal(err)
	}
	rt.formAgent = s.firstLogin(t, string(code), false)

	// The knowledge base: a category, an article in it published in
	// English and in French, an editor's draft never published.
	editor := kb.Author{ID: s.session(t, rt.editor).AccountID, Name: "Eda Editor"}
	cat, err := s.app.KB.CreateCategory(ctx, "en", "Receipts and printers", "Everything about the receipt printer.")
	if err != nil {
		t.Fatal(err)
	}
	rt.category = cat
	rev, err := s.app.KB.Create(ctx, editor, kb.Draft{Lang: "en", Title: "Quokka receipt printers", Slug: "quokka-receipt-printers",
		Description: "Set up the quokka printer.", Body: "## Paper\n\nThe quokka printer prints **receipts** on thermal paper.",
		Keywords: "thermal", Category: cat, Position: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.app.KB.Publish(ctx, rev.ArticleID, "en", rev.ID); err != nil {
		t.Fatal(err)
	}
	rt.publishedID, rt.articleSlug = rev.ArticleID, "quokka-receipt-printers"
	fr, err := s.app.KB.SaveTranslation(ctx, editor, rev.ArticleID, 0, kb.Draft{Lang: "fr", Title: "Imprimantes à tickets quokka",
		Slug: "imprimantes-quokka", Description: "Installer l'imprimante quokka.", Body: "## Papier\n\nL'imprimante quokka imprime des tickets."}, rev.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.app.KB.Publish(ctx, rev.ArticleID, "fr", fr.ID); err != nil {
		t.Fatal(err)
	}
	draft, err := s.app.KB.Create(ctx, editor, kb.Draft{Lang: "en", Title: "Unfinished: the quokka firmware", Description: "Not yet.",
		Body: "Work in progress.", Category: kb.HowTo, Position: 9})
	if err != nil {
		t.Fatal(err)
	}
	rt.draftID = draft.ArticleID

	// The desk: a custom field on billing, tickets of guests and of the
	// customer, replies both ways, an attachment, tags, a note, a status.
	admin := tickets.Viewer{Session: s.session(t, rt.admin)}
	agent := tickets.Viewer{Session: s.session(t, rt.agent)}
	fieldID, err := s.app.Tickets.SaveField(ctx, admin, tickets.Field{Topic: "billing", Kind: tickets.FieldText,
		Labels: map[string]string{"en": "Order number", "fr": "Numéro de commande"}, Position: 1})
	if err != nil {
		t.Fatal(err)
	}
	topics := []string{"account", "login", "billing", "security", "other"}
	for i := range 24 { // more than a desk page (20)
		sub := tickets.Submission{Lang: "en", Name: "Guest " + strconv.Itoa(i), Email: "g" + strconv.Itoa(i) + "@example.org",
			Topic: topics[i%len(topics)], Subject: "Guest question " + strconv.Itoa(i), Body: "Hello, question " + strconv.Itoa(i) + ".",
			Address: "203.0.113." + strconv.Itoa(i), FormID: "rt-" + strconv.Itoa(i)}
		if sub.Topic == "billing" {
			sub.Fields = map[int64]string{fieldID: "ORD-" + strconv.Itoa(100+i)}
		}
		if i == 0 {
			sub.Attachments = []tickets.Upload{{Name: "pixel.png", Data: pngPixel}}
		}
		rc, err := s.app.Tickets.Submit(ctx, sub)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			rt.guestRef, rt.guestKey = rc.Reference, rc.AccessKey
		}
	}
	rc, err := s.app.Tickets.Submit(ctx, tickets.Submission{Lang: "en", Session: s.session(t, rt.customer), Topic: "billing",
		Subject: "My invoice is wrong", Body: "The invoice of May counts two printers.", Address: "203.0.113.50", FormID: "rt-user",
		Fields: map[int64]string{fieldID: "ORD-7"}})
	if err != nil {
		t.Fatal(err)
	}
	rt.userRef, rt.fieldID = rc.Reference, fieldID
	for _, ref := range []string{rt.guestRef, rt.userRef} {
		if err := s.app.Tickets.Reply(ctx, agent, ref, tickets.Reply{Body: "Thank you, we are looking into it.", FormID: "a-" + ref}); err != nil {
			t.Fatal(err)
		}
		if err := s.app.Tickets.AddTags(ctx, agent, ref, []string{"printer", "invoice"}); err != nil {
			t.Fatal(err)
		}
		if err := s.app.Tickets.Note(ctx, agent, ref, "Checked the order."); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.app.Tickets.Reply(ctx, tickets.Viewer{Session: s.session(t, rt.customer)}, rt.userRef,
		tickets.Reply{Body: "Here is the invoice number: 42.", FormID: "c-1", Files: []tickets.Upload{{Name: "invoice.png", Data: pngPixel}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.app.Tickets.Reply(ctx, tickets.Viewer{Reference: rt.guestRef, AccessKey: rt.guestKey, Address: "203.0.113.0"}, rt.guestRef,
		tickets.Reply{Body: "And a second question.", FormID: "g-1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.app.Tickets.SetStatus(ctx, agent, rt.userRef, tickets.StatusPending); err != nil {
		t.Fatal(err)
	}
	for _, a := range []struct {
		ref string
		id  *int64
	}{{rt.guestRef, &rt.guestFile}, {rt.userRef, &rt.userFile}} {
		tk, err := s.app.Tickets.Open(ctx, agent, a.ref)
		if err != nil {
			t.Fatal(err)
		}
		if *a.id = firstAttachment(tk); *a.id == 0 {
			t.Fatalf("%s: no attachment", a.ref)
		}
	}
	return rt
}

// pageFetch is one page and the session it is fetched with: a cookie
// ("zd=…", GET), or a form token ("token=…": POST, as the pages' forms of
// a session without 1-Click send it).
type pageFetch struct {
	path, cookie string
}

func (rt roundTrip) pages() []pageFetch {
	var list []pageFetch
	for _, lang := range []string{"en", "es", "fr", "de", "pt-BR", "zh-Hans", "ja", "ar"} {
		list = append(list, pageFetch{"/" + lang + "/", ""})
	}
	key := url.Values{"key": {rt.guestKey}}.Encode()
	id, draft := strconv.FormatInt(rt.publishedID, 10), strconv.FormatInt(rt.draftID, 10)
	for _, p := range []string{
		"/robots.txt", "/sitemap.xml",
		"/en/articles/" + rt.articleSlug, "/fr/articles/imprimantes-quokka",
		"/en/sections", "/en/sections/" + string(rt.category), "/en/sections/howto",
		"/en/search?q=quokka", "/en/search?q=quokkka+reciepts", "/fr/search?q=imprimante", "/en/search?q=nothingmatcheszz",
		"/ja/search?" + url.Values{"q": {"ログイン"}}.Encode(), "/zh-Hans/search?" + url.Values{"q": {"登录"}}.Encode(),
		"/ar/search?" + url.Values{"q": {"التصيد"}}.Encode(), "/de/search?q=melde",
		// Searches whose results score close together, in the same order on
		// both engines (issue 15: PostgreSQL ranks with FTS5's bm25 too,
		// internal/kb/rank.go); under ts_rank_cd these changed places.
		"/es/search?q=cuenta", "/es/search?" + url.Values{"q": {"contraseña"}}.Encode(),
		"/en/search?q=password", "/en/search?q=password&page=2", "/en/search?q=account", "/en/search?q=login",
		"/en/search?q=zerodesk", "/en/search?q=zerodesk&page=2", "/en/support/suggest?q=quokka+printer",
		"/en/feed.atom", "/fr/feed.atom", "/fr/sections/" + string(rt.category),
		"/en/support", "/en/login", "/en/register",
		"/en/support/tickets/" + rt.guestRef + "?" + key,
	} {
		list = append(list, pageFetch{p, ""})
	}
	for _, p := range []string{"/en/account", "/en/support/tickets/" + rt.userRef, "/en/support",
		"/en/support/tickets/" + rt.userRef + "/attachments/" + strconv.FormatInt(rt.userFile, 10)} {
		list = append(list, pageFetch{p, rt.customer})
	}
	list = append(list, pageFetch{"/en/account/members", rt.manager}, pageFetch{"/en/account", rt.manager}, pageFetch{"/de/account", rt.member},
		pageFetch{"/en/desk", rt.formAgent}, pageFetch{"/en/desk/tickets/" + rt.userRef, rt.formAgent})
	for _, p := range []string{"/en/desk", "/en/desk?status=pending", "/en/desk/tickets/" + rt.userRef, "/en/desk/tickets/" + rt.guestRef,
		"/en/desk/tickets/" + rt.guestRef + "/files/" + strconv.FormatInt(rt.guestFile, 10), "/ar/desk", "/fr/desk/tickets/" + rt.userRef,
		"/en/desk?page=2", "/en/desk?sort=updated", "/en/desk?sort=updated&page=2", "/en/desk?q=invoice", "/en/desk?tag=printer",
		"/en/desk?topic=billing", "/en/desk?field=f" + strconv.FormatInt(rt.fieldID, 10) + "&field_value=ORD-7", "/en/desk?priority=normal&status=new",
		"/en/desk/poll?n=0&seen=0&v=0", "/en/desk/notifications", "/en/editor/drafts"} {
		list = append(list, pageFetch{p, rt.agent})
	}
	for _, p := range []string{"/en/editor", "/en/editor/articles", "/en/editor/articles/" + draft + "/en",
		"/en/editor/articles/" + id + "/en/history", "/en/editor/translations", "/en/editor/articles/" + id + "/fr/translate",
		"/en/editor/categories", "/en/editor/category/" + string(rt.category), "/en/editor/files", "/en/editor/readers", "/en/editor/searches"} {
		list = append(list, pageFetch{p, rt.editor})
	}
	for _, p := range []string{"/en/desk/staff", "/en/desk/audit", "/en/desk/audit/export", "/en/desk/reports", "/en/desk/reports/export",
		"/en/desk/reports?by=topic", "/en/desk/reports?by=agent", "/en/desk/reports/export?by=topic", "/en/desk/audit?action=ticket.tagged",
		"/en/desk/sla", "/en/desk/fields", "/en/desk/topics", "/en/desk/outbox", "/en/desk/managers", "/en/desk/canned"} {
		list = append(list, pageFetch{p, rt.admin})
	}
	return list
}

// shows is a text of the load the page at path must show (on SQLite; the
// comparison carries it to PostgreSQL), so that two equally empty pages
// cannot pass.
func (rt roundTrip) shows(path string) string {
	return map[string]string{
		"/en/articles/" + rt.articleSlug:                      "The quokka printer prints",
		"/fr/articles/imprimantes-quokka":                     "imprime des tickets",
		"/en/sections/" + string(rt.category):                 "Quokka receipt printers",
		"/en/search?q=quokka":                                 "Quokka receipt printers",
		"/en/search?q=quokkka+reciepts":                       "Quokka receipt printers",
		"/fr/search?q=imprimante":                             "Imprimantes à tickets quokka",
		"/en/support/tickets/" + rt.userRef:                   "Thank you, we are looking into it.",
		"/en/account/members":                                 "Mia Member",
		"/en/desk":                                            "Guest question 11",
		"/en/desk?status=pending":                             "My invoice is wrong",
		"/en/desk/tickets/" + rt.userRef:                      "ORD-7",
		"/en/desk/tickets/" + rt.guestRef:                     "pixel.png",
		"/en/editor/articles":                                 "Unfinished: the quokka firmware",
		"/en/editor/category/" + string(rt.category):          "Everything about the receipt printer.",
		"/en/desk/staff":                                      "Abe Agent",
		"/en/desk/audit":                                      "ticket.tagged",
		"/en/desk/fields":                                     "Order number",
		"/de/search?q=melde":                                  "Wie melde ich mich an?",
		"/es/search?q=cuenta":                                 "Diseño de seguridad",
		"/en/search?q=password":                               "password",
		"/sitemap.xml":                                        "quokka-receipt-printers",
		"/ja/search?" + url.Values{"q": {"ログイン"}}.Encode():    "ログインするにはどうすればよいですか",
		"/zh-Hans/search?" + url.Values{"q": {"登录"}}.Encode(): "如何登录",
		"/ar/search?" + url.Values{"q": {"التصيد"}}.Encode():  "ما عبارة مكافحة التصيد",
		"/en/support/tickets/" + rt.guestRef + "?" + url.Values{"key": {rt.guestKey}}.Encode(): "And a second question.",
	}[path]
}

func firstAttachment(tk *tickets.Ticket) int64 {
	for _, m := range tk.Messages {
		for _, a := range m.Attachments {
			return a.ID
		}
	}
	return 0
}

// fetched is a page's answer as the comparison sees it.
type fetched struct {
	status int
	ctype  string
	body   string
}

func fetchAll(s *pagesSite, list []pageFetch) []fetched {
	out := make([]fetched, len(list))
	for i, p := range list {
		var w *httptest.ResponseRecorder
		if token, ok := strings.CutPrefix(p.cookie, "token="); ok {
			w = s.post(p.path, url.Values{"token": {token}}, "")
		} else {
			w = s.do(httptest.NewRequest(http.MethodGet, p.path, nil), p.cookie)
		}
		out[i] = fetched{w.Code, w.Header().Get("Content-Type"), w.Body.String()}
	}
	return out
}

// What legitimately differs between two renders of the same state, and is
// replaced before the comparison (nothing else is):
//   - the forms' nonces (form_id): fresh random per render, so that a
//     replayed submission is recognised;
//   - the phrases offered on My account (password and phrase forms): a
//     fresh random suggestion per render, like a nonce;
//   - the desk's poll version (?v=): the ticket service's in-memory change
//     counter, seeded with the clock when the service starts
//     (tickets.Service.Version), not data;
//   - the times the requests themselves write (the audit log's "opened a
//     ticket" entries, in the page and in its CSV export): rendered seconds
//     apart on the two engines. Only times inside the window of the
//     fetches are replaced: every time the load and the copy made, and
//     every deadline, is compared as it is;
//   - the spans from now to a deadline the desk shows beside it ("Due in 7
//     hours", "8 h 0 min of working time left", in every language, from the
//     message files): a minute may turn between the two renders. The
//     deadline itself (its <time datetime>) is kept.
//
// No CSRF token or CSP nonce appears in these pages' bodies (the forms use
// the same-origin check; the session token rides in the cookie), and the
// assets' hashed names come from the same binary on both sides.
var pageNormalisers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`<label class="choice-line"><input type="radio" name="phrase" value="[^"]*"( checked)? required> [^<]*</label>`),
		`<label class="choice-line"><input type="radio" name="phrase" value="P"$1 required> P</label>`},
	{regexp.MustCompile(`name="form_id" value="[A-Z0-9]*"`), `name="form_id" value="N"`},
	{regexp.MustCompile(`(/desk/poll\?[^"]*v=)\d+`), "${1}V"},
}

// spanMessages are the messages that show a span from now.
var spanMessages = []string{"desk.due.in", "desk.due.overdue", "sla.queue.left", "sla.queue.over"}

// spansFromNow matches spanMessages as rendered in every language, whatever
// the span.
var spansFromNow = sync.OnceValue(func() []*regexp.Regexp {
	cat, err := locales.Load()
	if err != nil {
		panic(err)
	}
	var out []*regexp.Regexp
	for _, lang := range cat.Languages() {
		for _, id := range spanMessages {
			before, after, ok := strings.Cut(cat.Text(lang, id, map[string]string{"Span": "\x00"}), "\x00")
			if !ok {
				panic(lang + " " + id + ": no span in the message")
			}
			span := `[^<]*`
			if after != "" {
				span += `?`
			}
			out = append(out, regexp.MustCompile(regexp.QuoteMeta(html.EscapeString(before))+span+regexp.QuoteMeta(html.EscapeString(after))))
		}
	}
	return out
})

var (
	isoTime     = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)
	timeElement = regexp.MustCompile(`<time [^>]*datetime="(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"[^>]*>[^<]*</time>`)
)

// normalisePage applies pageNormalisers, and replaces the times from since
// to until (the requests' own writes) with RENDER-TIME.
func normalisePage(body string, since, until time.Time) string {
	for _, n := range pageNormalisers {
		body = n.re.ReplaceAllString(body, n.with)
	}
	for _, re := range spansFromNow() {
		body = re.ReplaceAllString(body, "SPAN-FROM-NOW")
	}
	since = since.UTC()
	during := func(s string) bool {
		at, err := time.Parse(time.RFC3339, s)
		return err == nil && !at.Before(since) && !at.After(until)
	}
	body = timeElement.ReplaceAllStringFunc(body, func(el string) string {
		if during(timeElement.FindStringSubmatch(el)[1]) {
			return "<time>RENDER-TIME</time>"
		}
		return el
	})
	return isoTime.ReplaceAllStringFunc(body, func(s string) string {
		if during(s) {
			return "RENDER-TIME"
		}
		return s
	})
}

// TestCopy_EveryPageWorksAfterTheCopy: an installation with the demo and a
// load of every kind (tickets of guests and users with replies, an
// attachment, tags and a custom field; accounts of every role, a manager
// with a member; a category, a published article with a translation, a
// draft) is copied to PostgreSQL; every page, fetched with the sessions it
// needs, answers the same status and the same content on the copy as on
// the SQLite file it came from.
//
// Both engines serve the same state: the copy is made from the file before
// the SQLite side serves, and the same requests in the same order then run
// on each. Serving first and copying after would not compare like with
// like, since fetching pages writes (the audit log records a desk ticket's
// reading). The sessions are the ones the load signed in on SQLite (scs
// keeps them in the database): the copy carries them, and the same cookies
// open the same pages on PostgreSQL.
func TestCopy_EveryPageWorksAfterTheCopy(t *testing.T) {
	needPostgres(t)
	t.Setenv("ZERODESK_SECRET", "")
	start := time.Now()
	dir := t.TempDir()
	src := openPagesSite(t, dir, "")
	rt := loadRoundTrip(t, src)
	src.close()
	loaded := time.Now()

	to := testengine.Database(t, "", nil)
	if out, err := runCopy(dir, to); err != nil {
		t.Fatalf("copy: %v\n%s", err, out)
	}
	copied := time.Now()
	list := rt.pages()
	// The requests' own writes are stamped from the next whole second on;
	// the load's and the copy's, before it (stored times are in seconds).
	// Both renders on one UTC day: the reports' default range is the last
	// 30 days up to today.
	fetching := copied.Truncate(time.Second).Add(time.Second)
	if midnight := copied.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour); midnight.Sub(fetching) < 30*time.Second {
		fetching = midnight.Add(time.Second)
	}
	time.Sleep(time.Until(fetching))

	before := openPagesSite(t, dir, "")
	want := fetchAll(before, list)
	before.close()
	after := openPagesSite(t, dir, to)
	got := fetchAll(after, list)
	done := time.Now()
	after.close()
	t.Logf("load %v, copy %v, %d pages on both engines %v", loaded.Sub(start).Round(time.Millisecond),
		copied.Sub(loaded).Round(time.Millisecond), len(list), time.Since(copied).Round(time.Millisecond))

	for i, p := range list {
		w, g := want[i], got[i]
		if w.status != http.StatusOK {
			t.Errorf("%s: %d on SQLite before the copy: every page of the list must work", p.path, w.status)
			continue
		}
		if want := rt.shows(p.path); want != "" && !strings.Contains(w.body, want) {
			t.Errorf("%s: the page lacks %q on SQLite: the load did not reach it", p.path, want)
		}
		if g.status != w.status || g.ctype != w.ctype {
			t.Errorf("%s: %d %s on SQLite, %d %s on PostgreSQL", p.path, w.status, w.ctype, g.status, g.ctype)
			continue
		}
		w.body, g.body = normalisePage(w.body, fetching, done), normalisePage(g.body, fetching, done)
		if g.body != w.body {
			t.Errorf("%s: the content differs after the copy:\n%s", p.path, firstDifference(w.body, g.body))
		}
	}
}

// firstDifference shows where a and b part, with some context.
func firstDifference(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-200)
	return fmt.Sprintf("SQLite:     …%s…\nPostgreSQL: …%s…", a[from:min(len(a), i+200)], b[from:min(len(b), i+200)])
}
