package kb

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"zerodesk/internal/errs"
)

// Demo content: LANG/KEY.md files, TOML front matter between +++ lines, then
// Markdown. The front matter is checked strictly, because a typo in a demo
// file should stop the build's tests, not show up as a missing article.
//
//	+++
//	key = "reset-account"       # required, a-z 0-9 and dashes; the same in every language
//	category = "setup"          # required in the source language
//	position = 3                # required in the source language
//	title = "Reset your account"
//	description = "…"
//	published = 2026-03-14      # absent: a draft
//	updated = 2026-11-20        # source only: a later revision than published
//	translated = 2026-03-14     # translations only: the source revision (published
//	                            # or updated date) this translation was made from
//	related = ["recover-account"]
//	slug = "…"                  # optional, defaults to key
//	keywords = "…"              # optional: words search finds it by beside its text
//	revised = 2026-03-20        # translations only: when its text last changed
//	                            # (absent: published)
//	source = true               # optional: this language is the source (by
//	                            # default English, else the first language)
//	state = "archived"          # optional: "draft", "published" or "archived";
//	                            # absent: published when it has a published date
//	+++
//
// The source language of an article is English when it has an English file,
// otherwise the first language in alphabetical order. Other languages'
// files may leave category, position and related out; when present they must
// agree with the source. A translation without translated is taken to follow
// the source revision current when it was published. A slug, in any language,
// names one article only: no other article may use it as key or slug, so an
// address in one language can be followed to the article in another.

type frontMatter struct {
	Key         string     `toml:"key"`
	Slug        string     `toml:"slug"`
	Category    *string    `toml:"category"`
	Position    *int       `toml:"position"`
	Title       string     `toml:"title"`
	Description string     `toml:"description"`
	Published   *time.Time `toml:"published"`
	Updated     *time.Time `toml:"updated"`
	Translated  *time.Time `toml:"translated"`
	Related     []string   `toml:"related"`
	Keywords    string     `toml:"keywords"`
	Revised     *time.Time `toml:"revised"`
	State       string     `toml:"state"`
	Source      bool       `toml:"source"`
}

type demoFile struct {
	name string // path inside the demo FS, for errors
	lang string
	fm   frontMatter
	body string
}

type demoArticle struct {
	key      string
	source   *demoFile
	files    map[string]*demoFile // by language
	category Category
	position int
	related  []string
}

var (
	keyPattern  = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	slugPattern = regexp.MustCompile(`^[\p{Ll}\p{Lo}\p{N}]+(-[\p{Ll}\p{Lo}\p{N}]+)*$`)
	langPattern = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
)

// SeedIfEmpty loads the demo articles when the database has none, through
// Import (all in one transaction), and rebuilds the catalog. It returns how
// many articles it loaded: 0 when there were articles already.
func (k *KB) SeedIfEmpty(ctx context.Context, demo fs.FS) (int, error) {
	var n int
	if err := k.db.Read.QueryRowContext(ctx, sqlCountArticles).Scan(&n); err != nil {
		return 0, errs.Wrap(err, "kb: seed")
	}
	if n > 0 {
		return 0, nil
	}
	res, err := k.importFS(ctx, demo, true)
	if err != nil {
		return 0, errs.Pass(err, "kb: seed")
	}
	return res.Created, nil
}

// revisions returns when f's text last changed and which revision of the
// source it follows (for the source itself: its own), as unix seconds; now
// stands in for dates a draft does not have.
func (a *demoArticle) revisions(f *demoFile, now int64) (updated, from int64) {
	src := a.source.fm
	srcRev := now
	switch {
	case src.Updated != nil:
		srcRev = src.Updated.Unix()
	case src.Published != nil:
		srcRev = src.Published.Unix()
	}
	if f == a.source {
		return srcRev, srcRev
	}
	updated = now
	switch {
	case f.fm.Revised != nil:
		updated = f.fm.Revised.Unix()
	case f.fm.Published != nil:
		updated = f.fm.Published.Unix()
	}
	switch {
	case f.fm.Translated != nil:
		from = f.fm.Translated.Unix()
	case f.fm.Published != nil && src.Updated != nil && f.fm.Published.Before(*src.Updated) && src.Published != nil:
		from = src.Published.Unix() // published before the source's update
	default:
		from = srcRev
	}
	return updated, from
}

// readDemo parses and checks every file; it returns the articles sorted by key.
// strictLinks refuses an article: link to no article of demo: for the demo
// compiled in (a typo stops the build's tests). An import of an export takes
// what an editor can save: a link to an article that does not exist (yet,
// or any more) is kept in the Markdown and shows its words, unlinked.
func readDemo(demo fs.FS, strictLinks bool) ([]*demoArticle, error) {
	files, err := readDemoFiles(demo)
	if err != nil {
		return nil, err
	}
	byKey, err := groupDemoFiles(files)
	if err != nil {
		return nil, err
	}
	var out []*demoArticle
	for _, key := range sortedKeys(byKey) {
		a := byKey[key]
		if err := a.takeSource(byKey); err != nil {
			return nil, err
		}
		if err := a.checkTranslations(); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := checkDemoAddresses(out); err != nil {
		return nil, err
	}
	if !strictLinks {
		return out, nil
	}
	if err := checkDemoLinks(out, byKey); err != nil {
		return nil, err
	}
	return out, nil
}

// readDemoFiles parses every Markdown file of demo, each in its language's
// folder.
func readDemoFiles(demo fs.FS) ([]*demoFile, error) {
	var files []*demoFile
	err := fs.WalkDir(demo, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && name != "." && strings.HasPrefix(d.Name(), ".") {
			return fs.SkipDir // .git and the like
		}
		if d.IsDir() && (name == DraftsDir || name == FilesDir) {
			return fs.SkipDir // read on their own (porting.go)
		}
		if d.IsDir() || !strings.HasSuffix(name, ".md") || strings.EqualFold(name, "README.md") {
			return nil // a folder's README is for people, not an article
		}
		lang, base := path.Split(name)
		lang = strings.TrimSuffix(lang, "/")
		if !langPattern.MatchString(lang) {
			return fmt.Errorf("%s: not in a language folder (like en/%s)", name, base)
		}
		raw, err := fs.ReadFile(demo, name)
		if err != nil {
			return err
		}
		f, err := parseDemoFile(name, lang, raw)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	return files, err
}

// groupDemoFiles gathers the files into articles by key: one file per key
// and language, one slug per language.
func groupDemoFiles(files []*demoFile) (map[string]*demoArticle, error) {
	byKey := map[string]*demoArticle{}
	slugs := map[string]string{} // lang + slug → file
	for _, f := range files {
		a := byKey[f.fm.Key]
		if a == nil {
			a = &demoArticle{key: f.fm.Key, files: map[string]*demoFile{}}
			byKey[f.fm.Key] = a
		}
		if other := a.files[f.lang]; other != nil {
			return nil, fmt.Errorf("%s: duplicate key %q (also in %s)", f.name, f.fm.Key, other.name)
		}
		a.files[f.lang] = f
		slug := f.fm.Slug
		if slug == "" {
			slug = f.fm.Key
		}
		if other, dup := slugs[f.lang+"/"+slug]; dup {
			return nil, fmt.Errorf("%s: duplicate slug %q (also in %s)", f.name, slug, other)
		}
		slugs[f.lang+"/"+slug] = f.name
	}
	return byKey, nil
}

// takeSource picks the article's source (English, else its first
// language), takes category, position and related articles from it, and
// checks them and its dates. byKey are all the articles.
func (a *demoArticle) takeSource(byKey map[string]*demoArticle) error {
	src := a.files["en"]
	if src == nil {
		src = a.files[sortedKeys(a.files)[0]]
	}
	var marked *demoFile
	for _, lang := range sortedKeys(a.files) {
		if f := a.files[lang]; f.fm.Source {
			if marked != nil {
				return fmt.Errorf("%s: source: %s says it is the source too", f.name, marked.name)
			}
			marked, src = f, f
		}
	}
	a.source = src
	if src.fm.Category == nil {
		return fmt.Errorf("%s: missing category", src.name)
	}
	if src.fm.Position == nil {
		return fmt.Errorf("%s: missing position", src.name)
	}
	a.category, a.position, a.related = Category(*src.fm.Category), *src.fm.Position, src.fm.Related
	if !a.category.valid() {
		return fmt.Errorf("%s: unknown category %q (want one of %v)", src.name, a.category, Categories)
	}
	for i, r := range a.related {
		switch {
		case byKey[r] == nil:
			return fmt.Errorf("%s: related: no article has key %q", src.name, r)
		case r == a.key:
			return fmt.Errorf("%s: related: an article cannot be related to itself", src.name)
		case slices.Contains(a.related[:i], r):
			return fmt.Errorf("%s: related: %q listed twice", src.name, r)
		}
	}
	switch sp, su := src.fm.Published, src.fm.Updated; {
	case src.fm.Translated != nil:
		return fmt.Errorf("%s: translated is for translations; this is the source", src.name)
	case src.fm.Revised != nil:
		return fmt.Errorf("%s: revised is for translations; the source says updated", src.name)
	case su != nil && sp == nil:
		return fmt.Errorf("%s: updated without published", src.name)
	case su != nil && su.Before(*sp):
		return fmt.Errorf("%s: updated %s is before published %s", src.name, day(*su), day(*sp))
	}
	return nil
}

// checkTranslations checks that each translation agrees with the source
// and dates itself by the source's revision it follows.
func (a *demoArticle) checkTranslations() error {
	src := a.source
	for _, f := range a.files {
		if f == src {
			continue
		}
		switch {
		case f.fm.Updated != nil:
			return fmt.Errorf("%s: updated is for the source (%s); a translation says which revision it follows with translated", f.name, src.name)
		case f.fm.Revised != nil && f.fm.Published != nil && f.fm.Revised.Before(*f.fm.Published):
			return fmt.Errorf("%s: revised %s is before published %s", f.name, day(*f.fm.Revised), day(*f.fm.Published))
		case f.fm.Translated != nil && src.fm.Published != nil && f.fm.Translated.Before(*src.fm.Published):
			return fmt.Errorf("%s: translated %s is before %s was published (%s)", f.name, day(*f.fm.Translated), src.name, day(*src.fm.Published))
		case f.fm.Category != nil && Category(*f.fm.Category) != a.category:
			return fmt.Errorf("%s: category %q differs from %s", f.name, *f.fm.Category, src.name)
		case f.fm.Position != nil && *f.fm.Position != a.position:
			return fmt.Errorf("%s: position %d differs from %s", f.name, *f.fm.Position, src.name)
		case f.fm.Related != nil && !slices.Equal(f.fm.Related, a.related):
			return fmt.Errorf("%s: related differs from %s", f.name, src.name)
		}
	}
	return nil
}

// checkDemoAddresses: an address names one article, in whatever language
// it is followed.
func checkDemoAddresses(articles []*demoArticle) error {
	owner := map[string]*demoArticle{}
	for _, a := range articles {
		owner[a.key] = a
	}
	for _, a := range articles {
		for _, lang := range sortedKeys(a.files) {
			f := a.files[lang]
			if f.fm.Slug == "" {
				continue
			}
			if other := owner[f.fm.Slug]; other != nil && other != a {
				return fmt.Errorf("%s: slug %q is also the key or a slug of %q", f.name, f.fm.Slug, other.key)
			}
			owner[f.fm.Slug] = a
		}
	}
	return nil
}

// checkDemoLinks: links between articles must name an article.
func checkDemoLinks(articles []*demoArticle, byKey map[string]*demoArticle) error {
	check := linker{
		article: func(key string) (string, bool) { return "/", byKey[key] != nil },
		page:    func(p string) string { return p },
	}
	for _, a := range articles {
		for _, lang := range sortedKeys(a.files) {
			f := a.files[lang]
			if _, missing := render(f.body, check); len(missing) > 0 {
				return fmt.Errorf("%s: link to unknown article %q", f.name, missing[0])
			}
		}
	}
	return nil
}

func parseDemoFile(name, lang string, raw []byte) (*demoFile, error) {
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	raw = bytes.TrimPrefix(raw, []byte("\uFEFF"))
	rest, ok := bytes.CutPrefix(raw, []byte("+++\n"))
	if !ok {
		return nil, fmt.Errorf("%s: must begin with a +++ line (TOML front matter)", name)
	}
	head, body, ok := bytes.Cut(rest, []byte("\n+++\n"))
	if !ok {
		if head, ok = bytes.CutSuffix(rest, []byte("\n+++")); !ok {
			return nil, fmt.Errorf("%s: front matter has no closing +++ line", name)
		}
	}
	f := &demoFile{name: name, lang: lang, body: strings.TrimSpace(string(body))}
	md, err := toml.Decode(string(head), &f.fm)
	if err != nil {
		return nil, fmt.Errorf("%s: front matter: %w", name, err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		return nil, fmt.Errorf("%s: front matter: unknown field %q", name, un[0].String())
	}
	fm := &f.fm
	fm.Key, fm.Title, fm.Slug = strings.TrimSpace(fm.Key), strings.TrimSpace(fm.Title), strings.TrimSpace(fm.Slug)
	fm.Description = strings.TrimSpace(fm.Description)
	switch {
	case fm.Key == "":
		return nil, fmt.Errorf("%s: missing key", name)
	case !keyPattern.MatchString(fm.Key):
		return nil, fmt.Errorf("%s: key %q: use a-z, 0-9 and single dashes", name, fm.Key)
	case fm.Slug != "" && !slugPattern.MatchString(fm.Slug):
		return nil, fmt.Errorf("%s: slug %q: use lower-case letters, digits and single dashes", name, fm.Slug)
	case fm.Title == "":
		return nil, fmt.Errorf("%s: missing title", name)
	case f.body == "":
		return nil, fmt.Errorf("%s: empty body", name)
	}
	for _, p := range []**time.Time{&fm.Published, &fm.Updated, &fm.Translated, &fm.Revised} {
		*p = inUTC(*p)
	}
	fm.Keywords = strings.Join(strings.Fields(fm.Keywords), " ")
	switch fm.State {
	case "":
		fm.State = string(StateDraft)
		if fm.Published != nil {
			fm.State = string(StatePublished)
		}
	case string(StatePublished):
		if fm.Published == nil {
			return nil, fmt.Errorf("%s: state published needs a published date", name)
		}
	case string(StateDraft), string(StateArchived):
		if fm.Published != nil {
			return nil, fmt.Errorf("%s: state %s has no published date", name, fm.State)
		}
	default:
		return nil, fmt.Errorf("%s: state %q: use draft, published or archived", name, fm.State)
	}
	return f, nil
}

// inUTC reads a TOML date or local date-time, which has no zone, as UTC: a
// date is that day from midnight UTC.
func inUTC(p *time.Time) *time.Time {
	if p == nil {
		return nil
	}
	if loc := p.Location().String(); loc == "date-local" || loc == "datetime-local" {
		t := time.Date(p.Year(), p.Month(), p.Day(), p.Hour(), p.Minute(), p.Second(), 0, time.UTC)
		return &t
	}
	return p
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
