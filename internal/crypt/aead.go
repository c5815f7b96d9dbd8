package crypt

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"

	"golang.org/x/crypto/chacha20poly1305"
)

// KeySize is the size of every symmetric key: data keys, key-encryption keys,
// subkeys.
const KeySize = chacha20poly1305.KeySize

// ErrOpen is returned when sealed data does not open: wrong key, wrong
// additional data, or tampering. It says nothing more on purpose.
var ErrOpen = errors.New("crypt: message authentication failed")

// NewKey returns a fresh random 32-byte key.
func NewKey() []byte {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return k
}

// Seal encrypts plaintext with XChaCha20-Poly1305 under key. The random 24-byte
// nonce is prefixed to the result, so random nonces never collide in practice.
// ad (additional data) is authenticated but not stored: it binds the sealed
// value to its context (e.g. "phrase|42"), so a value moved to another row or
// column no longer opens.
func Seal(key, plaintext, ad []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, err
	}
	return aead.Seal(out, out, plaintext, ad), nil
}

// Open reverses Seal. It returns ErrOpen when key or ad differ from the ones
// used to seal, or when sealed was altered.
func Open(key, sealed, ad []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrOpen
	}
	nonce, box := sealed[:aead.NonceSize()], sealed[aead.NonceSize():]
	plain, err := aead.Open(nil, nonce, box, ad)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// WrapKey seals a 32-byte key under a key-encryption key (kek).
func WrapKey(kek, key, ad []byte) ([]byte, error) {
	if len(key) != KeySize {
		return nil, errors.New("crypt: only 32-byte keys are wrapped")
	}
	return Seal(kek, key, ad)
}

// UnwrapKey reverses WrapKey.
func UnwrapKey(kek, wrapped, ad []byte) ([]byte, error) {
	k, err := Open(kek, wrapped, ad)
	if err != nil {
		return nil, err
	}
	if len(k) != KeySize {
		return nil, ErrOpen
	}
	return k, nil
}

// DeriveKey returns HKDF-SHA256(ikm, salt, info) as a 32-byte key. Use a
// Secret.Subkey as salt to make the result depend on the server secret too.
func DeriveKey(ikm, salt []byte, info string) []byte {
	k, err := hkdf.Key(sha256.New, ikm, salt, "zerodesk/"+info, KeySize)
	if err != nil {
		panic(err) // only possible for an over-long output length
	}
	return k
}
