// Package usercode holds the pure shape of a usercode: its alphabet, its check
// character and how people may type it. It has no state and imports no domain,
// so accounts (which issues and looks up usercodes) and kb (which must never
// log one) apply the same rule.
//
// A usercode is 11 random Crockford base32 characters (55 bits) and one check
// character, written in three groups of four: K7QX-4MPD-9TZR (the last
// character is the check). The check character makes the 12 characters
// d1..d12, read as elements of GF(32), satisfy
//
//	d1·α^11 + d2·α^10 + … + d11·α + d12 = 0     (α = x, modulo x^5 + x^2 + 1)
//
// computed Damm-style as r ← α·r + d over the characters. Because α is
// primitive, every single wrong character and every swap of two different
// characters (adjacent or not) changes the sum, so it is caught.
package usercode

import (
	"strings"
	"unicode"
)

const (
	// Random is how many random characters a usercode has; Len adds the check.
	Random = 11
	Len    = Random + 1
	// Alphabet is Crockford's base32: no I, L, O, U.
	Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
)

// Value maps an upper-case symbol to its value; Crockford's decoding reads I
// and L as 1 and O as 0. U is not a symbol (-1).
var Value = func() [256]int8 {
	var v [256]int8
	for i := range v {
		v[i] = -1
	}
	for i := range len(Alphabet) {
		v[Alphabet[i]] = int8(i)
	}
	v['I'], v['L'], v['O'] = 1, 1, 0
	return v
}()

// mulAlpha multiplies x by α in GF(32) = GF(2)[x]/(x^5 + x^2 + 1).
func mulAlpha(x byte) byte {
	x <<= 1
	if x&0x20 != 0 {
		x ^= 0x25
	}
	return x
}

// checkSum folds values into the Damm-style remainder; a valid usercode folds to 0.
func checkSum(values []byte) byte {
	var r byte
	for _, d := range values {
		r = mulAlpha(r) ^ d
	}
	return r
}

// CheckValue is the value of the check character that completes the Random
// values vals (each below 32).
func CheckValue(vals []byte) byte { return mulAlpha(checkSum(vals)) }

// IsSeparator reports whether login skips r between the characters of a
// usercode: hyphens (ASCII and Unicode) and white space.
func IsSeparator(r rune) bool {
	return r == '-' || r == '‐' || r == '‑' || r == '–' || unicode.IsSpace(r)
}

// Normalize reads a usercode as people type it: any case, with or without
// hyphens or spaces, I and L for 1, O for 0. It returns the canonical form (12
// upper-case characters, no separators), or ok false when the length or the
// check character is wrong. The check is public arithmetic, so a refusal
// tells nothing about which usercodes exist.
func Normalize(s string) (string, bool) {
	var vals [Len]byte
	n := 0
	for _, r := range s {
		if IsSeparator(r) {
			continue
		}
		if r >= 0x80 || n == Len {
			return "", false
		}
		v := Value[unicode.ToUpper(r)]
		if v < 0 {
			return "", false
		}
		vals[n] = byte(v)
		n++
	}
	if n != Len || checkSum(vals[:]) != 0 {
		return "", false
	}
	var b strings.Builder
	for _, v := range vals {
		b.WriteByte(Alphabet[v])
	}
	return b.String(), true
}
