package kb

import (
	"context"
	"strings"
	"testing"
)

// Issue 10: "2fa" found nothing. Abbreviations and synonyms find the articles
// that say it another way, in every language with a table.
func TestSearch_SynonymsAndAbbreviations(t *testing.T) {
	t.Parallel()
	k, _ := sharedDemo(t)
	for _, tt := range []struct{ lang, q, want string }{
		// The demo has no TOTP article: first-login and key-features say "two-step".
		{"en", "2fa", "first-login"},
		{"en", "mfa", "key-features"},
		{"en", "two factor", "first-login"},
		{"en", "reset pw", "reset-account"},
		{"en", "sign in", "log-in-two-steps"},
		{"de", "2fa", "setup-web"}, // "in zwei Schritten"
	} {
		res, err := k.Search(context.Background(), tt.lang, tt.q, 20)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, h := range append(res.Hits, res.Other...) {
			keys = append(keys, h.Key)
		}
		if !strings.Contains(strings.Join(keys, ","), tt.want) {
			t.Errorf("%s %q found %v, want %s among them", tt.lang, tt.q, keys, tt.want)
		}
		if res.Query != tt.q {
			t.Errorf("%q shown as %q", tt.q, res.Query)
		}
	}
	// The synonym's words are marked in the snippets.
	res, _ := k.Search(context.Background(), "en", "2fa", 20)
	marked := false
	for _, h := range res.Hits {
		_, m := fragmentsText(h.Snippet)
		marked = marked || m != ""
	}
	if !marked {
		t.Error("no snippet marks what the synonym matched")
	}
	// Every member of the table folds to at least one word.
	for lang, groups := range synonymTable {
		for _, g := range groups {
			for _, m := range g {
				if len(parseQuery(m)) == 0 {
					t.Errorf("%s: member %q is no word", lang, m)
				}
			}
		}
	}
}

// Issue 10: search said "20 articles found" when 28 matched. The total is
// true and every match is on some page.
func TestSearch_TrueTotalAndPages(t *testing.T) {
	t.Parallel()
	k, _ := sharedDemo(t)
	ctx := context.Background()
	all, err := k.SearchPage(ctx, "en", "the", 1, maxLimit)
	if err != nil {
		t.Fatal(err)
	}
	if all.Total <= 5 || len(all.Hits) != all.Total {
		t.Fatalf("total %d, hits %d", all.Total, len(all.Hits))
	}
	seen := map[string]bool{}
	per := 4
	first, _ := k.SearchPage(ctx, "en", "the", 1, per)
	if first.Total != all.Total || first.Pages() != (all.Total+per-1)/per {
		t.Fatalf("page 1: total %d of %d, pages %d", first.Total, all.Total, first.Pages())
	}
	for p := 1; p <= first.Pages(); p++ {
		res, err := k.SearchPage(ctx, "en", "the", p, per)
		if err != nil {
			t.Fatal(err)
		}
		if res.Page != p || res.Total != all.Total {
			t.Fatalf("page %d: %+v", p, res)
		}
		for i, h := range res.Hits {
			if seen[h.Key] {
				t.Fatalf("%s on two pages", h.Key)
			}
			seen[h.Key] = true
			if want := all.Hits[(p-1)*per+i].Key; h.Key != want {
				t.Fatalf("page %d hit %d is %s, want %s (the same ranking)", p, i, h.Key, want)
			}
		}
	}
	if len(seen) != all.Total {
		t.Fatalf("pages showed %d of %d", len(seen), all.Total)
	}
	// Past the last page: the last page.
	res, _ := k.SearchPage(ctx, "en", "the", 999, per)
	if res.Page != first.Pages() || len(res.Hits) == 0 {
		t.Fatalf("page 999 = page %d with %d hits", res.Page, len(res.Hits))
	}
}
