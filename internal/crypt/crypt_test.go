package crypt

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestKeyFile_CreatedOnceThenReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "zerodesk.key")
	first, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", info.Mode().Perm())
	}
	again, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if first != again {
		t.Error("the second load returned a different secret")
	}
}

func TestKeyFile_CorruptIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "zerodesk.key")
	os.WriteFile(path, []byte("not hex"), 0o600)
	if _, err := LoadOrCreateKeyFile(path); err == nil {
		t.Fatal("a corrupt key file was accepted")
	}
}

func TestSubkey_BoundToPurpose(t *testing.T) {
	s, _ := ParseSecret("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	a, b := s.Subkey("feedback"), s.Subkey("search")
	if bytes.Equal(a, b) || len(a) != 32 {
		t.Fatal("subkeys for different purposes must differ and be 32 bytes")
	}
	if !bytes.Equal(a, s.Subkey("feedback")) {
		t.Fatal("subkey is not deterministic")
	}
}

func TestKeyedHash_PartsAreUnambiguous(t *testing.T) {
	k := []byte("k")
	if bytes.Equal(KeyedHash(k, "ab", "c"), KeyedHash(k, "a", "bc")) {
		t.Fatal("different part splits gave the same hash")
	}
}
