package accounts

import (
	"crypto/rand"
	"log/slog"
	"strings"

	"zerodesk/internal/errs"
	"zerodesk/internal/usercode"
)

// A usercode is 11 random Crockford base32 characters (55 bits) and one check
// character, written in three groups of four: K7QX-4MPD-9TZR (the last
// character is the check; internal/usercode holds the arithmetic and the
// typing rules, which the search log also applies). 55 bits are ample for an
// identifier that is only ever looked up through a keyed hash behind a
// lockout. It is generated at registration, e-mailed to the registrant, and
// never stored: accounts are found by a keyed hash of its normalized form.
type Usercode string

const (
	usercodeRandom = usercode.Random
	usercodeLen    = usercode.Len
	crockford      = usercode.Alphabet
)

// crockfordValue maps an upper-case symbol to its value; Crockford's decoding
// reads I and L as 1 and O as 0. U is not a symbol.
var crockfordValue = usercode.Value

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
	b.WriteByte(crockford[usercode.CheckValue(vals[:usercodeRandom])])
	return Usercode(b.String())
}

// NormalizeUsercode reads a usercode as people type it: any case, with or
// without hyphens or spaces, I and L for 1, O for 0 (usercode.Normalize). It
// returns the canonical form (12 upper-case characters, no separators) or an
// invalid error when the length or the check character is wrong. The check
// is public arithmetic, so this error tells nothing about which usercodes exist.
func NormalizeUsercode(s string) (Usercode, error) {
	c, ok := usercode.Normalize(s)
	if !ok {
		return "", errUsercodeInvalid()
	}
	return Usercode(c), nil
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
