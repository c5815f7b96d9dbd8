package handlers

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"zerodesk/internal/kb"
)

const testPublicURL = "https://help.example.org"

func TestSEO_CanonicalAndHreflangLinksAreAbsoluteFromThePublicURL(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.h.PublicURL = testPublicURL
	for _, path := range []string{"/en/", "/ar/", "/en/articles/reset-account", "/de/sections/howto", "/en/support"} {
		d := doc(t, a.get(t, path))
		links := d.Find(`link[rel="canonical"], link[rel="alternate"][hreflang]`)
		if d.Find(`link[rel="alternate"][hreflang]`).Length() < 2 {
			t.Errorf("%s: no hreflang alternates", path)
		}
		links.Each(func(_ int, s *goquery.Selection) {
			if href := s.AttrOr("href", ""); !strings.HasPrefix(href, testPublicURL+"/") {
				t.Errorf("%s: %s link %q is not absolute from %s", path, s.AttrOr("rel", ""), href, testPublicURL)
			}
		})
		if d.Find(`link[rel="alternate"][hreflang="x-default"]`).Length() != 1 {
			t.Errorf("%s: no x-default alternate", path)
		}
	}
	d := doc(t, a.get(t, "/en/articles/reset-account"))
	if got := d.Find(`link[rel="canonical"]`).AttrOr("href", ""); got != testPublicURL+"/en/articles/reset-account" {
		t.Errorf("canonical = %q", got)
	}
	wantCount(t, d, `link[rel="icon"][type="image/svg+xml"][href^="/static/img/favicon."]`, 1)
	// The text size is the reader's, not another page.
	d = doc(t, a.get(t, "/en/?size=3"))
	if got := d.Find(`link[rel="canonical"]`).AttrOr("href", ""); got != testPublicURL+"/en/" {
		t.Errorf("canonical at a larger text size = %q", got)
	}
	d.Find(`link[rel="alternate"][hreflang]`).Each(func(_ int, s *goquery.Selection) {
		if strings.Contains(s.AttrOr("href", ""), "size=") {
			t.Errorf("hreflang link %q keeps the text size", s.AttrOr("href", ""))
		}
	})
}

func TestSEO_RobotsAllowsAllAndPointsToTheSitemap(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.get(t, "/robots.txt")
	wantStatus(t, w, http.StatusOK)
	if body := w.Body.String(); !strings.Contains(body, "User-agent: *\nAllow: /\n") || !strings.Contains(body, "Sitemap: http://example.com/sitemap.xml\n") {
		t.Errorf("robots.txt without a public URL:\n%s", body)
	}
	a.h.PublicURL = testPublicURL
	if body := a.get(t, "/robots.txt").Body.String(); !strings.Contains(body, "Sitemap: "+testPublicURL+"/sitemap.xml\n") {
		t.Errorf("robots.txt:\n%s", body)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("robots.txt Content-Type %q", ct)
	}
}

type testSitemap struct {
	URLs []struct {
		Loc   string `xml:"loc"`
		Links []struct {
			Rel      string `xml:"rel,attr"`
			HrefLang string `xml:"hreflang,attr"`
			Href     string `xml:"href,attr"`
		} `xml:"http://www.w3.org/1999/xhtml link"`
	} `xml:"url"`
}

func TestSEO_SitemapListsEveryArticleAndPageInEveryLanguageWithAlternates(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.h.PublicURL = testPublicURL
	w := a.get(t, "/sitemap.xml")
	wantStatus(t, w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/xml") {
		t.Errorf("Content-Type %q", ct)
	}
	var sm testSitemap
	if err := xml.Unmarshal(w.Body.Bytes(), &sm); err != nil {
		t.Fatalf("the sitemap is not XML: %v\n%.500s", err, w.Body.String())
	}
	listed := map[string]bool{}
	for _, u := range sm.URLs {
		listed[u.Loc] = true
		self, xdefault := false, false
		for _, l := range u.Links {
			if l.Rel != "alternate" || !strings.HasPrefix(l.Href, testPublicURL+"/") {
				t.Errorf("%s: alternate %+v", u.Loc, l)
			}
			self = self || l.Href == u.Loc
			xdefault = xdefault || l.HrefLang == "x-default"
		}
		if !self || !xdefault {
			t.Errorf("%s: alternates %+v lack itself or x-default", u.Loc, u.Links)
		}
	}
	want := 0
	for _, lang := range a.h.Locales.Languages() {
		for _, page := range []string{"/", "/sections/howto", "/support"} {
			if !listed[testPublicURL+"/"+lang+page] {
				t.Errorf("the sitemap lacks %s", "/"+lang+page)
			}
		}
		for _, c := range kb.Categories {
			for _, s := range a.kb.Section(lang, c) {
				if s.Lang != lang {
					continue
				}
				want++
				if loc := testPublicURL + "/" + lang + "/articles/" + s.Slug; !listed[loc] {
					t.Errorf("the sitemap lacks the published article %s", loc)
				}
			}
		}
	}
	if want < 50 {
		t.Errorf("only %d articles in the catalog: the test checks too little", want)
	}
	for loc := range listed {
		if strings.Contains(loc, "/search") || strings.Contains(loc, "/desk") || strings.Contains(loc, "/account") {
			t.Errorf("the sitemap lists %s", loc)
		}
	}
	// A request's Host never reaches the sitemap when the public URL is set.
	r, _ := http.NewRequest(http.MethodGet, "/sitemap.xml", nil)
	r.Host = "evil.example"
	if body := a.do(t, r).Body.String(); strings.Contains(body, "evil.example") {
		t.Error("the sitemap follows the Host header despite --public-url")
	}
}

func TestSEO_FaviconICOAnswersWithTheIcon(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.get(t, "/favicon.ico")
	if w.Code != http.StatusFound {
		t.Fatalf("/favicon.ico: status %d", w.Code)
	}
	loc := w.Header().Get("Location")
	if !strings.HasPrefix(loc, "/static/img/favicon.") || !strings.HasSuffix(loc, ".svg") {
		t.Fatalf("/favicon.ico goes to %q", loc)
	}
	icon := a.get(t, loc)
	wantStatus(t, icon, http.StatusOK)
	if ct := icon.Header().Get("Content-Type"); !strings.HasPrefix(ct, "image/svg+xml") {
		t.Errorf("the icon's Content-Type %q", ct)
	}
}
