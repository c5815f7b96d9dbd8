package accounts

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
	"zerodesk/internal/mail"
	"zerodesk/internal/store"
	"zerodesk/internal/store/storetest"
)

// tinyArgon keeps tests fast; one test and the benchmark use the real cost.
var tinyArgon = crypt.Argon2Params{Version: crypt.DefaultArgon2.Version, MemoryKiB: 64, Time: 1, Threads: 1}

var (
	secretA, _ = crypt.ParseSecret("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	secretB, _ = crypt.ParseSecret("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f")
)

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// mailbox records delivered mail.
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

func (m *mailbox) last(t testing.TB) mail.Envelope {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.sent) == 0 {
		t.Fatal("no mail was sent")
	}
	return m.sent[len(m.sent)-1]
}

// syncBuffer is a log sink safe for concurrent writers.
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
	acc    *Accounts
	outbox *mail.Outbox
	box    *mailbox
	clk    *clock
	logs   *syncBuffer
	hasher *crypt.Hasher
}

type envOption func(*Options)

func openDB(t testing.TB) *store.DB { return storetest.Open(t) }

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	e := &env{t: t, db: openDB(t), box: &mailbox{}, clk: &clock{t: time.Unix(1_800_000_000, 0)}, logs: &syncBuffer{}}
	e.hasher = crypt.NewHasher(tinyArgon, 4)
	e.start(secretA, opts...)
	return e
}

// start (re)creates the services on e's database, as a restart would.
func (e *env) start(secret crypt.Secret, opts ...envOption) {
	e.t.Helper()
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var err error
	e.outbox, err = mail.NewOutbox(e.db, mail.OutboxOptions{Secret: secret, Sender: e.box, Now: e.clk.Now, Log: log})
	if err != nil {
		e.t.Fatal(err)
	}
	o := Options{Secret: secret, Hasher: e.hasher, Outbox: e.outbox, Now: e.clk.Now, Log: log, PortalURL: "https://desk.example"}
	for _, f := range opts {
		f(&o)
	}
	if e.acc, err = New(e.db, o); err != nil {
		e.t.Fatal(err)
	}
}

var usercodeInMail = regexp.MustCompile(`\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b`)

// register registers a basic user and returns the usercode from the mail.
func (e *env) register(name, email string) Usercode {
	e.t.Helper()
	ctx := context.Background()
	if err := e.acc.Register(ctx, Registration{Name: name, Email: email, Lang: "en", Type: Basic, Addr: "registrant of " + email}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.outbox.Deliver(ctx); err != nil {
		e.t.Fatal(err)
	}
	m := e.box.last(e.t)
	found := usercodeInMail.FindString(m.TextBody)
	u, err := NormalizeUsercode(found)
	if err != nil {
		e.t.Fatalf("no usercode in the mail: %v\n%s", err, m.TextBody)
	}
	return u
}

const (
	goodPassword = "violet harbor 71 lanterns"
	goodPhrase   = "copper heron drifts"
)

// active registers and activates a user, returning the usercode and the login.
func (e *env) active(name, email string) (Usercode, *Login) {
	e.t.Helper()
	u := e.register(name, email)
	l, err := e.acc.Activate(context.Background(), FirstLogin{
		Credentials: Credentials{Usercode: u.Display(), Password: goodPassword, Addr: "192.0.2.1", Label: "test browser"},
		Phrase:      goodPhrase,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return u, l
}

func (e *env) login(u Usercode, password, addr string) (*Login, error) {
	return e.acc.Step2(context.Background(), Credentials{Usercode: string(u), Password: password, Addr: addr})
}

func (e *env) session(token string) *Session {
	e.t.Helper()
	s, err := e.acc.Session(context.Background(), token)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// wantErr fails unless err is a domain error with code and message ID.
func wantErr(t testing.TB, err error, code errs.Code, id string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != code || e.MessageID != id {
		t.Fatalf("err = %v, want %s %s", err, code, id)
	}
}

func mustOK(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func isSuggestion(a *Accounts, phrase string) bool {
	w := strings.Fields(phrase)
	return len(w) == 3 && contains(a.words.adjectives, w[0]) && contains(a.words.nouns, w[1]) && contains(a.words.verbs, w[2])
}
