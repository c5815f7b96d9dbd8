package storetest

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"sort"
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
func FindSecrets(t testing.TB, db *store.DB, logs []byte, secrets map[string]string) []string {
	t.Helper()
	files := map[string][]byte{"log": logs}
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(db.Path + suffix)
		if err != nil && suffix == "" {
			t.Fatal(err)
		}
		files["database"+suffix] = b
	}
	var found []string
	for file, content := range files {
		for what, s := range secrets {
			for enc, needle := range Encodings(s) {
				if bytes.Contains(content, []byte(needle)) {
					found = append(found, file+" holds the "+what+" ("+enc+")")
				}
			}
		}
	}
	sort.Strings(found)
	return found
}

// WALSize is the size of the database's WAL file, 0 when there is none: a
// scan "while live" means little without one.
func WALSize(db *store.DB) int64 {
	info, err := os.Stat(db.Path + "-wal")
	if err != nil {
		return 0
	}
	return info.Size()
}
