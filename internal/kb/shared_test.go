package kb

import (
	"context"
	"io/fs"
	"os"
	"sync"
	"testing"
	"time"

	"zerodesk/data"
	"zerodesk/internal/testsupport"
)

// Loading the real demo (or a generated catalog of hundreds of articles)
// costs seconds under -race; the tests that only read such a catalog share
// one knowledge base per catalog and clock, loaded once per test process
// exactly as seeded and seededDemo load theirs. A test that writes (views,
// votes, publications, imports) loads its own.

// sharedFixture is one shared knowledge base and what its load returned.
type sharedFixture struct {
	once   sync.Once
	k      *KB
	seeded int // articles SeedIfEmpty loaded
	err    string
}

var shared struct {
	mu       sync.Mutex
	fixtures map[string]*sharedFixture
	root     string   // the fixtures' temporary directories
	cleanups []func() // run by TestMain, last first
}

func TestMain(m *testing.M) {
	code := m.Run()
	shared.mu.Lock()
	for i := len(shared.cleanups) - 1; i >= 0; i-- {
		shared.cleanups[i]()
	}
	if shared.root != "" {
		os.RemoveAll(shared.root)
	}
	shared.mu.Unlock()
	os.Exit(code)
}

// processTB is the test that asked first, but with a temporary directory and
// cleanups that last until the test process ends: the database a shared
// fixture opens through openDB (whichever engine the tests run on) outlives
// that test.
type processTB struct{ testing.TB }

func (processTB) TempDir() string {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	var err error
	if shared.root == "" {
		if shared.root, err = os.MkdirTemp("", "zerodesk-kb-shared-"); err != nil {
			panic(err)
		}
	}
	dir, err := os.MkdirTemp(shared.root, "")
	if err != nil {
		panic(err)
	}
	return dir
}

func (processTB) Cleanup(f func()) {
	shared.mu.Lock()
	shared.cleanups = append(shared.cleanups, f)
	shared.mu.Unlock()
}

// sharedKB is the knowledge base name names: files seeded at the given time
// on a database of its own, loaded by the first test that asks. Callers only
// read it.
func sharedKB(t testing.TB, name string, at func() time.Time, files func(testing.TB) fs.FS) (*KB, int) {
	t.Helper()
	shared.mu.Lock()
	if shared.fixtures == nil {
		shared.fixtures = map[string]*sharedFixture{}
	}
	f := shared.fixtures[name]
	if f == nil {
		f = &sharedFixture{}
		shared.fixtures[name] = f
	}
	shared.mu.Unlock()
	f.once.Do(func() {
		f.err = "loading failed in the test that loaded it first"
		ptb := processTB{t}
		k, err := New(context.Background(), openDB(ptb), testOptions(ptb, testsupport.NewClock(at())))
		if err != nil {
			f.err = err.Error()
			return
		}
		if f.seeded, err = k.SeedIfEmpty(context.Background(), files(ptb)); err != nil {
			f.err = err.Error()
			return
		}
		f.k, f.err = k, ""
	})
	if f.err != "" {
		t.Fatalf("shared knowledge base %s: %s", name, f.err)
	}
	return f.k, f.seeded
}

// seededAt is the clock seeded starts its knowledge bases at.
func seededAt() time.Time { return time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC) }

func demoFiles(testing.TB) fs.FS { return data.Demo() }

// sharedDemo is the real demo as seededDemo loads it (its clock the time of
// the load), for tests that only read it; and the number of articles loaded.
func sharedDemo(t testing.TB) (*KB, int) {
	t.Helper()
	return sharedKB(t, "demo", time.Now, demoFiles)
}

// sharedSeededDemo is the real demo as seeded(t, data.Demo()) loads it, for
// tests that only read it.
func sharedSeededDemo(t testing.TB) *KB {
	t.Helper()
	k, _ := sharedKB(t, "demo@seeded", seededAt, demoFiles)
	return k
}

// sharedGenerated is seeded(t, generatedCatalog(t, 150)), for tests that
// only read it.
func sharedGenerated(t testing.TB) *KB {
	t.Helper()
	k, _ := sharedKB(t, "generated-150", seededAt, func(t testing.TB) fs.FS { return generatedCatalog(t, 150) })
	return k
}

// sharedDemoFS is seeded(t, demoFS()), for tests that only read it.
func sharedDemoFS(t testing.TB) *KB {
	t.Helper()
	k, _ := sharedKB(t, "demoFS@seeded", seededAt, func(testing.TB) fs.FS { return demoFS() })
	return k
}

// sharedWorldFS is seeded(t, worldFS()), for tests that only read it.
func sharedWorldFS(t testing.TB) *KB {
	t.Helper()
	k, _ := sharedKB(t, "worldFS@seeded", seededAt, func(testing.TB) fs.FS { return worldFS() })
	return k
}
