package kb

import (
	"context"
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"zerodesk/data"
	"zerodesk/internal/errs"
	"zerodesk/internal/testsupport"
	"zerodesk/internal/words"
)

// worldFS is a help desk in several languages and scripts: English sources,
// Spanish, Arabic, Chinese and Japanese translations, some articles in English
// only, one written in French only.
func worldFS() fstest.MapFS {
	return fstest.MapFS{
		"en/usercode.md": md(`
key = "usercode"
category = "faq"
position = 1
title = "What is a usercode?"
description = "The code you log in with."
published = 2026-02-01
related = ["smtp-relay"]`, `
Your usercode was sent to your e-mail. The usercode and your password open your account.
`),
		"es/usercode.md": md(`
key = "usercode"
slug = "que-es-un-usercode"
title = "¿Qué es un usercode?"
description = "El código con el que entras."
published = 2026-02-03
translated = 2026-02-01`, `
Tu usercode llegó por correo electrónico. El usercode y tu contraseña abren tu cuenta.
`),
		"ar/usercode.md": md(`
key = "usercode"
slug = "ma-huwa-ramz-al-mustakhdim"
title = "ما هو رمز المستخدم؟"
description = "الرمز الذي تسجّل به الدخول."
published = 2026-02-04
translated = 2026-02-01`, `
وصلك رمز المستخدم بالبريد. كلمة المرور لا نعرفها. الأمان أولاً.
`),
		"zh-Hans/usercode.md": md(`
key = "usercode"
slug = "yonghu-daima"
title = "什么是用户代码？"
description = "您用来登录的代码。"
published = 2026-02-05
translated = 2026-02-01`, `
您的用户代码已通过电子邮件发送给您。用户代码和密码一起打开您的账户。请妥善保管您的密码。
`),
		"ja/usercode.md": md(`
key = "usercode"
slug = "yuza-kodo"
title = "ユーザーコードとは？"
description = "ログインに使うコードです。"
published = 2026-02-06
translated = 2026-02-01`, `
zerodeskのユーザーコードはウェルカムメールに記載されています。ユーザーコードとパスワードでログインします。
`),

		"en/what-is-stored.md": md(`
key = "what-is-stored"
category = "faq"
position = 2
title = "What is stored"
description = "What we keep and what we never keep."
published = 2026-04-15
updated = 2026-11-20`, `
We never store your password. See [usercodes](article:usercode) and the [support page](/support).
`),
		"es/what-is-stored.md": md(`
key = "what-is-stored"
slug = "que-se-almacena"
title = "Qué se almacena"
published = 2026-04-18
translated = 2026-04-15`, `
Nunca almacenamos tu contraseña. Mira [usercodes](article:usercode).
`),
		"ar/what-is-stored.md": md(`
key = "what-is-stored"
slug = "ma-yukhzan"
title = "ما الذي يُخزَّن"
published = 2026-11-22
translated = 2026-11-20`, `
لا نخزّن كلمة المرور أبداً.
`),
		// No translated: it follows the source as it was when published,
		// before the update.
		"de/what-is-stored.md": md(`
key = "what-is-stored"
slug = "was-gespeichert-wird"
title = "Was gespeichert wird"
published = 2026-05-01`, `
Wir speichern Ihr Passwort nie.
`),

		"en/setup-web.md": md(`
key = "setup-web"
category = "setup"
position = 1
title = "Set up the web portal"
published = 2026-03-04`, `
Open the portal in your browser and log in with your usercode.
`),
		"es/setup-web.md": md(`
key = "setup-web"
slug = "configurar-el-portal"
title = "Configurar el portal web"
published = 2026-03-07
translated = 2026-03-04`, `
Abre el portal en tu navegador y entra con tu usercode.
`),

		"en/smtp-relay.md": md(`
key = "smtp-relay"
category = "technotes"
position = 1
title = "Mail through an SMTP relay"
published = 2026-06-01`, `
The SMTP relay never sees a usercode: see [usercodes](article:usercode) and [the web portal](article:setup-web).
`),
		"en/reset-password.md": md(`
key = "reset-password"
category = "howto"
position = 1
title = "Reset your password"
published = 2026-01-10`, `
Reset your password with your usercode and your recovery record.
`),
		"fr/reset-password.md": md(`
key = "reset-password"
slug = "reinitialiser-le-mot-de-passe"
title = "Réinitialiser le mot de passe"
published = 2026-01-12
translated = 2026-01-10`, `
Réinitialisez votre mot de passe avec votre usercode.
`),
		// Written in French, never in English.
		"fr/guide-local.md": md(`
key = "local-guide"
category = "howto"
position = 2
slug = "guide-hors-ligne"
title = "Le guide hors ligne"
published = 2026-07-01`, `
Le guide hors ligne explique le usercode sans connexion.
`),
	}
}

func keysOf(list []Summary) string {
	var out []string
	for _, s := range list {
		out = append(out, s.Key+"/"+s.Lang)
	}
	return strings.Join(out, ",")
}

func TestArticle_KnowsEveryTranslationAndItsSource(t *testing.T) {
	t.Parallel()
	k := sharedWorldFS(t)
	a, err := k.Article("es", "que-es-un-usercode")
	if err != nil {
		t.Fatal(err)
	}
	if a.Lang != "es" || a.Fallback || a.Outdated || a.Redirect {
		t.Fatalf("Spanish article: lang %s fallback %v outdated %v redirect %v", a.Lang, a.Fallback, a.Outdated, a.Redirect)
	}
	var got []string
	for _, tr := range a.Translations {
		got = append(got, tr.Lang+":"+tr.Slug)
	}
	want := "ar:ma-huwa-ramz-al-mustakhdim,en:usercode,es:que-es-un-usercode,ja:yuza-kodo,zh-Hans:yonghu-daima"
	if strings.Join(got, ",") != want {
		t.Fatalf("translations = %s", strings.Join(got, ","))
	}
	if a.Translations[4].Title != "什么是用户代码？" {
		t.Fatalf("translation title = %q", a.Translations[4].Title)
	}
	if a.SourceLang != "en" || a.SourceSlug != "usercode" || !a.SourceUpdatedAt.Equal(day0(2026, 2, 1)) {
		t.Fatalf("source = %s/%s at %v", a.SourceLang, a.SourceSlug, a.SourceUpdatedAt)
	}
	en, _ := k.Article("en", "usercode")
	if en.ArticleID != a.ArticleID {
		t.Fatal("two translations, two articles")
	}
	a.Translations[0].Slug = "changed"
	if b, _ := k.Article("es", "que-es-un-usercode"); b.Translations[0].Slug == "changed" {
		t.Fatal("a caller's change reached the catalog")
	}
}

func day0(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestArticle_AnotherLanguagesSlugOrTheKeyLeadsToTheCanonicalAddress(t *testing.T) {
	t.Parallel()
	k := sharedWorldFS(t)
	for _, tt := range []struct{ lang, slug, wantLang, wantSlug string }{
		{"es", "what-is-stored", "es", "que-se-almacena"}, // the key (and English slug)
		{"es", "ma-yukhzan", "es", "que-se-almacena"},     // the Arabic slug
		{"en", "que-se-almacena", "en", "what-is-stored"},
		{"zh-Hans", "yuza-kodo", "zh-Hans", "yonghu-daima"},
		{"es", "local-guide", "fr", "guide-hors-ligne"}, // a key; French is all it has
	} {
		a, err := k.Article(tt.lang, tt.slug)
		if err != nil {
			t.Fatalf("%s/%s: %v", tt.lang, tt.slug, err)
		}
		if !a.Redirect || a.Lang != tt.wantLang || a.Slug != tt.wantSlug {
			t.Errorf("%s/%s = %s/%s redirect %v; want %s/%s", tt.lang, tt.slug, a.Lang, a.Slug, a.Redirect, tt.wantLang, tt.wantSlug)
		}
		if _, err := k.ArticleIn(tt.lang, tt.slug); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("ArticleIn(%s, %s) = %v, want not found", tt.lang, tt.slug, err)
		}
	}
	// Its own address is no redirect.
	for _, tt := range [][2]string{{"es", "que-se-almacena"}, {"en", "what-is-stored"}, {"es", "smtp-relay"}} {
		if a, err := k.Article(tt[0], tt[1]); err != nil || a.Redirect {
			t.Errorf("%s/%s: %v, redirect %v", tt[0], tt[1], err, a != nil && a.Redirect)
		}
	}
}

func TestArticle_MissingTranslationShowsTheSourceWithAFlag(t *testing.T) {
	t.Parallel()
	k := sharedWorldFS(t)
	a, err := k.Article("es", "smtp-relay")
	if err != nil {
		t.Fatal(err)
	}
	if !a.Fallback || a.Lang != "en" || a.Slug != "smtp-relay" || a.Redirect {
		t.Fatalf("fallback: lang %s slug %s fallback %v redirect %v", a.Lang, a.Slug, a.Fallback, a.Redirect)
	}
	// Its links stay in the page's language: to the Spanish translation where
	// there is one, else to the same kind of fallback page.
	if !strings.Contains(a.BodyHTML, `href="/es/a/que-es-un-usercode"`) || !strings.Contains(a.BodyHTML, `href="/es/a/configurar-el-portal"`) {
		t.Fatalf("fallback links:\n%s", a.BodyHTML)
	}
	if en, _ := k.Article("en", "smtp-relay"); !strings.Contains(en.BodyHTML, `href="/en/a/usercode"`) || en.Fallback {
		t.Fatalf("English links:\n%s", en.BodyHTML)
	}
	if _, err := k.ArticleIn("es", "smtp-relay"); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("ArticleIn found a fallback: %v", err)
	}

	for _, tt := range []struct {
		lang, key, wantLang string
		fallback            bool
	}{
		{"es", "usercode", "es", false},
		{"es", "smtp-relay", "en", true},
		{"ja", "what-is-stored", "en", true},
		{"es", "reset-password", "en", true}, // the source before another translation
		{"es", "local-guide", "fr", true},    // no English: the one it has
		{"xx", "usercode", "en", true},       // a language with nothing at all
	} {
		a, fallback, err := k.ArticleByKey(tt.lang, tt.key)
		if err != nil {
			t.Fatalf("%s/%s: %v", tt.lang, tt.key, err)
		}
		if a.Lang != tt.wantLang || fallback != tt.fallback || a.Fallback != tt.fallback {
			t.Errorf("ArticleByKey(%s, %s) = %s, fallback %v", tt.lang, tt.key, a.Lang, fallback)
		}
	}
	if _, _, err := k.ArticleByKey("es", "nope"); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("unknown key: %v", err)
	}
}

func TestArticle_TranslationOfAnOlderRevisionIsOutdated(t *testing.T) {
	t.Parallel()
	k := sharedWorldFS(t)
	updated := day0(2026, 11, 20)
	for _, tt := range []struct {
		lang, slug string
		outdated   bool
	}{
		{"en", "what-is-stored", false},      // the source itself
		{"es", "que-se-almacena", true},      // translated from 2026-04-15
		{"ar", "ma-yukhzan", false},          // translated from the update
		{"de", "was-gespeichert-wird", true}, // no translated, published before the update
		{"es", "que-es-un-usercode", false},
	} {
		a, err := k.Article(tt.lang, tt.slug)
		if err != nil {
			t.Fatal(err)
		}
		if a.Outdated != tt.outdated {
			t.Errorf("%s/%s: outdated %v", tt.lang, tt.slug, a.Outdated)
		}
		if tt.outdated && (!a.SourceUpdatedAt.Equal(updated) || a.SourceLang != "en" || a.SourceSlug != "what-is-stored") {
			t.Errorf("%s/%s: source %s/%s changed %v", tt.lang, tt.slug, a.SourceLang, a.SourceSlug, a.SourceUpdatedAt)
		}
	}
	// The source's own date is its last revision.
	if a, _ := k.Article("en", "what-is-stored"); !a.UpdatedAt.Equal(updated) || !a.PublishedAt.Equal(day0(2026, 4, 15)) {
		t.Fatalf("source dates: published %v updated %v", a.PublishedAt, a.UpdatedAt)
	}
}

// Every list of every language shows every article once: in the language
// where it is translated, otherwise in another language its Lang names.
func TestLists_NeverMixLanguagesSilently(t *testing.T) {
	t.Parallel()
	k := sharedWorldFS(t)
	translated := func(lang, key string) bool {
		a, _, err := k.ArticleByKey(lang, key)
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(a.Translations, func(tr Translation) bool { return tr.Lang == lang })
	}
	check := func(lang, list string, items []Summary) {
		t.Helper()
		seen := map[string]bool{}
		for _, s := range items {
			if seen[s.Key] {
				t.Errorf("%s %s lists %s twice", lang, list, s.Key)
			}
			seen[s.Key] = true
			if (s.Lang == lang) != translated(lang, s.Key) {
				t.Errorf("%s %s: %s shown in %s", lang, list, s.Key, s.Lang)
			}
		}
	}
	for _, lang := range []string{"en", "es", "ar", "zh-Hans", "ja", "fr", "de", "pt-BR"} {
		total := 0
		for _, c := range Categories {
			items := k.Section(lang, c)
			check(lang, string(c), items)
			total += len(items)
		}
		if total != 6 {
			t.Errorf("%s sections hold %d articles, want all 6", lang, total)
		}
		check(lang, "popular", k.Popular(lang, 10))
		check(lang, "latest", k.Latest(lang, 10))
		for _, key := range []string{"usercode", "smtp-relay"} {
			a, _, _ := k.ArticleByKey(lang, key)
			check(lang, "related of "+key, a.Related)
		}
	}
	if got := keysOf(k.Section("es", TechNotes)); got != "smtp-relay/en" {
		t.Errorf("es technotes = %s", got)
	}
	if got := keysOf(k.Section("es", HowTo)); got != "reset-password/en,local-guide/fr" {
		t.Errorf("es howto = %s", got)
	}
	if got := keysOf(k.Popular("ja", 10)); got != "usercode/ja,what-is-stored/en" {
		t.Errorf("ja popular = %s", got)
	}
	// Latest goes by the publication of what is shown.
	if got := keysOf(k.Latest("es", 10)); got != "what-is-stored/es,usercode/es" {
		t.Errorf("es latest = %s", got)
	}
}

func TestRelated_InTheLanguageFirstThenLabelled(t *testing.T) {
	t.Parallel()
	k := sharedWorldFS(t)
	a, _ := k.Article("es", "que-es-un-usercode")
	// The front matter's smtp-relay (English only) first, then the FAQ.
	if got := keysOf(a.Related); got != "smtp-relay/en,what-is-stored/es" {
		t.Fatalf("es related = %s", got)
	}
	a, _ = k.Article("es", "smtp-relay") // a fallback: still related for a Spanish page
	if got := keysOf(a.Related); got != "" {
		t.Fatalf("es related of the only tech note = %s", got)
	}
	a, _ = k.Article("es", "reset-password")
	if got := keysOf(a.Related); got != "local-guide/fr" {
		t.Fatalf("es related of a how-to = %s", got)
	}
}

func TestPopular_CountsViewsOfEveryLanguageTogether(t *testing.T) {
	t.Parallel()
	k, _, _ := seeded(t, worldFS())
	es, _ := k.Article("es", "que-se-almacena")
	ar, _ := k.Article("ar", "ma-yukhzan")
	en, _ := k.Article("en", "what-is-stored")
	if es.ArticleID != ar.ArticleID || es.ArticleID != en.ArticleID {
		t.Fatal("translations carry different article ids")
	}
	k.CountView(es.ArticleID, "en")
	k.CountView(ar.ArticleID, "en")
	k.CountView(en.ArticleID, "en")
	if err := k.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"es", "ar", "ja", "en"} {
		p := k.Popular(lang, 1)
		if len(p) != 1 || p[0].Key != "what-is-stored" || p[0].Views != 3 {
			t.Errorf("%s popular = %+v", lang, p)
		}
	}
	if a, _ := k.Article("ja", "what-is-stored"); a.Views != 3 {
		t.Errorf("fallback views = %d", a.Views)
	}
}

func otherKeys(res *Results) string {
	var keys []string
	for _, h := range res.Other {
		keys = append(keys, h.Key+"/"+h.Lang)
	}
	return strings.Join(keys, ",")
}

func TestSearch_TheVisitorsLanguageFirstThenOthersForWhatItLacks(t *testing.T) {
	t.Parallel()
	k := sharedWorldFS(t)
	res := search(t, k, "es", "usercode")
	// Spanish has usercode, setup-web and what-is-stored (its "usercodes":
	// the last word is a prefix); smtp-relay is English only,
	// reset-password English and French (English first, its source), the
	// guide French only.
	if got := hitKeys(res); got != "usercode,what-is-stored,setup-web" {
		t.Fatalf("es hits = %s", got)
	}
	for _, h := range res.Hits {
		if h.Lang != "es" {
			t.Fatalf("hit %s in %s", h.Key, h.Lang)
		}
	}
	other := otherKeys(res)
	for _, want := range []string{"smtp-relay/en", "reset-password/en", "local-guide/fr"} {
		if !strings.Contains(other, want) {
			t.Errorf("other = %s, lacks %s", other, want)
		}
	}
	if len(res.Other) != 3 {
		t.Errorf("other = %s", other)
	}
	seen := map[string]bool{}
	for _, h := range append(slices.Clone(res.Hits), res.Other...) {
		if seen[h.Key] {
			t.Fatalf("%s listed twice: %s | %s", h.Key, hitKeys(res), other)
		}
		seen[h.Key] = true
	}
	// An other-language hit has its snippet, marked.
	if _, marked := fragmentsText(res.Other[0].Snippet); !strings.Contains(marked, "usercode") {
		t.Errorf("other snippet marks %q", marked)
	}

	// A word only English articles have: nothing in Spanish, the English ones offered.
	res = search(t, k, "es", "SMTP")
	if len(res.Hits) != 0 || otherKeys(res) != "smtp-relay/en" {
		t.Fatalf("es SMTP = %s | %s", hitKeys(res), otherKeys(res))
	}
	// An article translated into Spanish is not offered in another language,
	// even when only its other translations match.
	if res := search(t, k, "es", "password"); strings.Contains(otherKeys(res), "usercode") || strings.Contains(otherKeys(res), "what-is-stored") {
		t.Fatalf("es password offers a translated article: %s", otherKeys(res))
	}
	// The hits fill the limit first.
	res, err := k.Search(context.Background(), "es", "usercode", 2)
	if err != nil || len(res.Hits) != 2 || len(res.Other) != 0 {
		t.Fatalf("limit 2: %s | %s, %v", hitKeys(res), otherKeys(res), err)
	}
	res, _ = k.Search(context.Background(), "es", "usercode", 3)
	if len(res.Hits)+len(res.Other) != 3 {
		t.Fatalf("limit 3: %s | %s", hitKeys(res), otherKeys(res))
	}
	// A language with nothing translated finds everything elsewhere.
	if res := search(t, k, "pt-BR", "usercode"); len(res.Hits) != 0 || len(res.Other) != 6 {
		t.Fatalf("pt-BR = %s | %s", hitKeys(res), otherKeys(res))
	}
	// Nonsense asks nobody.
	if res := search(t, k, "es", "xqzvbnmw"); len(res.Hits)+len(res.Other) != 0 {
		t.Fatalf("nonsense = %s | %s", hitKeys(res), otherKeys(res))
	}
}

func marks(h Hit) string {
	_, m := fragmentsText(h.Snippet)
	return m
}

func TestSearch_ChineseAndJapaneseWithoutSpaces(t *testing.T) {
	t.Parallel()
	k := sharedWorldFS(t)
	for _, tt := range []struct{ lang, query, marked string }{
		{"zh-Hans", "用户代码", "用户代码|用户代码"},
		{"zh-Hans", "密码", "密码|密码"}, // two characters: below any trigram
		{"zh-Hans", "码", "码|码|码"},  // one: in 代码 and 密码 (the fourth is past the snippet)
		{"zh-Hans", "电子邮件", "电子邮件"},
		{"zh-Hans", "打开账户", ""}, // the text has 打开您的账户: not in a row
		{"ja", "ユーザーコード", "ユーザーコード|ユーザーコード"},
		{"ja", "パスワード", "パスワード"},
		{"ja", "zerodesk", "zerodesk"},
		{"ja", "zerodeskのユーザー", "zerodeskのユーザー"}, // adjacent matches make one mark
		{"ja", "ログイン", "ログイン"},
	} {
		res := search(t, k, tt.lang, tt.query)
		if tt.marked == "" {
			if len(res.Hits) != 0 {
				t.Errorf("%s %q: hits %s", tt.lang, tt.query, hitKeys(res))
			}
			continue
		}
		if hitKeys(res) != "usercode" || res.Hits[0].Lang != tt.lang {
			t.Errorf("%s %q: hits %s", tt.lang, tt.query, hitKeys(res))
			continue
		}
		if got := marks(res.Hits[0]); got != tt.marked {
			t.Errorf("%s %q: marked %q, want %q", tt.lang, tt.query, got, tt.marked)
		}
	}
	// The typo corrector leaves CJK alone: no suggestion, no hit.
	if res := search(t, k, "zh-Hans", "用户代马"); res.Suggestion != "" || len(res.Hits) != 0 {
		t.Fatalf("CJK typo: suggestion %q, hits %s", res.Suggestion, hitKeys(res))
	}
	// Chinese searched from a Spanish page finds the Chinese usercode article,
	// which is translated into Spanish: not offered in Chinese.
	if res := search(t, k, "es", "密码"); len(res.Hits) != 0 || otherKeys(res) != "" {
		t.Fatalf("es 密码 = %s | %s", hitKeys(res), otherKeys(res))
	}
}

func TestSearch_ArabicIgnoresVowelSignsAndHamzaForms(t *testing.T) {
	t.Parallel()
	k := sharedWorldFS(t)
	for _, q := range []string{"المستخدم", "المُسْتَخْدِم", "الامان", "الأمان", "الـمستخدم"} {
		res := search(t, k, "ar", q)
		if hitKeys(res) != "usercode" {
			t.Errorf("%q: hits %s", q, hitKeys(res))
			continue
		}
		if marks(res.Hits[0]) == "" {
			t.Errorf("%q: nothing marked", q)
		}
	}
	// ة and ه are one letter to search (as are ى and ي).
	if res := search(t, k, "ar", "كلمه"); hitKeys(res) == "" {
		t.Errorf("ة as ه: nothing found")
	}
}

func TestIndexText_FoldsAndCutsCJKIntoBigrams(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Reset RÉSUMÉ":         "reset resume",
		"重置密码":                 "重置 置密 密码 码",
		"码":                    "码",
		"zerodeskのパス, 3步":      "zerodesk のパ パス ス 3 步",
		"كَلِمَة المـرور أمان": "كلمه المرور امان",
		"ﾊﾟｽﾜｰﾄﾞ":              "ﾊﾟ ﾟｽ ｽﾜ ﾜｰ ｰﾄ ﾄﾞ ﾞ",
		"がぎ":                   "がぎ ぎ",
		"Straße İstanbul ½ ①":  "straße istanbul ½ ①",
	} {
		if got := words.IndexText(in); got != want {
			t.Errorf("words.IndexText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := ftsMatch(ftsQuery{words: []string{"重置密码", "zero", "码"}, prefix: true}); got != `"重置 置密 密码" AND "zero" AND "码"*` {
		t.Errorf("match = %s", got)
	}
	if got := ftsMatch(ftsQuery{words: []string{"zero", "密码"}, prefix: true}); got != `"zero" AND "密码"` {
		t.Errorf("match = %s", got)
	}
}

func TestSnippet_MarksCJKRunsWhereverTheyOccur(t *testing.T) {
	t.Parallel()
	text := "请输入您的用户代码。用户代码在邮件里，而不是用户名。Usercode 是 zerodesk 的说法。"
	all, marked := fragmentsText(makeSnippet(text, ftsQuery{words: []string{"用户代码", "zerodesk"}}))
	if marked != "用户代码|用户代码|zerodesk" || all != text {
		t.Fatalf("marked %q in %q", marked, all)
	}
	// Overlapping runs mark their union.
	_, marked = fragmentsText(makeSnippet("代码代码代", ftsQuery{words: []string{"代码代"}}))
	if marked != "代码代码代" {
		t.Fatalf("overlapping: marked %q", marked)
	}
	// A long text is cut to about twice as many CJK characters as words.
	long := strings.Repeat("文", 300) + "密码" + strings.Repeat("字", 300)
	all, marked = fragmentsText(makeSnippet(long, ftsQuery{words: []string{"密码"}}))
	n := len([]rune(strings.ReplaceAll(all, ellipsis, "")))
	if marked != "密码" || n != 2*snippetWords || !strings.HasPrefix(all, ellipsis+"文") || !strings.HasSuffix(all, "字"+ellipsis) {
		t.Fatalf("long: marked %q, %d characters: %q", marked, n, all)
	}
}

func TestSeed_RejectsBadTranslationDates(t *testing.T) {
	t.Parallel()
	src := `key = "a"
category = "faq"
position = 1
title = "A"
published = 2026-03-01`
	tr := `key = "a"
slug = "a-es"
title = "A"
published = 2026-03-05`
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"updated in a translation", fstest.MapFS{"en/a.md": md(src, "x"), "es/a.md": md(tr+"\nupdated = 2026-03-06", "x")},
			"es/a.md: updated is for the source (en/a.md)"},
		{"translated in the source", fstest.MapFS{"en/a.md": md(src+"\ntranslated = 2026-03-01", "x")},
			"en/a.md: translated is for translations"},
		{"updated before published", fstest.MapFS{"en/a.md": md(src+"\nupdated = 2026-02-01", "x")},
			"en/a.md: updated 2026-02-01 is before published 2026-03-01"},
		{"translated before the source was published", fstest.MapFS{"en/a.md": md(src, "x"), "es/a.md": md(tr+"\ntranslated = 2026-02-01", "x")},
			"es/a.md: translated 2026-02-01 is before en/a.md was published"},
		{"a slug that is another article's key", fstest.MapFS{
			"en/a.md": md(src, "x"), "en/b.md": md(strings.ReplaceAll(src, `"a"`, `"b"`), "y"),
			"es/a.md": md(strings.Replace(tr, `"a-es"`, `"b"`, 1), "x")},
			`es/a.md: slug "b" is also the key or a slug of "b"`},
		{"one slug for two articles in two languages", fstest.MapFS{
			"en/a.md": md(src, "x"), "en/b.md": md(strings.ReplaceAll(src, `"a"`, `"b"`), "y"),
			"es/a.md": md(tr, "x"), "fr/b.md": md(strings.ReplaceAll(tr, `key = "a"`, `key = "b"`), "y")},
			`fr/b.md: slug "a-es" is also the key or a slug of "a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openDB(t)
			k, err := New(context.Background(), db, testOptions(t, testsupport.NewClock(time.Now())))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := k.SeedIfEmpty(context.Background(), tt.files); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("SeedIfEmpty: %v; want an error containing %q", err, tt.want)
			}
		})
	}
}

// A database indexed by an older version (plain text, before folding and
// bigrams) is re-indexed when the knowledge base opens it.
func TestNew_RebuildsAnIndexOfAnOlderFormat(t *testing.T) {
	t.Parallel()
	k, db, c := seeded(t, worldFS())
	ctx := context.Background()
	if res := search(t, k, "zh-Hans", "密码"); len(res.Hits) != 1 {
		t.Fatalf("before: %s", hitKeys(res))
	}
	// Make it look like 0001's index: the raw text, format 1.
	if _, err := db.Write.ExecContext(ctx, `DELETE FROM translations_fts;
		INSERT INTO translations_fts (rowid, title, body, lang) SELECT id, title, body_md, lang FROM translations;
		UPDATE search_index SET format = 1`); err != nil {
		t.Fatal(err)
	}
	if res := search(t, k, "zh-Hans", "密码"); len(res.Hits) != 1 {
		t.Fatalf("cached before the change: %s", hitKeys(res))
	}
	k.results.Reset()
	if res := search(t, k, "zh-Hans", "密码"); len(res.Hits) != 0 {
		t.Fatalf("the old index found %s: the test does not test", hitKeys(res))
	}
	k2, err := New(ctx, db, testOptions(t, c))
	if err != nil {
		t.Fatal(err)
	}
	for lang, q := range map[string]string{"zh-Hans": "密码", "ar": "الامان", "en": "usercode", "es": "contrasena"} {
		if res := search(t, k2, lang, q); len(res.Hits) == 0 {
			t.Errorf("after rebuild, %s %q finds nothing", lang, q)
		}
	}
	var format, rows int
	db.Read.QueryRow(`SELECT format FROM search_index`).Scan(&format)
	db.Read.QueryRow(`SELECT count(*) FROM translations_fts`).Scan(&rows)
	want := indexFormat
	if f, ok := k2.fts.(formatted); ok {
		want = f.indexFormat() // PostgreSQL's own
	}
	if format != want || rows != 15 {
		t.Fatalf("format %d, %d rows", format, rows)
	}
}

// The real demo content: every file is loaded, Set Up, Popular and the
// Technical Notes are translated into Spanish and Arabic, the changed article
// is flagged outdated in every translation, and each script is searchable.
func TestSeed_RealDemoTranslations(t *testing.T) {
	t.Parallel()
	k, _ := sharedDemo(t)
	files := map[string]int{}
	err := fs.WalkDir(data.Demo(), ".", func(name string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(name, ".md") {
			files[path.Dir(name)]++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	rows, err := k.db.Read.Query(`SELECT lang, count(*) FROM translations GROUP BY lang`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var lang string
		var n int
		if err := rows.Scan(&lang, &n); err != nil {
			t.Fatal(err)
		}
		stored[lang] = n
	}
	rows.Close()
	for lang, n := range files {
		if stored[lang] != n {
			t.Errorf("%s: %d files, %d stored", lang, n, stored[lang])
		}
	}
	for _, lang := range []string{"en", "es", "ar", "fr", "de", "pt-BR", "zh-Hans", "ja"} {
		if files[lang] == 0 {
			t.Errorf("no demo articles in %s", lang)
		}
	}
	if files["ar"] < 21 || files["es"] < 21 {
		t.Errorf("Arabic has %d translations, Spanish %d; want at least 21", files["ar"], files["es"])
	}
	for _, lang := range []string{"es", "ar"} {
		lists := map[string][]Summary{
			"setup": k.Section(lang, Setup), "technotes": k.Section(lang, TechNotes), "popular": k.Popular(lang, 6),
		}
		for name, items := range lists {
			if len(items) == 0 {
				t.Errorf("%s %s is empty", lang, name)
			}
			for _, s := range items {
				if s.Lang != lang {
					t.Errorf("%s %s: %s is in %s", lang, name, s.Key, s.Lang)
				}
			}
		}
	}
	src, _, err := k.ArticleByKey("en", "what-is-stored")
	if err != nil || len(src.Translations) < 3 {
		t.Fatalf("what-is-stored: %v, %d translations", err, len(src.Translations))
	}
	for _, tr := range src.Translations {
		a, err := k.ArticleIn(tr.Lang, tr.Slug)
		if err != nil {
			t.Fatal(err)
		}
		if a.Outdated != (tr.Lang != "en") {
			t.Errorf("what-is-stored in %s: outdated %v", tr.Lang, a.Outdated)
		}
	}
	for lang, q := range map[string]string{"zh-Hans": "用户代码", "ja": "ユーザーコード", "es": "contraseña", "ar": "كلمة المرور"} {
		res := search(t, k, lang, q)
		if len(res.Hits) == 0 || res.Hits[0].Lang != lang || marks(res.Hits[0]) == "" {
			t.Errorf("%s %q: %s", lang, q, hitKeys(res))
		}
	}
}
