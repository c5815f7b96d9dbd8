package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zerodesk/data"
	"zerodesk/handlers"
	"zerodesk/internal/accounts"
	"zerodesk/internal/crypt"
	"zerodesk/internal/store"
	"zerodesk/internal/testsupport"
	"zerodesk/internal/tickets"
)

// verifyFixture is a data directory with something sealed of every kind
// verify checks (an agent who entered the desk, a guest's ticket with its
// message, queued mail), and a backup of it.
func verifyFixture(t *testing.T) (dataDir, backup string) {
	t.Helper()
	ctx := context.Background()
	dataDir = filepath.Join(t.TempDir(), "data")
	db, err := store.Open(filepath.Join(dataDir, "zerodesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx, data.Migrations()); err != nil {
		t.Fatal(err)
	}
	secret, err := crypt.LoadOrCreateKeyFile(filepath.Join(dataDir, "zerodesk.key"))
	if err != nil {
		t.Fatal(err)
	}
	app, err := handlers.Build(ctx, handlers.Wiring{DB: db, Secret: secret, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		PortalURL: "http://example.com", Hasher: crypt.NewHasher(testsupport.TinyArgon, 0)})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Audit.Close()
	defer app.Tickets.Close()
	// Its usercode's mail waits in the outbox: no sender is wired.
	_, err = app.Accounts.CreateStaff(ctx, accounts.Agent, "Ada Lovelace", "ada@example.org")
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := db.Read.QueryRow(`SELECT max(id) FROM accounts`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	sess := &accounts.Session{AccountID: id, Role: accounts.Agent}
	if err := app.Tickets.EnterDesk(ctx, sess, "Ada"); err != nil {
		t.Fatal(err)
	}
	if err := app.Notify.Enter(ctx, id, "ada@example.org", "en"); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Tickets.Submit(ctx, tickets.Submission{Lang: "en", Name: "Grace Hopper", Email: "grace@example.org",
		Topic: "login", Subject: "Cannot sign in", Body: "The second step refuses my password.", Address: "203.0.113.9", FormID: "verify-1"}); err != nil {
		t.Fatal(err)
	}
	backup = filepath.Join(t.TempDir(), "backup.db")
	if err := db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	return dataDir, backup
}

func runVerify(t *testing.T, secret string, args ...string) (string, error) {
	t.Helper()
	cfg, err := parseFlags("verify", args, &bytes.Buffer{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Secret = secret // as ZERODESK_SECRET would, without the process's environment
	var out bytes.Buffer
	err = verify(context.Background(), cfg, &out)
	return out.String(), err
}

func wantLines(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("no %q in:\n%s", w, out)
		}
	}
}

func TestVerify_AGoodBackupAndTheLiveDatabasePass(t *testing.T) {
	t.Parallel()
	dataDir, backup := verifyFixture(t)
	before, _ := os.ReadFile(backup)
	for _, args := range [][]string{{"--data", dataDir, backup}, {"--data", dataDir}} {
		out, err := runVerify(t, "", args...)
		if err != nil {
			t.Fatalf("verify %q: %v\n%s", args, err, out)
		}
		wantLines(t, out, "ok   integrity: the file is intact", "ok   migrations: current",
			"ok   sealed accounts (e-mail addresses): 1 open", "ok   sealed tickets (contact addresses, agents' names): 2 open",
			"ok   sealed messages (thread keys, subjects, newest bodies): 1 open", "ok   sealed notifications (agents' addresses): 1 open",
			"ok   sealed mail outbox (queued messages): 1 open", "every check passed")
		if strings.Contains(out, "FAIL") || strings.Contains(out, "none to check") {
			t.Errorf("a check failed or found nothing:\n%s", out)
		}
	}
	if after, _ := os.ReadFile(backup); !bytes.Equal(before, after) {
		t.Error("verify changed the backup file")
	}
	if _, err := os.Stat(backup + "-wal"); err == nil {
		t.Error("verify left a WAL beside the backup")
	}
}

func TestVerify_ACorruptedFileFails(t *testing.T) {
	t.Parallel()
	dataDir, backup := verifyFixture(t)
	raw, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	// Garbage over pages past the first: the header still says SQLite.
	for i := 4096 + 100; i < len(raw)-4096; i += 4096 {
		copy(raw[i:], bytes.Repeat([]byte{0xA5}, 600))
	}
	if err := os.WriteFile(backup, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runVerify(t, "", "--data", dataDir, backup)
	if err == nil || !strings.Contains(err.Error(), "checks failed") {
		t.Fatalf("verify of a damaged file: %v\n%s", err, out)
	}
	if !strings.Contains(out, "FAIL integrity:") {
		t.Errorf("no integrity failure line:\n%s", out)
	}
	// Not a database at all.
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, bytes.Repeat([]byte("not a database "), 1000), 0o600)
	out, err = runVerify(t, "", "--data", dataDir, junk)
	if err == nil || !strings.Contains(out, "FAIL integrity: file is not a database") {
		t.Errorf("verify of a file that is no database: %v\n%s", err, out)
	}
}

func TestVerify_AWrongKeyFails(t *testing.T) {
	t.Parallel()
	dataDir, backup := verifyFixture(t)
	other := strings.Repeat("ab", crypt.SecretSize)
	out, err := runVerify(t, other, "--data", dataDir, backup)
	if err == nil {
		t.Fatalf("verify with a wrong secret passed:\n%s", out)
	}
	wantLines(t, out, "ok   integrity: the file is intact",
		"FAIL sealed accounts (e-mail addresses): 1 of 1 do not open with the secret from ZERODESK_SECRET",
		"FAIL sealed messages (thread keys, subjects, newest bodies): 1 of 1 do not open",
		"FAIL sealed mail outbox (queued messages): 1 of 1 do not open")
	// No key file at all: said, and none created.
	empty := t.TempDir()
	out, err = runVerify(t, "", "--data", empty, backup)
	if err == nil || !strings.Contains(out, "FAIL secret: no key file at "+filepath.Join(empty, "zerodesk.key")) {
		t.Errorf("verify without a secret: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(empty, "zerodesk.key")); err == nil {
		t.Error("verify created a key file")
	}
}

func TestVerify_ABackupFromANewerSchemaFails(t *testing.T) {
	t.Parallel()
	dataDir, backup := verifyFixture(t)
	db, err := store.Open(backup)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Write.Exec(`INSERT INTO schema_migrations(version, name, applied_at) VALUES (9999, '9999_future.sql', '')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out, err := runVerify(t, "", "--data", dataDir, backup)
	if err == nil {
		t.Fatalf("verify of a newer backup passed:\n%s", out)
	}
	wantLines(t, out, "FAIL migrations: the database has migrations [9999] that this zerodesk does not know: a newer version wrote it")
	if n := strings.Count(out, "FAIL"); n != 1 {
		t.Errorf("%d failures, want the migrations' alone:\n%s", n, out)
	}
}
