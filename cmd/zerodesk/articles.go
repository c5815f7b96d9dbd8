package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"zerodesk/internal/errs"
	"zerodesk/internal/kb"
	"zerodesk/internal/store"
)

const articlesUsage = "usage: zerodesk articles export|import [--data DIR] DIR"

// articlesCommand runs "articles export DIR" and "articles import DIR": the
// knowledge base as Markdown files with front matter, for git
// (docs/OPERATIONS.md, "Keeping the knowledge base in git").
func articlesCommand(ctx context.Context, args []string, stderr, out io.Writer) error {
	if len(args) == 0 || (args[0] != "export" && args[0] != "import") {
		fmt.Fprint(stderr, usage)
		return errors.New(articlesUsage)
	}
	sub := args[0]
	cfg, err := parseFlags("articles "+sub, args[1:], stderr, nil)
	if err != nil {
		return err
	}
	if len(cfg.Args) != 1 || cfg.Args[0] == "" {
		return errors.New(articlesUsage)
	}
	dir := cfg.Args[0]
	if sub == "export" {
		if err := cfg.checkDB(); err != nil {
			return err
		}
	} else if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("%s is not a directory to import from", dir)
	} else if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}
	db, err := openStore(ctx, cfg, newLogger(cfg, io.Discard))
	if err != nil {
		return err
	}
	defer db.Close()
	articles, err := kb.New(ctx, db, kb.Options{})
	if err != nil {
		return err
	}
	if sub == "import" {
		res, err := articles.Import(ctx, os.DirFS(dir))
		if err != nil {
			var e *errs.Error
			if errors.As(err, &e) && e == err && e.Err != nil {
				err = e.Err // the file and what is wrong with it, without the internal code
			}
			return fmt.Errorf("import %s (no article was changed): %w", dir, err)
		}
		fmt.Fprintf(out, "imported %s: %d articles created, %d updated, %d unchanged; %d new files\n",
			dir, res.Created, res.Updated, res.Unchanged, res.Files)
		// Serving instances on the same PostgreSQL reload at once rather
		// than at their next generation check (up to a second later).
		if err := store.NewChanges(db, nil).AnnounceNow(ctx, "kb"); err != nil {
			fmt.Fprintf(stderr, "imported, but the serving instances were not told (they see it within a second): %v\n", err)
		}
		return nil
	}
	files, err := articles.Export(ctx)
	if err != nil {
		return err
	}
	written, removed, err := writeExport(dir, files)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "exported to %s: %d files written, %d unchanged, %d removed\n", dir, written, len(files)-written, removed)
	return nil
}

// exportPath matches the paths an export owns inside its directory: anything
// else there (.git, a README) is left alone.
var exportPath = regexp.MustCompile(`^(` + regexp.QuoteMeta(kb.CategoriesFile) + `|[a-z]{2,3}(-[A-Za-z0-9]{2,8})*/[^/]+\.md|` +
	regexp.QuoteMeta(kb.FilesDir) + `/[^/]+)$`)

// writeExport writes files into dir, leaving files whose bytes are the same
// untouched (so git sees only what changed), and removes what an earlier
// export wrote that is gone now (a deleted article or file).
func writeExport(dir string, files map[string][]byte) (written, removed int, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, 0, err
	}
	root := os.DirFS(dir)
	err = fs.WalkDir(root, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && name != "." {
			return fs.SkipDir
		}
		if d.IsDir() || !exportPath.MatchString(name) {
			return nil
		}
		if _, keep := files[name]; !keep {
			removed++
			return os.Remove(filepath.Join(dir, filepath.FromSlash(name)))
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	for name, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(name))
		if old, err := os.ReadFile(full); err == nil && bytes.Equal(old, data) {
			continue
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(path.Dir(name))), 0o755); err != nil {
			return written, removed, err
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			return written, removed, err
		}
		written++
	}
	return written, removed, nil
}
