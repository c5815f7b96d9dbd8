package notify

import (
	"context"
	"database/sql"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"zerodesk/internal/mail"
	"zerodesk/internal/store"
	"zerodesk/internal/store/storetest"
	"zerodesk/internal/testsupport"
	"zerodesk/internal/testsupport/testmail"
	"zerodesk/locales"
)

type env struct {
	t      *testing.T
	db     *store.DB
	clk    *testsupport.Clock
	box    *testmail.Mailbox
	outbox *mail.Outbox
	svc    *Service
}

// The agents of the tests: 1 Ana, 2 Bo, 3 Cy (entered the desk, with an
// address), 4 Di (never entered: no address).
const ana, bo, cy, di = 1, 2, 3, 4

// catalog is the real message catalog, loaded once per test process (as
// the portal loads it once): a fixture the tests only read.
var catalog = sync.OnceValues(locales.Load)

func newEnv(t *testing.T) *env {
	t.Helper()
	cat, err := catalog()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: storetest.Open(t), clk: testsupport.NewClock(time.Unix(1_800_000_000, 0).UTC()), box: &testmail.Mailbox{}}
	log := slog.New(slog.DiscardHandler)
	if e.outbox, err = mail.NewOutbox(e.db, mail.OutboxOptions{Secret: testsupport.SecretA, Sender: e.box, Now: e.clk.Now, Log: log}); err != nil {
		t.Fatal(err)
	}
	if e.svc, err = New(e.db, testsupport.SecretA, e.outbox, cat, Options{Now: e.clk.Now, PortalURL: "https://desk.example", Log: log}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for id, addr := range map[int64]string{ana: "ana@staff.example", bo: "bo@staff.example", cy: "cy@staff.example"} {
		if err := e.svc.Enter(ctx, id, addr, "en"); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// ticket inserts a bare ticket row (the tickets room is not imported here)
// and returns its id.
func (e *env) ticket(ref, topic string) int64 {
	e.t.Helper()
	var thread, id int64
	err := e.db.Tx(context.Background(), func(tx *sql.Tx) error {
		if err := tx.QueryRow(`INSERT INTO msg_threads (desk_wrapped, meta_sealed, created_at) VALUES ($1, $1, 0) RETURNING id`, []byte{1}).Scan(&thread); err != nil {
			return err
		}
		return tx.QueryRow(`INSERT INTO tickets (reference, thread_id, lang, topic, status, priority, email_lookup, email_sealed,
			created_at, updated_at, first_response_due, resolution_due, next_due) VALUES ($1, $2, 'en', $3, 'new', 'normal', $4, $4, 0, 0, 0, 0, 0)
			RETURNING id`, ref, thread, topic, []byte{2}).Scan(&id)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *env) event(kind Kind, ticket int64, topic string, actor int64, agents ...int64) {
	e.t.Helper()
	err := e.db.Tx(context.Background(), func(tx *sql.Tx) error {
		return e.svc.TicketEvent(context.Background(), tx, string(kind), ticket, topic, actor, agents)
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// told is who has a notification of kind on ticket in the desk.
func (e *env) told(kind Kind, ticket int64) []int64 {
	e.t.Helper()
	rows, err := e.db.Read.Query(`SELECT agent_id FROM notifications WHERE kind = $1 AND ticket_id = $2 ORDER BY agent_id`, string(kind), ticket)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// mailed delivers the outbox and returns the recipients of what it sent.
func (e *env) mailed() []string {
	e.t.Helper()
	if _, err := e.outbox.Deliver(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, m := range e.box.Sent() {
		out = append(out, m.To)
	}
	slices.Sort(out)
	return out
}

func (e *env) follow(agent int64, topics ...string) {
	e.t.Helper()
	p, err := e.svc.Prefs(context.Background(), agent)
	if err != nil {
		e.t.Fatal(err)
	}
	p.Topics = topics
	if err := e.svc.SavePrefs(context.Background(), agent, p); err != nil {
		e.t.Fatal(err)
	}
}

func TestTicketEvent_ReachesExactlyTheAgentsItConcerns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		kind   Kind
		topic  string
		actor  int64
		agents []int64
		want   []int64
	}{
		{"a new ticket tells the topic's followers", NewTicket, "billing", 0, nil, []int64{ana, bo}},
		{"a new ticket in a topic nobody follows tells nobody", NewTicket, "other", 0, nil, nil},
		{"a comment without a topic tells nobody", NewTicket, "", 0, nil, nil},
		{"a customer's reply tells the assignee", CustomerReply, "billing", 0, []int64{cy}, []int64{cy}},
		{"a reply on an unassigned ticket tells nobody", CustomerReply, "billing", 0, []int64{0}, nil},
		{"an assignment tells the assignee", Assigned, "billing", ana, []int64{bo}, []int64{bo}},
		{"assigning oneself tells nobody", Assigned, "billing", bo, []int64{bo}, nil},
		{"a mention tells the mentioned, once each", Mention, "billing", ana, []int64{bo, cy, bo}, []int64{bo, cy}},
		{"mentioning oneself tells nobody", Mention, "billing", ana, []int64{ana}, nil},
		{"an agent without an address is still told in the desk", Assigned, "billing", ana, []int64{di}, []int64{di}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.follow(ana, "billing")
			e.follow(bo, "billing", "tech")
			e.follow(cy, "tech")
			id := e.ticket("ZD-AAAA-BBBB", tc.topic)
			e.event(tc.kind, id, tc.topic, tc.actor, tc.agents...)
			if got := e.told(tc.kind, id); !slices.Equal(got, tc.want) {
				t.Errorf("told %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTicketEvent_RefusesAnUnknownKind(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.ticket("ZD-AAAA-BBBB", "billing")
	err := e.db.Tx(context.Background(), func(tx *sql.Tx) error {
		return e.svc.TicketEvent(context.Background(), tx, "sla_breached", id, "", 0, []int64{ana})
	})
	if err == nil {
		t.Fatal("an SLA kind through TicketEvent was accepted: SLA is its own, idempotent, way")
	}
}

func TestPrefs_ChannelsAreRespected(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		ch         Channels
		desk, mail bool
	}{
		{"both", Channels{Desk: true, Mail: true}, true, true},
		{"desk only", Channels{Desk: true}, true, false},
		{"mail only", Channels{Mail: true}, false, true},
		{"neither", Channels{}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			ctx := context.Background()
			p, _ := e.svc.Prefs(ctx, bo)
			p.Channels[Assigned] = tc.ch
			if err := e.svc.SavePrefs(ctx, bo, p); err != nil {
				t.Fatal(err)
			}
			id := e.ticket("ZD-AAAA-BBBB", "billing")
			e.event(Assigned, id, "billing", ana, bo)
			if got := len(e.told(Assigned, id)) == 1; got != tc.desk {
				t.Errorf("in the desk: %v, want %v", got, tc.desk)
			}
			if got := len(e.mailed()) == 1; got != tc.mail {
				t.Errorf("mailed: %v, want %v", got, tc.mail)
			}
		})
	}
}

func TestPrefs_DefaultsAndTheirSave(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	p, err := e.svc.Prefs(ctx, ana)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Kinds {
		if p.Channels[k] != Defaults[k] {
			t.Errorf("%s: %+v, want the default %+v", k, p.Channels[k], Defaults[k])
		}
	}
	if len(p.Topics) != 0 {
		t.Errorf("follows %v before choosing", p.Topics)
	}
	p.Channels[Mention] = Channels{}
	p.Topics = []string{"tech", "billing"}
	if err := e.svc.SavePrefs(ctx, ana, p); err != nil {
		t.Fatal(err)
	}
	q, _ := e.svc.Prefs(ctx, ana)
	if q.Channels[Mention] != (Channels{}) || q.Channels[Assigned] != Defaults[Assigned] || !slices.Equal(q.Topics, []string{"billing", "tech"}) {
		t.Errorf("saved %+v, read back %+v", p, q)
	}
}

func TestMail_OnePerAgentPerWindowSayingOnlyThatSomethingWaits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	id := e.ticket("ZD-AAAA-BBBB", "billing")
	e.event(Assigned, id, "billing", ana, bo)
	if got := e.mailed(); !slices.Equal(got, []string{"bo@staff.example"}) {
		t.Fatalf("first event mailed %v, want Bo at once", got)
	}
	for range 5 {
		e.clk.Add(30 * time.Second)
		e.event(CustomerReply, id, "billing", 0, bo)
		e.event(Mention, id, "billing", cy, bo)
	}
	if n, _ := e.svc.Flush(ctx); n != 0 || len(e.mailed()) != 1 {
		t.Fatalf("within the window: flushed %d, %d mails in all; want still one", n, e.box.Len())
	}
	if got := len(e.told(CustomerReply, id)) + len(e.told(Mention, id)); got != 10 {
		t.Errorf("the desk lists %d of the 10 events, want all", got)
	}
	e.clk.Add(5 * time.Minute)
	if n, err := e.svc.Flush(ctx); err != nil || n != 1 {
		t.Fatalf("after the window: flushed %d (%v), want the one waiting mail", n, err)
	}
	if n, _ := e.svc.Flush(ctx); n != 0 {
		t.Errorf("a second flush sent %d more", n)
	}
	if got := e.mailed(); len(got) != 2 {
		t.Fatalf("mails %v, want two in all", got)
	}
	m := e.box.Last(t)
	for _, leak := range []string{"ZD-AAAA-BBBB", "billing"} {
		if strings.Contains(m.Subject+m.TextBody, leak) {
			t.Errorf("the mail holds %q:\n%s\n%s", leak, m.Subject, m.TextBody)
		}
	}
	if !strings.Contains(m.TextBody, "https://desk.example/en/desk/notifications") {
		t.Errorf("the mail does not link the desk's list:\n%s", m.TextBody)
	}
	// Nothing waits: a later flush sends nothing, a later event mails at once.
	e.clk.Add(10 * time.Minute)
	if n, _ := e.svc.Flush(ctx); n != 0 {
		t.Errorf("nothing waiting, yet flushed %d", n)
	}
	e.event(Assigned, id, "billing", ana, bo)
	if got := len(e.mailed()); got != 3 {
		t.Errorf("%d mails after a quiet window's event, want 3", got)
	}
}

func TestSLA_TellsOncePerTicketKindAndAgent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	id := e.ticket("ZD-AAAA-BBBB", "billing")
	other := e.ticket("ZD-CCCC-DDDD", "billing")
	for _, tc := range []struct {
		ticket, agent int64
		kind          SLAKind
		want          bool
	}{
		{id, bo, AtRisk, true},
		{id, bo, AtRisk, false},
		{id, bo, Breached, true},
		{id, bo, Breached, false},
		{id, cy, AtRisk, true},
		{other, bo, AtRisk, true},
		{id, 0, Breached, false}, // unassigned: nobody
	} {
		told, err := e.svc.SLA(ctx, tc.ticket, tc.agent, tc.kind)
		if err != nil || told != tc.want {
			t.Errorf("SLA(%d, %d, %s) = %v, %v; want %v", tc.ticket, tc.agent, tc.kind, told, err, tc.want)
		}
	}
	if got := e.told(SLAAtRisk, id); !slices.Equal(got, []int64{bo, cy}) {
		t.Errorf("at risk told %v", got)
	}
	if got := e.told(SLABreached, id); !slices.Equal(got, []int64{bo}) {
		t.Errorf("breached told %v", got)
	}
	if _, err := e.svc.SLA(ctx, id, bo, Kind("assigned")); err == nil {
		t.Error("SLA accepted a kind that is not an SLA's")
	}
}

func TestList_UnreadAndMarkRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	id := e.ticket("ZD-AAAA-BBBB", "billing")
	e.event(Assigned, id, "billing", ana, bo)
	e.event(CustomerReply, id, "billing", 0, bo)
	e.event(Assigned, id, "billing", bo, ana)
	if n, _ := e.svc.Unread(ctx, bo); n != 2 {
		t.Fatalf("Bo's unread: %d, want 2", n)
	}
	list, err := e.svc.List(ctx, bo, 0)
	if err != nil || len(list) != 2 || list[0].Kind != CustomerReply || list[0].Reference != "ZD-AAAA-BBBB" || list[0].Read {
		t.Fatalf("Bo's list: %+v, %v", list, err)
	}
	if err := e.svc.MarkRead(ctx, ana, list[0].ID); err == nil {
		t.Error("Ana marked Bo's notification read")
	}
	if err := e.svc.MarkRead(ctx, bo, list[0].ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.svc.Unread(ctx, bo); n != 1 {
		t.Errorf("after one read: %d unread, want 1", n)
	}
	other := e.ticket("ZD-CCCC-DDDD", "billing")
	e.event(Assigned, other, "billing", ana, bo)
	if n, err := e.svc.MarkTicketRead(ctx, bo, other); err != nil || n != 1 {
		t.Errorf("MarkTicketRead = %d, %v; want the one of that ticket", n, err)
	}
	if n, _ := e.svc.Unread(ctx, bo); n != 1 {
		t.Errorf("after opening the other ticket: %d unread, want 1", n)
	}
	if err := e.svc.MarkAllRead(ctx, bo); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.svc.Unread(ctx, bo); n != 0 {
		t.Errorf("after all read: %d unread", n)
	}
	if n, _ := e.svc.Unread(ctx, ana); n != 1 {
		t.Errorf("Ana's unread changed with Bo's: %d", n)
	}
}

// The poll's count reads the partial index alone, never the table. A SQLite
// test (its query plan), on SQLite in both engines' runs.
func TestUnread_IsAnIndexOnlyCount(t *testing.T) {
	t.Parallel()
	db := storetest.OpenSQLite(t)
	rows, err := db.Read.Query(`EXPLAIN QUERY PLAN `+sqlUnread, int64(1))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if len(plan) != 1 || !strings.Contains(plan[0], "COVERING INDEX notifications_unread") {
		t.Errorf("plan %q, want one covering scan of notifications_unread", plan)
	}
}

// An erased ticket takes its notifications with it.
func TestNotifications_GoWithTheirTicket(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	id := e.ticket("ZD-AAAA-BBBB", "billing")
	e.event(Assigned, id, "billing", ana, bo)
	if _, err := e.svc.SLA(ctx, id, bo, Breached); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Write.Exec(`DELETE FROM tickets WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.svc.Unread(ctx, bo); n != 0 {
		t.Errorf("%d notifications outlive their ticket", n)
	}
}

// A deleted account takes its address, choices and notifications with it.
func TestEraseAccountData_ForgetsTheAgent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	id := e.ticket("ZD-AAAA-BBBB", "billing")
	e.follow(bo, "billing")
	e.event(Assigned, id, "billing", ana, bo)
	e.event(Assigned, id, "billing", bo, ana)
	if _, err := e.svc.SLA(ctx, id, bo, AtRisk); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Tx(ctx, func(tx *sql.Tx) error { return e.svc.EraseAccountData(ctx, tx, bo) }); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"notify_agents", "notify_prefs", "notify_topics", "notifications", "notify_once"} {
		col := "account_id"
		if table == "notifications" || table == "notify_once" {
			col = "agent_id"
		}
		var n int
		if err := e.db.Read.QueryRow(`SELECT count(*) FROM `+table+` WHERE `+col+` = $1`, int64(bo)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s keeps %d rows of the erased agent", table, n)
		}
	}
	if n, _ := e.svc.Unread(ctx, ana); n != 1 {
		t.Errorf("Ana's notification went with Bo's account: %d", n)
	}
}
