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
		for rows.Next() {
			var a, r int64
			if err := rows.Scan(&a, &r); err != nil {
				rows.Close()
				return nil, err
			}
			out.related[a] = append(out.related[a], r)
		}
		if err := closeRows(rows); err != nil {
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
		addresses: map[string]int64{}, fallbackHTML: map[string]map[int64]string{}, vocab: maps.Clone(old.vocab),
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
	for key, e := range rc.prev {
		for k := range e.links {
			if !keys[k] {
				continue
			}
			if !e.linksSame(linkerOf(key.lang)) {
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
			break
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
	lib.docs = append(lib.docs, added...)
	slices.SortFunc(lib.docs, func(a, b *doc) int {
		return cmp.Or(cmp.Compare(a.lang, b.lang), compareArticles(a.article, b.article))
	})
	lib.articles = make([]*articleRow, 0, len(old.articles)+len(ids))
	for _, a := range old.articles {
		if !slices.Contains(ids, a.id) {
			lib.articles = append(lib.articles, a)
		}
	}
	for _, id := range ids {
		if len(lib.byArticle[id]) > 0 {
			lib.articles = append(lib.articles, lib.all[id])
		}
	}
	slices.SortFunc(lib.articles, compareArticles)
	lib.articles = slices.Compact(lib.articles)
	lib.setAddresses()

	for lang := range langs {
		patchVocab(lib, old.vocab[lang], lang, removed, added)
	}

	// Fallback bodies: the changed articles' are made again, with those
	// whose links lead elsewhere now; the rest are shared.
	for _, lang := range lib.langs {
		m := maps.Clone(old.fallbackHTML[lang])
		if m == nil {
			m = map[int64]string{}
		}
		for _, id := range ids {
			for _, d := range old.byArticle[id] {
				delete(m, d.id)
			}
			a := lib.all[id]
			if a == nil || len(lib.byArticle[id]) == 0 {
				continue
			}
			if d := lib.best(a, lang); d.lang != lang {
				b, err := body(d.id)
				if err != nil {
					return nil, ch, false, err
				}
				m[d.id] = rc.render(d.id, lang, b, linkerOf(lang)).html
			}
		}
		for key, d := range relink {
			if _, shown := m[d.id]; !shown || key.lang != lang || key.lang == d.lang {
				continue // only a fallback the page shows
			}
			b, err := body(d.id)
			if err != nil {
				return nil, ch, false, err
			}
			m[d.id] = rc.render(d.id, lang, b, linkerOf(lang)).html
			touched[d.article.id] = true
		}
		if len(m) > 0 {
			lib.fallbackHTML[lang] = m
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

// patchVocab sets lib's vocabulary of lang: old's, without the words of the
// removed docs and with those of the added ones; a word's written form is
// looked for again, in lib's order, when a changed doc wrote it.
func patchVocab(lib *library, old *vocabulary, lang string, removed, added []*doc) {
	vb := &vocabBuilder{df: map[string]int{}, display: map[string]string{}}
	if old != nil {
		vb.df, vb.display = maps.Clone(old.df), maps.Clone(old.display)
	}
	redo := map[string]bool{}
	for _, d := range removed {
		if d.lang != lang {
			continue
		}
		for _, t := range d.terms {
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
		for _, t := range d.terms {
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
		for _, t := range d.terms {
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
// of the touched articles, of the articles in the categories the changed
// articles ids were and are in (their Related lists fill from it), and of
// those whose Related lists name one of ids are made again.
func patchCatalog(old *catalog, lib *library, numbers map[int64]counts, ids []int64, touched map[int64]bool) *catalog {
	c := &catalog{
		lib: lib, shelves: make(map[string]*shelf, len(lib.langs)),
		byTranslation: maps.Clone(old.byTranslation), docs: maps.Clone(old.docs),
	}
	redo := maps.Clone(touched)
	cats := map[Category]bool{}
	for _, id := range ids {
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
	for _, a := range lib.articles {
		if cats[a.category] {
			redo[a.id] = true
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
			bySlug: maps.Clone(osh.bySlug), byArticle: maps.Clone(osh.byArticle), sections: maps.Clone(osh.sections),
			popular: osh.popular, latest: osh.latest, heads: maps.Clone(osh.heads),
		}
		for cat := range cats {
			delete(sh.sections, cat)
		}
		for _, a := range lib.articles {
			if cats[a.category] {
				sh.sections[a.category] = append(sh.sections[a.category], c.byTranslation[lib.best(a, lang).id])
			}
		}
		for cat := range cats {
			sh.setHeads(cat, lang)
		}
		for id := range redo {
			if art := osh.byArticle[id]; art != nil {
				delete(sh.byArticle, id)
				if sh.bySlug[art.Slug] == art {
					delete(sh.bySlug, art.Slug)
				}
			}
		}
		for _, a := range lib.articles {
			if redo[a.id] {
				c.putArticle(sh, a, lang, numbers)
			}
		}
		if cats[FAQ] {
			sh.sortFAQ()
		}
		return sh
	}
	for _, lang := range lib.langs {
		c.shelves[lang] = patch(old.shelves[lang], lang)
	}
	c.none = patch(old.none, "")
	return c
}

func unixUTC(s int64) time.Time { return time.Unix(s, 0).UTC() }
