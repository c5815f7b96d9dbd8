package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"zerodesk/data"
	"zerodesk/handlers"
	"zerodesk/internal/crypt"
	"zerodesk/internal/kb"
	"zerodesk/internal/mail"
	"zerodesk/internal/store"
	"zerodesk/internal/store/testengine"
	"zerodesk/internal/testsupport"
	"zerodesk/internal/tickets"
)

// needPostgres: the copy's tests write into PostgreSQL, so they run in the
// PostgreSQL run of the tests (make test-pg), where a missing server fails.
func needPostgres(t *testing.T) {
	t.Helper()
	if testengine.Name() != testengine.Postgres {
		t.Skip("runs with ZERODESK_TEST_ENGINE=postgres (make test-pg)")
	}
}

// copySource makes an installation in dir: the demo articles plus generated
// articles, staff accounts (their welcome mail queued, sealed) and tickets.
func copySource(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	db := openForTest(t, dir)
	defer db.Close()
	secret, err := crypt.LoadOrCreateKeyFile(filepath.Join(dir, "zerodesk.key"))
	if err != nil {
		t.Fatal(err)
	}
	app, err := handlers.Build(ctx, handlers.Wiring{DB: db, Secret: secret, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Sender: mail.FileSink{Dir: filepath.Join(dir, "mail")}, PortalURL: "http://example.com",
		Hasher: crypt.NewHasher(testsupport.TinyArgon, 0)})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Tickets.Close()
	defer app.Audit.Close()
	if _, err := app.KB.SeedIfEmpty(ctx, data.Demo()); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if _, err := app.Accounts.CreateStaff(ctx, "agent", "Agent "+strconv.Itoa(i), fmt.Sprintf("agent%d@example.org", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		d := kb.Draft{Lang: "en", Title: "Generated article " + strconv.Itoa(i), Body: "The quokka number " + strconv.Itoa(i) + " prints receipts.",
			Description: "Generated.", Category: kb.HowTo, Position: 50 + i}
		rev, err := app.KB.Create(ctx, kb.Author{ID: 1, Name: "Eda"}, d)
		if err != nil {
			t.Fatal(err)
		}
		if err := app.KB.Publish(ctx, rev.ArticleID, "en", rev.ID); err != nil {
			t.Fatal(err)
		}
	}
	topics := []string{"account", "login", "billing", "security", "other"}
	for i := range 30 {
		if _, err := app.Tickets.Submit(ctx, tickets.Submission{Lang: "en", Name: "Customer " + strconv.Itoa(i),
			Email: "c" + strconv.Itoa(i) + "@example.org", Topic: topics[i%len(topics)], Subject: "Question " + strconv.Itoa(i),
			Body: "Hello, a question number " + strconv.Itoa(i) + ".", Address: "198.51.100." + strconv.Itoa(i), FormID: "copy-" + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
}

func runCopy(dir, to string) (string, error) {
	var out, stderr bytes.Buffer
	err := copyCommand(context.Background(), []string{"--data", dir, "--from", filepath.Join(dir, "zerodesk.db"), "--to", to}, &stderr, &out)
	return out.String() + stderr.String(), err
}

// TestCopy_MovesTheInstallationAndRefusesASecondTime: every table's rows
// arrive (counts equal, sealed columns byte for byte), the sealed samples
// open with the same key on the destination, the identity sequences are past
// the copied ids, and a second copy into the same database is refused.
func TestCopy_MovesTheInstallationAndRefusesASecondTime(t *testing.T) {
	needPostgres(t)
	t.Setenv("ZERODESK_SECRET", "")
	dir := t.TempDir()
	copySource(t, dir)
	to := testengine.Database(t, "", nil)

	out, err := runCopy(dir, to)
	if err != nil {
		t.Fatalf("copy: %v\n%s", err, out)
	}
	for _, want := range []string{"the counts match", "the source: the secret opens the", "the destination: the secret opens the", "not copied: translations_fts"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	src, err := store.Open(filepath.Join(dir, "zerodesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := store.Open(to)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	for _, table := range []string{"articles", "translations", "accounts", "tickets", "msg_messages", "mail_outbox"} {
		var a, b int
		q := `SELECT count(*) FROM ` + table
		if err := src.Read.QueryRow(q).Scan(&a); err != nil {
			t.Fatal(err)
		}
		if err := dst.Read.QueryRow(q).Scan(&b); err != nil {
			t.Fatal(err)
		}
		if a != b || a == 0 {
			t.Errorf("%s: %d rows on the source, %d on the destination", table, a, b)
		}
	}
	if a, b := sealedColumn(t, src.Read), sealedColumn(t, dst.Read); a != b {
		t.Error("the tickets' sealed addresses differ after the copy")
	}
	var maxID, next int64
	if err := dst.Read.QueryRow(`SELECT max(id) FROM tickets`).Scan(&maxID); err != nil {
		t.Fatal(err)
	}
	if err := dst.Write.QueryRow(`SELECT nextval(pg_get_serial_sequence('tickets', 'id'))`).Scan(&next); err != nil {
		t.Fatal(err)
	}
	if next <= maxID {
		t.Errorf("the tickets' next id is %d, not past the copied %d", next, maxID)
	}
	var format int
	if err := dst.Read.QueryRow(`SELECT format FROM search_index`).Scan(&format); err != nil || format != 0 {
		t.Errorf("search_index format %d (%v): the search index must be rebuilt at start", format, err)
	}

	// verify on the live PostgreSQL database: every check passes (migrations
	// of PostgreSQL's set, the sealed samples), and the URL it prints keeps
	// no password.
	var vout bytes.Buffer
	vcfg, err := parseFlags("verify", []string{"--data", dir, "--db", to}, io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := verify(context.Background(), vcfg, &vout); err != nil || !strings.Contains(vout.String(), "every check passed") {
		t.Errorf("verify on the copy: %v\n%s", err, vout.String())
	}
	if got := shownDatabase("postgres://zerodesk:hunter2@db.example/zerodesk"); strings.Contains(got, "hunter2") || !strings.Contains(got, "db.example") {
		t.Errorf("verify names the database %q, with its password", got)
	}

	out, err = runCopy(dir, to)
	if !errors.Is(err, store.ErrNotEmpty) || !strings.Contains(err.Error(), "has rows") {
		t.Errorf("second copy: %v, want the refusal of a non-empty database\n%s", err, out)
	}
}

// TestCopy_AWrongSecretIsDetected: a key that is not the installation's
// does not open its sealed records; the copy says so and writes nothing,
// and the check that follows a copy finds it on the destination too.
func TestCopy_AWrongSecretIsDetected(t *testing.T) {
	needPostgres(t)
	dir := t.TempDir()
	copySource(t, dir)
	to := testengine.Database(t, "", nil)

	t.Setenv("ZERODESK_SECRET", strings.Repeat("ab", 32))
	out, err := runCopy(dir, to)
	if err == nil || !strings.Contains(err.Error(), "the secret does not open") || !strings.Contains(err.Error(), "nothing written") {
		t.Fatalf("copy with a wrong secret: %v\n%s", err, out)
	}
	dst, err := store.Open(to)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	var tables int
	if err := dst.Read.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()`).Scan(&tables); err != nil || tables != 0 {
		t.Errorf("%d tables on the destination (%v): a refused copy writes nothing", tables, err)
	}

	t.Setenv("ZERODESK_SECRET", "")
	if out, err := runCopy(dir, to); err != nil {
		t.Fatalf("copy: %v\n%s", err, out)
	}
	wrong, _ := crypt.ParseSecret(strings.Repeat("ab", 32))
	err = checkSealed(context.Background(), dst, wrong, "the destination", io.Discard)
	if err == nil || !strings.Contains(err.Error(), "does not open") {
		t.Errorf("verification with a wrong secret: %v", err)
	}
}

func sealedColumn(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query(`SELECT reference, email_sealed FROM tickets ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var ref string
		var sealed []byte
		if err := rows.Scan(&ref, &sealed); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s=%x;", ref, sealed)
	}
	return b.String()
}
