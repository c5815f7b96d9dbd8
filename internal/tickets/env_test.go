package tickets

import (
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
	"zerodesk/internal/testsupport"
	"zerodesk/internal/testsupport/testmail"
	"zerodesk/locales"
)

type env struct {
	t      testing.TB
	db     *store.DB
	clk    *testsupport.Clock
	box    *testmail.Mailbox
	logs   *testsupport.SyncBuffer
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
	return newEnvWith(t, lim, nil)
}

// newEnvWith is newEnv with opts changing the service's options.
func newEnvWith(t testing.TB, lim Limits, opts func(*Options)) *env {
	t.Helper()
	e := &env{t: t, db: storetest.OpenMigrated(t), clk: testsupport.NewClock(time.Unix(1_800_000_000, 0).UTC()), box: &testmail.Mailbox{}, logs: &testsupport.SyncBuffer{}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var err error
	if e.outbox, err = mail.NewOutbox(e.db, mail.OutboxOptions{Secret: testsupport.SecretA, Sender: e.box, Now: e.clk.Now, Log: log}); err != nil {
		t.Fatal(err)
	}
	if e.acc, err = accounts.New(e.db, accounts.Options{Secret: testsupport.SecretA, Hasher: crypt.NewHasher(testsupport.TinyArgon, 4), Outbox: e.outbox,
		Now: e.clk.Now, Log: log, PortalURL: "https://desk.example", Texts: catalog()}); err != nil {
		t.Fatal(err)
	}
	o := Options{Now: e.clk.Now, PortalURL: "https://desk.example", Limits: lim, Log: log}
	if opts != nil {
		opts(&o)
	}
	if e.svc, err = New(context.Background(), e.db, testsupport.SecretA, e.acc, e.outbox, catalog(), o); err != nil {
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
	return e.box.Last(e.t)
}

func (e *env) mails() int { return e.box.Len() }

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
