package store_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// oneSource names mechanics that are written once in the store, with the
// text only their one place holds: a second copy (review of session 20 found
// Copy resetting the identity sequences with a query of its own beside
// SyncIdentities) fails here and is made a call of the first instead.
var oneSource = []struct{ text, file, what string }{
	{"setval(", "db_postgres.go", "moving identity sequences (sqlSyncIdentities: DB.SyncIdentities and Copy run it)"},
}

func TestStore_EachMechanicIsWrittenOnce(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range oneSource {
		var in []string
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(b), m.text); n > 0 {
				in = append(in, f+" ×"+strconv.Itoa(n))
			}
		}
		if len(in) != 1 || in[0] != m.file+" ×1" {
			t.Errorf("%s: %q stands in %v; want once, in %s", m.what, m.text, in, m.file)
		}
	}
}
