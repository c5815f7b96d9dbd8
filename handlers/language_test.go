package handlers

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

func TestEveryLanguage_PagesRenderInThatLanguage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	langs := a.h.Locales.Languages()
	if len(langs) < 8 {
		t.Fatalf("%d UI languages, want at least 8: %v", len(langs), langs)
	}
	for _, lang := range langs {
		l := a.h.Locales.Localizer(lang)
		for _, path := range []string{"/", "/search?q=zz", "/login", "/sections/howto"} {
			w := a.get(t, "/"+lang+path)
			wantStatus(t, w, http.StatusOK)
			d := doc(t, w)
			html := d.Find("html")
			if html.AttrOr("lang", "") != lang {
				t.Errorf("/%s%s: lang=%q", lang, path, html.AttrOr("lang", ""))
			}
			wantDir := "ltr"
			if lang == "ar" {
				wantDir = "rtl"
			}
			if html.AttrOr("dir", "") != wantDir {
				t.Errorf("/%s%s: dir=%q, want %s", lang, path, html.AttrOr("dir", ""), wantDir)
			}
			if got := d.Find("#user-area-title").Text(); got != l.T("side.user.title") {
				t.Errorf("/%s%s: User Area reads %q", lang, path, got)
			}
		}
		d := doc(t, a.get(t, "/"+lang+"/"))
		if got := d.Find("h1").Text(); got != l.T("home.title") {
			t.Errorf("/%s/: h1 %q, want %q", lang, got, l.T("home.title"))
		}
		// Every page names its other languages, plus x-default.
		for _, other := range append(langs, "x-default") {
			if d.Find(`link[rel="alternate"][hreflang="`+other+`"]`).Length() != 1 {
				t.Errorf("/%s/ lacks hreflang %s", lang, other)
			}
		}
	}
}

func TestRoot_NegotiatesTheBrowsersLanguage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for header, want := range map[string]string{
		"pt":                        "/pt-BR/",
		"pt-PT,pt;q=0.9":            "/pt-BR/",
		"zh-CN,zh;q=0.9":            "/zh-Hans/",
		"ja-JP,en;q=0.5":            "/ja/",
		"es-MX":                     "/es/",
		"fr-CH, fr;q=0.9, en;q=0.8": "/fr/",
		"de;q=0.2, ar;q=0.9":        "/ar/",
		"xx":                        "/en/",
		"":                          "/en/",
	} {
		w := a.get(t, "/", "Accept-Language", header)
		wantStatus(t, w, http.StatusFound)
		if got := w.Header().Get("Location"); got != want {
			t.Errorf("Accept-Language %q → %s, want %s", header, got, want)
		}
	}
}

func TestArticle_OtherLanguagesSlugRedirectsToTheTranslation(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.get(t, "/es/articles/what-is-stored")
	if w.Code != http.StatusMovedPermanently {
		t.Fatalf("status %d, want 301 to the Spanish slug", w.Code)
	}
	loc := w.Header().Get("Location")
	if !strings.HasPrefix(loc, "/es/articles/") || loc == "/es/articles/what-is-stored" {
		t.Fatalf("Location = %q", loc)
	}
	d := doc(t, a.get(t, loc))
	if d.Find("article .prose").AttrOr("lang", "") != "es" {
		t.Fatal("the Spanish page does not hold the Spanish text")
	}
	// The switcher lands there too: /language → /es/articles/what-is-stored → 301.
	w = a.get(t, "/language?to=es&from="+url.QueryEscape("/en/articles/what-is-stored"))
	if got := w.Header().Get("Location"); got != "/es/articles/what-is-stored" {
		t.Fatalf("switch went to %q", got)
	}
}

func TestArticle_MissingTranslationShowsEnglishWithANotice(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.get(t, "/ar/articles/reset-account") // how-to articles are not in Arabic
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	if d.Find("html").AttrOr("dir", "") != "rtl" {
		t.Fatal("the page frame is not Arabic")
	}
	notice := wantCount(t, d, "article .notice", 1)
	// Issue 10: the languages are named in Arabic, not with an English word
	// inside the Arabic sentence.
	if !strings.Contains(notice.Text(), "الإنجليزية") || strings.Contains(notice.Text(), "English") {
		t.Fatalf("notice %q does not name the language shown in Arabic", notice.Text())
	}
	wantCount(t, d, `article .notice a[href="/ar/support?article=reset-account&kind=translation"]`, 1)
	if d.Find("article .prose").AttrOr("lang", "") != "en" || d.Find("h1").AttrOr("lang", "") != "en" {
		t.Fatal("English text on an Arabic page must say lang=en")
	}
	// And isolate its direction.
	if d.Find("article .prose").AttrOr("dir", "") != "ltr" || d.Find("h1").AttrOr("dir", "") != "ltr" ||
		d.Find(`.breadcrumbs [aria-current="page"]`).AttrOr("dir", "") != "ltr" {
		t.Fatal("English text on an Arabic page must say dir=ltr")
	}
	if c := d.Find(`link[rel="canonical"]`).AttrOr("href", ""); c != "/en/articles/reset-account" {
		t.Fatalf("canonical = %q, want the English original", c)
	}
}

func TestArticle_OutdatedTranslationIsFlagged(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	loc := a.get(t, "/es/articles/what-is-stored").Header().Get("Location")
	d := doc(t, a.get(t, loc))
	wantCount(t, d, `article .notice a[href="/en/articles/what-is-stored"]`, 1)
	// An up-to-date translation carries no notice.
	loc = a.get(t, "/es/articles/anti-phishing-phrase").Header().Get("Location")
	if n := doc(t, a.get(t, loc)).Find("article .notice").Length(); n != 0 {
		t.Fatalf("an up-to-date translation shows %d notices", n)
	}
}

func TestHome_ListsNeverMixLanguagesSilently(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, lang := range []string{"fr", "es", "ja"} {
		d := doc(t, a.get(t, "/"+lang+"/"))
		d.Find(".entries details summary").Each(func(_ int, s *goquery.Selection) {
			titleLang := s.Find(".entry-title").AttrOr("lang", "")
			labelled := s.Find(".in-language").Length() == 1
			if titleLang != lang && !labelled {
				t.Errorf("/%s/: %q is in %s without a label", lang, s.Find(".entry-title").Text(), titleLang)
			}
			if titleLang == lang && labelled {
				t.Errorf("/%s/: %q is labelled though it is in the page's language", lang, s.Text())
			}
		})
	}
	// Spanish has Set Up, Popular and Technical Notes translated: no label there.
	d := doc(t, a.get(t, "/es/"))
	if n := d.Find("#setup .in-language, #popular .in-language").Length(); n != 0 {
		t.Errorf("Spanish Set Up/Popular show %d other-language entries", n)
	}
}

func TestSearch_FindsTheVisitorsLanguageFirstThenOthersLabelled(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	// Spanish articles use "contraseña"; the how-to articles, English only, say
	// "recovery": a Spanish visitor searching it gets Spanish hits (if any)
	// first, then the untranslated English ones, labelled.
	d := doc(t, a.get(t, "/es/search?q="+url.QueryEscape("contraseña")))
	hits := wantCount(t, d, "#search-results > ol.results > li", 1)
	hits.Each(func(_ int, s *goquery.Selection) {
		if s.Find(".result-title").AttrOr("lang", "") != "es" {
			t.Errorf("a main Spanish result is in %s", s.Find(".result-title").AttrOr("lang", ""))
		}
	})
	if d.Find(".other-languages").Length() != 0 {
		t.Error("a word every result has in Spanish offered other languages")
	}
	d = doc(t, a.get(t, "/es/search?q=recovery"))
	other := d.Find(".other-languages li")
	other.Each(func(_ int, s *goquery.Selection) {
		if s.Find(".in-language").Length() != 1 {
			t.Error("an other-language result has no label")
		}
	})
	if other.Length() == 0 {
		t.Error("no results from other languages for a word only the English how-to articles use")
	}
}

func TestSearch_ChineseAndJapaneseNeedNoSpaces(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for lang, q := range map[string]string{"zh-Hans": "用户代码", "ja": "ユーザーコード"} {
		d := doc(t, a.get(t, "/"+lang+"/search?q="+url.QueryEscape(q)))
		hit := wantCount(t, d, "#search-results > ol.results > li", 1).First()
		if hit.Find(".result-title").AttrOr("lang", "") != lang {
			t.Errorf("%s: first hit is not in %s", lang, lang)
		}
		wantCount(t, d, "#search-results > ol.results mark", 1)
	}
}

func TestDates_AreWrittenInTheVisitorsLanguage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	loc := a.get(t, "/de/articles/setup-web").Header().Get("Location")
	if loc == "" {
		loc = "/de/articles/setup-web"
	}
	d := doc(t, a.get(t, loc))
	date := d.Find("article .meta time").Text()
	l := a.h.Locales.Localizer("de")
	found := false
	for _, m := range []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"} {
		if strings.Contains(date, l.T("date.month."+m)) {
			found = true
		}
	}
	if !found {
		t.Fatalf("German date %q has no German month name", date)
	}
}

// The language of a URL without one: the signed-in user's saved preference
// comes before the browser's Accept-Language (PRODUCT: URL, preference,
// Accept-Language, default).
func TestRoot_SignedInUsersSavedLanguageComesBeforeTheBrowsers(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	usercode := j.register(t, "Lise Meitner", "lise@example.com")
	activated := j.activate(t, usercode, "amber falcon sings", true)
	wantStatus(t, activated, http.StatusSeeOther)
	cookies := activated.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("1-Click activation set %d cookies", len(cookies))
	}
	cookie := "zd=" + cookies[0].Value
	w := a.post(t, "/en/account/profile", url.Values{"name": {"Lise Meitner"}, "language": {"de"}}, "Cookie", cookie)
	wantStatus(t, w, http.StatusOK)

	w = a.get(t, "/", "Accept-Language", "fr", "Cookie", cookie)
	if loc := w.Header().Get("Location"); loc != "/de/" {
		t.Fatalf("signed in: / goes to %q, want the saved /de/", loc)
	}
	if vary := w.Header().Values("Vary"); !slices.Contains(vary, "Cookie") {
		t.Errorf("Vary = %v: a shared cache would give everyone one user's language", vary)
	}
	w = a.get(t, "/", "Accept-Language", "fr")
	if loc := w.Header().Get("Location"); loc != "/fr/" {
		t.Fatalf("visitor: / goes to %q, want /fr/", loc)
	}
	w = a.get(t, "/", "Accept-Language", "fr", "Cookie", "zd=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	if loc := w.Header().Get("Location"); loc != "/fr/" {
		t.Fatalf("stale cookie: / goes to %q, want /fr/", loc)
	}
}

// Issue 10 guard: on Arabic pages every element holding text in another
// language isolates its direction (dir), wherever the help desk lists,
// finds or shows articles. Form controls naming languages are left aside.
func TestArabicPages_ForeignFragmentsCarryDir(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	foreign := 0
	for _, path := range []string{
		"/ar/", "/ar/?open=latest", "/ar/?open=popular", "/ar/sections/howto", "/ar/sections/howto?open=howto",
		"/ar/articles/log-in-two-steps", "/ar/articles/reset-account", "/ar/search?q=password", "/ar/search?q=xyzzy+quux",
		"/ar/search?q=log", "/ar/search?q=%D8%AD%D8%B3%D8%A7%D8%A8",
	} {
		w := a.get(t, path)
		wantStatus(t, w, http.StatusOK)
		d := doc(t, w)
		d.Find("body [lang]").Each(func(_ int, s *goquery.Selection) {
			if goquery.NodeName(s) == "option" || s.AttrOr("lang", "") == "ar" {
				return
			}
			foreign++
			if s.AttrOr("dir", "") == "" {
				t.Errorf("%s: <%s lang=%s> %q has no dir", path, goquery.NodeName(s), s.AttrOr("lang", ""), strings.TrimSpace(s.Text())[:min(40, len(strings.TrimSpace(s.Text())))])
			}
		})
	}
	if foreign < 5 {
		t.Fatalf("only %d foreign fragments: the guard checks little", foreign)
	}
}
