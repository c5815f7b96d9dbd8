package kb

import "testing"

func TestSearch_ArabicMarksNeverPanic(t *testing.T) {
	k, _, _ := seeded(t, demoFS())
	for _, q := range []string{"ـ password", "password ـ", "ـَ password", "ـــ passw", "\u0640\u064e\u064b password"} {
		search(t, k, "en", q)
	}
}
