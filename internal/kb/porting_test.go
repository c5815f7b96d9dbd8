package kb

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"

	"zerodesk/data"
	"zerodesk/internal/testsupport"
)

// emptyKB is a knowledge base on a fresh database, nothing loaded.
func emptyKB(t testing.TB) *KB {
	t.Helper()
	c := testsupport.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	k, err := New(context.Background(), openDB(t), testOptions(t, c))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func export(t testing.TB, k *KB) fstest.MapFS {
	t.Helper()
	files, err := k.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	for name, b := range files {
		out[name] = &fstest.MapFile{Data: b}
	}
	return out
}

func importFS(t testing.TB, k *KB, files fstest.MapFS) ImportResult {
	t.Helper()
	res, err := k.Import(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func sameFiles(t *testing.T, a, b fstest.MapFS) {
	t.Helper()
	if got, want := slices.Sorted(maps.Keys(b)), slices.Sorted(maps.Keys(a)); !slices.Equal(got, want) {
		t.Fatalf("files differ:\n%v\n%v", want, got)
	}
	for name, f := range a {
		if string(f.Data) != string(b[name].Data) {
			t.Errorf("%s differs:\n%s\n---\n%s", name, f.Data, b[name].Data)
		}
	}
}

// visible is everything the catalog shows of every published translation.
func visible(t *testing.T, k *KB) string {
	t.Helper()
	var b strings.Builder
	for _, lang := range k.Languages() {
		for _, c := range Categories {
			for _, s := range k.Section(lang, c) {
				a, _, err := k.ArticleByKey(lang, s.Key)
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&b, "%s %s %q %q %s %s %v %v %q %s %d\n%s\n", lang, c, a.Slug, a.Title, a.PublishedAt, a.UpdatedAt,
					a.Outdated, a.SourceUpdatedAt, a.SourceSlug, keysOf(a.Related), len(a.Related), a.BodyHTML)
			}
		}
		fmt.Fprintf(&b, "latest %s: %s\n", lang, keysOf(k.Latest(lang, 50)))
		fmt.Fprintf(&b, "popular %s: %s\n", lang, keysOf(k.Popular(lang, 50)))
	}
	return b.String()
}

// The real demo, exported, imported into an empty database and exported
// again, gives the same files and the same catalog: dates, translations'
// sources and outdated notices included.
func TestExport_DemoRoundTripsToTheSameFilesAndCatalog(t *testing.T) {
	t.Parallel()
	a, _ := sharedDemo(t) // SeedIfEmpty(data.Demo()) on an empty database; only read here
	first := export(t, a)
	if _, ok := first["en/reset-account.md"]; !ok {
		t.Fatalf("no en/reset-password.md in %v", slices.Sorted(maps.Keys(first)))
	}
	b := emptyKB(t)
	res := importFS(t, b, first)
	if res.Created < 30 || res.Updated != 0 {
		t.Fatalf("import = %+v", res)
	}
	sameFiles(t, first, export(t, b))
	va, vb := visible(t, a), visible(t, b)
	if va != vb {
		t.Fatalf("catalogs differ")
	}
	if !strings.Contains(va, " true ") {
		t.Error("the demo has no outdated translation left after the round trip")
	}
}

// Importing what is already there changes nothing: no revision, no date.
func TestImport_TwiceChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k := emptyKB(t)
	if _, err := k.SeedIfEmpty(ctx, data.Demo()); err != nil {
		t.Fatal(err)
	}
	files := export(t, k)
	before := visible(t, k)
	revisions := func() (n int) {
		t.Helper()
		if err := k.db.Read.QueryRowContext(ctx, `SELECT count(*) FROM article_revisions WHERE author_name = $1 AND note = $2`,
			ImportAuthor, ImportNote).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var translations int
	if err := k.db.Read.QueryRowContext(ctx, `SELECT count(*) FROM translations`).Scan(&translations); err != nil {
		t.Fatal(err)
	}
	if n := revisions(); n != translations {
		t.Fatalf("the demo load made %d revisions for %d translations", n, translations)
	}
	for range 2 {
		res := importFS(t, k, files)
		if res.Created != 0 || res.Updated != 0 || res.Unchanged < 30 {
			t.Fatalf("import = %+v", res)
		}
	}
	if n := revisions(); n != translations {
		t.Fatalf("revisions after importing twice = %d, want %d", n, translations)
	}
	if visible(t, k) != before {
		t.Fatal("the catalog changed")
	}
}

// A changed file becomes a new revision by "import", published with the
// file's dates; the unchanged translations get none; a second import none.
func TestImport_ChangedTextIsANewPublishedRevisionByImport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, _ := seeded(t, demoFS())
	files := export(t, k)
	src := string(files["en/reset-password.md"].Data)
	src = strings.Replace(src, `title = "Reset your password"`, `title = "Reset your password at once"`, 1)
	src = strings.Replace(src, "published = 2026-01-10", "published = 2026-01-10\nupdated = 2026-11-30", 1)
	src = strings.Replace(src, `description = "When you forgot your password."`,
		`description = "When you forgot your password."`+"\nkeywords = \"wombat\"", 1)
	files["en/reset-password.md"] = &fstest.MapFile{Data: []byte(src)}
	for i, want := range []int{1, 0} {
		res := importFS(t, k, files)
		if res.Updated != want || res.Created != 0 {
			t.Fatalf("import %d = %+v, want %d updated", i+1, res, want)
		}
	}
	id := articleID(t, k, "reset-password")
	revs, err := k.Revisions(ctx, id, "en")
	if err != nil || len(revs) != 2 || revs[0].Author != ImportAuthor || revs[0].Note != ImportNote ||
		revs[0].Title != "Reset your password at once" || revs[0].BaseID != revs[1].ID || revs[1].Title != "Reset your password" {
		t.Fatalf("revisions = %+v, %v", revs, err)
	}
	if revs, _ := k.Revisions(ctx, id, "de"); len(revs) != 1 {
		t.Errorf("the unchanged German got %d revisions", len(revs))
	}
	a, err := k.Article("en", "reset-password")
	if err != nil || a.Title != "Reset your password at once" || !a.UpdatedAt.Equal(day0(2026, 11, 30)) || !a.PublishedAt.Equal(day0(2026, 1, 10)) {
		t.Fatalf("article = %+v, %v", a, err)
	}
	if got := searchKeys(t, k, "en", "wombat"); !slices.Contains(got, "reset-password") {
		t.Errorf("search for a keyword = %v", got)
	}
	if res := importFS(t, k, export(t, k)); res.Updated != 0 {
		t.Errorf("importing its own export = %+v", res)
	}
}

// What editors did (an edited and published article, a new draft, an
// archived translation, an image) leaves by export and arrives by import.
func TestExport_EditorsWorkRoundTrips(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, clock := seeded(t, demoFS())
	clock.Add(36 * time.Hour)
	id := articleID(t, k, "usercode")
	ed, err := k.Edition(ctx, id, "en")
	if err != nil {
		t.Fatal(err)
	}
	d := ed.Head.Draft
	d.Body += "\n\nA new paragraph: \"quoted\" and a back\\slash."
	d.Keywords = "badger"
	rev, err := k.Save(ctx, eda, id, ed.Head.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Publish(ctx, id, "en", rev.ID); err != nil {
		t.Fatal(err)
	}
	draft, err := k.Create(ctx, eda, newDraft())
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Unpublish(ctx, articleID(t, k, "recover-account"), "en", ""); err != nil {
		t.Fatal(err)
	}
	img, err := k.AddFile(ctx, "photo.webp", tinyWebP, 0)
	if err != nil {
		t.Fatal(err)
	}
	files := export(t, k)
	if !strings.Contains(string(files["en/recover-account.md"].Data), `state = "archived"`) {
		t.Errorf("archived:\n%s", files["en/recover-account.md"].Data)
	}
	if _, ok := files["files/"+img.Hash+".webp"]; !ok {
		t.Errorf("no image in %v", slices.Sorted(maps.Keys(files)))
	}

	b := emptyKB(t)
	res := importFS(t, b, files)
	if res.Files != 1 {
		t.Errorf("import = %+v", res)
	}
	sameFiles(t, files, export(t, b))
	if visible(t, k) != visible(t, b) {
		t.Fatal("catalogs differ")
	}
	if m, err := b.MovedAddress(ctx, "en", "recover-account"); err != nil || !m.Gone {
		t.Errorf("archived address = %+v, %v", m, err)
	}
	if got := searchKeys(t, b, "en", "badger"); !slices.Contains(got, "usercode") {
		t.Errorf("keywords lost: %v", got)
	}
	var bid int64
	if err := b.db.Read.QueryRowContext(ctx, `SELECT id FROM articles WHERE key = $1`, draft.Slug).Scan(&bid); err != nil {
		t.Fatal(err)
	}
	if ed, err := b.Edition(ctx, bid, "en"); err != nil || ed.State != StateDraft || ed.Head.Title != draft.Title {
		t.Errorf("draft = %+v, %v", ed, err)
	}
	if f, data, err := b.FileData(ctx, img.Hash, "webp"); err != nil || len(data) == 0 || f.Hash != img.Hash {
		t.Errorf("file = %+v, %v", f, err)
	}
	if n := importFS(t, b, files); n.Updated != 0 || n.Created != 0 || n.Files != 0 {
		t.Errorf("second import = %+v", n)
	}
}

func TestImport_RefusesBadFilesAndChangesNothing(t *testing.T) {
	t.Parallel()
	src := `key = "a"
category = "faq"
position = 1
title = "A"
published = 2026-03-01`
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"unknown state", fstest.MapFS{"en/a.md": md(src+"\nstate = \"gone\"", "x")}, `en/a.md: state "gone"`},
		{"archived with a date", fstest.MapFS{"en/a.md": md(src+"\nstate = \"archived\"", "x")}, "en/a.md: state archived has no published date"},
		{"published without a date", fstest.MapFS{"en/a.md": md(strings.Replace(src, "published = 2026-03-01", `state = "published"`, 1), "x")},
			"en/a.md: state published needs a published date"},
		{"revised in the source", fstest.MapFS{"en/a.md": md(src+"\nrevised = 2026-03-02", "x")}, "en/a.md: revised is for translations"},
		{"two sources", fstest.MapFS{"en/a.md": md(src+"\nsource = true", "x"), "es/a.md": md(`key = "a"
title = "A"
source = true`, "x")}, "es/a.md: source: en/a.md says it is the source too"},
		{"bad category key", fstest.MapFS{"en/a.md": md(src, "x"), CategoriesFile: {Data: []byte("[[category]]\nkey = \"No Way\"\n")}},
			`categories.toml: category key "No Way"`},
		{"unknown category", fstest.MapFS{"en/a.md": md(strings.Replace(src, `"faq"`, `"nope"`, 1), "x")},
			`en/a.md: unknown category "nope"`},
		{"a file that is not its name", fstest.MapFS{"en/a.md": md(src, "x"),
			"files/" + strings.Repeat("0", 64) + ".webp": {Data: tinyWebP}}, "its bytes are"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := emptyKB(t)
			if _, err := k.Import(context.Background(), tt.files); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Import: %v; want an error containing %q", err, tt.want)
			}
			if len(k.Section("en", FAQ)) != 0 {
				t.Error("a refused import loaded articles")
			}
		})
	}
}

// A translation whose source is not English says so, and stays the source.
func TestExport_SourceInAnotherLanguageStaysTheSource(t *testing.T) {
	t.Parallel()
	k := emptyKB(t)
	importFS(t, k, fstest.MapFS{
		"es/a.md": md(`key = "a"
source = true
category = "faq"
position = 1
title = "Hola"
published = 2026-03-01`, "Texto."),
		"en/a.md": md(`key = "a"
slug = "a-en"
title = "Hello"
published = 2026-03-02
translated = 2026-03-01`, "Text."),
	})
	files := export(t, k)
	if !strings.Contains(string(files["es/a.md"].Data), "source = true") {
		t.Fatalf("es:\n%s", files["es/a.md"].Data)
	}
	b := emptyKB(t)
	importFS(t, b, files)
	if a, err := b.ArticleIn("en", "a-en"); err != nil || a.SourceSlug != "a" {
		t.Fatalf("en = %+v, %v", a, err)
	}
}

// Whatever text a field holds, the exported front matter reads back as it.
func FuzzFrontMatterString(f *testing.F) {
	for _, s := range []string{"", `a "quoted" \ thing`, "line\nbreak\ttab", "\x00\x1f\x7f", "مرحبا", "é\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		var got struct{ V string }
		if _, err := toml.Decode("V = "+tomlString(s), &got); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if got.V != s {
			t.Fatalf("%q read back as %q", s, got.V)
		}
	})
}

// Whatever a translation holds, its exported file parses back to it.
func FuzzExportedFile(f *testing.F) {
	f.Add("Title", "Desc", "kw one", "Body **bold**")
	f.Add(`"q"`, "\\", "", "+++\nnot the end\n+++x")
	f.Fuzz(func(t *testing.T, title, desc, keywords, body string) {
		if !utf8.ValidString(title) || !utf8.ValidString(desc) || !utf8.ValidString(keywords) || !utf8.ValidString(body) {
			return // the editor and the database hold valid UTF-8 only
		}
		e := exported{Key: "k", Lang: "en", Slug: "k", Title: title, Description: desc, Keywords: keywords, Body: body,
			Source: true, Category: "faq", Position: 2, State: StatePublished, Published: day0(2026, 1, 2)}
		f, err := parseDemoFile("en/k.md", "en", e.file())
		if err != nil {
			return // refused (an empty title or body, say): never a panic
		}
		if f.fm.Title != strings.TrimSpace(title) || f.fm.Description != strings.TrimSpace(desc) ||
			f.body != strings.TrimSpace(body) || f.fm.Keywords != strings.Join(strings.Fields(keywords), " ") {
			t.Fatalf("read back %+v %q", f.fm, f.body)
		}
	})
}

// A git repository of the files may hold a README and .git: neither is an article.
func TestImport_LeavesTheReadmeAndHiddenFoldersAlone(t *testing.T) {
	t.Parallel()
	k := emptyKB(t)
	res := importFS(t, k, fstest.MapFS{
		"README.md":        {Data: []byte("# Our help articles\n")},
		".git/notes/x.md":  {Data: []byte("not front matter")},
		"en/a.md":          md("key = \"a\"\ncategory = \"faq\"\nposition = 1\ntitle = \"A\"\npublished = 2026-03-01", "x"),
		"files/names.toml": {Data: []byte("")},
		CategoriesFile:     {Data: []byte("[[category]]\nkey = \"faq\"\n")},
	})
	if res.Created != 1 || len(k.Section("en", FAQ)) != 1 {
		t.Fatalf("import = %+v", res)
	}
}

// A published translation with a newer draft waiting exports both: the page
// visitors read, and drafts/LANG/KEY.md. Import restores the draft as the
// newest revision, unpublished, visitors' page unchanged; importing again
// changes nothing, and the export is the same files.
func TestExport_PendingDraftRoundTripsUnpublished(t *testing.T) {
	ctx := context.Background()
	k, _, clock := seeded(t, demoFS())
	clock.Add(time.Hour)
	id := articleID(t, k, "usercode")
	ed, err := k.Edition(ctx, id, "en")
	if err != nil {
		t.Fatal(err)
	}
	d := ed.Head.Draft
	d.Title, d.Body, d.Note = "Usercode, the draft", d.Body+"\n\nNot for visitors yet: aardvark.", ""
	if _, err := k.Save(ctx, eda, id, ed.Head.ID, d); err != nil {
		t.Fatal(err)
	}
	files := export(t, k)
	draft, ok := files[DraftsDir+"/en/usercode.md"]
	if !ok || !strings.Contains(string(draft.Data), "aardvark") || strings.Contains(string(draft.Data), "published") {
		t.Fatalf("draft file: %v\n%s", slices.Sorted(maps.Keys(files)), draft.Data)
	}
	if strings.Contains(string(files["en/usercode.md"].Data), "aardvark") {
		t.Fatal("the draft was exported as the published page")
	}

	b := emptyKB(t)
	importFS(t, b, files)
	bid := articleID(t, b, "usercode")
	bed, err := b.Edition(ctx, bid, "en")
	if err != nil || bed.State != StatePublished || bed.Head.Title != "Usercode, the draft" || bed.PublishedID == bed.Head.ID {
		t.Fatalf("imported edition = %+v, %v", bed, err)
	}
	if a, _ := b.Article("en", "usercode"); a.Title == "Usercode, the draft" {
		t.Error("the draft reached visitors")
	}
	if got := searchKeys(t, b, "en", "aardvark"); len(got) != 0 {
		t.Errorf("the draft is searchable: %v", got)
	}
	revs, _ := b.Revisions(ctx, bid, "en")
	if len(revs) != 2 || revs[0].Note != ImportNote || revs[0].BaseID != revs[1].ID {
		t.Errorf("revisions = %+v", revs)
	}
	if visible(t, k) != visible(t, b) {
		t.Fatal("catalogs differ")
	}
	for _, dst := range []*KB{k, b} {
		if res := importFS(t, dst, files); res.Updated != 0 || res.Created != 0 {
			t.Errorf("importing again = %+v", res)
		}
	}
	if revs2, _ := b.Revisions(ctx, bid, "en"); len(revs2) != 2 {
		t.Errorf("a second import added revisions: %d", len(revs2))
	}
	sameFiles(t, files, export(t, b))

	bad := fstest.MapFS{}
	for name, f := range files {
		bad[name] = f
	}
	bad[DraftsDir+"/en/nobody.md"] = &fstest.MapFile{Data: []byte("+++\nkey = \"nobody\"\ntitle = \"x\"\n+++\nx\n")}
	if _, err := b.Import(ctx, bad); err == nil || !strings.Contains(err.Error(), "drafts/en/nobody.md") {
		t.Errorf("a draft of no article: %v", err)
	}
}
