package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"zerodesk/internal/store"
)

// Encodings are the ways a secret could sit in a file: plain, hex in either
// case, base64 and base64url, padded and raw.
func Encodings(s string) map[string]string {
	b := []byte(s)
	return map[string]string{
		"plain":         s,
		"hex":           hex.EncodeToString(b),
		"HEX":           strings.ToUpper(hex.EncodeToString(b)),
		"base64":        base64.StdEncoding.EncodeToString(b),
		"base64 raw":    base64.RawStdEncoding.EncodeToString(b),
		"base64url":     base64.URLEncoding.EncodeToString(b),
		"base64url raw": base64.RawURLEncoding.EncodeToString(b),
	}
}

// FindSecrets scans the database file, its WAL (when there is one) and logs
// for every secret (name → value) in every encoding, and returns one line per
// find: "database-wal holds the password (base64)". Nothing found: nil.
//
// On PostgreSQL "the database file" is every file of the test's database in
// the cluster's data directory (base/OID/…, after a CHECKPOINT has written
// the shared buffers out) and "its WAL" the cluster's pg_wal segments (shared
// by every database of the cluster, and holding what the demo articles
// wrote): so every secret scanned for is this run's own (Secret, or what the
// code generated), and another test's rows do not match it;
// TestFindSecrets_NeedlesAreNeverConstants fails on a constant needle).
func FindSecrets(t testing.TB, db *store.DB, logs []byte, secrets map[string]string) []string {
	t.Helper()
	files := map[string][]byte{"log": logs}
	if db.Engine == store.Postgres {
		files["database"], files["database-wal"] = postgresFiles(t, db)
	} else {
		for _, suffix := range []string{"", "-wal"} {
			b, err := os.ReadFile(db.Path + suffix)
			if err != nil && suffix == "" {
				t.Fatal(err)
			}
			files["database"+suffix] = b
		}
	}
	var needles []needle
	for what, s := range secrets {
		for enc, n := range Encodings(s) {
			needles = append(needles, needle{what: what, enc: enc, bytes: []byte(n)})
		}
	}
	var found []string
	for file, content := range files {
		for _, n := range containedNeedles(content, needles) {
			found = append(found, file+" holds the "+n.what+" ("+n.enc+")")
		}
	}
	sort.Strings(found)
	return found
}

// A needle is one secret in one encoding.
type needle struct {
	what, enc string
	bytes     []byte
}

// containedNeedles returns the needles that occur in content. One pass over
// content for all of them: each position's next 8 bytes are looked up among
// the needles' first 8 bytes. A needle-by-needle bytes.Contains read
// PostgreSQL's tens of megabytes of cluster files once per secret and
// encoding (about 2,000 times in the search log's test: minutes); shorter
// needles, which no real secret is, still go one by one.
func containedNeedles(content []byte, needles []needle) []needle {
	const k = 8
	var out []needle
	byPrefix := map[uint64][]int{}
	for i, n := range needles {
		if len(n.bytes) < k {
			if bytes.Contains(content, n.bytes) {
				out = append(out, n)
			}
			continue
		}
		p := binary.LittleEndian.Uint64(n.bytes)
		byPrefix[p] = append(byPrefix[p], i)
	}
	if len(byPrefix) == 0 {
		return out
	}
	seen := make([]bool, len(needles))
	for i := 0; i+k <= len(content); i++ {
		candidates, ok := byPrefix[binary.LittleEndian.Uint64(content[i:])]
		if !ok {
			continue
		}
		for _, c := range candidates {
			if !seen[c] && bytes.HasPrefix(content[i:], needles[c].bytes) {
				seen[c] = true
				out = append(out, needles[c])
			}
		}
	}
	return out
}

// postgresFiles reads the test database's files and the cluster's WAL.
func postgresFiles(t testing.TB, db *store.DB) (data, wal []byte) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Read.ExecContext(ctx, `CHECKPOINT`); err != nil {
		t.Fatalf("CHECKPOINT before a byte scan: %v", err)
	}
	var dir string
	var oid int64
	if err := db.Read.QueryRowContext(ctx, `SELECT current_setting('data_directory'), oid FROM pg_database WHERE datname = current_database()`).Scan(&dir, &oid); err != nil {
		t.Fatalf("where the database's files are: %v", err)
	}
	read := func(dir string) []byte {
		var all []byte
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatalf("byte scan: %v", err)
		}
		for _, e := range entries {
			if e.Type().IsRegular() {
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil && !errors.Is(err, fs.ErrNotExist) { // a recycled WAL segment may go
					t.Fatalf("byte scan: %v", err)
				}
				all = append(all, b...)
			}
		}
		return all
	}
	return read(filepath.Join(dir, "base", strconv.FormatInt(oid, 10))), read(filepath.Join(dir, "pg_wal"))
}

// WALSize is the size of the database's WAL file, 0 when there is none: a
// scan "while live" means little without one. On PostgreSQL the WAL is the
// cluster's and always there: its size is reported as 1.
func WALSize(db *store.DB) int64 {
	if db.Engine == store.Postgres {
		return 1
	}
	info, err := os.Stat(db.Path + "-wal")
	if err != nil {
		return 0
	}
	return info.Size()
}

// Secret is a value for a test to plant and later scan for with
// FindSecrets: prefix (what makes it realistic: "ORD-", "Puma ", an
// address's local part) and ten random characters, new on every call. A
// byte scan on PostgreSQL reads the cluster's pg_wal, which the databases of
// every test running at the same time share (and the demo articles' example
// usercode): a fixed needle can be found there because another test wrote
// the same bytes. A needle of this run's own is found only where this test
// put it. TestFindSecrets_NeedlesAreNeverConstants guards every call.
func Secret(t testing.TB, prefix string) string {
	t.Helper()
	return prefix + rand.Text()[:10]
}
