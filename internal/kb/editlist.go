package kb

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"zerodesk/internal/errs"
	"zerodesk/internal/words"
)

// The editor's article list and preview (issue 13).

// ListFilter chooses and orders the article list. Empty fields choose all.
type ListFilter struct {
	Category Category
	State    State
	Lang     string // with State: the state in this language
	AuthorID int64  // the author of the newest change
	Query    string // words of the title or key
	Sort     string // "changed" (newest first, the default), "title", "views"
	Page     int    // from 1
	PerPage  int
}

// ListItem is one article of the list.
type ListItem struct {
	ArticleID  int64
	Key        string
	Title      string // in the list's language, else the source's
	Category   Category
	SourceLang string
	States     map[string]State // by language
	Views      int64
	HelpfulYes int64
	HelpfulNo  int64
	Changed    time.Time
	Author     string // of the newest save in the editor; "" for the demo's text
	AuthorID   int64
}

// ListPage is one page of the article list.
type ListPage struct {
	Items   []ListItem
	Total   int
	Page    int
	Pages   int
	Authors []Author // everyone who saved, for the filter
}

// ArticleList lists the articles for the editor's room, with their state in
// each of langs (the portal's languages).
func (k *KB) ArticleList(ctx context.Context, langs []string, f ListFilter) (*ListPage, error) {
	items, authors, err := k.listAll(ctx, langs)
	if err != nil {
		return nil, errs.Wrap(err, "kb: article list")
	}
	query := strings.Fields(foldText(f.Query))
	var out []ListItem
	for _, it := range items {
		if f.Category != "" && it.Category != f.Category {
			continue
		}
		if f.AuthorID != 0 && it.AuthorID != f.AuthorID {
			continue
		}
		if f.State != "" {
			match := false
			for l, s := range it.States {
				if (f.Lang == "" || l == f.Lang) && s == f.State {
					match = true
				}
			}
			if !match {
				continue
			}
		} else if f.Lang != "" && it.States[f.Lang] == StateMissing {
			continue
		}
		if len(query) > 0 {
			hay := foldText(it.Title + " " + it.Key)
			if !all(query, func(w string) bool { return strings.Contains(hay, w) }) {
				continue
			}
		}
		out = append(out, it)
	}
	switch f.Sort {
	case "title":
		slices.SortStableFunc(out, func(a, b ListItem) int { return cmp.Compare(foldText(a.Title), foldText(b.Title)) })
	case "views":
		slices.SortStableFunc(out, func(a, b ListItem) int { return cmp.Compare(b.Views, a.Views) })
	default:
		slices.SortStableFunc(out, func(a, b ListItem) int {
			return cmp.Or(b.Changed.Compare(a.Changed), cmp.Compare(b.ArticleID, a.ArticleID))
		})
	}
	per := max(f.PerPage, 1)
	p := &ListPage{Total: len(out), Pages: max(1, (len(out)+per-1)/per), Authors: authors}
	p.Page = min(max(f.Page, 1), p.Pages)
	from := (p.Page - 1) * per
	p.Items = out[from:min(from+per, len(out))]
	return p, nil
}

// foldText is s as search compares words: lower case, diacritics removed.
func foldText(s string) string {
	var b strings.Builder
	words.Each(s, func(w string) {
		b.WriteString(words.Fold(w))
		b.WriteByte(' ')
	})
	return b.String()
}

func all(ws []string, ok func(string) bool) bool {
	for _, w := range ws {
		if !ok(w) {
			return false
		}
	}
	return true
}

func (k *KB) listAll(ctx context.Context, langs []string) ([]ListItem, []Author, error) {
	tx, err := k.db.Read.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback() //nolint:errcheck // read only

	byID := map[int64]*ListItem{}
	var order []int64
	rows, err := tx.QueryContext(ctx, sqlEdListArticles)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		it := &ListItem{States: map[string]State{}}
		var cat string
		var pos int
		var updated int64
		if err := rows.Scan(&it.ArticleID, &it.Key, &cat, &pos, &it.SourceLang, &it.Views, &it.HelpfulYes, &it.HelpfulNo, &updated); err != nil {
			rows.Close()
			return nil, nil, err
		}
		it.Category, it.Changed, it.Title = Category(cat), time.Unix(updated, 0).UTC(), it.Key
		for _, l := range langs {
			it.States[l] = StateMissing
		}
		byID[it.ArticleID] = it
		order = append(order, it.ArticleID)
	}
	if err := closeRows(rows); err != nil {
		return nil, nil, err
	}

	type tr struct {
		title                  string
		published              sql.NullInt64
		updated, sourceUpdated int64
	}
	trs := map[int64]map[string]tr{}
	rows, err = tx.QueryContext(ctx, sqlEdListTranslations)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var id int64
		var lang string
		var t tr
		if err := rows.Scan(&id, &lang, &t.title, &t.published, &t.updated, &t.sourceUpdated); err != nil {
			rows.Close()
			return nil, nil, err
		}
		if trs[id] == nil {
			trs[id] = map[string]tr{}
		}
		trs[id][lang] = t
	}
	if err := closeRows(rows); err != nil {
		return nil, nil, err
	}
	titles := map[int64]map[string]string{}
	for id, m := range trs {
		it := byID[id]
		if it == nil {
			continue
		}
		titles[id] = map[string]string{}
		for lang, t := range m {
			titles[id][lang] = t.title
			st := StateDraft
			if t.published.Valid {
				st = StatePublished
			}
			it.States[lang] = st
		}
	}

	authors := map[int64]string{}
	rows, err = tx.QueryContext(ctx, sqlEdListEditions)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var id, changed, authorID int64
		var lang, state, title, author string
		if err := rows.Scan(&id, &lang, &state, &changed, &title, &authorID, &author); err != nil {
			rows.Close()
			return nil, nil, err
		}
		it := byID[id]
		if it == nil {
			continue
		}
		it.States[lang] = State(state)
		if title != "" {
			if titles[id] == nil {
				titles[id] = map[string]string{}
			}
			titles[id][lang] = title
		}
		if at := time.Unix(changed, 0).UTC(); at.After(it.Changed) || it.Author == "" {
			it.Changed = at
			if author != "" {
				it.Author, it.AuthorID = author, authorID
			}
		}
		if authorID != 0 {
			authors[authorID] = author
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, nil, err
	}
	// Outdated by the translation queue's rule (trArticle.outdated).
	facts, err := trFacts(ctx, tx, 0)
	if err != nil {
		return nil, nil, err
	}
	out := make([]ListItem, 0, len(order))
	for _, id := range order {
		it := byID[id]
		for lang, st := range it.States {
			if st != StateArchived && st != StateMissing && facts[id] != nil && facts[id].outdated(lang) {
				it.States[lang] = StateOutdated
			}
		}
		if t := titles[id][it.SourceLang]; t != "" {
			it.Title = t
		}
		out = append(out, *it)
	}
	var list []Author
	for id, name := range authors {
		list = append(list, Author{ID: id, Name: name})
	}
	slices.SortFunc(list, func(a, b Author) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	return out, list, nil
}

// Preview is d as a visitor's page in d.Lang will show it once published:
// rendered and sanitized as every article, its links and related articles
// resolved against what is published now.
func (k *KB) Preview(articleID int64, key string, d Draft) *Article {
	c := k.cat.Load()
	lang := d.Lang
	body, _ := render(d.Body, c.lib.linker(lang, k.opts))
	a := &Article{
		Summary: Summary{ArticleID: articleID, Key: key, Lang: lang, Slug: d.Slug, Title: d.Title,
			Description: d.Description, Category: d.Category, PublishedAt: k.now().UTC()},
		BodyHTML: body, UpdatedAt: k.now().UTC(), SourceLang: lang,
	}
	sh := c.shelf(lang)
	if pub := sh.byArticle.get(articleID); pub != nil {
		a.HelpfulYes, a.HelpfulNo, a.Translations = pub.HelpfulYes, pub.HelpfulNo, pub.Translations
		if !pub.Fallback {
			a.PublishedAt = pub.PublishedAt
		}
	}
	add := func(s Summary) {
		if len(a.Related) < maxRelated && s.ArticleID != articleID &&
			!slices.ContainsFunc(a.Related, func(o Summary) bool { return o.ArticleID == s.ArticleID }) {
			a.Related = append(a.Related, s)
		}
	}
	for _, rk := range d.Related {
		if r := c.lib.byKey[rk]; r != nil && sh.byArticle.get(r.id) != nil {
			add(sh.byArticle.get(r.id).Summary)
		}
	}
	for _, inLang := range []bool{true, false} {
		for _, id := range sh.sections[d.Category] {
			if s := c.byTranslation[id]; (s.Lang == lang) == inLang {
				add(s)
			}
		}
	}
	return a
}

// ArticleKeys lists every article's key and its title in lang (else its
// best language), by title: the choices for related articles and replacements.
func (k *KB) ArticleKeys(lang string) []Summary {
	c := k.cat.Load()
	sh := c.shelf(lang)
	out := make([]Summary, 0, sh.byArticle.len())
	for _, a := range sh.byArticle.all() {
		out = append(out, a.Summary)
	}
	slices.SortFunc(out, func(a, b Summary) int {
		return cmp.Or(cmp.Compare(foldText(a.Title), foldText(b.Title)), cmp.Compare(a.Key, b.Key))
	})
	return out
}
