package locales

import (
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// readMessageFile reads one ROOM.LANG.toml: message ID → plural form → text.
func readMessageFile(t *testing.T, name string) map[string]map[string]string {
	t.Helper()
	raw, err := fs.ReadFile(files, name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]map[string]string
	if err := toml.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// The languages the portal promises (issue: every page in the visitor's language).
var shipped = []string{"en", "es", "fr", "de", "pt-BR", "ar", "zh-Hans", "ja"}

func TestEveryShippedLanguageHasAMessageFile(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range shipped {
		if !c.Supported(lang) {
			t.Errorf("no message file for %s", lang)
		}
	}
}

// Each room's file in each language has exactly the messages of the room's
// English file, and no ID is declared by two rooms.
func TestEveryLanguageHasExactlyTheEnglishMessagesAndPlaceholders(t *testing.T) {
	english, _ := fs.Glob(files, "*.en.toml")
	if len(english) == 0 {
		t.Fatal("no English message files")
	}
	owner := map[string]string{}
	for _, en := range english {
		room := strings.TrimSuffix(en, ".en.toml")
		for id := range readMessageFile(t, en) {
			if other, dup := owner[id]; dup {
				t.Errorf("%q is declared in %s and %s", id, other, en)
			}
			owner[id] = en
		}
		for _, lang := range shipped[1:] {
			name := room + "." + lang + ".toml"
			if _, err := fs.Stat(files, name); err != nil {
				t.Errorf("%s is missing", name)
				continue
			}
			compareWithEnglish(t, readMessageFile(t, en), name)
		}
	}
	all, _ := fs.Glob(files, "*.toml")
	for _, name := range all {
		if !slices.Contains(shipped, FileLanguage(name)) {
			t.Errorf("%s: not ROOM.LANG.toml with a shipped language", name)
		}
	}
}

func compareWithEnglish(t *testing.T, source map[string]map[string]string, name string) {
	t.Helper()
	m := readMessageFile(t, name)
	for id, forms := range source {
		tr, ok := m[id]
		if !ok {
			t.Errorf("%s lacks %q", name, id)
			continue
		}
		want := placeholders(forms["other"])
		for form, text := range tr {
			if form == "description" || form == "hash" {
				continue
			}
			if strings.TrimSpace(text) == "" {
				t.Errorf("%s %q %s is empty", name, id, form)
			}
			got := placeholders(text)
			// A plural form may say "one" in words instead of {{.Count}}.
			if form != "other" && slices.Contains(want, "Count") && !slices.Contains(got, "Count") {
				got = append(got, "Count")
				slices.Sort(got)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s %q (%s) has placeholders %v, English has %v", name, id, form, got, want)
			}
		}
		if _, ok := tr["other"]; !ok {
			t.Errorf("%s %q has no 'other' form", name, id)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(m)) {
		if _, ok := source[id]; !ok {
			t.Errorf("%s has %q, which English does not", name, id)
		}
	}
}
