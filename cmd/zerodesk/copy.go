package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"zerodesk/data"
	"zerodesk/internal/accounts"
	"zerodesk/internal/crypt"
	"zerodesk/internal/mail"
	"zerodesk/internal/store"
	"zerodesk/internal/tickets"
)

// copySample is how many of the newest sealed records of each kind copy
// opens, on the source before and on the destination after.
const copySample = 50

// copySealedChecks are the rooms' CheckSealed (the same as zerodesk
// verify's): each opens a sample of what it seals under the server secret.
var copySealedChecks = []struct {
	name  string
	check func(context.Context, *store.DB, crypt.Secret, int) (int, int, error)
}{
	{"accounts' e-mail addresses", accounts.CheckSealed},
	{"tickets' contact addresses and agents' names", tickets.CheckSealed},
	{"queued mail", mail.CheckSealed},
}

// copyAfter are the destination's statements after the rows: the search
// index is SQLite's FTS5 on the source, not copied; format 0 makes the
// knowledge base rebuild it from the translations at its first start
// (kb.upgradeIndex), in PostgreSQL's form.
var copyAfter = []string{`UPDATE search_index SET format = 0 WHERE id = 1`}

// copyFlags are copy's own flags.
type copyFlags struct{ from, to string }

func (c *copyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.from, "from", "", "the SQLite database to copy, e.g. var/zerodesk.db")
	fs.StringVar(&c.to, "to", "", "the PostgreSQL database to fill: postgres://USER:PASS@HOST/DB (new or only migrated)")
}

// copyCommand moves a whole installation from its SQLite file to PostgreSQL
// (issue 15): it checks that the secret (the key file in --data, or
// ZERODESK_SECRET) opens the source's sealed records, copies every table
// (store.Copy: one transaction, refused when the destination holds data),
// then compares the row counts and opens a sample of the sealed records on
// the destination with the same secret.
func copyCommand(ctx context.Context, args []string, stderr, out io.Writer) error {
	var cf copyFlags
	cfg, err := parseFlags("copy", args, stderr, cf.register)
	if err != nil {
		return err
	}
	if cf.from == "" || cf.to == "" {
		return errors.New("usage: zerodesk copy --from DATA/zerodesk.db --to postgres://USER:PASS@HOST/DB (the key file in --data, or ZERODESK_SECRET)")
	}
	if store.IsPostgresURL(cf.from) {
		return errors.New("copy: --from is the SQLite file to copy; between PostgreSQL databases use pg_dump and pg_restore")
	}
	if !store.IsPostgresURL(cf.to) {
		return errors.New("copy: --to must be a PostgreSQL URL (postgres://…)")
	}
	if _, err := os.Stat(cf.from); err != nil {
		return fmt.Errorf("copy: no database at %s: %w", cf.from, err)
	}
	secret, err := existingSecret(cfg)
	if err != nil {
		return err
	}
	src, err := store.Open(cf.from)
	if err != nil {
		return err
	}
	defer src.Close()
	if err := checkSealed(ctx, src, secret, "the source", out); err != nil {
		return fmt.Errorf("copy: nothing written: %w", err)
	}
	dst, err := store.Open(cf.to)
	if err != nil {
		return err
	}
	defer dst.Close()
	rep, err := store.Copy(ctx, src, dst, data.MigrationsFor(string(store.Postgres)), store.CopyOptions{After: copyAfter})
	if err != nil {
		return err
	}
	var rows int64
	for _, t := range rep.Tables {
		rows += t.Dest
	}
	fmt.Fprintf(out, "copied %d rows in %d tables; the counts match\n", rows, len(rep.Tables))
	for _, d := range rep.Derived {
		fmt.Fprintf(out, "not copied: %s, rebuilt by zerodesk at its first start\n", d)
	}
	if err := checkSealed(ctx, dst, secret, "the destination", out); err != nil {
		return fmt.Errorf("copy: written, but %w", err)
	}
	return nil
}

// existingSecret is the secret that opens the source: ZERODESK_SECRET, or
// the key file in --data, which must exist (a new one would open nothing).
func existingSecret(cfg config) (crypt.Secret, error) {
	if cfg.Secret != "" {
		return crypt.ParseSecret(cfg.Secret)
	}
	if _, err := os.Stat(cfg.keyPath()); err != nil {
		return crypt.Secret{}, fmt.Errorf("copy: no key file at %s: give the source's --data directory, or its secret in ZERODESK_SECRET", cfg.keyPath())
	}
	return crypt.LoadOrCreateKeyFile(cfg.keyPath())
}

// checkSealed opens a sample of every sealed kind on db with secret.
func checkSealed(ctx context.Context, db *store.DB, secret crypt.Secret, which string, out io.Writer) error {
	total, failed := 0, 0
	for _, c := range copySealedChecks {
		n, bad, err := c.check(ctx, db, secret, copySample)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", which, c.name, err)
		}
		total, failed = total+n, failed+bad
	}
	if failed > 0 {
		return fmt.Errorf("the secret does not open %d of the %d sealed records sampled on %s: it is not this installation's key file or ZERODESK_SECRET", failed, total, which)
	}
	fmt.Fprintf(out, "%s: the secret opens the %d sealed records sampled\n", which, total)
	return nil
}
