package views

import (
	"strings"
	"testing"
	"unicode/utf8"
)

var deviceCases = []struct{ ua, browser, system string }{
	{"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox", "Linux"},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "Safari", "macOS"},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0", "Edge", "Windows"},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", "Chrome", "Windows"},
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari", "iOS"},
	{"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36", "Chrome", "Android"},
	{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", "Chrome", "Linux"},
	{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safa", "Chrome", "Linux"}, // cut, as stored before
	{"curl/8.5.0", "curl", ""},
	{"Firefox|Linux", "Firefox", "Linux"},
	{"<script>|Linux", "", "Linux"},
	{"", "", ""},
	{"something else entirely", "", ""},
}

func TestDevice_ReadsCommonUserAgents(t *testing.T) {
	t.Parallel()
	for _, c := range deviceCases {
		b, s := Device(c.ua)
		if b != c.browser || s != c.system {
			t.Errorf("Device(%q) = %q, %q; want %q, %q", c.ua, b, s, c.browser, c.system)
		}
		if l := DeviceLabel(c.ua); l != "" {
			if b2, s2 := Device(l); b2 != b || s2 != s {
				t.Errorf("the stored label %q reads back as %q, %q", l, b2, s2)
			}
		}
	}
}

// FuzzDevice: whatever the header, the names come from the fixed lists (no
// untrusted text reaches the page), the label is short and reads back alike.
func FuzzDevice(f *testing.F) {
	for _, c := range deviceCases {
		f.Add(c.ua)
	}
	f.Add(strings.Repeat("Firefox/", 200) + "Linux")
	f.Fuzz(func(t *testing.T, ua string) {
		b, s := Device(ua)
		if b != known(b, browsers) || s != known(s, systems) {
			t.Fatalf("Device(%q) = %q, %q: not from the lists", ua, b, s)
		}
		l := DeviceLabel(ua)
		if len(l) > 64 || !utf8.ValidString(l) {
			t.Fatalf("label %q", l)
		}
		if b2, s2 := Device(l); l != "" && (b2 != b || s2 != s) {
			t.Fatalf("label %q of %q reads back as %q, %q", l, ua, b2, s2)
		}
	})
}
