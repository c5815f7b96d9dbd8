package crypt

import (
	"bytes"
	"errors"
	"testing"
)

func TestSeal_OpensOnlyWithSameKeyAndContext(t *testing.T) {
	key := NewKey()
	sealed, err := Seal(key, []byte("amber otter"), []byte("phrase|1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("amber")) {
		t.Fatal("sealed value contains the plaintext")
	}
	if len(sealed) != 24+len("amber otter")+16 {
		t.Fatalf("sealed length = %d, want nonce + plaintext + tag", len(sealed))
	}
	plain, err := Open(key, sealed, []byte("phrase|1"))
	if err != nil || string(plain) != "amber otter" {
		t.Fatalf("Open = %q, %v", plain, err)
	}
	for name, try := range map[string]func() ([]byte, error){
		"other context": func() ([]byte, error) { return Open(key, sealed, []byte("phrase|2")) },
		"other key":     func() ([]byte, error) { return Open(NewKey(), sealed, []byte("phrase|1")) },
		"tampered": func() ([]byte, error) {
			bad := bytes.Clone(sealed)
			bad[30] ^= 1
			return Open(key, bad, []byte("phrase|1"))
		},
		"truncated": func() ([]byte, error) { return Open(key, sealed[:20], []byte("phrase|1")) },
	} {
		if _, err := try(); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: err = %v, want ErrOpen", name, err)
		}
	}
	again, _ := Seal(key, []byte("amber otter"), []byte("phrase|1"))
	if bytes.Equal(again, sealed) {
		t.Error("two seals of the same value are equal: the nonce is not random")
	}
}

func TestWrapKey_RoundTripAndSizeCheck(t *testing.T) {
	kek, dk := NewKey(), NewKey()
	w, err := WrapKey(kek, dk, []byte("data-key|7"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := UnwrapKey(kek, w, []byte("data-key|7"))
	if err != nil || !bytes.Equal(got, dk) {
		t.Fatalf("UnwrapKey = %x, %v", got, err)
	}
	if _, err := WrapKey(kek, []byte("short"), nil); err == nil {
		t.Error("a short key was wrapped")
	}
	s, _ := Seal(kek, []byte("not a key"), nil)
	if _, err := UnwrapKey(kek, s, nil); err == nil {
		t.Error("a sealed non-key unwrapped as a key")
	}
}

func TestDeriveKey_DependsOnEveryInput(t *testing.T) {
	a := DeriveKey([]byte("ikm"), []byte("salt"), "x")
	for _, b := range [][]byte{
		DeriveKey([]byte("ikm2"), []byte("salt"), "x"),
		DeriveKey([]byte("ikm"), []byte("salt2"), "x"),
		DeriveKey([]byte("ikm"), []byte("salt"), "y"),
	} {
		if bytes.Equal(a, b) {
			t.Fatal("a changed input gave the same key")
		}
	}
	if !bytes.Equal(a, DeriveKey([]byte("ikm"), []byte("salt"), "x")) || len(a) != KeySize {
		t.Fatal("DeriveKey is not deterministic or not 32 bytes")
	}
}
