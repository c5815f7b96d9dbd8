package handlers

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestPGJourneys_NameExistingJourneys: every journey the Makefile's
// end-to-end run on PostgreSQL names (PG_JOURNEYS, make test-pg) is a
// TestBrowser_ function of this package (browser*_test.go), so a renamed journey cannot drop
// out of that run unnoticed (go test -run matches nothing silently).
func TestPGJourneys_NameExistingJourneys(t *testing.T) {
	t.Parallel()
	mk, err := os.ReadFile(filepath.Join("..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^PG_JOURNEYS \?= \^TestBrowser_\(([A-Za-z0-9_|]+)\)\$\$$`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("the Makefile has no PG_JOURNEYS ?= ^TestBrowser_(A|B|…)$$ line")
	}
	files, err := filepath.Glob("browser*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var src strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	names := strings.Split(string(m[1]), "|")
	if len(names) < 5 {
		t.Fatalf("PG_JOURNEYS names %d journeys, want the main user paths", len(names))
	}
	for _, name := range names {
		if !strings.Contains(src.String(), "\nfunc TestBrowser_"+name+"(t *testing.T) {") {
			t.Errorf("PG_JOURNEYS names TestBrowser_%s, which no browser*_test.go defines", name)
		}
	}
}
