package errs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// singleCodePass is the hand-written pass-or-wrap that lets one code through
// and turns every other domain code into an internal error (a 500): a second
// refusal decided inside the same transaction would be lost.
var singleCodePass = regexp.MustCompile(`if errs\.CodeOf\(err\) == errs\.\w+ \{\s*return [^\n]*\berr\s*\}\s*(if err != nil \{\s*)?return [^\n]*errs\.Wrap\(err`)

// handPass is Pass written out again.
var handPass = regexp.MustCompile(`var \w+ \*errs\.Error\s*if (err == nil \|\| )?errors\.As\(err, &\w+\) \{\s*return [^\n]*\berr\s*\}\s*return [^\n]*errs\.Wrap\(err`)

// TestNoHandWrittenPass guards the domain: a transaction's error leaves
// through Pass, which keeps every domain code.
func TestNoHandWrittenPass(t *testing.T) {
	t.Parallel()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, re := range []*regexp.Regexp{singleCodePass, handPass} {
			if loc := re.FindIndex(src); loc != nil {
				line := 1 + strings.Count(string(src[:loc[0]]), "\n")
				t.Errorf("%s:%d: pass or wrap by hand; use errs.Pass", path, line)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
