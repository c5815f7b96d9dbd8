package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"zerodesk/internal/store"
)

// built is the binary the tests run, compiled once per test process (each
// test that runs it used to compile it again): removed by TestMain.
var built struct {
	once     sync.Once
	dir, bin string
	err      error
	out      []byte
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildBinary compiles zerodesk once per test run, as an operator would.
func buildBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "zerodesk-bin-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "zerodesk")
		cmd := exec.Command("go", "build", "-o", built.bin, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		built.out, built.err = cmd.CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("build: %v\n%s", built.err, built.out)
	}
	return built.bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == 200 && string(body) == "ok" {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the server never became healthy")
}

func TestBinary_ServesDemoThenShutsDownGracefullyAndBacksUp(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	dataDir := filepath.Join(t.TempDir(), "fresh", "data")
	addr := freeAddr(t)
	var logs bytes.Buffer
	srv := exec.Command(bin, "serve", "--data", dataDir)
	// Flags also come from the environment. The test stands in for a proxy, so
	// that three visitors can search (a query's text is kept from the third).
	srv.Env = append(os.Environ(), "ZERODESK_ADDR="+addr, "ZERODESK_TRUSTED_PROXY=127.0.0.0/8")
	srv.Stderr = &logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Process.Kill()
	base := "http://" + addr
	waitHealthy(t, base)

	for _, name := range []string{"zerodesk.db", "zerodesk.key"} {
		info, err := os.Stat(filepath.Join(dataDir, name))
		if err != nil {
			t.Fatalf("%s was not created: %v", name, err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", name, info.Mode().Perm())
		}
	}
	res, err := http.Get(base + "/en/articles/reset-account")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Contains(body, []byte("<h1")) {
		t.Fatalf("demo article: %d", res.StatusCode)
	}

	// A search that finds nothing, by three visitors, reaches the editors'
	// report after shutdown.
	for _, visitor := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"} {
		req, _ := http.NewRequest(http.MethodGet, base+"/en/search?q=xylophone+quantum", nil)
		req.Header.Set("X-Forwarded-For", visitor)
		res, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}

	// A backup taken while serving is a consistent, openable copy.
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	out, err := exec.Command(bin, "backup", "--data", dataDir, copyPath).CombinedOutput()
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if info, err := os.Stat(copyPath); err != nil || info.Size() == 0 {
		t.Fatalf("backup file: %v", err)
	}

	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no graceful exit within 15 s of SIGTERM")
	}
	if !strings.Contains(logs.String(), "stopped") {
		t.Fatalf("no clean stop in the log:\n%s", logs.String())
	}
	out, err = exec.Command(bin, "searches", "--data", dataDir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "xylophone quantum") {
		t.Fatalf("the final flush did not record the missing search: %v\n%s", err, out)
	}
	// serve started the ticket service: its migrations ran and the default
	// topics were seeded.
	db, err := store.Open(filepath.Join(dataDir, "zerodesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	var topics int
	err = db.Read.QueryRow(`SELECT count(*) FROM ticket_topics WHERE active = 1`).Scan(&topics)
	db.Close()
	if err != nil || topics != 5 {
		t.Fatalf("ticket topics after serve: %d, %v", topics, err)
	}

	// The copy serves on its own: demo content is there, nothing is re-seeded.
	restored := filepath.Join(t.TempDir(), "restored")
	os.MkdirAll(restored, 0o700)
	copyBytes, _ := os.ReadFile(copyPath)
	os.WriteFile(filepath.Join(restored, "zerodesk.db"), copyBytes, 0o600)
	out, err = exec.Command(bin, "migrate", "--data", restored).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "up to date") {
		t.Fatalf("migrate on the restored copy: %v\n%s", err, out)
	}
}

func TestBinary_RefusesBadFlagsClearly(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"serve", "--trusted-proxy", "not-a-cidr"},
		{"serve", "--log-format", "xml"},
		{"serve", "--public-url", "ftp://help.example.org"},
		{"serve", "--public-url", "help.example.org"},
		{"frobnicate"},
		{"backup"},
	} {
		var stderr bytes.Buffer
		err := run(context.Background(), args, &stderr)
		if err == nil {
			t.Errorf("%v was accepted", args)
		}
	}
}

func TestBinary_AdminCreatePrintsTheUsercodeOnceAndStoresItNowhere(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	dataDir := t.TempDir()
	out, err := exec.Command(bin, "admin", "create", "--data", dataDir, "--role", "agent", "--name", "Ada Agent", "--email", "ada@example.org").CombinedOutput()
	if err != nil {
		t.Fatalf("admin create: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`\b([0-9A-Z]{4})-([0-9A-Z]{4})-([0-9A-Z]{4})\b`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("no usercode printed:\n%s", out)
	}
	plain := m[1] + m[2] + m[3]
	for _, name := range []string{"zerodesk.db", "zerodesk.db-wal"} {
		raw, err := os.ReadFile(filepath.Join(dataDir, name))
		if err != nil {
			continue
		}
		for _, needle := range []string{m[0], plain, strings.ToLower(plain), "ada@example.org", "Ada Agent"} {
			if bytes.Contains(raw, []byte(needle)) {
				t.Errorf("%s holds %q in plain text", name, needle)
			}
		}
	}
	for _, args := range [][]string{
		{"admin", "create", "--data", dataDir, "--role", "king", "--name", "X", "--email", "x@example.org"},
		{"admin", "create", "--data", dataDir, "--role", "admin", "--name", "X", "--email", "not an address"},
		{"admin"},
	} {
		if out, err := exec.Command(bin, args...).CombinedOutput(); err == nil {
			t.Errorf("%v was accepted:\n%s", args, out)
		}
	}
}

// unsetenv clears key for this test (and restores it after).
func unsetenv(t *testing.T, key string) {
	t.Helper()
	t.Setenv(key, "")
	os.Unsetenv(key)
}

// Run-time files (database, key, mail) land in their own git-ignored folder,
// never beside the embedded source in data/: deleting them to start over
// deletes no source.
func TestFlags_RunTimeFilesLiveApartFromSource(t *testing.T) {
	unsetenv(t, "ZERODESK_DATA")
	unsetenv(t, "ZERODESK_MAIL_DIR")
	cfg, err := parseFlags("serve", nil, io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != "var" || cfg.MailDir != filepath.Join("var", "mail") {
		t.Fatalf("defaults: --data %q, --mail-dir %q; want var and var/mail", cfg.DataDir, cfg.MailDir)
	}
	if cfg.dbPath() != filepath.Join("var", "zerodesk.db") || cfg.keyPath() != filepath.Join("var", "zerodesk.key") {
		t.Fatalf("database %q, key %q", cfg.dbPath(), cfg.keyPath())
	}
	// The guard: the repository has no source under the default folder, and
	// git ignores what a run writes there.
	root := filepath.Join("..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal("not in the repository:", err)
	}
	if git, err := exec.LookPath("git"); err == nil && exec.Command(git, "-C", root, "rev-parse").Run() == nil {
		out, err := exec.Command(git, "-C", root, "ls-files", "--", cfg.DataDir).Output()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("source files live in the run-time folder %s/ (%v):\n%s", cfg.DataDir, err, out)
		}
		for _, p := range []string{cfg.dbPath(), cfg.keyPath(), filepath.Join(cfg.MailDir, "x.eml")} {
			if err := exec.Command(git, "-C", root, "check-ignore", "-q", p).Run(); err != nil {
				t.Errorf("git does not ignore %s: %v", p, err)
			}
		}
	}
	for _, p := range []string{cfg.DataDir, cfg.MailDir} {
		if strings.HasPrefix(filepath.Clean(p)+"/", "data/") {
			t.Errorf("%s is inside data/, beside the embedded migrations and demo articles", p)
		}
	}

	// The environment and the flags still choose; the mail folder follows --data.
	t.Setenv("ZERODESK_DATA", "/srv/zerodesk")
	if cfg, _ = parseFlags("serve", nil, io.Discard, nil); cfg.DataDir != "/srv/zerodesk" || cfg.MailDir != "/srv/zerodesk/mail" {
		t.Errorf("ZERODESK_DATA: --data %q, --mail-dir %q", cfg.DataDir, cfg.MailDir)
	}
	if cfg, _ = parseFlags("serve", []string{"--data", "/tmp/zd", "--mail-dir", "/tmp/mail"}, io.Discard, nil); cfg.DataDir != "/tmp/zd" || cfg.MailDir != "/tmp/mail" {
		t.Errorf("flags: --data %q, --mail-dir %q", cfg.DataDir, cfg.MailDir)
	}
}
