package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func articles(t *testing.T, args ...string) string {
	t.Helper()
	var stderr, out bytes.Buffer
	if err := articlesCommand(context.Background(), args, &stderr, &out); err != nil {
		t.Fatalf("articles %v: %v\n%s", args, err, stderr.String())
	}
	return out.String()
}

// tree reads every file under dir, by slash path.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The demo folder imports into an empty database; its export imports into
// another and exports the same files; importing again changes nothing; an
// export removes what it wrote before and is gone now, and leaves the rest.
func TestArticles_ExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	one, two := t.TempDir(), t.TempDir()
	if out := articles(t, "import", "--data", one, filepath.Join("..", "..", "data", "demo")); !strings.Contains(out, "0 updated, 0 unchanged") {
		t.Fatalf("first import: %q", out)
	}
	exp := filepath.Join(t.TempDir(), "kb")
	for _, d := range []string{".git", "en"} {
		if err := os.MkdirAll(filepath.Join(exp, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, text := range map[string]string{".git/HEAD": "ref", "README.md": "ours", "en/deleted-article.md": "old"} {
		if err := os.WriteFile(filepath.Join(exp, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out := articles(t, "export", "--data", one, exp); !strings.Contains(out, "1 removed") {
		t.Fatalf("export: %q", out)
	}
	first := tree(t, exp)
	if first[".git/HEAD"] != "ref" || first["README.md"] != "ours" || first["en/deleted-article.md"] != "" {
		t.Fatalf("export touched what is not its own, or kept a stale file: %v", len(first))
	}
	if !strings.Contains(first["en/reset-account.md"], `key = "reset-account"`) || first["categories.toml"] == "" {
		t.Fatalf("export lacks files: %d", len(first))
	}
	if out := articles(t, "import", "--data", two, exp); !strings.Contains(out, "0 updated, 0 unchanged") {
		t.Fatalf("import of the export: %q", out)
	}
	again := filepath.Join(t.TempDir(), "kb")
	articles(t, "export", "--data", two, again)
	second := tree(t, again)
	delete(first, ".git/HEAD")
	delete(first, "README.md")
	if len(first) != len(second) {
		t.Fatalf("%d files, then %d", len(first), len(second))
	}
	for name, text := range first {
		if second[name] != text {
			t.Errorf("%s differs after the round trip", name)
		}
	}
	if out := articles(t, "import", "--data", two, exp); !strings.Contains(out, " 0 articles created, 0 updated") {
		t.Errorf("second import: %q", out)
	}
	if out := articles(t, "export", "--data", two, again); !strings.Contains(out, "0 files written") {
		t.Errorf("second export rewrote files: %q", out)
	}
}

func TestArticles_RefusesBadInputWithTheFileAndReason(t *testing.T) {
	t.Parallel()
	data, src := t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Join(src, "en"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "en", "a.md"), []byte("+++\nkey = \"a\"\ntitle = \"A\"\n+++\nx\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "--data", data, src}, "en/a.md: missing category"},
		{[]string{"import", "--data", data, filepath.Join(src, "nope")}, "is not a directory"},
		{[]string{"export", "--data", filepath.Join(data, "none"), src}, "no database"},
		{[]string{"export"}, "usage: zerodesk articles"},
		{[]string{"publish", src}, "usage: zerodesk articles"},
	} {
		var stderr, out bytes.Buffer
		err := articlesCommand(context.Background(), tt.args, &stderr, &out)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("articles %v: %v; want %q", tt.args, err, tt.want)
		}
		if strings.Contains(err.Error(), "error.internal") {
			t.Errorf("articles %v: %v shows the internal code", tt.args, err)
		}
	}
}

func TestUsage_NamesTheArticlesCommands(t *testing.T) {
	t.Parallel()
	for _, want := range []string{"zerodesk articles export DIR", "zerodesk articles import DIR"} {
		if !strings.Contains(usage, want) {
			t.Errorf("usage lacks %q", want)
		}
	}
}
