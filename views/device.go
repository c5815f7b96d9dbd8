package views

import (
	"context"
	"strings"
)

// A session's device, for the sessions list: "Firefox on Linux" rather than a
// raw, cut User-Agent ("Mozilla/5.0 (X11; Linux x86_64) … Safa"). The login
// stores only DeviceLabel's short form ("Firefox|Linux"), never the raw
// header; labels stored before are parsed again when shown.

// browsers are matched in order: many User-Agents name several (Edge says
// Chrome and Safari too).
var browsers = []struct{ token, name string }{
	{"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"EdgiOS/", "Edge"},
	{"OPR/", "Opera"}, {"Opera", "Opera"},
	{"SamsungBrowser/", "Samsung Internet"},
	{"Vivaldi/", "Vivaldi"},
	{"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
	{"CriOS/", "Chrome"}, {"Chromium/", "Chromium"}, {"HeadlessChrome/", "Chrome"}, {"Chrome/", "Chrome"},
	{"Safari/", "Safari"},
	{"curl/", "curl"}, {"Wget/", "Wget"},
}

var systems = []struct{ token, name string }{
	{"iPhone", "iOS"}, {"iPod", "iOS"}, {"iPad", "iPadOS"},
	{"Android", "Android"},
	{"CrOS", "ChromeOS"},
	{"Windows", "Windows"},
	{"Macintosh", "macOS"}, {"Mac OS X", "macOS"},
	{"Linux", "Linux"}, {"FreeBSD", "FreeBSD"}, {"OpenBSD", "OpenBSD"},
}

// maxUserAgent bounds the text a parse looks at.
const maxUserAgent = 512

// Device names the browser and the system of a User-Agent header (or of a
// stored DeviceLabel); "" for what it does not recognise. The names come from
// fixed lists only: nothing of the untrusted text is returned.
func Device(ua string) (browser, system string) {
	if b, s, ok := strings.Cut(ua, "|"); ok && len(ua) <= 64 {
		return known(b, browsers), known(s, systems)
	}
	if len(ua) > maxUserAgent {
		ua = ua[:maxUserAgent]
	}
	for _, b := range browsers {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, s := range systems {
		if strings.Contains(ua, s.token) {
			system = s.name
			break
		}
	}
	return browser, system
}

// known returns name when the list has it, else "".
func known(name string, list []struct{ token, name string }) string {
	for _, x := range list {
		if x.name == name {
			return name
		}
	}
	return ""
}

// DeviceLabel is what a login stores to name its session: "Firefox|Linux".
func DeviceLabel(ua string) string {
	b, s := Device(ua)
	if b == "" && s == "" {
		return ""
	}
	return b + "|" + s
}

// DeviceText is a session's device in words, in the request's language.
func DeviceText(ctx context.Context, label string) string {
	b, s := Device(label)
	switch {
	case b != "" && s != "":
		return T(ctx, "account.session.device", "Browser", b, "System", s)
	case b != "":
		return b
	case s != "":
		return s
	}
	return T(ctx, "account.session.unknown")
}
