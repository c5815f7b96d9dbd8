package locales_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"zerodesk/internal/kb"
	"zerodesk/locales"
	"zerodesk/views"
)

// usedMessageIDs is every message ID the code can ask for: the ones written
// literally in views, handlers and domain packages, and the ones composed
// from a name at run time.
func usedMessageIDs(t *testing.T) map[string][]string {
	t.Helper()
	used := map[string][]string{} // ID → where
	call := regexp.MustCompile(`\b(?:T|N|E)\((?:ctx, )?(?:errs\.\w+, )?"([a-z_]+(?:\.[a-z0-9_-]+)+)"`)
	idField := regexp.MustCompile(`(?:TitleID|TextID|MessageID): "([a-z_]+(?:\.[a-z0-9_-]+)+)"`)
	landmark := regexp.MustCompile(`SearchForm\([^)]*"([a-z_]+(?:\.[a-z0-9_-]+)+)"\)`)
	coming := regexp.MustCompile(`coming\("([a-z_.]+)", "([a-z_.]+)"\)`)
	// The message IDs a domain package declares for its errors and mail
	// (accounts.MsgLoginFailed = "accounts.login_failed"), which handlers pass
	// on by constant.
	msgConst := regexp.MustCompile(`\b(?:Msg|Mail)\w+\s*=\s*"([a-z_]+(?:\.[a-z0-9_-]+)+)"`)
	// The notice a change of My account shows (h.accountChange(c, "…", …),
	// h.credentialChange(c, "…", …) for a change that renews the session).
	noticeArg := regexp.MustCompile(`\b(?:accountChange|credentialChange)\(c, "([a-z_]+(?:\.[a-z0-9_-]+)+)"`)
	var files []string
	for _, pattern := range []string{"../views/*.templ", "../views/*.go", "../handlers/*.go", "../internal/*/*.go", "../internal/*/*/*.go"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || strings.HasSuffix(f, "_templ.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range []*regexp.Regexp{call, idField, landmark, coming, msgConst, noticeArg} {
			for _, m := range re.FindAllStringSubmatch(string(src), -1) {
				for _, id := range m[1:] {
					used[id] = append(used[id], f)
				}
			}
		}
	}
	composed := func(id string) { used[id] = append(used[id], "(composed)") }
	for _, cat := range kb.Categories {
		composed("section." + string(cat))
		composed("section." + string(cat) + ".intro")
	}
	for _, kind := range views.LoginTypes {
		composed("login.type." + kind)
		composed("login.type." + kind + ".text")
	}
	for _, m := range []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"} {
		composed("date.month." + m)
	}
	if len(used) < 80 {
		t.Fatalf("only %d message IDs found: the scan is broken", len(used))
	}
	return used
}

func englishIDs(t *testing.T) map[string]bool {
	t.Helper()
	names, _ := fs.Glob(os.DirFS("."), "*.en.toml")
	ids := map[string]bool{}
	for _, name := range names {
		raw, err := fs.ReadFile(os.DirFS("."), name)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := toml.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		for id := range m {
			ids[id] = true
		}
	}
	return ids
}

func TestEveryUsedMessageIDExistsInEveryLanguage(t *testing.T) {
	c, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	used := usedMessageIDs(t)
	for _, lang := range c.Languages() {
		l := c.Localizer(lang)
		for id, where := range used {
			if l.T(id) == id {
				t.Errorf("%s lacks %q (used in %s)", lang, id, where[0])
			}
		}
	}
}

func TestNoMessageIsUnused(t *testing.T) {
	used := usedMessageIDs(t)
	var unused []string
	for id := range englishIDs(t) {
		if _, ok := used[id]; !ok {
			unused = append(unused, id)
		}
	}
	slices.Sort(unused)
	if len(unused) > 0 {
		t.Errorf("messages no code uses (remove them, or use them): %v", unused)
	}
}

// Text a visitor reads must come from the message files: a templ file may not
// hold literal words between tags or in the attributes people read.
func TestViewsHoldNoHardCodedWords(t *testing.T) {
	files, _ := filepath.Glob("../views/*.templ")
	textNode := regexp.MustCompile(`>([^<>{}]*[\p{L}]{2,}[^<>{}]*)<`)
	readAttr := regexp.MustCompile(`\b(?:aria-label|placeholder|title|alt)="([^"]*\p{L}[^"]*)"`)
	allowed := map[string]bool{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			code := strings.TrimSpace(line)
			if strings.HasPrefix(code, "//") || strings.HasPrefix(code, "import") || strings.HasPrefix(code, "package") {
				continue
			}
			for _, m := range textNode.FindAllStringSubmatch(line, -1) {
				if txt := strings.TrimSpace(m[1]); !allowed[txt] {
					t.Errorf("%s:%d: hard-coded text %q", f, i+1, txt)
				}
			}
			for _, m := range readAttr.FindAllStringSubmatch(line, -1) {
				t.Errorf("%s:%d: hard-coded attribute text %q", f, i+1, m[1])
			}
		}
	}
}
