package kb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"zerodesk/internal/errs"
)

// The knowledge base as files (issue 13, item 10): Export writes every
// article, translation, category and editors' file in the layout of
// data/demo, and Import reads that layout back, so a knowledge base can live
// in git. The demo content is loaded through Import too (SeedIfEmpty).
//
//	categories.toml        [[category]] key = "setup" … in display order
//	LANG/KEY.md            one translation: TOML front matter, then Markdown (seed.go)
//	files/HASH.EXT         an editors' file, its bytes (HASH: SHA-256 of them)
//	files/names.toml       "HASH.EXT" = "name as uploaded"
//	drafts/LANG/KEY.md     the newer draft of a published translation, not
//	                       published yet (state = "draft"): import keeps it
//	                       as the translation's newest revision, unpublished
//
// Import creates what is new and updates what changed, as new revisions by
// the author "import" that it publishes (or archives) as the file says, with
// the file's dates. A new article's text is its first revision, noted
// ImportNote, published without republishing (its page stays the one the
// file dates). What is the same is left alone: importing twice changes nothing. Views and votes are readers' data,
// not content: they are neither exported nor imported.

// ImportAuthor is the name the revisions an import makes are signed with.
const ImportAuthor = "import"

// ImportNote is the note of the revisions an import makes.
const ImportNote = "imported"

// Layout names of an export.
const (
	CategoriesFile = "categories.toml"
	FilesDir       = "files"
	DraftsDir      = "drafts"
	fileNamesFile  = "names.toml"
)

// ImportResult counts what an import did, by article.
type ImportResult struct {
	Created   int // articles new to the database
	Updated   int // articles with at least one translation changed
	Unchanged int
	Files     int // editors' files new to the database
}

// Import creates or updates the knowledge base from files in the export
// layout (see above), all articles in one transaction.
func (k *KB) Import(ctx context.Context, src fs.FS) (ImportResult, error) {
	res, err := k.importFS(ctx, src, false)
	return res, errs.Pass(err, "kb: import")
}

type categoriesFile struct {
	Category []categoryEntry `toml:"category"`
}

// categoryEntry is one category of categories.toml: its key, and its name
// and description by language where editors gave them.
type categoryEntry struct {
	Key   Category          `toml:"key"`
	Name  map[string]string `toml:"name"`
	Intro map[string]string `toml:"intro"`
}

func (k *KB) importFS(ctx context.Context, src fs.FS, onlyIfEmpty bool) (ImportResult, error) {
	var res ImportResult
	articles, err := readDemo(src, onlyIfEmpty)
	if err != nil {
		return res, errs.Wrap(err, "kb: read")
	}
	cats, err := readCategories(src)
	if err != nil {
		return res, errs.Wrap(err, "kb: read")
	}
	drafts, err := readDrafts(src, articles)
	if err != nil {
		return res, errs.Wrap(err, "kb: read")
	}
	if len(articles) == 0 && cats == nil {
		return res, nil
	}
	if !onlyIfEmpty {
		if res.Files, err = k.importFiles(ctx, src); err != nil {
			return res, err
		}
	}
	// patched: the articles created or updated; catsChanged: the
	// categories' order, names or descriptions.
	var patched []int64
	var catsChanged bool
	var span genSpan
	err = k.db.Tx(ctx, func(tx *sql.Tx) (err error) {
		span, err = spanOf(ctx, tx, func() error {
			res, patched, catsChanged = ImportResult{Files: res.Files}, nil, false
			if onlyIfEmpty {
				// Checked again inside the write transaction: two processes may start at once.
				var n int
				if err := tx.QueryRowContext(ctx, sqlCountArticles).Scan(&n); err != nil || n > 0 {
					return err
				}
			}
			if err := checkImportCategories(ctx, tx, articles, cats); err != nil {
				return errs.Wrap(err, "kb: read")
			}
			catsBefore, err := categoryList(ctx, tx)
			if err != nil {
				return err
			}
			if cats == nil && onlyIfEmpty {
				for _, c := range Categories {
					cats = append(cats, categoryEntry{Key: c})
				}
			}
			for i, c := range cats {
				if _, err := tx.ExecContext(ctx, sqlPortPlaceCategory, string(c.Key), i+1); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, sqlPortDropCategoryTexts, string(c.Key)); err != nil {
					return err
				}
				for _, lang := range sortedKeys(c.Name) {
					if err := k.setCategoryText(ctx, tx, c.Key, lang, c.Name[lang], c.Intro[lang]); err != nil {
						return err
					}
				}
				for _, lang := range sortedKeys(c.Intro) {
					if _, named := c.Name[lang]; !named {
						if err := k.setCategoryText(ctx, tx, c.Key, lang, "", c.Intro[lang]); err != nil {
							return err
						}
					}
				}
			}
			catsAfter, err := categoryList(ctx, tx)
			if err != nil {
				return err
			}
			catsChanged = !reflect.DeepEqual(catsBefore, catsAfter)
			ids, err := articleIDs(ctx, tx)
			if err != nil {
				return err
			}
			var fresh []*demoArticle
			for _, a := range articles {
				if _, ok := ids[a.key]; !ok {
					fresh = append(fresh, a)
				}
			}
			if err := k.insertArticles(ctx, tx, fresh, ids); err != nil {
				return err
			}
			res.Created = len(fresh)
			for _, a := range fresh {
				patched = append(patched, ids[a.key])
			}
			updated := map[string]bool{}
			for _, a := range articles {
				if slices.Contains(fresh, a) {
					continue
				}
				changed, err := k.updateArticle(ctx, tx, a, ids)
				if err != nil {
					return err
				}
				if changed {
					res.Updated++
					updated[a.key] = true
				} else {
					res.Unchanged++
				}
			}
			for _, d := range drafts {
				changed, err := k.importDraft(ctx, tx, d, ids)
				if err != nil {
					return err
				}
				if changed && !slices.Contains(fresh, d.article) && !updated[d.article.key] {
					res.Updated++
					res.Unchanged--
					updated[d.article.key] = true
				}
			}
			for key := range updated {
				patched = append(patched, ids[key])
			}
			slices.Sort(patched)
			if len(patched) == 0 && !catsChanged {
				return nil
			}
			_, err = tx.ExecContext(ctx, sqlEdNextGeneration) // also when only dates or categories changed
			return err
		})
		if err != nil {
			return err
		}
		// What the other instances patch (Refresh): as this one, below.
		return logChanges(ctx, tx, span, onlyIfEmpty || len(patched) > maxPatchedImport(len(k.cat.Load().lib.all)), patched...)
	})
	if err != nil {
		return ImportResult{}, err
	}
	switch {
	case onlyIfEmpty: // the demo, into an empty catalog
		err = k.written(ctx)
	case len(patched) > maxPatchedImport(len(k.cat.Load().lib.all)):
		err = k.written(ctx) // rebuilt whole: see maxPatchedImport
	case len(patched) > 0 || catsChanged:
		err = k.reloadArticles(ctx, span, patched...) // patched, as a publication is
	}
	if err != nil {
		return res, err
	}
	return res, nil
}

// readCategories reads categories.toml, if any: the categories in display
// order. nil when there is none.
func readCategories(src fs.FS) ([]categoryEntry, error) {
	raw, err := fs.ReadFile(src, CategoriesFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var cf categoriesFile
	md, err := toml.Decode(string(raw), &cf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", CategoriesFile, err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		return nil, fmt.Errorf("%s: unknown field %q", CategoriesFile, un[0].String())
	}
	seen := map[Category]bool{}
	out := []categoryEntry{}
	for _, c := range cf.Category {
		c.Key = Category(strings.TrimSpace(string(c.Key)))
		if !c.Key.valid() {
			return nil, fmt.Errorf("%s: category key %q: use a-z, 0-9 and single dashes", CategoriesFile, c.Key)
		}
		if seen[c.Key] {
			return nil, fmt.Errorf("%s: category %q listed twice", CategoriesFile, c.Key)
		}
		seen[c.Key] = true
		for _, texts := range []map[string]string{c.Name, c.Intro} {
			for lang, text := range texts {
				if !langPattern.MatchString(lang) {
					return nil, fmt.Errorf("%s: category %q: %q is not a language", CategoriesFile, c.Key, lang)
				}
				texts[lang] = strings.TrimSpace(text)
			}
		}
		for lang := range c.Name {
			if _, _, err := cleanCategoryText(c.Name[lang], c.Intro[lang]); err != nil {
				return nil, fmt.Errorf("%s: category %q: the %s name or description is too long", CategoriesFile, c.Key, lang)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// checkImportCategories: every article's category is stored already or in
// categories.toml.
func checkImportCategories(ctx context.Context, tx *sql.Tx, articles []*demoArticle, cats []categoryEntry) error {
	known := map[Category]bool{}
	for _, c := range cats {
		known[c.Key] = true
	}
	stored, err := categoryList(ctx, tx)
	if err != nil {
		return err
	}
	for _, c := range stored {
		known[c.Key] = true
	}
	for _, a := range articles {
		if !known[a.category] {
			return fmt.Errorf("%s: unknown category %q (want one of %v)", a.source.name, a.category, slices.Sorted(maps.Keys(known)))
		}
	}
	return nil
}

func articleIDs(ctx context.Context, tx *sql.Tx) (map[string]int64, error) {
	rows, err := tx.QueryContext(ctx, sqlPortArticleIDs)
	if err != nil {
		return nil, err
	}
	ids := map[string]int64{}
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			rows.Close()
			return nil, err
		}
		ids[key] = id
	}
	return ids, closeRows(rows)
}

// insertArticles loads new articles' text as it is, dated by their files;
// ids are the articles already stored, and gain the new ones.
func (k *KB) insertArticles(ctx context.Context, tx *sql.Tx, articles []*demoArticle, ids map[string]int64) error {
	if len(articles) == 0 {
		return nil
	}
	now := k.now().Unix()
	for _, a := range articles {
		var id int64
		err := tx.QueryRowContext(ctx, sqlInsertArticle, a.key, string(a.category), a.position, a.source.lang, now).Scan(&id)
		if err != nil {
			return fmt.Errorf("%s: %w", a.source.name, err)
		}
		ids[a.key] = id
	}
	// Plain text for the index comes from the rendered body; links only need
	// to resolve, not to point anywhere real.
	textLinks := linker{
		article: func(key string) (string, bool) { _, ok := ids[key]; return "/", ok },
		page:    func(p string) string { return p },
	}
	for _, a := range articles {
		for pos, r := range a.related {
			if _, err := tx.ExecContext(ctx, sqlInsertRelated, ids[a.key], ids[r], pos+1); err != nil {
				return fmt.Errorf("%s: related %q: %w", a.source.name, r, err)
			}
		}
		srcUpdated, _ := a.revisions(a.source, now)
		var srcRev int64
		// The source first: its translations follow its first revision.
		langs := append([]string{a.source.lang}, slices.DeleteFunc(sortedKeys(a.files), func(l string) bool { return l == a.source.lang })...)
		for _, lang := range langs {
			f := a.files[lang]
			var published any // NULL: a draft
			if f.fm.Published != nil {
				published = f.fm.Published.Unix()
			}
			updated, from := a.revisions(f, now)
			var tid int64
			err := tx.QueryRowContext(ctx, sqlPortInsertTranslation, ids[a.key], lang, f.slug(), f.fm.Title,
				f.fm.Description, f.body, f.fm.Keywords, published, updated, from).Scan(&tid)
			if err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
			if err := k.indexTranslation(ctx, tx, tid, lang, f.fm.Title, withKeywords(f.body, f.fm.Keywords), textLinks); err != nil {
				return fmt.Errorf("%s: index: %w", f.name, err)
			}
			rev, err := k.importRevision(ctx, tx, ids[a.key], a, f, published != nil)
			if err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
			if f == a.source {
				srcRev = rev
			} else {
				// A translation as current as its source follows the source's
				// first revision; an older one follows none of it (outdated).
				follows := int64(0)
				if from >= srcUpdated {
					follows = srcRev
				}
				if _, err := tx.ExecContext(ctx, sqlTrSetFollows, ids[a.key], lang, follows); err != nil {
					return fmt.Errorf("%s: %w", f.name, err)
				}
			}
			if f.fm.State == string(StateArchived) {
				if _, err := tx.ExecContext(ctx, sqlEdArchive, ids[a.key], lang, nil, now); err != nil {
					return fmt.Errorf("%s: %w", f.name, err)
				}
			}
		}
	}
	if err := k.fts.indexed(ctx, tx); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

// importRevision keeps a new translation's loaded text as its first
// revision, by the import, noted ImportNote, and published when visitors
// read it (their page is the one the file dates, not republished).
func (k *KB) importRevision(ctx context.Context, tx *sql.Tx, articleID int64, a *demoArticle, f *demoFile, published bool) (int64, error) {
	state := StateDraft
	if published {
		state = StatePublished
	}
	rev, err := k.insertRevision(ctx, tx, Author{Name: ImportAuthor}, articleID, 0, a.draft(f), state)
	if err != nil {
		return 0, err
	}
	if published {
		if _, err := tx.ExecContext(ctx, sqlEdSetPublished, articleID, f.lang, rev.ID, k.now().Unix()); err != nil {
			return 0, err
		}
	}
	return rev.ID, nil
}

// draft is f's text as a revision of the article.
func (a *demoArticle) draft(f *demoFile) Draft {
	return Draft{Lang: f.lang, Title: f.fm.Title, Slug: f.slug(), Description: f.fm.Description, Body: f.body,
		Keywords: f.fm.Keywords, Category: a.category, Position: a.position, Related: a.related, Note: ImportNote}
}

func (f *demoFile) slug() string {
	if f.fm.Slug != "" {
		return f.fm.Slug
	}
	return f.fm.Key
}

// updateArticle brings a stored article to what its files say: a new
// revision for each translation whose text changed, published, archived or
// left a draft as the file says, with the file's dates. It reports whether
// anything changed.
func (k *KB) updateArticle(ctx context.Context, tx *sql.Tx, a *demoArticle, ids map[string]int64) (bool, error) {
	id := ids[a.key]
	now := k.now().Unix()
	changed := false
	for _, lang := range sortedKeys(a.files) {
		f := a.files[lang]
		want := a.draft(f)
		ed, err := k.edition(ctx, tx, id, lang)
		if errs.CodeOf(err) == errs.NotFound {
			ed, err = &Edition{ArticleID: id, State: StateMissing}, nil
		}
		if err != nil {
			return false, fmt.Errorf("%s: %w", f.name, err)
		}
		state := State(f.fm.State)
		cur, revID := ed.Head, ed.Head.ID
		if state == StatePublished && ed.PublishedID > 0 && ed.PublishedID != ed.Head.ID {
			// A newer draft waits (drafts/): the file is what visitors read.
			pub, err := loadRevision(ctx, tx, ed.PublishedID)
			if err != nil {
				return false, fmt.Errorf("%s: %w", f.name, err)
			}
			cur, revID = *pub, pub.ID
		}
		sameText := ed.State != StateMissing && sameDraft(cur.Draft, want)
		if !sameText {
			if err := k.slugFree(ctx, tx, lang, want.Slug, id); err != nil {
				return false, fmt.Errorf("%s: slug %q: %w", f.name, want.Slug, err)
			}
			keep := ed.State
			if keep == StateMissing {
				keep = StateDraft
			}
			rev, err := k.insertRevision(ctx, tx, Author{Name: ImportAuthor}, id, ed.Head.ID, want, keep)
			if err != nil {
				return false, fmt.Errorf("%s: %w", f.name, err)
			}
			revID, changed = rev.ID, true
		}
		switch {
		case state == StatePublished && (!sameText || ed.State != StatePublished):
			if revID == 0 {
				// The loaded text, never a revision: one is needed to publish.
				rev, err := k.insertRevision(ctx, tx, Author{Name: ImportAuthor}, id, 0, want, ed.State)
				if err != nil {
					return false, fmt.Errorf("%s: %w", f.name, err)
				}
				revID = rev.ID
			}
			if err := k.publishTx(ctx, tx, id, lang, revID); err != nil {
				return false, fmt.Errorf("%s: %w", f.name, err)
			}
			changed = true
		case state == StateArchived && ed.State != StateArchived && ed.State != StateMissing:
			if _, err := tx.ExecContext(ctx, sqlEdUnpublishTranslation, id, lang); err != nil {
				return false, err
			}
			if _, err := tx.ExecContext(ctx, sqlEdArchive, id, lang, nil, now); err != nil {
				return false, err
			}
			if _, err := tx.ExecContext(ctx, sqlEdNextGeneration); err != nil {
				return false, err
			}
			changed = true
		}
		if state != StatePublished {
			continue
		}
		updated, from := a.revisions(f, now)
		res, err := tx.ExecContext(ctx, portSetDates(k.db.Engine), id, lang, f.fm.Published.Unix(), updated, from)
		if err != nil {
			return false, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			changed = true
		}
	}
	return changed, nil
}

func sameDraft(a, b Draft) bool {
	return a.Title == b.Title && a.Slug == b.Slug && a.Description == b.Description &&
		strings.TrimSpace(a.Body) == strings.TrimSpace(b.Body) && a.Keywords == b.Keywords &&
		a.Category == b.Category && a.Position == b.Position && slices.Equal(a.Related, b.Related)
}

// importedDraft is a file of drafts/: the newer text of a translation.
type importedDraft struct {
	article *demoArticle
	file    *demoFile
}

// readDrafts reads drafts/LANG/KEY.md: each names an article of the import
// and a language it has, and is a draft.
func readDrafts(src fs.FS, articles []*demoArticle) ([]importedDraft, error) {
	sub, err := fs.Sub(src, DraftsDir)
	if err != nil {
		return nil, err
	}
	if _, err := fs.Stat(src, DraftsDir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	files, err := readDemoFiles(sub)
	if err != nil {
		return nil, fmt.Errorf("%s/: %w", DraftsDir, err)
	}
	byKey := map[string]*demoArticle{}
	for _, a := range articles {
		byKey[a.key] = a
	}
	var out []importedDraft
	for _, f := range files {
		f.name = DraftsDir + "/" + f.name
		a := byKey[f.fm.Key]
		switch {
		case a == nil || a.files[f.lang] == nil:
			return nil, fmt.Errorf("%s: no %s/%s.md to be the draft of", f.name, f.lang, f.fm.Key)
		case f.fm.State != string(StateDraft):
			return nil, fmt.Errorf("%s: a draft has no published date nor state but draft", f.name)
		}
		out = append(out, importedDraft{article: a, file: f})
	}
	slices.SortFunc(out, func(x, y importedDraft) int { return strings.Compare(x.file.name, y.file.name) })
	return out, nil
}

// importDraft makes the draft the translation's newest revision, unless it
// is already (a second import changes nothing).
func (k *KB) importDraft(ctx context.Context, tx *sql.Tx, d importedDraft, ids map[string]int64) (bool, error) {
	id := ids[d.article.key]
	ed, err := k.edition(ctx, tx, id, d.file.lang)
	if err != nil {
		return false, fmt.Errorf("%s: %w", d.file.name, err)
	}
	want := d.article.draft(d.file)
	if d.file.fm.Category != nil {
		want.Category = Category(*d.file.fm.Category)
	}
	if d.file.fm.Position != nil {
		want.Position = *d.file.fm.Position
	}
	if d.file.fm.Related != nil {
		want.Related = d.file.fm.Related
	}
	if sameDraft(ed.Head.Draft, want) {
		return false, nil
	}
	if err := k.slugFree(ctx, tx, want.Lang, want.Slug, id); err != nil {
		return false, fmt.Errorf("%s: slug %q: %w", d.file.name, want.Slug, err)
	}
	if _, err := k.insertRevision(ctx, tx, Author{Name: ImportAuthor}, id, ed.Head.ID, want, ed.State); err != nil {
		return false, fmt.Errorf("%s: %w", d.file.name, err)
	}
	return true, nil
}

// importFiles stores the editors' files of src that are new; each must hash
// to its name, so the articles' links to it stay right.
func (k *KB) importFiles(ctx context.Context, src fs.FS) (int, error) {
	entries, err := fs.ReadDir(src, FilesDir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, errs.Wrap(err, "kb: read files")
	}
	names := map[string]string{}
	if raw, err := fs.ReadFile(src, path.Join(FilesDir, fileNamesFile)); err == nil {
		if _, err := toml.Decode(string(raw), &names); err != nil {
			return 0, errs.Wrap(fmt.Errorf("%s/%s: %w", FilesDir, fileNamesFile, err), "kb: read files")
		}
	}
	n := 0
	for _, e := range entries {
		if e.IsDir() || e.Name() == fileNamesFile {
			continue
		}
		hash, ext, _ := strings.Cut(e.Name(), ".")
		if _, _, err := k.FileData(ctx, hash, ext); err == nil {
			continue
		}
		data, err := fs.ReadFile(src, path.Join(FilesDir, e.Name()))
		if err != nil {
			return n, errs.Wrap(err, "kb: read files")
		}
		name := names[e.Name()]
		if name == "" {
			name = e.Name()
		}
		f, err := k.AddFile(ctx, name, data, 0)
		if err != nil {
			return n, errs.Wrap(fmt.Errorf("%s/%s: %w", FilesDir, e.Name(), err), "kb: import files")
		}
		if f.Hash != hash || f.Type.Ext != ext {
			return n, errs.Wrap(fmt.Errorf("%s/%s: its bytes are %s.%s, not its name", FilesDir, e.Name(), f.Hash, f.Type.Ext), "kb: import files")
		}
		n++
	}
	return n, nil
}

// Export returns the whole knowledge base as files in the export layout, by
// path: every published translation as visitors read it, every other one
// (draft, archived) as its newest text, the categories and the editors' files.
func (k *KB) Export(ctx context.Context) (map[string][]byte, error) {
	out, err := k.export(ctx)
	return out, errs.Wrap(err, "kb: export")
}

func (k *KB) export(ctx context.Context) (map[string][]byte, error) {
	out := map[string][]byte{}
	q := k.db.Read
	var cats strings.Builder
	cats.WriteString("# The knowledge base's categories, in the order the portal shows them.\n")
	list, err := categoryList(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		fmt.Fprintf(&cats, "\n[[category]]\nkey = %s\n", tomlString(string(c.Key)))
		for _, t := range []struct {
			field string
			texts map[string]string
		}{{"name", c.Names}, {"intro", c.Intros}} {
			if len(t.texts) == 0 {
				continue
			}
			var pairs []string
			for _, lang := range sortedKeys(t.texts) {
				pairs = append(pairs, tomlString(lang)+" = "+tomlString(t.texts[lang]))
			}
			fmt.Fprintf(&cats, "%s = { %s }\n", t.field, strings.Join(pairs, ", "))
		}
	}
	var rows *sql.Rows
	out[CategoriesFile] = []byte(cats.String())

	type article struct {
		id                     int64
		key, category, srcLang string
		position               int
	}
	var arts []article
	rows, err = q.QueryContext(ctx, sqlPortArticles)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var a article
		if err := rows.Scan(&a.id, &a.key, &a.category, &a.position, &a.srcLang); err != nil {
			rows.Close()
			return nil, err
		}
		arts = append(arts, a)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	for _, a := range arts {
		related, err := relatedKeys(ctx, q, a.id)
		if err != nil {
			return nil, err
		}
		langs, err := k.exportLangs(ctx, a.id)
		if err != nil {
			return nil, err
		}
		needSource := a.srcLang != "en" && (slices.Contains(langs, "en") || len(langs) > 0 && langs[0] != a.srcLang)
		for _, lang := range langs {
			e := exported{Key: a.key, Lang: lang}
			if lang == a.srcLang {
				e.Source, e.MarkSource = true, needSource
				e.Category, e.Position, e.Related = a.category, a.position, related
			}
			if err := k.fillExported(ctx, a.id, &e); err != nil {
				return nil, fmt.Errorf("%s/%s: %w", lang, a.key, err)
			}
			out[lang+"/"+a.key+".md"] = e.file()
			if d, err := k.pendingDraft(ctx, a.id, e); err != nil {
				return nil, fmt.Errorf("%s/%s: %w", lang, a.key, err)
			} else if d != nil {
				out[DraftsDir+"/"+lang+"/"+a.key+".md"] = d.file()
			}
		}
	}
	return out, k.exportFiles(ctx, out)
}

func (k *KB) exportLangs(ctx context.Context, articleID int64) ([]string, error) {
	rows, err := k.db.Read.QueryContext(ctx, sqlPortLangs, articleID)
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		var lang string
		if err := rows.Scan(&lang); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, lang)
	}
	return out, closeRows(rows)
}

// exported is one translation as a file.
type exported struct {
	Key, Lang, Slug, Title, Description, Keywords, Body string
	Source, MarkSource                                  bool
	Category                                            string
	Position                                            int
	Related                                             []string
	State                                               State
	Published, Updated, Translated, Revised             time.Time
}

func (k *KB) fillExported(ctx context.Context, articleID int64, e *exported) error {
	var published, updated, from sql.NullInt64
	err := k.db.Read.QueryRowContext(ctx, sqlPortTranslation, articleID, e.Lang).Scan(&e.Slug, &e.Title,
		&e.Description, &e.Body, &e.Keywords, &published, &updated, &from)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if err == nil && published.Valid {
		e.State = StatePublished
		e.Published = time.Unix(published.Int64, 0).UTC()
		up := time.Unix(updated.Int64, 0).UTC()
		if e.Source {
			if !up.Equal(e.Published) {
				e.Updated = up
			}
		} else {
			e.Translated = time.Unix(from.Int64, 0).UTC()
			if !up.Equal(e.Published) {
				e.Revised = up
			}
		}
		return nil
	}
	// Not what visitors read: the newest text.
	ed, err := k.edition(ctx, k.db.Read, articleID, e.Lang)
	if err != nil {
		return err
	}
	h := ed.Head
	e.Slug, e.Title, e.Description, e.Body, e.Keywords = h.Slug, h.Title, h.Description, h.Body, h.Keywords
	e.State = StateDraft
	if ed.State == StateArchived {
		e.State = StateArchived
	}
	return nil
}

// pendingDraft is the newer draft of a published translation (e), nil when
// its newest revision is what visitors read.
func (k *KB) pendingDraft(ctx context.Context, articleID int64, e exported) (*exported, error) {
	if e.State != StatePublished {
		return nil, nil
	}
	ed, err := k.edition(ctx, k.db.Read, articleID, e.Lang)
	if err != nil || ed.Head.ID == 0 || ed.PublishedID == 0 || ed.Head.ID == ed.PublishedID {
		return nil, err
	}
	h := ed.Head
	return &exported{Key: e.Key, Lang: e.Lang, Slug: h.Slug, Title: h.Title, Description: h.Description, Body: h.Body,
		Keywords: h.Keywords, Source: e.Source, Category: string(h.Category), Position: h.Position, Related: h.Related,
		State: StateDraft}, nil
}

// file writes e in the front-matter format readDemo reads.
func (e *exported) file() []byte {
	var b strings.Builder
	b.WriteString("+++\n")
	field := func(name, value string) { fmt.Fprintf(&b, "%s = %s\n", name, value) }
	field("key", tomlString(e.Key))
	if e.Slug != e.Key {
		field("slug", tomlString(e.Slug))
	}
	if e.MarkSource {
		field("source", "true")
	}
	if e.Source {
		field("category", tomlString(e.Category))
		field("position", strconv.Itoa(e.Position))
	}
	field("title", tomlString(e.Title))
	if e.Description != "" {
		field("description", tomlString(e.Description))
	}
	for _, d := range []struct {
		name string
		t    time.Time
	}{{"published", e.Published}, {"updated", e.Updated}, {"translated", e.Translated}, {"revised", e.Revised}} {
		if !d.t.IsZero() {
			field(d.name, tomlTime(d.t))
		}
	}
	if e.Keywords != "" {
		field("keywords", tomlString(e.Keywords))
	}
	if len(e.Related) > 0 {
		quoted := make([]string, len(e.Related))
		for i, r := range e.Related {
			quoted[i] = tomlString(r)
		}
		field("related", "["+strings.Join(quoted, ", ")+"]")
	}
	if e.State == StateArchived {
		field("state", tomlString(string(e.State)))
	}
	b.WriteString("+++\n")
	b.WriteString(strings.TrimSpace(e.Body))
	b.WriteString("\n")
	return []byte(b.String())
}

func (k *KB) exportFiles(ctx context.Context, out map[string][]byte) error {
	rows, err := k.db.Read.QueryContext(ctx, sqlPortFiles)
	if err != nil {
		return err
	}
	var names strings.Builder
	for rows.Next() {
		var hash, ext, name string
		var data []byte
		if err := rows.Scan(&hash, &ext, &name, &data); err != nil {
			rows.Close()
			return err
		}
		out[path.Join(FilesDir, hash+"."+ext)] = data
		fmt.Fprintf(&names, "%s = %s\n", tomlString(hash+"."+ext), tomlString(name))
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	if names.Len() > 0 {
		out[path.Join(FilesDir, fileNamesFile)] = []byte("# The editors' files by address, with the name each was uploaded under.\n" + names.String())
	}
	return nil
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// tomlTime writes a day as a TOML local date, any other time as a UTC date-time.
func tomlTime(t time.Time) string {
	t = t.UTC()
	if t.Equal(t.Truncate(24 * time.Hour)) {
		return t.Format(time.DateOnly)
	}
	return t.Format("2006-01-02T15:04:05Z")
}

// Imported: the revision was made by an import (signed ImportAuthor, by no account).
func (r *Revision) Imported() bool { return r.AuthorID == 0 && r.Author == ImportAuthor }
