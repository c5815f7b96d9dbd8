package kb

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"maps"
	"slices"
	"sync/atomic"
	"time"

	"zerodesk/internal/errs"
)

// Copy-on-write catalog (issue 13, "Scale": a publication reaches visitors
// within a second at 5,000 articles × 3 languages). A publication changes one
// article; rebuilding the whole catalog after it (reading every row back,
// hashing every text, a shelf entry per article and language) took seconds.
// reloadArticles reads back only the changed articles' rows and makes the
// next catalog from the one visitors read: the changed articles' docs,
// renders, vocabulary words and shelf entries are made again, with those of
// the articles that show them (their category's pages and Related lists,
// the Related lists naming them, the bodies linking to them); everything else
// is shared with the previous catalog, which is never changed. Readers keep
// whichever catalog they loaded, whole. TestPatchedCatalog_SameAsBuiltWhole
// holds the patched catalog equal to one built from every row.

// genSpan is the catalog generation (kb_generation) a write transaction
// found and the one it left: the catalog loaded at from, patched with the
// articles the transaction changed, is the catalog at to.
type genSpan struct{ from, to int64 }

// spanOf runs fn in tx and returns the generations around it.
func spanOf(ctx context.Context, tx *sql.Tx, fn func() error) (genSpan, error) {
	var s genSpan
	if err := tx.QueryRowContext(ctx, sqlEdGeneration).Scan(&s.from); err != nil {
		return s, err
	}
	if err := fn(); err != nil {
		return s, err
	}
	err := tx.QueryRowContext(ctx, sqlEdGeneration).Scan(&s.to)
	return s, err
}

// reloadArticles installs the catalog after a write that changed only the
// articles ids (their translations, place, related articles; none: the
// categories only) and took the generation across span. When the catalog was loaded at another generation
// (another instance or write changed something else meanwhile), or the set
// of languages changes, it reloads everything (reload).
func (k *KB) reloadArticles(ctx context.Context, span genSpan, ids ...int64) error {
	k.changed() // committed: even when a Refresh here already loaded it
	k.mu.Lock()
	loaded := k.generation.Load()
	if loaded >= span.to {
		k.mu.Unlock()
		return nil // a reload since the write already holds it
	}
	if loaded == span.from {
		ok, err := k.patch(ctx, span.to, ids)
		if ok || err != nil {
			k.mu.Unlock()
			return err
		}
	}
	k.mu.Unlock()
	// Another write came between: patched with both when kb_changes says
	// what it changed (refresh_patch.go), else built whole.
	if ok, err := k.patchTo(ctx, span.to); ok && err == nil {
		return nil
	}
	return k.reload(ctx) // announced above
}

// patch installs the catalog at generation gen made from the current one and
// the rows of the articles ids now. Callers hold k.mu.
func (k *KB) patch(ctx context.Context, gen int64, ids []int64) (bool, error) {
	if len(ids) == 0 {
		return k.patchSections(ctx, gen) // categories only (library_patch_more.go)
	}
	old := k.cat.Load()
	rows, err := loadArticleRows(ctx, k.db.Read, ids)
	if err != nil {
		return false, errs.Wrap(err, "kb: load articles")
	}
	lib, ch, ok, err := patchLibrary(ctx, k.db.Read, old.lib, rows, ids, k.opts, &k.renders)
	if err != nil || !ok {
		return false, errs.Wrap(err, "kb: patch catalog")
	}
	if err := k.loadSections(ctx); err != nil {
		return false, err
	}
	for _, id := range ids {
		if c, ok := rows.counts[id]; ok {
			k.counts[id] = c
		} else {
			delete(k.counts, id)
		}
	}
	k.growViews()
	lib.impacts.patchFrom(&old.lib.impacts, lib.langs, ch.removed, ch.added)
	lib.impacts.startAll(lib) // those old had not built yet
	k.install(patchCatalog(old, lib, k.counts, ids, ch.touched))
	k.generation.Store(gen)
	return true, nil
}

// growViews gives every article of k.counts a pending view counter, keeping
// the counters that may hold unflushed views. Callers hold k.mu.
func (k *KB) growViews() {
	views := *k.pendingViews.Load()
	grown := false
	for id := range k.counts {
		if _, ok := views[id]; !ok {
			grown = true
			break
		}
	}
	if !grown {
		return
	}
	next := make(map[int64]*atomic.Int64, len(k.counts))
	for id, c := range views {
		next[id] = c
	}
	for id := range k.counts {
		if next[id] == nil {
			next[id] = new(atomic.Int64)
		}
	}
	k.pendingViews.Store(&next)
}

// loadArticleRows is loadLibrary for the articles ids only, in one read
// transaction.
func loadArticleRows(ctx context.Context, db *sql.DB, ids []int64) (*libraryRows, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() //nolint:errcheck // read only
	out := &libraryRows{articles: map[int64]*articleRow{}, related: map[int64][]int64{}, counts: map[int64]counts{}}
	for _, id := range ids {
		a := &articleRow{}
		var c counts
		var cat string
		err := tx.QueryRowContext(ctx, sqlLoadArticleRow, id).Scan(&a.id, &a.key, &cat, &a.position, &a.sourceLang, &c.views, &c.yes, &c.no)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		a.category = Category(cat)
		out.articles[id], out.counts[id] = a, c
		rows, err := tx.QueryContext(ctx, sqlLoadArticleTranslations, id)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var t translationRow
			if err := rows.Scan(&t.id, &t.articleID, &t.lang, &t.slug, &t.title, &t.desc, &t.body, &t.publishedAt, &t.updatedAt,
				&t.sourceUpdatedAt, &t.keywords); err != nil {
				rows.Close()
				return nil, err
			}
			out.translations = append(out.translations, t)
		}
		if err := closeRows(rows); err != nil {
			return nil, err
		}
		rows, err = tx.QueryContext(ctx, sqlLoadArticleRelated, id)
		if err != nil {
			return nil, err
		}
		if err := scanRelated(rows, out.related); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// libraryChange is what patchLibrary changed: the docs of the old library the
// new one no longer holds, those it holds instead, and the articles whose
// shelf entries change (the changed ones, and those whose bodies were
// rendered again because their article: links lead elsewhere now).
type libraryChange struct {
	removed, added []*doc
	touched        map[int64]bool
}

// patchLibrary is buildLibrary of the rows now, made from old and the rows of
// the articles ids (rows holds only theirs; an id missing from rows.articles
// was deleted). old is not changed. ok is false when the languages with a
// published translation change: then the whole library is built again.
func patchLibrary(ctx context.Context, db *sql.DB, old *library, rows *libraryRows, ids []int64, opts Options,
	rc *renderCache) (lib *library, ch libraryChange, ok bool, err error) {
	touched := map[int64]bool{}
	for _, id := range ids {
		touched[id] = true
	}
	lib = &library{
		byKey: maps.Clone(old.byKey), all: maps.Clone(old.all), related: maps.Clone(old.related),
		byLang: maps.Clone(old.byLang), byArticle: maps.Clone(old.byArticle), translations: maps.Clone(old.translations),
		addresses: map[string]int64{}, fallbackHTML: map[string]*chunked[int64, string]{}, vocab: maps.Clone(old.vocab),
		langs: old.langs,
	}
	// The keys the changed articles had and have: bodies linking to them may
	// link elsewhere now.
	keys := map[string]bool{}
	var removed, added []*doc  // docs of old the new library no longer holds; docs it holds that old does not
	langs := map[string]bool{} // whose docs change
	for _, id := range ids {
		if a := old.all[id]; a != nil {
			keys[a.key] = true
			if lib.byKey[a.key] == a {
				delete(lib.byKey, a.key)
			}
		}
		delete(lib.all, id)
		for _, d := range old.byArticle[id] {
			removed = append(removed, d)
			langs[d.lang] = true
		}
		delete(lib.byArticle, id)
		delete(lib.translations, id)
		delete(lib.related, id)
		if r := rows.related[id]; len(r) > 0 {
			lib.related[id] = r
		}
		if a := rows.articles[id]; a != nil {
			keys[a.key] = true
			lib.all[id] = a
			lib.byKey[a.key] = a
		}
	}
	bodies := map[int64]string{}
	for _, t := range rows.translations {
		d := &doc{
			id: t.id, article: rows.articles[t.articleID], lang: t.lang, slug: t.slug, title: t.title, description: t.desc,
			publishedAt: unixUTC(t.publishedAt), updatedAt: unixUTC(t.updatedAt),
			sourceUpdatedAt: unixUTC(t.sourceUpdatedAt), keywords: t.keywords,
		}
		bodies[d.id] = t.body
		added = append(added, d)
		langs[d.lang] = true
		lib.byArticle[t.articleID] = append(lib.byArticle[t.articleID], d)
	}
	for lang := range langs {
		m := maps.Clone(old.byLang[lang])
		if m == nil {
			m = map[int64]*doc{}
		}
		for _, id := range ids {
			delete(m, id)
		}
		for _, d := range added {
			if d.lang == lang {
				m[d.article.id] = d
			}
		}
		if len(m) == 0 {
			delete(lib.byLang, lang)
		} else {
			lib.byLang[lang] = m
		}
	}
	if len(lib.byLang) != len(old.langs) {
		return nil, ch, false, nil
	}
	for _, lang := range old.langs {
		if lib.byLang[lang] == nil {
			return nil, ch, false, nil
		}
	}
	for _, id := range ids {
		docs := lib.byArticle[id]
		if len(docs) == 0 {
			delete(lib.byArticle, id)
			continue
		}
		slices.SortFunc(docs, func(x, y *doc) int { return cmp.Compare(x.lang, y.lang) })
		for _, d := range docs {
			lib.translations[id] = append(lib.translations[id], Translation{Lang: d.lang, Slug: d.slug, Title: d.title})
		}
	}
	rc.startPatch()
	defer rc.done()
	linkers := map[string]linker{}
	linkerOf := func(lang string) linker {
		l, ok := linkers[lang]
		if !ok {
			l = lib.linker(lang, opts)
			linkers[lang] = l
		}
		return l
	}
	body := func(id int64) (string, error) {
		if b, ok := bodies[id]; ok {
			return b, nil
		}
		var b string
		err := db.QueryRowContext(ctx, sqlLoadBody, id).Scan(&b)
		bodies[id] = b
		return b, err
	}
	// Renders of other articles whose article: links lead elsewhere now.
	var oldDocs map[int64]*doc
	relink := map[renderKey]*doc{}
	checked := map[renderKey]bool{}
	for k := range keys {
		for _, key := range rc.linkingTo(k) {
			if checked[key] {
				continue
			}
			checked[key] = true
			if !rc.prev[key].linksSame(linkerOf(key.lang)) {
				if oldDocs == nil {
					oldDocs = make(map[int64]*doc, len(old.docs))
					for _, d := range old.docs {
						oldDocs[d.id] = d
					}
				}
				if d := oldDocs[key.translation]; d != nil && !touched[d.article.id] {
					relink[key] = d
				}
			}
		}
	}
	replaced := map[int64]bool{} // articles with a doc rendered again
	for key, d := range relink {
		if key.lang != d.lang {
			continue // a fallback: below
		}
		b, err := body(d.id)
		if err != nil {
			return nil, ch, false, err
		}
		n := *d
		r := rc.render(n.id, n.lang, b, linkerOf(n.lang))
		n.bodyHTML, n.plain = r.html, r.plainText()
		n.terms = r.terms(n.title, withKeywords(n.plain, n.keywords))
		a := d.article.id
		if !replaced[a] {
			lib.byArticle[a] = slices.Clone(lib.byArticle[a])
			replaced[a] = true
		}
		for i, x := range lib.byArticle[a] {
			if x == d {
				lib.byArticle[a][i] = &n
			}
		}
		if !langs[n.lang] {
			langs[n.lang] = true
			lib.byLang[n.lang] = maps.Clone(lib.byLang[n.lang])
		}
		lib.byLang[n.lang][a] = &n
		removed, added = append(removed, d), append(added, &n)
	}
	for a := range replaced {
		touched[a] = true
	}
	for _, d := range added {
		if d.bodyHTML != "" || d.terms != nil {
			continue // rendered above
		}
		b, err := body(d.id)
		if err != nil {
			return nil, ch, false, err
		}
		r := rc.render(d.id, d.lang, b, linkerOf(d.lang))
		d.bodyHTML, d.plain = r.html, r.plainText()
		d.terms = r.terms(d.title, withKeywords(d.plain, d.keywords))
	}

	// Every doc and article in order, the changed ones in their new places.
	gone := make(map[*doc]bool, len(removed))
	for _, d := range removed {
		gone[d] = true
	}
	lib.docs = make([]*doc, 0, len(old.docs)-len(removed)+len(added))
	for _, d := range old.docs {
		if !gone[d] {
			lib.docs = append(lib.docs, d)
		}
	}
	// The others keep their order: the changed ones are put in at their
	// places (the order is total: one doc per article and language, keys
	// unique), not every doc sorted again.
	for _, d := range added {
		i, _ := slices.BinarySearchFunc(lib.docs, d, compareDocs)
		lib.docs = slices.Insert(lib.docs, i, d)
	}
	lib.articles = make([]*articleRow, 0, len(old.articles)+len(ids))
	for _, a := range old.articles {
		if !touched[a.id] || !slices.Contains(ids, a.id) {
			lib.articles = append(lib.articles, a)
		}
	}
	for _, id := range ids {
		if a := lib.all[id]; a != nil && len(lib.byArticle[id]) > 0 {
			if i, found := slices.BinarySearchFunc(lib.articles, a, compareArticles); !found {
				lib.articles = slices.Insert(lib.articles, i, a)
			}
		}
	}
	lib.setAddresses()

	for lang := range langs {
		patchVocab(lib, old.vocab[lang], lang, removed, added)
	}

	// Fallback bodies: the changed articles' are made again, with those
	// whose links lead elsewhere now; the rest are shared.
	for _, lang := range lib.langs {
		m := edit(old.fallbackHTML[lang])
		for _, id := range ids {
			for _, d := range old.byArticle[id] {
				m.delete(d.id)
			}
			a := lib.all[id]
			if a == nil || len(lib.byArticle[id]) == 0 {
				continue
			}
			if d := lib.best(a, lang); d.lang != lang {
				if rc.next[renderKey{d.id, d.lang}].sameEverywhere() { // rendered above
					m.set(d.id, d.bodyHTML)
					continue
				}
				b, err := body(d.id)
				if err != nil {
					return nil, ch, false, err
				}
				m.set(d.id, rc.render(d.id, lang, b, linkerOf(lang)).html)
			}
		}
		for key, d := range relink {
			if _, shown := m.m.lookup(d.id); !shown || key.lang != lang || key.lang == d.lang {
				continue // only a fallback the page shows
			}
			b, err := body(d.id)
			if err != nil {
				return nil, ch, false, err
			}
			m.set(d.id, rc.render(d.id, lang, b, linkerOf(lang)).html)
			touched[d.article.id] = true
		}
		if m.m.len() > 0 {
			lib.fallbackHTML[lang] = m.done()
		}
	}
	// The render cache forgets the renders of the changed articles no page
	// shows any more.
	for _, id := range ids {
		for _, d := range old.byArticle[id] {
			for _, lang := range lib.langs {
				rc.forgetUnused(renderKey{d.id, lang})
			}
			rc.forgetUnused(renderKey{d.id, d.lang})
		}
	}
	return lib, libraryChange{removed: removed, added: added, touched: touched}, true, nil
}

// compareDocs is the order of library.docs: by language, then as articles.
func compareDocs(a, b *doc) int {
	return cmp.Or(cmp.Compare(a.lang, b.lang), compareArticles(a.article, b.article))
}

// patchVocab sets lib's vocabulary of lang: old's, without the words of the
// removed docs and with those of the added ones; a word's written form is
// looked for again, in lib's order, when a changed doc wrote it.
func patchVocab(lib *library, old *vocabulary, lang string, removed, added []*doc) {
	vb := &vocabBuilder{df: map[string]int{}, display: map[string]string{}}
	if old != nil {
		vb.df, vb.display = maps.Clone(old.df), maps.Clone(old.display)
	}
	redo := map[string]bool{}
	table := termTable()
	for _, d := range removed {
		if d.lang != lang {
			continue
		}
		for _, id := range d.terms {
			t := table[id]
			if vb.df[t.folded]--; vb.df[t.folded] <= 0 {
				delete(vb.df, t.folded)
			}
			if t.written != "" {
				redo[t.folded] = true
			}
		}
	}
	for _, d := range added {
		if d.lang != lang {
			continue
		}
		for _, id := range d.terms {
			t := table[id]
			vb.df[t.folded]++
			if t.written != "" {
				redo[t.folded] = true
			}
		}
	}
	for f := range redo {
		delete(vb.display, f)
	}
	left := len(redo)
	for _, d := range lib.docs {
		if left == 0 {
			break
		}
		if d.lang != lang {
			continue
		}
		for _, id := range d.terms {
			t := table[id]
			if t.written == "" || !redo[t.folded] {
				continue
			}
			if _, ok := vb.display[t.folded]; !ok {
				vb.display[t.folded] = t.written
				left--
			}
		}
	}
	if len(vb.df) == 0 {
		delete(lib.vocab, lang)
		return
	}
	lib.vocab[lang] = vb.build()
}

// patchCatalog is newCatalog(lib, numbers) made from old: the shelf entries
// of the touched articles, of those whose Related lists name one of ids,
// and, on a shelf where the head of a category the changed articles ids
// were or are in changed (Related lists fill from it: shelf.heads), of the
// articles of that category, are made again. A category's section is the
// old one with the changed articles taken out and put in at their places
// (session 20: the sections were made again from every article, and every
// article of the category made again on every shelf, a cost that grew with
// the catalog).
func patchCatalog(old *catalog, lib *library, numbers map[int64]counts, ids []int64, touched map[int64]bool) *catalog {
	c := &catalog{
		lib: lib, shelves: make(map[string]*shelf, len(lib.langs)),
		byTranslation: maps.Clone(old.byTranslation), docs: maps.Clone(old.docs),
	}
	redo := maps.Clone(touched)
	changed := map[int64]bool{}
	cats := map[Category]bool{}
	for _, id := range ids {
		changed[id] = true
		if len(old.lib.byArticle[id]) > 0 {
			cats[old.lib.all[id].category] = true
		}
		if len(lib.byArticle[id]) > 0 {
			cats[lib.all[id].category] = true
		}
	}
	for a := range touched {
		for _, d := range old.lib.byArticle[a] {
			delete(c.byTranslation, d.id)
			delete(c.docs, d.id)
		}
		for _, d := range lib.byArticle[a] {
			c.byTranslation[d.id] = summaryOf(d, numbers)
			c.docs[d.id] = d
		}
	}
	for _, rel := range []map[int64][]int64{old.lib.related, lib.related} {
		for a, list := range rel {
			for _, id := range ids {
				if slices.Contains(list, id) {
					redo[a] = true
				}
			}
		}
	}
	patch := func(osh *shelf, lang string) *shelf {
		sh := &shelf{
			bySlug: osh.bySlug, byArticle: osh.byArticle, related: osh.related, sections: maps.Clone(osh.sections),
			popular: osh.popular, latest: osh.latest, heads: maps.Clone(osh.heads),
		}
		ed := sh.edit()
		again := maps.Clone(redo)
		for cat := range cats {
			sh.patchSection(cat, lib, changed, old.byTranslation, c.byTranslation, lang)
			sh.setHeads(cat, lang, c.byTranslation)
			if !sameHeads(osh.heads[cat], sh.heads[cat]) {
				for _, id := range osh.sections[cat] {
					again[old.byTranslation[id].ArticleID] = true
				}
				for _, id := range sh.sections[cat] {
					again[c.byTranslation[id].ArticleID] = true
				}
			}
		}
		for id := range changed {
			again[id] = true
		}
		for id := range again {
			if art := osh.byArticle.get(id); art != nil {
				ed.byArticle.delete(id)
				ed.related.delete(id)
				if osh.bySlug.get(art.Slug) == art {
					ed.bySlug.delete(art.Slug)
				}
			}
		}
		for id := range again {
			if a := lib.all[id]; a != nil && len(lib.byArticle[id]) > 0 {
				c.putArticle(sh, ed, a, lang, numbers, nil)
			}
		}
		sh.done(ed)
		if cats[FAQ] {
			c.sortFAQ(sh)
		}
		c.setNotes(sh) // the touched articles' summaries may be new
		return sh
	}
	for _, lang := range lib.langs {
		c.shelves[lang] = patch(old.shelves[lang], lang)
	}
	c.none = patch(old.none, "")
	return c
}

// patchSection sets sh's section of cat (copied from the old shelf's) to
// hold the changed articles where lib places them now: taken out, and put
// in again at their places when they are published in cat, as shown in
// lang. was and is resolve the old catalog's and the new one's translation
// ids.
func (sh *shelf) patchSection(cat Category, lib *library, changed map[int64]bool, was, is map[int64]Summary, lang string) {
	articleOf := func(t int64) int64 { // those put in are new, those kept were
		if s, ok := is[t]; ok {
			return s.ArticleID
		}
		return was[t].ArticleID
	}
	old := sh.sections[cat]
	sec := make([]int64, 0, len(old)+len(changed))
	for _, id := range old {
		if !changed[articleOf(id)] {
			sec = append(sec, id)
		}
	}
	for id := range changed {
		a := lib.all[id]
		if a == nil || a.category != cat || len(lib.byArticle[id]) == 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(sec, a, func(t int64, a *articleRow) int { return compareArticles(lib.all[articleOf(t)], a) })
		sec = slices.Insert(sec, i, lib.best(a, lang).id)
	}
	if len(sec) == 0 {
		delete(sh.sections, cat)
		return
	}
	sh.sections[cat] = sec
}

// sameHeads reports whether two heads of a category hold the same summaries.
func sameHeads(a, b [2][]Summary) bool {
	return slices.Equal(a[0], b[0]) && slices.Equal(a[1], b[1])
}

func unixUTC(s int64) time.Time { return time.Unix(s, 0).UTC() }
