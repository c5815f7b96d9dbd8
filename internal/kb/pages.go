package kb

// Bounded lists (issue 13, "Scale"): a category may hold thousands of
// articles, so the pages that list one show a page of it at a time.

// SectionPage is page page (from 1; one past the last is the last, as in
// search) of perPage articles of Section, with the page actually shown and how
// many articles the section has in all. It copies only the page.
func (k *KB) SectionPage(lang string, c Category, page, perPage int) (items []Summary, shown, total int) {
	cat := k.cat.Load()
	all := cat.shelf(lang).sections[c]
	total = len(all)
	if perPage <= 0 {
		perPage = 1
	}
	last := max(1, (total+perPage-1)/perPage)
	shown = min(max(page, 1), last)
	from := (shown - 1) * perPage
	return cat.summaries(all[min(from, total):min(from+perPage, total)]), shown, total
}

// FooterNotes is how many Technical Notes articles every visitor's page
// lists in its footer.
const FooterNotes = 8

// TechnicalNotes are the first FooterNotes articles of the Technical Notes
// category in its editors' order (in lang or labelled as Section), and
// whether it holds more. Every page shows them: they are the catalog's own
// list, built with it, shared and read-only (no copy per request), and
// version is the Version of the catalog they come from.
func (k *KB) TechnicalNotes(lang string) (notes []Summary, more bool, version uint64) {
	c := k.cat.Load()
	sh := c.shelf(lang)
	n := len(sh.notes)
	return sh.notes[:n:n], len(sh.sections[TechNotes]) > n, c.version
}
