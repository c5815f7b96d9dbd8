package locales

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestNegotiate_PicksAShippedLanguageOrEnglish(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for header, want := range map[string]string{
		"":                         "en",
		"en-GB,en;q=0.9":           "en",
		"xx-YY":                    "en",
		"fr-CH, fr;q=0.9, *;q=0.5": "fr",
		"sv-SE, fi;q=0.9":          "en",
		"not a header;;;q=abc":     "en",
	} {
		if got := c.Negotiate(header); got != want {
			t.Errorf("Negotiate(%q) = %q, want %q", header, got, want)
		}
	}
}

func TestNegotiate_PicksTheBestSupportedLanguage(t *testing.T) {
	c, err := LoadFS(fstest.MapFS{
		"active.en.toml":      {Data: []byte(`["a"]` + "\nother = \"A\"\n")},
		"active.pt-BR.toml":   {Data: []byte(`["a"]` + "\nother = \"Á\"\n")},
		"active.zh-Hans.toml": {Data: []byte(`["a"]` + "\nother = \"甲\"\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	for header, want := range map[string]string{
		"pt":                    "pt-BR",
		"pt-PT;q=0.9, en;q=0.5": "pt-BR",
		"zh-CN":                 "zh-Hans",
		"de, en;q=0.1":          "en",
	} {
		if got := c.Negotiate(header); got != want {
			t.Errorf("Negotiate(%q) = %q, want %q", header, got, want)
		}
	}
	if got := c.Localizer("pt-BR").T("a"); got != "Á" {
		t.Errorf("T = %q", got)
	}
}

func TestT_MissingMessageShowsItsIDAndPluralsWork(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	l := c.Localizer("en")
	if got := l.T("no.such.message"); got != "no.such.message" {
		t.Errorf("missing message gave %q", got)
	}
	if got := l.N("search.count", 1); got != "1 article found" {
		t.Errorf("singular: %q", got)
	}
	if got := l.N("search.count", 7); got != "7 articles found" {
		t.Errorf("plural: %q", got)
	}
	if got := l.T("search.none", "Query", "x"); !strings.Contains(got, "“x”") {
		t.Errorf("placeholder: %q", got)
	}
}

func TestNumber_IsWrittenTheLanguagesWay(t *testing.T) {
	c, err := LoadFS(fstest.MapFS{
		"active.en.toml": {Data: []byte(`["a"]` + "\nother = \"A\"\n")},
		"active.ar.toml": {Data: []byte(`["a"]` + "\nother = \"أ\"\n")},
		"active.de.toml": {Data: []byte(`["a"]` + "\nother = \"A\"\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{"en": "12,345", "de": "12.345", "ar": "١٢٬٣٤٥"} {
		if got := c.Localizer(lang).Number(12345); got != want {
			t.Errorf("%s: Number(12345) = %q, want %q", lang, got, want)
		}
	}
}
