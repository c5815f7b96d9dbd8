package locales

import (
	"strings"
	"testing"
)

// FuzzNegotiate: any Accept-Language header picks one of our languages.
func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{
		"", "*", "en", "ar", "de-CH,de;q=0.9,en;q=0.8", "zh-Hant-TW", "zh-CN,zh;q=0.9", "pt", "pt-PT", "ja-JP",
		"x-klingon", "en;q=", "en;q=abc", "en;q=1.5", ";;;,,,", "en-" + strings.Repeat("a", 1000),
		strings.Repeat("en,", 5000), "\xff\xfe", "ar\u202e", "i-klingon", "und", "sr-Latn-RS-u-nu-latn", "*;q=0",
	} {
		f.Add(s)
	}
	c, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header string) {
		if got := c.Negotiate(header); !c.Supported(got) {
			t.Fatalf("Negotiate(%q) = %q", header, got)
		}
	})
}
