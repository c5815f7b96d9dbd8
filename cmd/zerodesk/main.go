// Command zerodesk serves the help desk and account portal, and runs its
// maintenance tasks (migrate, backup). Wiring only: no logic lives here.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"zerodesk/data"
	"zerodesk/handlers"
	"zerodesk/internal/accounts"
	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
	"zerodesk/internal/kb"
	"zerodesk/internal/mail"
	"zerodesk/internal/store"
	"zerodesk/locales"
)

const usage = `zerodesk — a self-hosted help desk and account portal.

Usage:
  zerodesk [serve] [flags]   serve the portal (the default)
  zerodesk migrate [flags]   apply pending database migrations and exit
  zerodesk backup FILE       write a consistent copy of the live database to FILE
                             (SQLite; on PostgreSQL use pg_dump, it says so)
  zerodesk verify [FILE]     check a backup FILE (or the live database): integrity,
                             migrations, and that the secret opens its sealed records
  zerodesk probe URL         GET URL, succeed on 2xx: the container's health check
  zerodesk copy --from DATA/zerodesk.db --to postgres://USER:PASS@HOST/DB
                             move a whole installation to a new PostgreSQL database
                             (same key file or ZERODESK_SECRET); verifies counts and
                             opens a sample of sealed records after
  zerodesk searches [LANG]   list the searches that most often found nothing (default LANG: en)
  zerodesk articles export DIR
                             write every article, translation, category and
                             editors' file to DIR as Markdown files, for git
  zerodesk articles import DIR
                             create or update articles from such files, as new
                             revisions signed "import"; unchanged ones stay as they are
  zerodesk admin create --role admin|agent|editor|manager --name NAME --email ADDRESS
                             create a staff or account manager account and print
                             its usercode, once
  zerodesk admin list        list the staff accounts: number, role, state,
                             second factor, last sign-in
  zerodesk admin disable|enable --id N
                             disable (its sessions end) or re-enable a staff account
  zerodesk admin role --id N --role agent|editor|admin
                             change a staff account's role (its sessions end)

The database is DATA/zerodesk.db (SQLite), or --db postgres://… (ZERODESK_DB)
for several instances on one PostgreSQL.
Every flag can also be set by an environment variable, named in its help text.
Run "zerodesk serve -h" for the serve flags.
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "zerodesk:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		cfg, err := parseFlags("serve", args, stderr, nil)
		if err != nil {
			return err
		}
		return serve(ctx, cfg)
	case "migrate":
		cfg, err := parseFlags("migrate", args, stderr, nil)
		if err != nil {
			return err
		}
		return migrate(ctx, cfg, stderr)
	case "backup":
		cfg, err := parseFlags("backup", args, stderr, nil)
		if err != nil {
			return err
		}
		return backup(ctx, cfg, stderr)
	case "verify": // verify.go
		cfg, err := parseFlags("verify", args, stderr, nil)
		if err != nil {
			return err
		}
		return verify(ctx, cfg, os.Stdout)
	case "probe": // probe.go
		return probe(ctx, args, os.Stdout, stderr)
	case "admin":
		return adminCommand(ctx, args, stderr, os.Stdout) // admin.go
	case "searches":
		cfg, err := parseFlags("searches", args, stderr, nil)
		if err != nil {
			return err
		}
		return missingSearches(ctx, cfg, os.Stdout)
	case "articles":
		return articlesCommand(ctx, args, stderr, os.Stdout)
	case "copy":
		return copyCommand(ctx, args, stderr, os.Stdout) // copy.go
	case "help", "-h", "--help":
		fmt.Fprint(stderr, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// config is everything the flags and environment say.
type config struct {
	Addr           string
	DataDir        string
	DB             string // --db: a postgres:// URL or a SQLite file; "" is DATA/zerodesk.db
	MailDir        string
	SMTP           string // smtps://user:pass@host:465, smtp://… (STARTTLS), or "" for the .eml sink
	MailFrom       string
	PublicURL      string // the portal's address as people reach it, for links in mail and canonical links
	NoDemo         bool
	TrustedProxies []*net.IPNet
	LogFormat      string
	LogLevel       slog.Level
	Secret         string        // from ZERODESK_SECRET only: never a flag, so it stays out of ps output
	MetricsAddr    string        // serve only: where /metrics is served; "" = off (metrics.go)
	OutboxStuck    time.Duration // serve only: /readyz's bound on failing mail; 0 = 1 hour, negative = unchecked
	Args           []string
}

// portalURL is the base of the links in mail: --public-url, else the address
// served (fine for a laptop, wrong behind a proxy: set --public-url there).
func (c config) portalURL() string {
	if c.PublicURL != "" {
		return strings.TrimSuffix(c.PublicURL, "/")
	}
	return "http://" + c.Addr
}

// dbPath is the database: --db (a postgres:// URL, or a SQLite file), else
// the SQLite file in the data directory.
func (c config) dbPath() string {
	if c.DB != "" {
		return c.DB
	}
	return filepath.Join(c.DataDir, "zerodesk.db")
}

// checkDB fails when the SQLite file is missing (a command that reads must
// not create an empty one); a PostgreSQL server answers for itself at Open.
func (c config) checkDB() error {
	if store.IsPostgresURL(c.dbPath()) {
		return nil
	}
	if _, err := os.Stat(c.dbPath()); err != nil {
		return fmt.Errorf("no database at %s: %w", c.dbPath(), err)
	}
	return nil
}

func (c config) keyPath() string { return filepath.Join(c.DataDir, "zerodesk.key") }

// defaultDataDir holds what a run writes (database, key file, mail), apart
// from the source: the repository's data/ holds embedded migrations and demo
// articles, so deleting the run-time folder to start over must not touch it.
// var/ is git-ignored.
const defaultDataDir = "var"

// parseFlags reads the flags every command shares; extra adds a command's own.
func parseFlags(name string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (config, error) {
	var cfg config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(key, def string) string {
		if v, ok := os.LookupEnv(key); ok {
			return v
		}
		return def
	}
	fs.StringVar(&cfg.Addr, "addr", env("ZERODESK_ADDR", "127.0.0.1:8080"), "listen address HOST:PORT (ZERODESK_ADDR)")
	fs.StringVar(&cfg.DataDir, "data", env("ZERODESK_DATA", defaultDataDir), "directory of the run-time files: database, key file, mail; created if missing (ZERODESK_DATA)")
	fs.StringVar(&cfg.DB, "db", env("ZERODESK_DB", ""), "the database: a PostgreSQL URL (postgres://USER:PASS@HOST/DB, for several instances on one server) or a SQLite file; default DATA/zerodesk.db (ZERODESK_DB)")
	fs.StringVar(&cfg.MailDir, "mail-dir", env("ZERODESK_MAIL_DIR", ""), "directory where outgoing mail is written as .eml files when no SMTP is set (ZERODESK_MAIL_DIR; default DATA/mail)")
	fs.StringVar(&cfg.SMTP, "smtp", env("ZERODESK_SMTP", ""), "SMTP server URL for outgoing mail: smtps://USER:PASS@HOST:465 or smtp://… (STARTTLS); empty writes .eml files to --mail-dir (ZERODESK_SMTP)")
	fs.StringVar(&cfg.PublicURL, "public-url", env("ZERODESK_PUBLIC_URL", ""), "the portal's address as people reach it, for links in mail and the pages' canonical, hreflang and sitemap links, e.g. https://help.example.org (ZERODESK_PUBLIC_URL; default http://ADDR)")
	fs.StringVar(&cfg.MailFrom, "mail-from", env("ZERODESK_MAIL_FROM", "zerodesk <no-reply@localhost>"), "sender of outgoing mail (ZERODESK_MAIL_FROM)")
	noDemo := fs.Bool("no-demo", env("ZERODESK_NO_DEMO", "") != "", "do not load the demo articles into a new database (ZERODESK_NO_DEMO)")
	proxies := fs.String("trusted-proxy", env("ZERODESK_TRUSTED_PROXY", ""), "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed; empty trusts none (ZERODESK_TRUSTED_PROXY)")
	fs.StringVar(&cfg.LogFormat, "log-format", env("ZERODESK_LOG_FORMAT", "text"), "log format: text or json (ZERODESK_LOG_FORMAT)")
	level := fs.String("log-level", env("ZERODESK_LOG_LEVEL", "info"), "log level: debug, info, warn or error (ZERODESK_LOG_LEVEL)")
	if name == "serve" {
		fs.StringVar(&cfg.MetricsAddr, "metrics-addr", env("ZERODESK_METRICS_ADDR", ""), "serve Prometheus metrics at http://ADDR/metrics, apart from the portal, e.g. 127.0.0.1:9090; empty: off (ZERODESK_METRICS_ADDR)")
		stuck, err := time.ParseDuration(env("ZERODESK_OUTBOX_STUCK_AFTER", "1h"))
		if err != nil {
			return cfg, fmt.Errorf("ZERODESK_OUTBOX_STUCK_AFTER: %w", err)
		}
		fs.DurationVar(&cfg.OutboxStuck, "outbox-stuck-after", stuck, "/readyz answers 503 when mail has been failing for longer than this; -1s: never (ZERODESK_OUTBOX_STUCK_AFTER)")
	}
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	cfg.NoDemo = *noDemo
	cfg.Args = fs.Args()
	cfg.Secret = os.Getenv("ZERODESK_SECRET")
	if cfg.MailDir == "" {
		cfg.MailDir = filepath.Join(cfg.DataDir, "mail")
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		return cfg, fmt.Errorf("--log-level: %w", err)
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return cfg, fmt.Errorf("--log-format must be text or json, not %q", cfg.LogFormat)
	}
	for _, p := range strings.Split(*proxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return cfg, fmt.Errorf("--trusted-proxy: %w", err)
		}
		cfg.TrustedProxies = append(cfg.TrustedProxies, n)
	}
	if cfg.PublicURL != "" {
		u, err := url.Parse(cfg.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return cfg, fmt.Errorf("--public-url must be an http(s) address such as https://help.example.org, not %q", cfg.PublicURL)
		}
	}
	return cfg, nil
}

func newLogger(cfg config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore opens the database in the data directory and applies migrations.
func openStore(ctx context.Context, cfg config, log *slog.Logger) (*store.DB, error) {
	db, err := store.Open(cfg.dbPath())
	if err != nil {
		return nil, err
	}
	applied, err := db.Migrate(ctx, data.MigrationsFor(string(db.Engine)))
	if err != nil {
		db.Close()
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("migrations applied", "versions", applied)
	}
	return db, nil
}

func loadSecret(cfg config) (crypt.Secret, error) {
	if cfg.Secret != "" {
		return crypt.ParseSecret(cfg.Secret)
	}
	return crypt.LoadOrCreateKeyFile(cfg.keyPath())
}

func serve(ctx context.Context, cfg config) error {
	log := newLogger(cfg, os.Stderr)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	secret, err := loadSecret(cfg)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := os.MkdirAll(cfg.MailDir, 0o700); err != nil {
		return err
	}

	sender, err := newSender(cfg)
	if err != nil {
		return err
	}
	app, err := handlers.Build(ctx, handlers.Wiring{DB: db, Secret: secret, Log: log, Sender: sender, From: cfg.MailFrom,
		PortalURL:      cfg.portalURL(),
		TrustedProxies: cfg.TrustedProxies, PublicURL: cfg.PublicURL,
		Metrics: cfg.MetricsAddr != "", OutboxStuckAfter: cfg.OutboxStuck})
	if err != nil {
		return err
	}
	articles, outbox, accts, tix, h := app.KB, app.Outbox, app.Accounts, app.Tickets, app.Handlers
	defer tix.Close() // after the server's shutdown: in-flight submissions still commit
	defer app.Audit.Close()
	if !cfg.NoDemo {
		n, err := articles.SeedIfEmpty(ctx, data.Demo())
		if err != nil {
			return fmt.Errorf("load demo content: %w", err)
		}
		if n > 0 {
			log.Info("demo content loaded", "articles", n)
		}
	}
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           h.Echo(),
		ReadHeaderTimeout: 5 * time.Second,
		// Long enough for a ticket's 31 MiB of attachments on a slow line;
		// slow headers are cut by ReadHeaderTimeout, big bodies by BodyLimit.
		ReadTimeout:    5 * time.Minute,
		WriteTimeout:   5 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	if cfg.MetricsAddr != "" {
		stopMetrics, err := serveMetrics(ctx, cfg.MetricsAddr, h.Metrics.Handler(), log)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		defer stopMetrics()
	}

	flushCtx, stopFlushing := context.WithCancel(context.WithoutCancel(ctx))
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		articles.Run(flushCtx, 5*time.Second)
	}()
	// Every instance delivers the outbox: a claim leases its messages in a
	// write transaction, and on PostgreSQL the write lock makes the claims of
	// several instances one after the other, so a message goes out once.
	go outbox.Run(ctx) // queued mail survives a stop: it is in the database
	// The sweeps and the coalesced mail run on one instance at a time on
	// PostgreSQL (store.RunAlone: an advisory lock per job; another instance
	// takes over within seconds when that one stops).
	go db.RunAlone(ctx, "accounts.prune", together(accts.Run, app.Limits.Run)) // and the shared rate buckets full again
	go db.RunAlone(ctx, "tickets.sweep", tix.Run)                              // sweeps expired messages, SLA, sends notices of replies released later
	go db.RunAlone(ctx, "notify.coalesced", app.Notify.Run)                    // agents' coalesced notification mail
	go db.RunAlone(ctx, "audit.retention", app.Audit.Run)                      // removes audit lines older than the retention, hourly
	go app.Changes.Run(ctx)                                                    // PostgreSQL: other instances' changes drop this one's caches
	// Scheduled articles go out within a second of their time; every
	// instance may run this: each publication is claimed once.
	go articles.RunScheduler(ctx, time.Second)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("serving", "addr", "http://"+ln.Addr().String()+"/", "data", cfg.DataDir, "mail_dir", cfg.MailDir)

	select {
	case err := <-served:
		stopFlushing()
		<-flushed
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	stopFlushing() // the final flush writes the last view counts
	<-flushed
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	log.Info("stopped")
	return err
}

func migrate(ctx context.Context, cfg config, out io.Writer) error {
	db, err := store.Open(cfg.dbPath())
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx, data.MigrationsFor(string(db.Engine)))
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(out, "the database is up to date")
		return nil
	}
	fmt.Fprintf(out, "applied migrations %v\n", applied)
	return nil
}

// newSender is where mail goes: SMTP when --smtp is set, otherwise every
// message lands as an .eml file in the mail directory.
func newSender(cfg config) (mail.Sender, error) {
	if cfg.SMTP == "" {
		return mail.FileSink{Dir: cfg.MailDir}, nil
	}
	smtp, err := mail.NewSMTP(cfg.SMTP)
	if err != nil {
		return nil, fmt.Errorf("--smtp: %w", err)
	}
	return smtp, nil
}

// newOutbox builds the mail outbox on newSender.
func newOutbox(db *store.DB, cfg config, secret crypt.Secret, log *slog.Logger) (*mail.Outbox, error) {
	sender, err := newSender(cfg)
	if err != nil {
		return nil, err
	}
	return mail.NewOutbox(db, mail.OutboxOptions{Secret: secret, Sender: sender, From: cfg.MailFrom, Log: log})
}

// staffFlags are admin create's own flags.
type staffFlags struct{ role, name, email string }

func (s *staffFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.role, "role", "", "admin, agent, editor (writes the help articles) or manager (an account manager: a user account that adds and manages users)")
	fs.StringVar(&s.name, "name", "", "the person's name")
	fs.StringVar(&s.email, "email", "", "the person's e-mail address")
}

// createStaff bootstraps a staff account (or an account manager's). The
// usercode is printed once, here, and stored nowhere: the operator hands it
// over (or it is lost).
func createStaff(ctx context.Context, cfg config, staff staffFlags, out io.Writer) error {
	role := accounts.Role(staff.role)
	if role != accounts.Admin && role != accounts.Agent && role != accounts.Editor && role != accounts.Manager {
		return errors.New("--role must be admin, agent, editor or manager")
	}
	log := newLogger(cfg, io.Discard)
	secret, err := loadSecret(cfg)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	outbox, err := newOutbox(db, cfg, secret, log)
	if err != nil {
		return err
	}
	cat, err := locales.Load()
	if err != nil {
		return err
	}
	svc, err := accounts.New(db, accounts.Options{Secret: secret, Outbox: outbox, Log: log, Texts: cat})
	if err != nil {
		return err
	}
	u, err := svc.CreateStaff(ctx, role, staff.name, staff.email)
	if err != nil {
		return fmt.Errorf("create %s: %s", role, errs.MessageIDOf(err))
	}
	fmt.Fprintf(out, "%s account created for %s.\nUsercode (shown once, stored nowhere): %s\nThe first login with it sets the password and the anti-phishing phrase.\n", role, staff.email, u.Display())
	return nil
}

// missingSearches prints what visitors searched for and did not find, so
// editors know which articles to write.
func missingSearches(ctx context.Context, cfg config, out io.Writer) error {
	lang := locales.Default
	if len(cfg.Args) > 0 {
		lang = cfg.Args[0]
	}
	if err := cfg.checkDB(); err != nil {
		return err
	}
	db, err := openStore(ctx, cfg, newLogger(cfg, io.Discard))
	if err != nil {
		return err
	}
	defer db.Close()
	articles, err := kb.New(ctx, db, kb.Options{})
	if err != nil {
		return err
	}
	stats, err := articles.MissingSearches(ctx, lang, 30)
	if err != nil {
		return err
	}
	hidden, hiddenZero, err := articles.HiddenSearches(ctx, lang)
	if err != nil {
		return err
	}
	if len(stats) == 0 {
		fmt.Fprintf(out, "no searches in %q found nothing\n", lang)
	} else {
		fmt.Fprintf(out, "%-8s %-8s %s\n", "searches", "no hits", "query ("+lang+")")
		for _, s := range stats {
			fmt.Fprintf(out, "%-8d %-8d %s\n", s.Searches, s.ZeroHitSearches, s.Query)
		}
	}
	if hidden > 0 {
		// Their text is kept only once several different visitors searched them.
		fmt.Fprintf(out, "and %d other queries (%d searches without hits) too few visitors typed to show\n", hidden, hiddenZero)
	}
	return nil
}

func backup(ctx context.Context, cfg config, out io.Writer) error {
	if len(cfg.Args) != 1 {
		return errors.New("usage: zerodesk backup [--data DIR] FILE")
	}
	if err := cfg.checkDB(); err != nil {
		return err
	}
	db, err := store.Open(cfg.dbPath())
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, cfg.Args[0]); err != nil {
		return err
	}
	fmt.Fprintf(out, "backup written to %s (the key file %s is not in it: keep a copy of it apart)\n", cfg.Args[0], cfg.keyPath())
	return nil
}

// together runs background loops side by side as one job (store.RunAlone:
// one lock, so they run on the same instance) and returns when all have.
func together(loops ...func(context.Context)) func(context.Context) {
	return func(ctx context.Context) {
		var wg sync.WaitGroup
		for _, loop := range loops {
			wg.Go(func() { loop(ctx) })
		}
		wg.Wait()
	}
}
