package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"zerodesk/data"
	"zerodesk/internal/accounts"
	"zerodesk/internal/crypt"
	"zerodesk/internal/mail"
	"zerodesk/internal/messaging"
	"zerodesk/internal/notify"
	"zerodesk/internal/store"
	"zerodesk/internal/tickets"
)

// verifySample is how many of the newest sealed records of each kind verify
// opens: enough to tell a wrong key from a right one, cheap on any size.
const verifySample = 20

// sealedChecks are the rooms' CheckSealed, each opening a sample of what it
// seals under the server secret, as it does when serving.
var sealedChecks = []struct {
	name  string
	check func(context.Context, *store.DB, crypt.Secret, int) (int, int, error)
}{
	{"accounts (e-mail addresses)", accounts.CheckSealed},
	{"tickets (contact addresses, agents' names)", tickets.CheckSealed},
	{"messages (thread keys, subjects, newest bodies)", messaging.CheckSealed},
	{"notifications (agents' addresses)", notify.CheckSealed},
	{"mail outbox (queued messages)", mail.CheckSealed},
}

// verify checks a backup file (FILE) or the live database (none): the file's
// integrity, its migrations against this binary's, and that the secret (the
// key file in --data, or ZERODESK_SECRET) opens a sample of the sealed
// records of every kind. One line per check; an error when any failed.
func verify(ctx context.Context, cfg config, out io.Writer) error {
	if len(cfg.Args) > 1 {
		return errors.New("usage: zerodesk verify [--data DIR] [FILE]")
	}
	live := len(cfg.Args) == 0
	path := cfg.dbPath()
	if !live {
		path = cfg.Args[0]
	}
	shown := shownDatabase(path)
	failures := 0
	line := func(ok bool, format string, args ...any) {
		mark := "ok  "
		if !ok {
			mark, failures = "FAIL", failures+1
		}
		fmt.Fprintf(out, "%s %s\n", mark, fmt.Sprintf(format, args...))
	}
	done := func() error {
		if failures > 0 {
			return fmt.Errorf("verify %s: %d checks failed", shown, failures)
		}
		fmt.Fprintf(out, "%s: every check passed\n", shown)
		return nil
	}

	db, err := openForVerify(path, live)
	if err != nil {
		line(false, "open: %v", err)
		return done()
	}
	defer db.Close()

	bad, err := db.Integrity(ctx)
	switch {
	case err != nil:
		line(false, "integrity: %s", oneLine(err))
		return done() // not a database, or unreadable: nothing further can be trusted
	case len(bad) > 0:
		line(false, "integrity: the file is damaged: %s", strings.Join(bad, "; "))
	default:
		line(true, "integrity: the file is intact")
	}

	m, err := db.MigrationStatus(ctx, data.MigrationsFor(string(db.Engine)))
	switch {
	case err != nil:
		line(false, "migrations: %s (not a zerodesk database?)", oneLine(err))
	case len(m.Newer) > 0:
		line(false, "migrations: the database has migrations %v that this zerodesk does not know: a newer version wrote it; restore it with that version or a newer one", m.Newer)
	case len(m.Pending) > 0 && live:
		line(false, "migrations: %d pending (first %d): run zerodesk migrate", len(m.Pending), m.Pending[0])
	case len(m.Pending) > 0:
		line(true, "migrations: an older version wrote this backup; %d migrations (first %d) run when this version starts on it", len(m.Pending), m.Pending[0])
	default:
		line(true, "migrations: current (%d, the newest %d)", len(m.Applied), m.Applied[len(m.Applied)-1])
	}

	secret, from, err := verifySecret(cfg)
	if err != nil {
		line(false, "secret: %s", oneLine(err))
		return done()
	}
	for _, c := range sealedChecks {
		checked, failed, err := c.check(ctx, db, secret, verifySample)
		switch {
		case err != nil:
			line(false, "sealed %s: %s", c.name, oneLine(err))
		case failed > 0:
			line(false, "sealed %s: %d of %d do not open with the secret from %s: wrong key file or ZERODESK_SECRET for this database?", c.name, failed, checked, from)
		case checked == 0:
			line(true, "sealed %s: none to check", c.name)
		default:
			line(true, "sealed %s: %d open with the secret from %s", c.name, checked, from)
		}
	}
	return done()
}

// verifySecret reads the secret without ever creating a key file: a verify
// that made a fresh key would report every record as unreadable, and leave a
// wrong key beside the data.
func verifySecret(cfg config) (crypt.Secret, string, error) {
	if cfg.Secret != "" {
		s, err := crypt.ParseSecret(cfg.Secret)
		return s, "ZERODESK_SECRET", err
	}
	raw, err := os.ReadFile(cfg.keyPath())
	if err != nil {
		return crypt.Secret{}, "", fmt.Errorf("no key file at %s and no ZERODESK_SECRET: %w", cfg.keyPath(), err)
	}
	s, err := crypt.ParseSecret(string(raw))
	if err != nil {
		return s, "", fmt.Errorf("key file %s: %w", cfg.keyPath(), err)
	}
	return s, "the key file " + cfg.keyPath(), nil
}

// openForVerify opens the live SQLite database as serve does, and anything
// else read only (store.OpenReadOnly): verifying a backup must not change it
// (store.Open would switch it to WAL), and a PostgreSQL server is only
// looked at. A backup is inherently a file: SQLite's here; PostgreSQL's
// backups are pg_dump archives, checked by restoring them (OPERATIONS.md).
func openForVerify(path string, live bool) (*store.DB, error) {
	if live && !store.IsPostgresURL(path) {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("no database at %s", path)
		}
		return store.Open(path)
	}
	return store.OpenReadOnly(path)
}

// oneLine keeps a driver's error on one line.
func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// shownDatabase is how verify names the database in what it prints: a
// PostgreSQL URL without its password.
func shownDatabase(path string) string {
	if !store.IsPostgresURL(path) {
		return path
	}
	u, err := url.Parse(path)
	if err != nil {
		return "the PostgreSQL database"
	}
	return u.Redacted()
}
