package kb

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"zerodesk/internal/errs"
	"zerodesk/internal/store"
	"zerodesk/internal/store/storetest"
	"zerodesk/internal/testsupport"
)

func openDB(t testing.TB) *store.DB { return storetest.Open(t) }

func testOptions(t testing.TB, c *testsupport.Clock) Options {
	return Options{
		Secret:     testsupport.SecretA,
		Now:        c.Now,
		ArticleURL: func(lang, slug string) string { return "/" + lang + "/a/" + slug },
		PageURL:    func(lang, path string) string { return path + "?lang=" + lang },
	}
}

// seeded opens a fresh database, seeds files and returns the KB.
func seeded(t testing.TB, files fs.FS) (*KB, *store.DB, *testsupport.Clock) {
	t.Helper()
	db := openDB(t)
	c := testsupport.NewClock(time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC))
	k, err := New(context.Background(), db, testOptions(t, c))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.SeedIfEmpty(context.Background(), files); err != nil {
		t.Fatal(err)
	}
	return k, db, c
}

func md(front, body string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte("+++\n" + strings.TrimSpace(front) + "\n+++\n" + body)}
}

// demoFS is a small help desk: enough articles to tell ranking, typos and
// languages apart.
func demoFS() fstest.MapFS {
	return fstest.MapFS{
		"en/reset-password.md": md(`
key = "reset-password"
category = "faq"
position = 1
title = "Reset your password"
description = "When you forgot your password."
published = 2026-01-10
related = ["recover-account", "usercode"]`, `
You can reset your password from the [reset page](/reset). Resetting ends every session.

## Before you start

Have your e-mail at hand. If you still have a recovery record, [recover instead](article:recover-account#options).

<script>alert("x")</script>
<img src=x onerror="alert(1)">
[bad](javascript:alert(1))

| Step | What |
|------|------|
| 1 | Ask for a code |
`),
		"en/recover-account.md": md(`
key = "recover-account"
category = "setup"
position = 1
title = "Recover your account"
description = "Get back in with your recovery record."
published = 2026-01-05`, `
Recovery uses the record you kept. It restores access to your data.

## Options

A security question, or a recovery key.
`),
		"en/usercode.md": md(`
key = "usercode"
category = "faq"
position = 2
title = "What is a usercode?"
description = "The code you log in with."
published = 2026-02-01`, `
Your usercode was sent to your e-mail when you registered. The usercode is never stored;
we keep only a keyed hash of it. Without your password the usercode alone opens nothing.
`),
		"en/support-ticket.md": md(`
key = "support-ticket"
category = "faq"
position = 3
title = "Open a support ticket"
description = "Ask us anything."
published = 2026-03-01`, `
Open a ticket from [the support page](/support). Each ticket gets a reference and an access key.
Follow your ticket without an account.
`),
		"en/phrase.md": md(`
key = "phrase"
category = "faq"
position = 4
title = "Your anti-phishing phrase"
description = "Why we show you a phrase."
published = 2026-02-15`, `
After your usercode we show your personal phrase. If it is wrong, do not type your password.
`),
		"en/browser-test.md": md(`
key = "browser-test"
category = "howto"
position = 1
title = "Test your browser"
published = 2026-01-20`, `
The [browser test](/browser-test) tells you whether cookies and scripts work.
`),
		"en/coming-soon.md": md(`
key = "coming-soon"
category = "faq"
position = 5
title = "A draft about passwords"`, `
This password article is not published yet.
`),
		"de/reset-password.md": md(`
key = "reset-password"
slug = "passwort-zuruecksetzen"
title = "Passwort zurücksetzen"
description = "Wenn Sie Ihr Passwort vergessen haben."
published = 2026-01-12`, `
Sie können Ihr Passwort auf der [Seite](/reset) zurücksetzen. Siehe auch [Konto](article:recover-account).
`),
	}
}

func TestSeed_LoadsOnceAndBuildsTheCatalog(t *testing.T) {
	t.Parallel()
	k, _, _ := seeded(t, demoFS())
	if got := k.Languages(); strings.Join(got, ",") != "de,en" {
		t.Fatalf("Languages = %v", got)
	}
	n, err := k.SeedIfEmpty(context.Background(), demoFS())
	if err != nil || n != 0 {
		t.Fatalf("second seed = %d, %v; want 0, nil", n, err)
	}
	if got := len(k.Section("en", FAQ)); got != 4 {
		t.Fatalf("en faq = %d articles, want 4 (draft left out)", got)
	}
}

func TestSeed_FreshKBOnSeededDatabaseSeesTheSameCatalog(t *testing.T) {
	t.Parallel()
	k, db, c := seeded(t, demoFS())
	k2, err := New(context.Background(), db, testOptions(t, c))
	if err != nil {
		t.Fatal(err)
	}
	a, err := k2.Article("en", "reset-password")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := k.Article("en", "reset-password")
	if a.BodyHTML != b.BodyHTML || a.Title != b.Title {
		t.Fatal("a KB opened later renders differently from the one that seeded")
	}
}

func TestSeed_RejectsBadFrontMatterNamingTheFile(t *testing.T) {
	t.Parallel()
	good := `key = "a"
category = "faq"
position = 1
title = "A"
published = 2026-01-01`
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"unknown category", fstest.MapFS{"en/a.md": md(strings.Replace(good, `"faq"`, `"faqs"`, 1), "x")}, `en/a.md: unknown category "faqs"`},
		{"missing title", fstest.MapFS{"en/a.md": md(strings.Replace(good, `title = "A"`, ``, 1), "x")}, "en/a.md: missing title"},
		{"duplicate key", fstest.MapFS{"en/a.md": md(good, "x"), "en/b.md": md(good, "y")}, `duplicate key "a"`},
		{"bad related key", fstest.MapFS{"en/a.md": md(good+"\nrelated = [\"nope\"]", "x")}, `en/a.md: related: no article has key "nope"`},
		{"unknown field", fstest.MapFS{"en/a.md": md(good+"\ntags = [\"x\"]", "x")}, `en/a.md: front matter: unknown field "tags"`},
		{"missing category", fstest.MapFS{"en/a.md": md(strings.Replace(good, `category = "faq"`, ``, 1), "x")}, "en/a.md: missing category"},
		{"no front matter", fstest.MapFS{"en/a.md": {Data: []byte("# Title\n")}}, "en/a.md: must begin with a +++ line"},
		{"link to unknown article", fstest.MapFS{"en/a.md": md(good, "see [b](article:b)")}, `en/a.md: link to unknown article "b"`},
		{"bad toml", fstest.MapFS{"en/a.md": md(good+"\nposition = ", "x")}, "en/a.md: front matter:"},
		{"not in a language folder", fstest.MapFS{"a.md": md(good, "x")}, "a.md: not in a language folder"},
		{"translation disagrees", fstest.MapFS{"en/a.md": md(good, "x"), "de/a.md": md(strings.Replace(good, `"faq"`, `"setup"`, 1), "x")}, `de/a.md: category "setup" differs from en/a.md`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openDB(t)
			k, err := New(context.Background(), db, testOptions(t, testsupport.NewClock(time.Now())))
			if err != nil {
				t.Fatal(err)
			}
			n, err := k.SeedIfEmpty(context.Background(), tt.files)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("SeedIfEmpty = %d, %v; want an error containing %q", n, err, tt.want)
			}
			var count int
			db.Read.QueryRow(`SELECT count(*) FROM articles`).Scan(&count)
			if count != 0 {
				t.Fatalf("%d articles stored after a failed seed", count)
			}
		})
	}
}

func TestSeed_RealDemoContentCoversEveryCategory(t *testing.T) {
	t.Parallel()
	k, n := sharedDemo(t) // its load was SeedIfEmpty(data.Demo()) on an empty database
	if n < 30 {
		t.Fatalf("demo content has %d articles, want at least 30", n)
	}
	for _, c := range Categories {
		if len(k.Section("en", c)) == 0 {
			t.Errorf("demo content has no published %s article in English", c)
		}
	}
	res, err := k.Search(context.Background(), "en", "pasword", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) == 0 || res.Suggestion != "password" {
		t.Errorf(`search "pasword" in the demo = %d hits, suggestion %q`, len(res.Hits), res.Suggestion)
	}
}

func TestCatalog_ReadsDoNotTouchTheDatabase(t *testing.T) {
	t.Parallel()
	k, db, _ := seeded(t, demoFS())
	db.Close() // any query now fails
	if len(k.Section("en", FAQ)) == 0 || len(k.Popular("en", 3)) == 0 || len(k.Latest("en", 3)) == 0 {
		t.Fatal("lists are empty")
	}
	if _, err := k.Article("en", "reset-password"); err != nil {
		t.Fatal(err)
	}
	k.CountView(1, "en")
}

func TestSection_PublishedOnlyByPosition(t *testing.T) {
	t.Parallel()
	k := sharedDemoFS(t)
	var keys []string
	for _, s := range k.Section("en", FAQ) {
		keys = append(keys, s.Key)
	}
	if got := strings.Join(keys, ","); got != "reset-password,usercode,support-ticket,phrase" {
		t.Fatalf("faq section = %s", got)
	}
	// A language with no translation at all lists every article in its
	// source language, each labelled by its Lang.
	got := k.Section("xx", FAQ)
	if len(got) != 4 || got[0].Lang != "en" {
		t.Fatalf("language without translations = %v", got)
	}
}

func TestLatest_NewestPublishedFirst(t *testing.T) {
	t.Parallel()
	k := sharedDemoFS(t)
	var keys []string
	for _, s := range k.Latest("en", 3) {
		keys = append(keys, s.Key)
	}
	if got := strings.Join(keys, ","); got != "support-ticket,phrase,usercode" {
		t.Fatalf("latest = %s", got)
	}
	if got := k.Latest("en", 0); len(got) != 0 {
		t.Fatalf("Latest(0) = %v", got)
	}
}

func TestArticle_UnknownSlugOrDraftIsNotFound(t *testing.T) {
	t.Parallel()
	k := sharedDemoFS(t)
	for _, slug := range []string{"nope", "coming-soon"} {
		_, err := k.Article("en", slug)
		if errs.CodeOf(err) != errs.NotFound || errs.MessageIDOf(err) != "kb.article.not_found" {
			t.Fatalf("Article(%q) error = %v", slug, err)
		}
	}
	if _, err := k.Article("xx", "nope"); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("unknown language: %v", err)
	}
	if _, err := k.ArticleIn("xx", "reset-password"); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("ArticleIn, unknown language: %v", err)
	}
	if _, _, err := k.ArticleByKey("en", "coming-soon"); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("ArticleByKey, draft: %v", err)
	}
}

func TestArticle_RelatedFrontMatterFirstThenSameCategory(t *testing.T) {
	t.Parallel()
	k := sharedDemoFS(t)
	a, err := k.Article("en", "reset-password")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range a.Related {
		keys = append(keys, r.Key)
	}
	// recover-account, usercode from the front matter, then faq by position.
	if got := strings.Join(keys, ","); got != "recover-account,usercode,support-ticket,phrase" {
		t.Fatalf("related = %s", got)
	}
	de, err := k.Article("de", "passwort-zuruecksetzen")
	if err != nil {
		t.Fatal(err)
	}
	// None of them is in German: the same articles in English, each saying so.
	keys = nil
	for _, r := range de.Related {
		if r.Lang != "en" {
			t.Fatalf("related %s in %s", r.Key, r.Lang)
		}
		keys = append(keys, r.Key)
	}
	if got := strings.Join(keys, ","); got != "recover-account,usercode,support-ticket,phrase" {
		t.Fatalf("German related = %s", got)
	}
}

func TestArticle_IsACopy(t *testing.T) {
	t.Parallel()
	k := sharedDemoFS(t)
	a, _ := k.Article("en", "reset-password")
	a.Title = "changed"
	a.Related[0].Title = "changed"
	b, _ := k.Article("en", "reset-password")
	if b.Title == "changed" || b.Related[0].Title == "changed" {
		t.Fatal("a caller's change reached the catalog")
	}
}

func TestMarkdown_LinksHeadingsAndNoRawHTML(t *testing.T) {
	t.Parallel()
	k := sharedDemoFS(t)
	a, err := k.Article("en", "reset-password")
	if err != nil {
		t.Fatal(err)
	}
	h := a.BodyHTML
	for _, want := range []string{
		`<a href="/reset?lang=en">reset page</a>`,
		`<a href="/en/a/recover-account#options">recover instead</a>`,
		`<h2 id="before-you-start">Before you start</h2>`,
		`<table>`,
	} {
		if !strings.Contains(h, want) {
			t.Errorf("body lacks %s:\n%s", want, h)
		}
	}
	for _, bad := range []string{"<script", "onerror", "javascript:", "<img", "raw HTML"} {
		if strings.Contains(h, bad) {
			t.Errorf("body contains %q:\n%s", bad, h)
		}
	}
	// No German translation of recover-account exists: the German article
	// links it on a German page all the same, where it is shown in English
	// with a notice, so the visitor stays in their language.
	de, _ := k.Article("de", "passwort-zuruecksetzen")
	if !strings.Contains(de.BodyHTML, `href="/de/a/recover-account"`) || !strings.Contains(de.BodyHTML, `href="/reset?lang=de"`) {
		t.Errorf("German links:\n%s", de.BodyHTML)
	}
}

func TestMarkdown_HeadingIDsAreUniqueAndASCII(t *testing.T) {
	t.Parallel()
	h, _ := render("## Réglages\n\n## Réglages\n\n## 設定\n", linker{page: func(p string) string { return p }})
	for _, want := range []string{`id="reglages"`, `id="reglages-1"`, `id="section"`} {
		if !strings.Contains(h, want) {
			t.Errorf("missing %s in %s", want, h)
		}
	}
}

func TestMarkdown_PlainTextKeepsWordsApart(t *testing.T) {
	t.Parallel()
	got := plainText("<h2>Title</h2><p>one <em>t</em>wo &amp; three</p><ul><li>a</li><li>b</li></ul>")
	if got != "Title one two & three a b" {
		t.Fatalf("plainText = %q", got)
	}
}
