package accounts

import (
	"crypto/rand"
	"log/slog"
	"strings"
	"unicode"

	"zerodesk/internal/errs"
)

// A usercode is 11 random Crockford base32 characters (55 bits) and one check
// character, written in three groups of four: K7QX-4MPD-9TZR (the last
// character is the check). 55 bits are ample for an identifier that is only
// ever looked up through a keyed hash behind a lockout. It is generated at
// registration, e-mailed to the registrant, and never stored: accounts are
// found by a keyed hash of its normalized form.
//
// The check character makes the 12 characters d1..d12, read as elements of
// GF(32), satisfy
//
//	d1·α^11 + d2·α^10 + … + d11·α + d12 = 0     (α = x, modulo x^5 + x^2 + 1)
//
// computed Damm-style as r ← α·r + d over the characters. Because α is
// primitive, every single wrong character and every swap of two different
// characters (adjacent or not) changes the sum, so it is caught. Unlike
// Crockford's mod-37 check symbols (* ~ $ = U) the check character comes from
// the same 32 symbols, so nothing odd has to be typed.
type Usercode string

const (
	usercodeRandom = 11
	usercodeLen    = usercodeRandom + 1
	crockford      = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
)

// crockfordValue maps an upper-case symbol to its value; Crockford's decoding
// reads I and L as 1 and O as 0. U is not a symbol.
var crockfordValue = func() [256]int8 {
	var v [256]int8
	for i := range v {
		v[i] = -1
	}
	for i := range len(crockford) {
		v[crockford[i]] = int8(i)
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

// NewUsercode returns a fresh random usercode.
func NewUsercode() Usercode {
	var raw [usercodeRandom]byte
	if _, err := rand.Read(raw[:]); err != nil {
		panic(err)
	}
	var vals [usercodeLen]byte
	var b strings.Builder
	for i, x := range raw {
		vals[i] = x & 31 // 256 is a multiple of 32: no bias
		b.WriteByte(crockford[vals[i]])
	}
	b.WriteByte(crockford[mulAlpha(checkSum(vals[:usercodeRandom]))])
	return Usercode(b.String())
}

// NormalizeUsercode reads a usercode as people type it: any case, with or
// without hyphens or spaces, I and L for 1, O for 0. It returns the canonical
// form (12 upper-case characters, no separators) or an invalid error when the
// length or the check character is wrong. The check is public arithmetic, so
// this error tells nothing about which usercodes exist.
func NormalizeUsercode(s string) (Usercode, error) {
	var vals []byte
	var b strings.Builder
	for _, r := range s {
		if r == '-' || r == '‐' || r == '‑' || r == '–' || unicode.IsSpace(r) {
			continue
		}
		if r >= 0x80 || len(vals) == usercodeLen {
			return "", errUsercodeInvalid()
		}
		v := crockfordValue[unicode.ToUpper(r)]
		if v < 0 {
			return "", errUsercodeInvalid()
		}
		vals = append(vals, byte(v))
		b.WriteByte(crockford[v])
	}
	if len(vals) != usercodeLen || checkSum(vals) != 0 {
		return "", errUsercodeInvalid()
	}
	return Usercode(b.String()), nil
}

func errUsercodeInvalid() error { return errs.E(errs.Invalid, MsgUsercodeInvalid) }

// Display returns the usercode as people read it: K7QX-4MPD-9TZR.
func (u Usercode) Display() string {
	s := string(u)
	if len(s) != usercodeLen {
		return s
	}
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12]
}

// LogValue keeps a usercode out of the logs even when one is passed to slog
// by mistake.
func (u Usercode) LogValue() slog.Value { return slog.StringValue("[usercode]") }

// String also hides the code, so fmt and %v cannot leak it; use Display.
func (u Usercode) String() string { return "[usercode]" }
