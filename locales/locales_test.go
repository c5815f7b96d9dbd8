package locales

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func TestNegotiate_FallsBackToEnglish(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for header, want := range map[string]string{
		"":                         "en",
		"en-GB,en;q=0.9":           "en",
		"xx-YY":                    "en",
		"fr-CH, fr;q=0.9, *;q=0.5": "en",
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

// Every message ID written literally in a view or handler must exist in English.
func TestEveryLiteralMessageIDExists(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	l := c.Localizer("en")
	call := regexp.MustCompile(`\b(?:T|N|E)\((?:ctx, )?(?:errs\.\w+, )?"([a-z_]+(?:\.[a-z0-9_-]+)+)"`)
	idField := regexp.MustCompile(`(?:TitleID|TextID|MessageID): "([a-z_]+(?:\.[a-z0-9_-]+)+)"`)
	coming := regexp.MustCompile(`coming\("([a-z_.]+)", "([a-z_.]+)"\)`)
	var files []string
	for _, pattern := range []string{"../views/*.templ", "../handlers/*.go", "../internal/*/*.go"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || strings.HasSuffix(f, "_templ.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range []*regexp.Regexp{call, idField, coming} {
			for _, m := range re.FindAllStringSubmatch(string(src), -1) {
				for _, id := range m[1:] {
					checked++
					if l.T(id) == id {
						t.Errorf("%s uses message %q, which active.en.toml lacks", f, id)
					}
				}
			}
		}
	}
	if checked < 50 {
		t.Fatalf("only %d message IDs found: the scan is broken", checked)
	}
}
