package accounts

import (
	"strings"
	"testing"
)

// FuzzNormalizeUsercode: whatever is typed at login, an accepted usercode is
// 12 characters of the alphabet that normalize to themselves, and its display
// form is accepted as the same usercode.
func FuzzNormalizeUsercode(f *testing.F) {
	for _, s := range []string{
		"K7QX-4MPD-9TZR", "k7qx4mpd9tzr", "K7QX4MPD-9TZR", "k7qx 4mpd 9tzr", "K7QX–4MPD–9TZR", "KO7X-IMPD-LTZR",
		"", "-", "------------", "\xff\xfe", "K7QX-4MPD-9TZ\u0301", "Ｋ７ＱＸ４ＭＰＤ９ＴＺＲ", "\u202eK7QX-4MPD-9TZR",
		"K7QX-4MPD-9TZRR", strings.Repeat("0", 12), strings.Repeat("A-", 10000), "ı", "ſ", "K",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := NormalizeUsercode(s)
		if err != nil {
			if u != "" {
				t.Fatalf("refused %q but returned %q", s, u)
			}
			return
		}
		c := string(u)
		if len(c) != usercodeLen || strings.Trim(c, crockford) != "" {
			t.Fatalf("NormalizeUsercode(%q) = %q", s, c)
		}
		again, err := NormalizeUsercode(u.Display())
		if err != nil || again != u {
			t.Fatalf("display %q of %q normalizes to %q, %v", u.Display(), s, again, err)
		}
	})
}
