package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"

	"zerodesk/internal/store"
)

// zerodesk admin list, disable, enable and role: the same domain functions
// as the staff page, with the same last-admin rule, recorded as the command
// line's (actor 0).
func TestAdminStaffVerbs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	run := func(args ...string) (string, error) {
		t.Helper()
		var out, stderr bytes.Buffer
		err := adminCommand(ctx, append(args, "--data", dir), &stderr, &out)
		return out.String(), err
	}
	create := func(role, name, email string) {
		t.Helper()
		var out bytes.Buffer
		if err := adminCommand(ctx, []string{"create", "--data", dir, "--role", role, "--name", name, "--email", email}, io.Discard, &out); err != nil {
			t.Fatal(err)
		}
	}
	create("admin", "Ada Admin", "ada@example.org")
	create("agent", "Abe Agent", "abe@example.org")
	out, err := run("list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !regexp.MustCompile(`^1\s+admin\s+invited\s+off\s+never$`).MatchString(lines[1]) ||
		!regexp.MustCompile(`^2\s+agent\s+invited\s+off\s+never$`).MatchString(lines[2]) {
		t.Fatalf("list:\n%s", out)
	}
	if strings.Contains(out, "Ada") || strings.Contains(out, "example.org") {
		t.Errorf("list shows names or addresses:\n%s", out)
	}
	// Invited accounts cannot be disabled; roles can change.
	if _, err := run("disable", "--id", "2"); err == nil || !strings.Contains(err.Error(), "staff.error.pending") {
		t.Errorf("disable an invitation: %v", err)
	}
	if _, err := run("role", "--id", "2", "--role", "editor"); err != nil {
		t.Fatal(err)
	}
	if _, err := run("role", "--id", "2", "--role", "manager"); err == nil || !strings.Contains(err.Error(), "staff.error.role") {
		t.Errorf("role manager: %v", err)
	}
	if _, err := run("disable"); err == nil {
		t.Error("disable without --id")
	}
	if _, err := run("vanish", "--id", "2"); err == nil {
		t.Error("an unknown verb")
	}
	// Ada signs in (activation by the usercode is the domain's; here her
	// state is set as the first sign-in sets it), then she is the last admin.
	db := openForTest(t, dir)
	if _, err := db.Write.ExecContext(ctx, `UPDATE accounts SET state = 'active' WHERE id IN (1, 2)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := run("disable", "--id", "1"); err == nil || !strings.Contains(err.Error(), "staff.error.last_admin") {
		t.Errorf("disable the last admin: %v", err)
	}
	if _, err := run("role", "--id", "1", "--role", "agent"); err == nil || !strings.Contains(err.Error(), "staff.error.last_admin") {
		t.Errorf("demote the last admin: %v", err)
	}
	if _, err := run("disable", "--id", "2"); err != nil {
		t.Fatal(err)
	}
	out, _ = run("list")
	if !regexp.MustCompile(`(?m)^2\s+editor\s+disabled`).MatchString(out) {
		t.Errorf("after disable:\n%s", out)
	}
	if _, err := run("enable", "--id", "2"); err != nil {
		t.Fatal(err)
	}
	db = openForTest(t, dir)
	defer db.Close()
	var n int
	if err := db.Read.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE actor_id = 0 AND action IN ('staff.role', 'staff.disabled', 'staff.enabled')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("%d lines of the command line's changes in the audit log, want 3", n)
	}
}

func openForTest(t *testing.T, dir string) *store.DB {
	t.Helper()
	cfg, err := parseFlags("test", []string{"--data", dir}, io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	db, err := openStore(context.Background(), cfg, newLogger(cfg, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	return db
}
