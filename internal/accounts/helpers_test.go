package accounts

import (
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
	"zerodesk/internal/testsupport"
	"zerodesk/internal/testsupport/testmail"
	"zerodesk/locales"
)

type env struct {
	t      testing.TB
	db     *store.DB
	acc    *Accounts
	outbox *mail.Outbox
	box    *testmail.Mailbox
	clk    *testsupport.Clock
	logs   *testsupport.SyncBuffer
	hasher *crypt.Hasher
}

// catalog is the real message catalog, a fixture: the mail texts live only in
// the locale files.
var catalog = sync.OnceValue(func() *locales.Catalog {
	c, err := locales.Load()
	if err != nil {
		panic(err)
	}
	return c
})

type envOption func(*Options)

func openDB(t testing.TB) *store.DB { return storetest.OpenMigrated(t) }

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	e := &env{t: t, db: openDB(t), box: &testmail.Mailbox{}, clk: testsupport.NewClock(time.Unix(1_800_000_000, 0)), logs: &testsupport.SyncBuffer{}}
	e.hasher = crypt.NewHasher(testsupport.TinyArgon, 4)
	e.start(testsupport.SecretA, opts...)
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
	o := Options{Secret: secret, Hasher: e.hasher, Outbox: e.outbox, Now: e.clk.Now, Log: log, PortalURL: "https://desk.example", Texts: catalog()}
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
	m := e.box.Last(e.t)
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
