package main

import (
	"bytes"
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"zerodesk/data"
	"zerodesk/internal/store"
)

// A small catalog (the real ones take minutes: never in make test): the
// generated articles load through the demo path in every language, with
// the demo's own words, and the same seed makes the same files.
func TestGenerate_SmallCatalogLoadsAndRepeats(t *testing.T) {
	vocab, err := vocabulary(data.Demo())
	if err != nil {
		t.Fatal(err)
	}
	a, err := Generate(data.Demo(), vocab, 3, []string{"en", "es"}, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(data.Demo(), vocab, 3, []string{"en", "es"}, 7)
	for _, name := range []string{"en/gen-00001.md", "en/gen-00003.md", "es/gen-00002.md"} {
		x, err := fs.ReadFile(a, name)
		if err != nil {
			t.Fatal(err)
		}
		y, _ := fs.ReadFile(b, name)
		if !bytes.Equal(x, y) {
			t.Fatalf("%s differs between two runs with one seed", name)
		}
		if !strings.Contains(string(x), "title = ") || len(x) < 500 {
			t.Fatalf("%s is no article:\n%s", name, x)
		}
	}

	dir := t.TempDir()
	if err := build(context.Background(), dir, 3, []string{"en", "es"}, 7); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(filepath.Join(dir, "zerodesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	db.Read.QueryRow(`SELECT count(*) FROM translations WHERE slug LIKE 'gen-%' AND published_at IS NOT NULL`).Scan(&n)
	if n != 6 {
		t.Fatalf("%d generated translations published, want 6", n)
	}
	if err := build(context.Background(), dir, 3, []string{"en"}, 7); err == nil {
		t.Fatal("a second catalog was written over the first")
	}
}
