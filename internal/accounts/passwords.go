package accounts

import (
	"math"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"zerodesk/internal/errs"
)

// Password policy (ASVS 5.0 6.2): at least 12 characters, at most 1024 bytes,
// any characters, no composition rules; refused when it is a common password,
// a common word with decorations, a keyboard or alphabet walk, one unit
// repeated, or contains the user's own usercode, name or e-mail address.
//
// The embedded list (words/common-passwords.txt, ~960 entries) was written for
// zerodesk: popular roots (password, qwerty, dragon, football, seasons, names,
// clubs, the product's own name…) joined with the suffixes people add (123,
// 2025, !, …), keyboard walks and popular phrases, kept only when 12+
// characters long since shorter ones fail the length rule anyway.
// words/password-roots.txt holds the roots for the "root + decorations" rule.
const (
	PasswordMin      = 12
	PasswordMaxBytes = 1024
)

var (
	commonOnce      sync.Once
	commonPasswords map[string]bool
	passwordRoots   map[string]bool
)

func loadCommon() {
	commonOnce.Do(func() {
		set := func(name string) map[string]bool {
			b, err := wordFiles.ReadFile("words/" + name)
			if err != nil {
				panic(err)
			}
			m := map[string]bool{}
			for _, w := range strings.Fields(string(b)) {
				m[w] = true
			}
			return m
		}
		commonPasswords = set("common-passwords.txt")
		passwordRoots = set("password-roots.txt")
	})
}

// walks are sequences people slide along; any 12+ run of one (either way,
// wrapping around) is refused.
var walks = []string{
	"abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiopasdfghjklzxcvbnm",
	"qwertzuiopasdfghjklyxcvbnm", "azertyuiopqsdfghjklmwxcvbn", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
	"qazwsxedcrfvtgbyhnujmikolp", "1q2w3e4r5t6y7u8i9o0p", "q1w2e3r4t5y6u7i8o9p0", "zaq1xsw2cde3vfr4bgt5nhy6mju7",
}

var unleet = strings.NewReplacer("@", "a", "4", "a", "$", "s", "5", "s", "0", "o", "3", "e", "1", "i", "!", "i", "7", "t", "+", "t")

// CheckPassword applies the password policy. personal holds what the password
// must not contain (the usercode, the name, the e-mail address).
func CheckPassword(pw string, personal ...string) error {
	if !utf8.ValidString(pw) || len(pw) > PasswordMaxBytes {
		e := errs.E(errs.Invalid, MsgPasswordTooLong)
		e.Data = map[string]any{"Max": PasswordMaxBytes}
		return e
	}
	if utf8.RuneCountInString(pw) < PasswordMin {
		e := errs.E(errs.Invalid, MsgPasswordTooShort)
		e.Data = map[string]any{"Min": PasswordMin}
		return e
	}
	if weakPassword(pw) {
		return errs.E(errs.Invalid, MsgPasswordCommon)
	}
	squash := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return unicode.ToLower(r)
			}
			return -1
		}, s)
	}
	flat := squash(pw)
	for _, p := range personal {
		for _, part := range strings.FieldsFunc(p, func(r rune) bool { return r == '@' || r == '.' || unicode.IsSpace(r) }) {
			if part = squash(part); utf8.RuneCountInString(part) >= 4 && strings.Contains(flat, part) {
				return errs.E(errs.Invalid, MsgPasswordPersonal)
			}
		}
		if whole := squash(p); len(whole) >= 4 && strings.Contains(flat, whole) {
			return errs.E(errs.Invalid, MsgPasswordPersonal)
		}
	}
	return nil
}

func weakPassword(pw string) bool {
	loadCommon()
	lower := strings.ToLower(pw)
	if commonPasswords[lower] {
		return true
	}
	distinct := map[rune]bool{}
	for _, r := range lower {
		distinct[r] = true
	}
	if len(distinct) < 5 {
		return true
	}
	// One unit repeated: abcabcabcabc, hellohello12 is caught below.
	for n := 1; n <= len(lower)/2; n++ {
		if len(lower)%n == 0 && strings.Repeat(lower[:n], len(lower)/n) == lower {
			return true
		}
	}
	for _, w := range walks {
		loop := strings.Repeat(w, len(lower)/len(w)+2)
		if strings.Contains(loop, lower) || strings.Contains(reverse(loop), lower) {
			return true
		}
	}
	// A root wrapped in digits and symbols, spelled plainly or in leet:
	// Password2026!, !!Dragon!!1234, p@ssw0rd12345, SummerSummer2025.
	core := strings.TrimFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	for _, c := range []string{core, unleet.Replace(core)} {
		if passwordRoots[c] || commonPasswords[c] {
			return true
		}
		if half := len(c) / 2; len(c)%2 == 0 && c[:half] == c[half:] && passwordRoots[c[:half]] {
			return true
		}
	}
	return false
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// Strength grades a password for the meter the set-password page shows after
// each submit (it works without JavaScript): 0 refused by the policy, 1 weak,
// 2 fair, 3 good, 4 strong. The estimate is length x log2(alphabet) bits,
// which overrates phrases of dictionary words; the policy catches the worst.
func Strength(pw string, personal ...string) int {
	if CheckPassword(pw, personal...) != nil {
		return 0
	}
	var lower, upper, digit, other bool
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	alphabet := 0
	for _, c := range []struct {
		on bool
		n  int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {other, 33}} {
		if c.on {
			alphabet += c.n
		}
	}
	bits := float64(utf8.RuneCountInString(pw)) * math.Log2(float64(max(alphabet, 2)))
	switch {
	case bits < 60:
		return 1
	case bits < 80:
		return 2
	case bits < 100:
		return 3
	}
	return 4
}
