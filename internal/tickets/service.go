package tickets

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"zerodesk/internal/accounts"
	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
	"zerodesk/internal/mail"
	"zerodesk/internal/messaging"
	"zerodesk/internal/store"
)

// Service is the ticket room.
type Service struct {
	db      *store.DB
	acc     AccountKeys
	outbox  *mail.Outbox
	cat     mail.Texts
	msg     *messaging.Core
	opts    Options
	now     func() time.Time
	log     *slog.Logger
	lim     Limits
	targets map[Priority]Target
	sla     SLA
	retimed atomic.Int64 // the SLA version whose due times the tickets have (sla.go)
	keys    keys
	version atomic.Int64
	commits *store.GroupCommitter
	st      *store.Prepared

	explain func(query string, args []any) // tests: sees each queue query

	// drivenJoin is the engine's keyword for a driven join: a short list
	// of matches (a text search's) joined to tickets as the outer loop
	// (queue_sqlite.go, queue_postgres.go).
	drivenJoin string
}

// keys are the purpose-bound subkeys of the server secret.
type keys struct {
	email, emailLookup, access, guest, form, address, limit, search, agent, fields []byte
}

// AccountKeys is what the ticket room needs of the accounts room (the wiring
// passes *accounts.Accounts): a signed-in customer's name and address, and
// a thread key wrapped under, and unwrapped with, that account's data key,
// which never leaves accounts.
type AccountKeys interface {
	Profile(ctx context.Context, s *accounts.Session) (*accounts.Profile, error)
	WrapForAccount(s *accounts.Session, key, ad []byte) ([]byte, error)
	UnwrapForAccount(s *accounts.Session, wrapped, ad []byte) ([]byte, error)
}

// New returns the ticket service on db (migrated); it seeds the default
// topics into an empty topic list and two canned replies per language into
// an empty list of canned replies. acc may be nil (no account users; pass a plain nil);
// outbox and cat are required.
func New(ctx context.Context, db *store.DB, secret crypt.Secret, acc AccountKeys, outbox *mail.Outbox, cat mail.Texts, opts Options) (*Service, error) {
	if outbox == nil || cat == nil {
		return nil, errors.New("tickets: an outbox and a catalog are required")
	}
	s := &Service{db: db, acc: acc, outbox: outbox, cat: cat, opts: opts, now: opts.Now, log: opts.Log, lim: opts.Limits, drivenJoin: sqliteDrivenJoin}
	if db.Engine == store.Postgres {
		s.drivenJoin = postgresDrivenJoin
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.lim.defaults()
	s.targets = map[Priority]Target{}
	for p, t := range DefaultTargets {
		if o, ok := opts.Targets[p]; ok && o.FirstResponse > 0 && o.Resolution > 0 {
			t = o
		}
		s.targets[p] = t
	}
	s.sla = opts.SLA
	if s.sla == nil {
		s.sla = plainSLA{targets: s.targets}
	}
	s.keys = keys{
		email:       secret.Subkey("tickets.email"),
		emailLookup: secret.Subkey("tickets.email-lookup"),
		access:      secret.Subkey("tickets.access-key"),
		guest:       secret.Subkey("tickets.guest-key"),
		form:        secret.Subkey("tickets.form"),
		address:     secret.Subkey("tickets.address"),
		limit:       secret.Subkey("tickets.limit"),
		search:      secret.Subkey("tickets.search"),
		agent:       secret.Subkey("tickets.agent"),
		fields:      secret.Subkey("tickets.fields"),
	}
	var err error
	if s.msg, err = messaging.New(ctx, db, secret, s.now); err != nil {
		return nil, errs.Wrap(err, "tickets: messaging")
	}
	if s.st, err = store.Prepare(ctx, db.Write, hotQueries...); err != nil {
		return nil, errs.Wrap(err, "tickets: prepare")
	}
	// A restart must change the version too: the desk compares it for equality.
	s.version.Store(time.Now().UnixNano())
	if s.commits, err = store.NewGroupCommitter(ctx, db, opts.CommitDelay); err != nil {
		return nil, errs.Wrap(err, "tickets: group committer")
	}
	if err := s.seedTopics(ctx); err != nil {
		return nil, errs.Wrap(err, "tickets: seed topics")
	}
	if err := s.seedCanned(ctx); err != nil {
		return nil, errs.Wrap(err, "tickets: seed canned replies")
	}
	return s, nil
}

// Limits returns the limits in force (defaults filled in).
func (s *Service) Limits() Limits { return s.lim }

// Targets returns the target of each priority.
func (s *Service) Targets() map[Priority]Target {
	out := make(map[Priority]Target, len(s.targets))
	for k, v := range s.targets {
		out[k] = v
	}
	return out
}

// Version changes whenever any ticket changes: the desk polls it cheaply.
func (s *Service) Version() int64 { return s.version.Load() }

// changed bumps Version after a change made here, and says so (OnChange).
func (s *Service) changed() {
	s.version.Add(1)
	if s.opts.OnChange != nil {
		s.opts.OnChange()
	}
}

// Touch bumps Version for a change made elsewhere: another instance on the
// same PostgreSQL database changed tickets (store.Changes), so what the
// desk keeps per version is read again.
func (s *Service) Touch() { s.version.Add(1) }

// write runs fn in a durable group commit and bumps the version on success.
func (s *Service) write(ctx context.Context, fn func(*sql.Tx) error) error {
	err := s.commits.Do(ctx, fn)
	if err == nil {
		s.changed()
		s.outbox.Wake()
	}
	return err
}

// Run sweeps expired messages, marks tickets at risk or breached (SweepSLA),
// sends notices of replies released later and forgets old form nonces and
// counters, every 30 seconds until ctx ends.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		if err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("tickets: periodic work", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close stops the group committer once the changes already queued are
// committed; later changes fail. Call it after the HTTP server has shut down.
func (s *Service) Close() {
	s.commits.Close()
}
