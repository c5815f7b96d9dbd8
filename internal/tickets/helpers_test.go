package tickets

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"regexp"
	"sync"
	"testing"
	"time"

	"zerodesk/internal/accounts"
	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
	"zerodesk/internal/mail"
	"zerodesk/internal/store"
	"zerodesk/internal/store/storetest"
	"zerodesk/locales"
)

var (
	secretA, _ = crypt.ParseSecret("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	tinyArgon  = crypt.Argon2Params{Version: crypt.DefaultArgon2.Version, MemoryKiB: 64, Time: 1, Threads: 1}
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type mailbox struct {
	mu   sync.Mutex
	sent []mail.Envelope
}

func (m *mailbox) Send(_ context.Context, e mail.Envelope) error {
	m.mu.Lock()
	m.sent = append(m.sent, e)
	m.mu.Unlock()
	return nil
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

type env struct {
	t      testing.TB
	db     *store.DB
	clk    *clock
	box    *mailbox
	logs   *syncBuffer
	outbox *mail.Outbox
	acc    *accounts.Accounts
	svc    *Service
}

var catalog = sync.OnceValue(func() *locales.Catalog {
	c, err := locales.Load()
	if err != nil {
		panic(err)
	}
	return c
})

func newEnv(t testing.TB, lim Limits) *env {
	t.Helper()
	e := &env{t: t, db: storetest.Open(t), clk: &clock{t: time.Unix(1_800_000_000, 0).UTC()}, box: &mailbox{}, logs: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var err error
	if e.outbox, err = mail.NewOutbox(e.db, mail.OutboxOptions{Secret: secretA, Sender: e.box, Now: e.clk.Now, Log: log}); err != nil {
		t.Fatal(err)
	}
	if e.acc, err = accounts.New(e.db, accounts.Options{Secret: secretA, Hasher: crypt.NewHasher(tinyArgon, 4), Outbox: e.outbox,
		Now: e.clk.Now, Log: log, PortalURL: "https://desk.example"}); err != nil {
		t.Fatal(err)
	}
	if e.svc, err = New(context.Background(), e.db, secretA, e.acc, e.outbox, catalog(), Options{Now: e.clk.Now,
		BaseURL: "https://desk.example", Limits: lim, Log: log}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.svc.Close)
	return e
}

const password = "violet harbor 71 lanterns"

var usercodeInMail = regexp.MustCompile(`\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b`)

// user makes an active account of role and returns a full session.
func (e *env) user(role accounts.Role, name, email string) *accounts.Session {
	e.t.Helper()
	ctx := context.Background()
	var code string
	if role.Staff() {
		u, err := e.acc.CreateStaff(ctx, role, name, email)
		must(e.t, err)
		code = u.Display()
	} else {
		must(e.t, e.acc.Register(ctx, accounts.Registration{Name: name, Email: email, Lang: "en", Type: role, Addr: "reg " + email}))
		e.deliver()
		code = usercodeInMail.FindString(e.lastMail().TextBody)
	}
	l, err := e.acc.Activate(ctx, accounts.FirstLogin{Credentials: accounts.Credentials{Usercode: code, Password: password,
		Addr: "192.0.2.1"}, Phrase: "copper heron drifts"})
	must(e.t, err)
	s, err := e.acc.Session(ctx, l.Token)
	must(e.t, err)
	return s
}

// agent makes a staff session that entered the desk as name.
func (e *env) agent(role accounts.Role, name, email string) *accounts.Session {
	e.t.Helper()
	s := e.user(role, name, email)
	must(e.t, e.svc.EnterDesk(context.Background(), s, name))
	return s
}

func (e *env) deliver() {
	e.t.Helper()
	if _, err := e.outbox.Deliver(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) lastMail() mail.Envelope {
	e.t.Helper()
	e.box.mu.Lock()
	defer e.box.mu.Unlock()
	if len(e.box.sent) == 0 {
		e.t.Fatal("no mail was sent")
	}
	return e.box.sent[len(e.box.sent)-1]
}

func (e *env) mails() int { e.box.mu.Lock(); defer e.box.mu.Unlock(); return len(e.box.sent) }

// guestSubmission is a valid guest ticket.
func guestSubmission() Submission {
	return Submission{Lang: "en", Name: "Grace Guest", Email: "grace@example.org", Topic: "account",
		Subject: "Cannot see my invoices", Body: "Since Tuesday the invoice page stays empty.", Address: "198.51.100.7"}
}

func (e *env) submit(sub Submission) *Receipt {
	e.t.Helper()
	rc, err := e.svc.Submit(context.Background(), sub)
	must(e.t, err)
	return rc
}

func guest(rc *Receipt) Viewer         { return Viewer{Reference: rc.Reference, AccessKey: rc.AccessKey} }
func staff(s *accounts.Session) Viewer { return Viewer{Session: s} }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t testing.TB, err error, code errs.Code, msg string) *errs.Error {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != code || e.MessageID != msg {
		t.Fatalf("err = %v, want %s %s", err, code, msg)
	}
	return e
}
