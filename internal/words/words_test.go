package words

import (
	"io/fs"
	"strings"
	"testing"

	"zerodesk/data"
)

// The table fold uses gives what folding the whole word gives.
func TestFold_TableAgreesWithFoldingTheWord(t *testing.T) {
	t.Parallel()
	for r := rune(0x80); r < foldTableSize; r++ {
		for _, w := range []string{string(r), "a" + string(r), string(r) + "\u0301", "e\u0301" + string(r) + "z"} {
			w = strings.ToLower(w)
			if got, want := Fold(w), foldSlowly(w); got != want {
				t.Fatalf("fold(%q) = %q, want %q", w, got, want)
			}
		}
	}
	// Every word of the demo articles (their Markdown source: the titles and
	// text, and a little markup).
	checked := 0
	err := fs.WalkDir(data.Demo(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(data.Demo(), path)
		if err != nil {
			return err
		}
		Each(string(src), func(w string) {
			if IsCJKWord(w) {
				return
			}
			if got, want := Fold(w), foldSlowly(w); got != want {
				t.Fatalf("%s: fold(%q) = %q, want %q", path, w, got, want)
			}
			checked++
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 10000 {
		t.Fatalf("only %d words checked", checked)
	}
}

func TestFold_NeedsNoAllocationForWordsWithoutDiacritics(t *testing.T) {
	for _, w := range []string{"password", "usercode", "المرور", "пароль"} {
		if n := testing.AllocsPerRun(100, func() { Fold(w) }); n != 0 {
			t.Errorf("fold(%q) allocates %v times", w, n)
		}
	}
}

func TestEachWord_CutsScriptsAndKeepsMarksWithTheirLetter(t *testing.T) {
	var got []string
	Each("Zerodeskのパスワード、كَلِمَة ABC-12 設定３ é\u0301t", func(w string) { got = append(got, w) })
	want := "zerodesk|のパスワード|كَلِمَة|abc|12|設定|３|é\u0301t"
	if strings.Join(got, "|") != want {
		t.Fatalf("words = %q", strings.Join(got, "|"))
	}
}
