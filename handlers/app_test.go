package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"zerodesk/data"
	"zerodesk/internal/accounts"
	"zerodesk/internal/crypt"
	"zerodesk/internal/kb"
	"zerodesk/internal/mail"
	"zerodesk/internal/store"
	"zerodesk/internal/testsupport"
	"zerodesk/internal/tickets"
	"zerodesk/locales"
	"zerodesk/static"
)

// testApp is the whole portal on a real database of its own with the demo
// content (a temporary SQLite file, or a PostgreSQL database with
// ZERODESK_TEST_ENGINE=postgres: app_engine_test.go), the way `zerodesk
// serve` wires it.
type testApp struct {
	e        *echo.Echo
	h        *Handlers
	kb       *kb.KB
	db       *store.DB
	logs     *testsupport.SyncBuffer
	accounts *accounts.Accounts
	outbox   *mail.Outbox
	mailDir  string // where the outbox writes .eml files
	tickets  *tickets.Service
}

// seeded is a database migrated and loaded with the demo content once per
// test binary; every test app starts from its own copy (seeding ~90 articles
// costs seconds under -race, copying a file does not).
var seeded struct {
	once    sync.Once
	dir     string
	renders atomic.Pointer[kb.RenderSnapshot] // the template's rendered catalog, which every copy starts from
	err     error
}

func seededTemplate(t testing.TB) string {
	t.Helper()
	seeded.once.Do(func() {
		seeded.dir, seeded.err = os.MkdirTemp("", "zerodesk-seeded-")
		if seeded.err != nil {
			return
		}
		ctx := context.Background()
		db, err := store.Open(filepath.Join(seeded.dir, "zerodesk.db"))
		if err != nil {
			seeded.err = err
			return
		}
		defer db.Close()
		if _, err := db.Migrate(ctx, data.Migrations()); err != nil {
			seeded.err = err
			return
		}
		secret, err := crypt.LoadOrCreateKeyFile(filepath.Join(seeded.dir, "zerodesk.key"))
		if err != nil {
			seeded.err = err
			return
		}
		articles, err := kb.New(ctx, db, KBOptions(secret))
		if err != nil {
			seeded.err = err
			return
		}
		if _, err := articles.SeedIfEmpty(ctx, data.Demo()); err != nil {
			seeded.err = err
			return
		}
		seeded.renders.Store(articles.RenderSnapshot())
		// Everything into the main file, so copying it alone is a full copy.
		_, seeded.err = db.Write.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	})
	if seeded.err != nil {
		t.Fatalf("seeding the template database: %v", seeded.err)
	}
	return seeded.dir
}

// shared holds the message catalog and the static assets, loaded once per
// test binary: both are read-only once loaded (a server shares them between
// all its requests), and loading them for each of ~200 test apps cost
// seconds under -race.
var shared struct {
	once    sync.Once
	catalog *locales.Catalog
	assets  *static.Assets
	err     error
}

func sharedCatalogAndAssets(t testing.TB) (*locales.Catalog, *static.Assets) {
	t.Helper()
	shared.once.Do(func() {
		if shared.catalog, shared.err = locales.Load(); shared.err != nil {
			return
		}
		shared.assets, shared.err = static.Load()
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.catalog, shared.assets
}

func removeSeededTemplate() {
	if seeded.dir != "" {
		os.RemoveAll(seeded.dir)
	}
	removeSeededPostgresKey()
}

// openTestApp wires the whole portal, as serve does, on a new empty
// database of the engine the tests run on (SQLite: dir/zerodesk.db) and the
// key file in dir (created when missing), with the given ticket limits.
func openTestApp(t testing.TB, dir string, ticketLimits tickets.Limits) *testApp {
	t.Helper()
	return wireTestApp(t, dir, emptyAppDB(t, dir), ticketLimits)
}

// wireTestApp wires the whole portal, as serve does, on db (migrated here)
// and the key file in dir (created when missing), with the given ticket
// limits (app_engine_test.go opens db on the engine the tests run on).
func wireTestApp(t testing.TB, dir string, db *store.DB, ticketLimits tickets.Limits) *testApp {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Migrate(ctx, data.MigrationsFor(string(db.Engine))); err != nil {
		t.Fatal(err)
	}
	secret, err := crypt.LoadOrCreateKeyFile(filepath.Join(dir, "zerodesk.key"))
	if err != nil {
		t.Fatal(err)
	}
	catalog, assets := sharedCatalogAndAssets(t)
	logs := &testsupport.SyncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	mailDir := filepath.Join(dir, "mail")
	app, err := Build(ctx, Wiring{DB: db, Secret: secret, Log: log, Catalog: catalog, Assets: assets,
		Sender: mail.FileSink{Dir: mailDir}, PortalURL: "http://example.com",
		Hasher: crypt.NewHasher(testsupport.TinyArgon, 0), TicketLimits: ticketLimits,
		Renders: seededRenders(db.Engine)}) // nil before any seeding
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Tickets.Close)
	t.Cleanup(app.Audit.Close)
	h, articles, accts, outbox, tix := app.Handlers, app.KB, app.Accounts, app.Outbox, app.Tickets
	return &testApp{e: h.Echo(), h: h, kb: articles, db: db, logs: logs, accounts: accts, outbox: outbox, mailDir: mailDir, tickets: tix}
}

// do sends a request through the whole middleware chain.
func (a *testApp) do(t testing.TB, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	if r.RemoteAddr == "" || r.RemoteAddr == "192.0.2.1:1234" {
		r.RemoteAddr = "198.51.100.7:40000"
	}
	w := httptest.NewRecorder()
	a.e.ServeHTTP(w, r)
	return w
}

// get fetches path with optional header pairs ("HX-Request", "true").
func (a *testApp) get(t testing.TB, path string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return a.do(t, r)
}

// post sends a same-origin form post, as a browser would.
func (a *testApp) post(t testing.TB, path string, form url.Values, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Origin", "http://example.com")
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return a.do(t, r)
}

func doc(t testing.TB, w *httptest.ResponseRecorder) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(io.NopCloser(strings.NewReader(w.Body.String())))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func wantStatus(t testing.TB, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status = %d, want %d; body:\n%.600s", w.Code, status, w.Body.String())
	}
}

func wantCount(t testing.TB, d *goquery.Document, selector string, atLeast int) *goquery.Selection {
	t.Helper()
	s := d.Find(selector)
	if s.Length() < atLeast {
		t.Fatalf("%q matched %d elements, want at least %d", selector, s.Length(), atLeast)
	}
	return s
}

func wantText(t testing.TB, s *goquery.Selection, want string) {
	t.Helper()
	if got := strings.Join(strings.Fields(s.Text()), " "); !strings.Contains(got, want) {
		t.Fatalf("text %q does not contain %q", got, want)
	}
}
