package links

import "testing"

func TestPortal_LinksEveryPageOneWay(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Portal("").Page("en", "/support"), "/en/support"},
		{Portal("https://help.example.org").Page("de", Login), "https://help.example.org/de/login/user"},
		{Portal("https://help.example.org/").Page("fr", Reset), "https://help.example.org/fr/reset"},
		{Portal("https://help.example.org").Page("ja", SupportTicket+"AB12-CD34?key=k"), "https://help.example.org/ja/support/tickets/AB12-CD34?key=k"},
		{Portal("").Article("zh-Hans", "重置-账户"), "/zh-Hans/articles/重置-账户"},
		{Portal("http://127.0.0.1:8080").Article("en", "reset-account"), "http://127.0.0.1:8080/en/articles/reset-account"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
