package kb

import (
	"cmp"
	"slices"
	"time"
)

// FeedEntry is one article in a language's Atom feed (issue 13, item 11).
type FeedEntry struct {
	Summary
	UpdatedAt time.Time
}

// Feed lists up to n articles published in lang (their own translations
// there, never another language's), the last changed first. It comes from
// the catalog: Version changes whenever it may.
func (k *KB) Feed(lang string, n int) []FeedEntry {
	c := k.cat.Load()
	docs := c.lib.byLang[lang]
	out := make([]FeedEntry, 0, len(docs))
	for _, d := range docs {
		out = append(out, FeedEntry{Summary: c.byTranslation[d.id], UpdatedAt: latest(d.updatedAt, d.publishedAt)})
	}
	slices.SortFunc(out, func(a, b FeedEntry) int {
		return cmp.Or(b.UpdatedAt.Compare(a.UpdatedAt), cmp.Compare(a.Slug, b.Slug))
	})
	return out[:min(max(n, 0), len(out))]
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
