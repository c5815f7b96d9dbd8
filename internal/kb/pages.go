package kb

import "slices"

// Bounded lists (issue 13, "Scale"): a category may hold thousands of
// articles, so the pages that list one show a page of it at a time.

// SectionPage is page page (from 1; one past the last is the last, as in
// search) of perPage articles of Section, with the page actually shown and how
// many articles the section has in all. It copies only the page.
func (k *KB) SectionPage(lang string, c Category, page, perPage int) (items []Summary, shown, total int) {
	all := k.cat.Load().shelf(lang).sections[c]
	total = len(all)
	if perPage <= 0 {
		perPage = 1
	}
	last := max(1, (total+perPage-1)/perPage)
	shown = min(max(page, 1), last)
	from := (shown - 1) * perPage
	return slices.Clone(all[min(from, total):min(from+perPage, total)]), shown, total
}
