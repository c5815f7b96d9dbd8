package usercode

import (
	"strings"
	"testing"
)

func TestNormalize_EverySpellingLoginAccepts(t *testing.T) {
	// Build a valid code from eleven chosen values and its check character.
	vals := []byte{20, 7, 23, 29, 4, 19, 21, 13, 9, 26, 31}
	var b strings.Builder
	for _, v := range vals {
		b.WriteByte(Alphabet[v])
	}
	b.WriteByte(Alphabet[CheckValue(vals)])
	code := b.String()
	for _, s := range []string{
		code, strings.ToLower(code), code[:4] + "-" + code[4:8] + "-" + code[8:], code[:4] + code[4:8] + "-" + code[8:],
		code[:4] + " " + code[4:8] + " " + code[8:], code[:4] + "–" + code[4:8] + "‑" + code[8:], " " + code + "\t",
	} {
		if got, ok := Normalize(s); !ok || got != code {
			t.Errorf("Normalize(%q) = %q, %v; want %s", s, got, ok, code)
		}
	}
	for _, s := range []string{"", code[:11], code + "0", code[:11] + "U", code[:4] + "." + code[4:], "Ｋ" + code[1:]} {
		if _, ok := Normalize(s); ok {
			t.Errorf("Normalize(%q) accepted", s)
		}
	}
	// One wrong character is always caught.
	for i := range code {
		for _, c := range []byte(Alphabet) {
			if c == code[i] {
				continue
			}
			bad := code[:i] + string(c) + code[i+1:]
			if _, ok := Normalize(bad); ok {
				t.Fatalf("%s passed the check", bad)
			}
		}
	}
}
