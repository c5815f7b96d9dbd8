package handlers

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"zerodesk/internal/accounts"
	"zerodesk/internal/store"
	"zerodesk/internal/tickets"
)

// TestDeskLoadSeed prepares the data directory of the queue's load benchmark
// (bench/run.sh, DESK=1) when ZD_DESK_SEED names a directory; without it,
// it seeds 60 tickets in a temporary directory and checks them. It writes a
// database and key file holding ZD_DESK_TICKETS tickets [100,000], sent through the service as guests send them (sealed, indexed,
// counted), a tenth of them urgent and a tenth open, and an agent signed in
// with 1-Click, whose session token it writes to ZD_DESK_SEED/token for wrk's
// Cookie header. `zerodesk serve --data ZD_DESK_SEED` then serves them.
func TestDeskLoadSeed(t *testing.T) {
	t.Parallel()
	dir := os.Getenv("ZD_DESK_SEED")
	n := 100_000
	bench := dir != "" // the data directory of `zerodesk serve --data`: a SQLite file
	if !bench {        // every test run seeds a few (on the run's engine), so the seeding the benchmark relies on is checked
		dir, n = t.TempDir(), 60
	}
	if s := os.Getenv("ZD_DESK_TICKETS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	limits := tickets.Limits{PerAddress: 1 << 30, PerEmail: 1 << 30}
	var a *testApp
	if bench {
		a = wireTestApp(t, dir, openAppStore(t, filepath.Join(dir, "zerodesk.db")), limits)
	} else {
		a = openTestApp(t, dir, limits)
	}
	db, tix := a.db, a.tickets
	agent := signInStaff(t, a, accounts.Agent, "Load Agent", "load@desk.example", true)
	wantStatus(t, agent.open(t, "/en/desk", nil), http.StatusOK) // enters the desk: named, listed

	// A custom field (issue 14) the billing tickets answer: Windows, macOS
	// or (one in a hundred) Linux; its key for wrk's ?field=.
	admin := signInStaff(t, a, accounts.Admin, "Load Admin", "load-admin@desk.example", true)
	fieldID, err := tix.SaveField(ctx, tickets.Viewer{Session: admin.session(t)}, tickets.Field{Topic: "billing", Kind: tickets.FieldChoice,
		Labels: map[string]string{"en": "System"}, Options: []string{"Windows", "macOS", "Linux"}})
	if err != nil {
		t.Fatal(err)
	}
	systems := []string{"Windows", "macOS", "Windows"}
	topics := []string{"account", "login", "billing", "security", "other"}
	words := []string{"invoice", "password", "login", "printer", "refund", "upgrade", "crash", "export", "mobile", "sync"}
	viewer := tickets.Viewer{Session: agent.session(t)}
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, 32)
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				subject := "Question about " + words[i%len(words)] + " and " + words[(i/7)%len(words)]
				var fields map[int64]string
				if topics[i%len(topics)] == "billing" {
					fields = map[int64]string{fieldID: systems[(i/5)%len(systems)]}
					if i%100 == 2 {
						fields[fieldID] = "Linux"
					}
				}
				rc, err := tix.Submit(ctx, tickets.Submission{Lang: "en", Name: "Customer " + strconv.Itoa(i),
					Email: "c" + strconv.Itoa(i%20000) + "@example.org", Topic: topics[i%len(topics)], Subject: subject,
					Body: "Hello, I have a question about " + words[(i/3)%len(words)] + ".", Address: "198.51.100." + strconv.Itoa(i%250),
					FormID: "seed-" + strconv.Itoa(i), Fields: fields})
				if err == nil && i%10 == 3 {
					err = tix.SetPriority(ctx, viewer, rc.Reference, tickets.PriorityUrgent)
				}
				if err == nil && i%10 == 5 {
					err = tix.SetStatus(ctx, viewer, rc.Reference, tickets.StatusOpen)
				}
				// Tags (issue 14): vip on a tenth, refund on one in a hundred.
				if err == nil && i%10 == 7 {
					err = tix.AddTags(ctx, viewer, rc.Reference, []string{"vip"})
				}
				if err == nil && i%100 == 11 {
					err = tix.AddTags(ctx, viewer, rc.Reference, []string{"refund"})
				}
				if err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	// The guests' confirmations would keep the served process busy writing
	// .eml files while it is measured: these customers do not exist.
	if _, err := db.Write.Exec(`DELETE FROM mail_outbox`); err != nil {
		t.Fatal(err)
	}
	if db.Engine == store.SQLite {
		if _, err := db.Write.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			t.Fatal(err)
		}
	}
	token := strings.TrimPrefix(agent.cookie, sessionCookie+"=")
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	// A saved view the team shares (issue 14): vip tickets, most recently
	// changed first, fewer columns; its id for wrk's ?view=.
	view, err := tix.SaveView(ctx, viewer, tickets.SavedView{Name: "VIP by last change", Shared: true,
		Settings: tickets.ViewSettings{Tag: "vip", Sort: tickets.SortUpdated, Columns: []string{"customer", "tags", "due"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "view"), []byte(strconv.FormatInt(view, 10)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "field"), []byte("f"+strconv.FormatInt(fieldID, 10)), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %d tickets in %s (%.0f/s)", n, time.Since(start).Round(time.Second), float64(n)/time.Since(start).Seconds())
	// What wrk will ask for: the agent's queue holds every seeded ticket.
	w := agent.open(t, "/en/desk", nil)
	wantStatus(t, w, http.StatusOK)
	// The total is written the language's way ("100,000 tickets"): the
	// check writes n the same way, or it fails from 1,000 tickets on.
	catalog, _ := sharedCatalogAndAssets(t)
	wantText(t, doc(t, w).Find("#queue-total"), catalog.Localizer("en").Number(n)+" ")
	w = agent.open(t, "/en/desk", url.Values{"view": {strconv.FormatInt(view, 10)}})
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("#queue-total"), catalog.Localizer("en").Number((n+2)/10)+" ")
	// The field filter finds the one-in-a-hundred Linux tickets.
	w = agent.open(t, "/en/desk", url.Values{"field": {"f" + strconv.FormatInt(fieldID, 10)}, "field_value": {"Linux"}})
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("#queue-total"), catalog.Localizer("en").Number((n+97)/100)+" ")
}
