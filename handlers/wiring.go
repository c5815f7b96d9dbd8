package handlers

import (
	"context"
	"io/fs"
	"log/slog"
	"net"
	"time"

	"zerodesk/data"
	"zerodesk/internal/accounts"
	"zerodesk/internal/audit"
	"zerodesk/internal/crypt"
	"zerodesk/internal/kb"
	"zerodesk/internal/links"
	"zerodesk/internal/mail"
	"zerodesk/internal/notify"
	"zerodesk/internal/ops"
	"zerodesk/internal/ratelimit"
	"zerodesk/internal/sla"
	"zerodesk/internal/store"
	"zerodesk/internal/tickets"
	"zerodesk/internal/tickets/reports"
	"zerodesk/locales"
	"zerodesk/static"
)

// Wiring is what a deployment (serve) or a test chooses; Build makes the rest
// of the application from it, the one way both use, so the portal under test
// is the portal that runs. It lives in handlers because handlers is the one
// package that already knows every service: the domain under internal/ may
// import none of handlers, views or locales.
type Wiring struct {
	DB     *store.DB // migrated
	Secret crypt.Secret
	Log    *slog.Logger
	// Catalog and Assets: loaded when nil (tests share one of each).
	Catalog *locales.Catalog
	Assets  *static.Assets
	// Sender delivers the outbox's mail (SMTP, or .eml files); From is the
	// sender address (empty: the outbox's default).
	Sender mail.Sender
	From   string
	// PortalURL is the portal's absolute address, for links in mail.
	PortalURL string
	// Hasher hashes passwords and usercodes; nil: crypt.DefaultArgon2.
	Hasher *crypt.Hasher
	// TicketLimits are the ticket service's limits; zero: its defaults.
	TicketLimits tickets.Limits
	// TrustedProxies and PublicURL: see Handlers.
	TrustedProxies []*net.IPNet
	PublicURL      string
	// The deployment kit (issue 15): Migrations is the embedded set DB was
	// migrated with, which /readyz compares with the applied ones (nil:
	// the set of DB's engine); OutboxStuckAfter is readiness's bound on
	// failing mail (0: 1 hour, negative: not checked); Metrics builds the
	// Prometheus metrics (Handlers.Metrics; off when false).
	Migrations       fs.FS
	OutboxStuckAfter time.Duration
	Metrics          bool
	// Renders, when set, is a rendered help catalog to start from (tests:
	// the seeded template's, for the copies every test app opens); what no
	// longer fits the database is rendered again (kb.RenderSnapshot).
	Renders *kb.RenderSnapshot
}

// App is the wired application: the handlers and the services whose
// background work (Run) and shutdown (Tickets.Close) the caller owns.
type App struct {
	Handlers *Handlers
	KB       *kb.KB
	Outbox   *mail.Outbox
	Accounts *accounts.Accounts
	Tickets  *tickets.Service
	Notify   *notify.Service // its Run sends the coalesced mail
	// Audit is the record of staff actions; the caller runs its sweep (Run)
	// and closes it after the server has stopped.
	Audit *audit.Log
	SLA   *sla.Service // issue 14: the working-time policy the tickets' timers follow
	// Changes carries, on PostgreSQL, which in-memory state changed to the
	// other instances (issue 15); the caller runs its Run. See changes().
	Changes *store.Changes
	// Limits are the per-address request rates: shared by the instances on
	// PostgreSQL; the caller runs their Prune loop (Run) with the accounts'.
	Limits *ratelimit.Limits
}

// KBOptions are the help articles' options: their links on the portal.
func KBOptions(secret crypt.Secret) kb.Options {
	return kb.Options{Secret: secret, ArticleURL: links.Portal("").Article, PageURL: links.Portal("").Page}
}

// Build wires the application on w.DB. The caller runs the services' Run
// loops and closes Tickets after the server has stopped.
func Build(ctx context.Context, w Wiring) (*App, error) {
	var err error
	if w.Log == nil {
		w.Log = slog.Default()
	}
	if w.Catalog == nil {
		if w.Catalog, err = locales.Load(); err != nil {
			return nil, err
		}
	}
	if w.Assets == nil {
		if w.Assets, err = static.Load(); err != nil {
			return nil, err
		}
	}
	a := &App{Changes: store.NewChanges(w.DB, w.Log)}
	if a.Outbox, err = mail.NewOutbox(w.DB, mail.OutboxOptions{Secret: w.Secret, Sender: w.Sender, From: w.From, Log: w.Log}); err != nil {
		return nil, err
	}
	kbOpts := KBOptions(w.Secret)
	kbOpts.Renders = w.Renders
	kbOpts.OnChange = announce(a.Changes, "kb")
	if a.KB, err = kb.New(ctx, w.DB, kbOpts); err != nil {
		return nil, err
	}
	if a.Audit, err = audit.New(ctx, w.DB, audit.Options{Log: w.Log}); err != nil {
		return nil, err
	}
	if a.Accounts, err = accounts.New(w.DB, accounts.Options{Secret: w.Secret, Outbox: a.Outbox, Log: w.Log, Hasher: w.Hasher,
		Languages: w.Catalog.Languages(), PortalURL: w.PortalURL,
		Texts: w.Catalog, Audit: a.Audit, OnSecondFactorChange: a.secondFactorChanged}); err != nil {
		return nil, err
	}
	if a.Notify, err = notify.New(w.DB, w.Secret, a.Outbox, w.Catalog, notify.Options{PortalURL: w.PortalURL, Log: w.Log}); err != nil {
		return nil, err
	}
	if a.SLA, err = sla.New(ctx, w.DB, sla.Options{Defaults: slaDefaults(), Audit: a.Audit, OnChange: announce(a.Changes, "sla")}); err != nil {
		return nil, err
	}
	if a.Tickets, err = tickets.New(ctx, w.DB, w.Secret, a.Accounts, a.Outbox, w.Catalog,
		tickets.Options{PortalURL: w.PortalURL, Log: w.Log, Limits: w.TicketLimits, Notifier: a.Notify, Audit: a.Audit, SLA: a.SLA,
			OnSLAChange: slaNotifier(a.Notify, w.Log), OnChange: announce(a.Changes, "tickets")}); err != nil {
		return nil, err
	}
	a.listen(w.Log)
	a.Limits = ratelimit.New(w.DB, ratelimit.Options{Secret: w.Secret, Log: w.Log})
	a.Handlers = New(Config{KB: a.KB, Readers: a.KB, Locales: w.Catalog, Assets: w.Assets, Log: w.Log,
		TrustedProxies: w.TrustedProxies, Accounts: a.Accounts, Tickets: a.Tickets, Outbox: a.Outbox, PublicURL: w.PublicURL,
		Notify: a.Notify, Audit: a.Audit, SLA: a.SLA, Reports: reports.New(w.DB), Limits: a.Limits})
	if w.Migrations == nil {
		w.Migrations = data.MigrationsFor(string(w.DB.Engine))
	}
	a.Handlers.Ready = &ops.Readiness{DB: w.DB, Migrations: w.Migrations, Outbox: a.Outbox, StuckAfter: w.OutboxStuckAfter}
	if w.Metrics {
		a.Handlers.Metrics = NewMetrics(w.DB, a.Outbox, a.Accounts)
	}
	return a, nil
}

// announce is an OnChange hook: it tells the other instances that name
// changed (nothing on SQLite).
func announce(c *store.Changes, name string) func() {
	return func() { c.Announce(name) }
}

// listen drops what this instance keeps in memory when another instance on
// the same PostgreSQL database announces a change of it (store.Changes; on
// SQLite nothing is announced). What is not here is read from the database
// on every request, so it is already shared: sessions (scs, with their
// account's state), lockouts and ticket limits (auth_limits, ticket_limits),
// the per-address request rates on PostgreSQL (rate_buckets, ratelimit).
// The catalog of articles (kb) is announced by every write (kb.Options.
// OnChange) and checks its generation in the database every second
// (RunScheduler) too: for the command line's writes (articles import), which
// announce nothing; a reconnection of the listener checks it at once.
// Presence on a ticket is in the database (ticket_presence). The staff
// policy's answers (needsSecondFactor) are dropped when an instance announces
// a change of the policy or of a second factor (changeSecondFactor).
func (a *App) listen(log *slog.Logger) {
	a.Changes.On("tickets", func(context.Context) { a.Tickets.Touch() })
	a.Changes.On("sla", func(ctx context.Context) {
		if err := a.SLA.Reload(ctx); err != nil && ctx.Err() == nil {
			log.Error("changes: sla reload", "err", err)
		}
		a.Tickets.Touch() // the desk's pages show the timers
	})
	a.Changes.On(changeSecondFactor, func(context.Context) { a.Handlers.forgetSecondFactors() })
	a.Changes.On("kb", func(ctx context.Context) {
		if err := a.KB.Refresh(ctx); err != nil && ctx.Err() == nil {
			log.Error("changes: kb refresh", "err", err)
		}
	})
}

// changeSecondFactor names, in store.Changes, a change of the staff policy or
// of an account's second factor: every instance keeps the policy's answers
// (Handlers.needsSecondFactor) and drops them when one announces it.
const changeSecondFactor = "second-factor"

// secondFactorChanged is accounts' OnSecondFactorChange: this instance drops
// its kept answers and tells the others to drop theirs.
func (a *App) secondFactorChanged() {
	if a.Handlers != nil {
		a.Handlers.forgetSecondFactors()
	}
	a.Changes.Announce(changeSecondFactor)
}

// slaNotifier tells a ticket's assignee that its SLA timer is at risk or
// breached (the SLA sweep's hook; notify tells each agent once per ticket and
// state). An unassigned ticket tells nobody: the queue shows its state.
func slaNotifier(n *notify.Service, log *slog.Logger) func(ctx context.Context, ticketID, agentID int64, state tickets.SLAState) {
	return func(ctx context.Context, ticketID, agentID int64, state tickets.SLAState) {
		kind := notify.AtRisk
		switch {
		case agentID == 0 || state == tickets.SLAOnTrack:
			return
		case state == tickets.SLABreached:
			kind = notify.Breached
		}
		if _, err := n.SLA(ctx, ticketID, agentID, kind); err != nil && ctx.Err() == nil {
			log.LogAttrs(ctx, slog.LevelError, "notify: sla", slog.Int64("ticket", ticketID), slog.String("error", err.Error()))
		}
	}
}

// slaDefaults are the ticket room's targets as the policy's defaults, until
// an admin sets others.
func slaDefaults() map[string]sla.Target {
	out := map[string]sla.Target{}
	for p, t := range tickets.DefaultTargets {
		out[string(p)] = sla.Target{FirstResponse: t.FirstResponse, Resolution: t.Resolution}
	}
	return out
}
