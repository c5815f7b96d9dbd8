package views

import (
	"context"
	"net/url"
	"strconv"
)

// pageNumbers are the pages a pagination links: the first, the last and three
// either side of the current one; 0 stands for the pages left out between.
func pageNumbers(cur, pages int) []int {
	var out []int
	for p := 1; p <= pages; p++ {
		switch {
		case p == 1 || p == pages || (p >= cur-3 && p <= cur+3):
			out = append(out, p)
		case len(out) > 0 && out[len(out)-1] != 0:
			out = append(out, 0)
		}
	}
	return out
}

func searchPageHref(ctx context.Context, q string, page int) string {
	vals := url.Values{"q": {q}}
	if page > 1 {
		vals.Set("page", strconv.Itoa(page))
	}
	return HrefQuery(ctx, "/search", vals)
}

// localNumber writes n the page language's way (Arabic digits on Arabic pages).
func localNumber(ctx context.Context, n int) string { return PageOf(ctx).L.Number(n) }
