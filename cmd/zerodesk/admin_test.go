package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"

	"zerodesk/internal/accounts"
	"zerodesk/internal/crypt"
	"zerodesk/internal/testsupport"
	"zerodesk/locales"
)

// admin create --role manager makes an account manager: a pending account
// whose first login signs in with the Manager role.
func TestAdminCreate_ManagerRole(t *testing.T) {
	t.Parallel()
	adminCreateSignsInAs(t, accounts.Manager, "Mia Manager", "mia@example.org")
}

// admin create --role editor makes an editor (issue 13): a pending account
// whose first login signs in with the Editor role.
func TestAdminCreate_EditorRole(t *testing.T) {
	t.Parallel()
	adminCreateSignsInAs(t, accounts.Editor, "Eda Editor", "eda@example.org")
}

func adminCreateSignsInAs(t *testing.T, role accounts.Role, name, email string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	var staff staffFlags
	var stderr, out bytes.Buffer
	cfg, err := parseFlags("admin create", []string{"--data", dir, "--role", string(role), "--name", name, "--email", email}, &stderr, staff.register)
	if err != nil {
		t.Fatal(err, stderr.String())
	}
	if err := createStaff(ctx, cfg, staff, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), string(role)+" account created") {
		t.Errorf("output: %q", out.String())
	}
	code := regexp.MustCompile(`\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b`).FindString(out.String())
	log := newLogger(cfg, io.Discard)
	secret, err := loadSecret(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db, err := openStore(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	outbox, err := newOutbox(db, cfg, secret, log)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	// Cheap Argon2 parameters: the KDF's cost is crypt's to test.
	svc, err := accounts.New(db, accounts.Options{Secret: secret, Outbox: outbox, Log: log, Texts: cat,
		Hasher: crypt.NewHasher(testsupport.TinyArgon, 0)})
	if err != nil {
		t.Fatal(err)
	}
	l, err := svc.Activate(ctx, accounts.FirstLogin{Credentials: accounts.Credentials{Usercode: code, Password: "violet harbour kettle 47 sings"}, Phrase: "copper heron drifts"})
	if err != nil {
		t.Fatal(err)
	}
	if l.Role != role {
		t.Errorf("role = %s, want %s", l.Role, role)
	}

	staff.role = "owner"
	if err := createStaff(ctx, cfg, staff, &out); err == nil {
		t.Error("--role owner was accepted")
	}
}
