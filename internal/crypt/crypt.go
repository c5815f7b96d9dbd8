// Package crypt holds the small, pure cryptographic pieces: the server secret and
// its key file, purpose-bound subkeys (HKDF) and keyed hashes. It knows no storage.
package crypt

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SecretSize is the length of the server secret in bytes.
const SecretSize = 32

// Secret is the server secret. It lives in the key file beside the database (or
// in an environment variable), never inside the database.
type Secret struct{ key [SecretSize]byte }

// ParseSecret reads a secret written as 64 hexadecimal characters.
func ParseSecret(text string) (Secret, error) {
	var s Secret
	raw, err := hex.DecodeString(strings.TrimSpace(text))
	if err != nil || len(raw) != SecretSize {
		return s, errors.New("the server secret must be 64 hexadecimal characters")
	}
	copy(s.key[:], raw)
	return s, nil
}

// LoadOrCreateKeyFile returns the secret stored at path, creating the file with
// a fresh random secret (mode 0600) when it does not exist.
func LoadOrCreateKeyFile(path string) (Secret, error) {
	text, err := os.ReadFile(path)
	if err == nil {
		s, err := ParseSecret(string(text))
		if err != nil {
			return s, fmt.Errorf("key file %s: %w", path, err)
		}
		return s, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return Secret{}, err
	}
	var s Secret
	if _, err := rand.Read(s.key[:]); err != nil {
		return s, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return s, err
	}
	// O_EXCL: two processes starting at once must not write two different secrets.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadOrCreateKeyFile(path)
	}
	if err != nil {
		return s, err
	}
	if _, err := f.WriteString(hex.EncodeToString(s.key[:]) + "\n"); err != nil {
		f.Close()
		return s, err
	}
	return s, f.Close()
}

// Subkey derives a 32-byte key bound to purpose, so no two uses of the secret
// ever share a key.
func (s Secret) Subkey(purpose string) []byte {
	k, err := hkdf.Key(sha256.New, s.key[:], nil, "zerodesk/"+purpose, 32)
	if err != nil {
		panic(err) // only possible for an over-long output length
	}
	return k
}

// KeyedHash returns HMAC-SHA256(key, parts joined unambiguously).
func KeyedHash(key []byte, parts ...string) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		var n [8]byte
		for i, l := 0, uint64(len(p)); i < 8; i++ {
			n[i] = byte(l >> (8 * i))
		}
		m.Write(n[:])
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}
