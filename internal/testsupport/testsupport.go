// Package testsupport holds the test doubles every package's tests share: a
// settable clock (the mailbox that records what the outbox sends is in
// testmail, so mail's own tests can use this package), a reader of
// the .eml files the file sink writes, a log sink safe for concurrent
// writers, cheap Argon2id parameters and fixed secrets. Only tests import it.
package testsupport

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"zerodesk/internal/crypt"
)

// TinyArgon keeps tests fast; production uses crypt.DefaultArgon2.
var TinyArgon = crypt.Argon2Params{Version: crypt.DefaultArgon2.Version, MemoryKiB: 64, Time: 1, Threads: 1}

// SecretA and SecretB are fixed server secrets: two, for tests of a changed
// secret.
var (
	SecretA = mustSecret("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	SecretB = mustSecret("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f")
)

func mustSecret(hex string) crypt.Secret {
	s, err := crypt.ParseSecret(hex)
	if err != nil {
		panic(err)
	}
	return s
}

// Clock is a settable time, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock is a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// AddDate moves the clock by whole days, months and years.
func (c *Clock) AddDate(years, months, days int) {
	c.mu.Lock()
	c.t = c.t.AddDate(years, months, days)
	c.mu.Unlock()
}

// MailFiles is the raw text of every .eml file in dir (mail.FileSink's),
// ordered by file name (oldest first, to the second).
func MailFiles(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	out := make([]string, 0, len(files))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(raw))
	}
	return out
}

// SyncBuffer is a log sink safe for concurrent writers.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// Bytes is a copy of what was written.
func (s *SyncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

// String is what was written.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
