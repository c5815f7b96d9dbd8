package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"zerodesk/internal/accounts"
	"zerodesk/internal/tickets"
)

// notifyBenchAgents signs in n agents through the accounts service (1-Click
// cookies), has each enter the desk, and gives each 1,000 notifications, a
// tenth of them unread: a busy desk's notifications table (n × 1,000 rows).
func notifyBenchAgents(b *testing.B, a *testApp, n int) []string {
	b.Helper()
	ctx := context.Background()
	rc, err := a.h.Tickets.Submit(ctx, tickets.Submission{Lang: "en", Name: "Bench Guest", Email: "bench@example.org",
		Topic: "billing", Subject: "Bench", Body: "Bench body.", Address: "203.0.113.9"})
	if err != nil {
		b.Fatal(err)
	}
	cookies := make([]string, n)
	for i := range n {
		email := "agent" + strconv.Itoa(i) + "@staff.example"
		code, err := a.accounts.CreateStaff(ctx, accounts.Agent, "Agent "+strconv.Itoa(i), email)
		if err != nil {
			b.Fatal(err)
		}
		l, err := a.accounts.Activate(ctx, accounts.FirstLogin{Credentials: accounts.Credentials{Usercode: string(code),
			Password: "cobalt lantern hums " + strconv.Itoa(i), Addr: "192.0.2." + strconv.Itoa(i%250)}, Phrase: "copper heron drifts"})
		if err != nil {
			b.Fatal(err)
		}
		cookies[i] = sessionCookie + "=" + l.Token
		w := a.get(b, "/en/desk", "Cookie", cookies[i])
		if w.Code != http.StatusOK {
			b.Fatalf("agent %d at the desk: %d", i, w.Code)
		}
		if _, err := a.db.Write.Exec(`WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < 1000)
			INSERT INTO notifications (agent_id, kind, ticket_id, created_at, read_at)
			SELECT $1, 'customer_reply', $2, x, CASE WHEN x % 10 = 0 THEN 0 ELSE x END FROM k`, l.AccountID, rc.ID); err != nil {
			b.Fatal(err)
		}
	}
	return cookies
}

// BenchmarkDeskNotifyPoll is the queue's poll of 50 agents in turn, each
// with 1,000 notifications (100 unread), when nothing changed: the session
// peeked, the unread count read (index-only), 204. "without count" is the
// same poll without the notifications (Notify nil): the count's own cost.
// BenchmarkDeskNotifyPoll/queue is one agent's queue page (kept, 1-Click):
// the desk's throughput the polls are weighed against (bench/RESULTS.md).
func BenchmarkDeskNotifyPoll(b *testing.B) {
	a := newTestApp(b)
	a.h.DeskLimit = 1 << 30
	a.e = a.h.Echo()
	cookies := notifyBenchAgents(b, a, 50)
	version := strconv.FormatInt(a.h.Tickets.Version(), 10)
	poll := func(b *testing.B, unread string) {
		reqs := make([]*http.Request, len(cookies))
		for i, c := range cookies {
			r := httptest.NewRequest(http.MethodGet, "/en/desk/poll?v="+version+"&n="+unread, nil)
			r.Header.Set("Cookie", c)
			r.Header.Set("HX-Request", "true")
			r.RemoteAddr = "198.51.100.7:40000"
			reqs[i] = r
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			w := httptest.NewRecorder()
			a.e.ServeHTTP(w, reqs[i%len(reqs)])
			if w.Code != http.StatusNoContent {
				b.Fatalf("poll: %d %s", w.Code, w.Body.String())
			}
			i++
		}
	}
	b.Run("with count", func(b *testing.B) { poll(b, "100") })
	b.Run("without count", func(b *testing.B) {
		n := a.h.Notify
		a.h.Notify = nil
		defer func() { a.h.Notify = n }()
		poll(b, "0")
	})
	b.Run("queue", func(b *testing.B) {
		r := httptest.NewRequest(http.MethodGet, "/en/desk", nil)
		r.Header.Set("Cookie", cookies[0])
		r.RemoteAddr = "198.51.100.7:40000"
		b.ReportAllocs()
		for b.Loop() {
			w := httptest.NewRecorder()
			a.e.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Fatalf("queue: %d", w.Code)
			}
		}
	})
}
