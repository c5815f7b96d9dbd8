package kb

import (
	"strings"
	"testing"
)

// What a visitor expects at the top of a search of the real demo, on every
// engine (issue 15: SQLite's bm25 and PostgreSQL's ts_rank_cd order
// differently in the details, never here): the article whose title holds
// the words, with diacritics folded (diseno, diseño), Arabic normalised
// (الأمان and الامان, إشعارات and اشعارات), Chinese and Japanese found by
// their character pairs, and a misspelled word corrected first.
func TestSearch_DemoTopResultOnEveryEngine(t *testing.T) {
	t.Parallel()
	k := seededDemo(t)
	for _, c := range []struct{ lang, query, top string }{
		{"en", "phishing phrase", "anti-phishing-phrase"},
		{"en", "recover account", "recover-account"},
		{"en", "reset", "reset-account"},
		{"es", "diseno de seguridad", "security"},
		{"es", "diseño", "security"},
		{"es", "notificaciones", "setup-email-notifications"},
		{"ar", "التصيد", "anti-phishing-phrase"},
		{"ar", "تصميم الأمان", "security"},
		{"ar", "تصميم الامان", "security"},
		{"ar", "إشعارات", "setup-email-notifications"},
		{"ar", "اشعارات", "setup-email-notifications"},
		{"zh-Hans", "登录", "log-in-two-steps"},
		{"zh-Hans", "安装", "setup-web"},
		{"zh-Hans", "存储", "what-is-stored"},
		{"ja", "ログイン", "log-in-two-steps"},
		{"ja", "インストール", "setup-web"},
		{"fr", "connecter", "log-in-two-steps"},
		{"de", "speichert", "what-is-stored"},
	} {
		if res := search(t, k, c.lang, c.query); len(res.Hits) == 0 || res.Hits[0].Key != c.top {
			t.Errorf("%s %q: hits %s, want %s first", c.lang, c.query, hitKeys(res), c.top)
		}
	}
	// A typo: corrected, and the first hit has the word in its title.
	res := search(t, k, "en", "passwrd")
	if res.Suggestion != "password" || !res.Corrected || len(res.Hits) == 0 || !strings.Contains(strings.ToLower(res.Hits[0].Title), "password") {
		t.Fatalf("passwrd: suggestion %q, corrected %v, hits %s", res.Suggestion, res.Corrected, hitKeys(res))
	}
}
