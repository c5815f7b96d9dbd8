package kb

import (
	"context"
	"database/sql"
)

// More kinds of change patched rather than rebuilt (issue 13, "publishing
// reaches visitors within a second", session 20). Every write visitors read
// ends in reloadArticles, which patches the catalog when it was loaded at the
// generation the write found, else reloads it whole:
//
//   - a translation found still current (StillCurrent) is published again:
//     reloadArticles of its article, as Publish (its page's outdated notice);
//   - a category created, named, described, moved or deleted changes no
//     article (an article's category is its key, which never changes; a
//     category is deleted only when empty; the catalog's orders rank the
//     built-in categories only): the sections are read again and the same
//     library and shelves are installed as a new catalog version, so pages
//     kept per version (home panels, sections index, section pages,
//     breadcrumbs, sitemap, search pages) are made again, and nothing is
//     rendered again (patchSections);
//   - an import patches the articles it created or changed, up to
//     maxPatchedImport of them; beyond, it rebuilds the catalog whole.

// maxPatchedImport is how many articles an import may create or change and
// still be patched in: a sixteenth of the catalog, and at least
// minPatchedImport. Beyond, the catalog is built whole. A patch costs, per
// article, three reads and its renders, and, per category it touches, every
// shelf entry of the category made again; the whole build reads every row
// at once. Both render only what the render cache does not hold. Measured at
// 5,000 articles × 3 languages (BenchmarkPatchManyCatalog, bench/RESULTS.md,
// session 20), on a busy machine: 1 article patched 0.31 s, 64 0.70 s, 314
// (a sixteenth) 0.82 s, 1,258 (a quarter) 6.2 s, 2,517 16 s; the whole build
// 6.8 s. The patch grows faster than the articles it patches and meets the
// whole build near a quarter: a sixteenth keeps it far below.
func maxPatchedImport(articles int) int { return max(minPatchedImport, articles/16) }

const minPatchedImport = 64

// patchSections installs, at generation gen, the catalog of the current
// library with the categories read again: for a write that changed
// categories and no article. Callers hold k.mu.
func (k *KB) patchSections(ctx context.Context, gen int64) (bool, error) {
	if err := k.loadSections(ctx); err != nil {
		return false, err
	}
	old := k.cat.Load()
	k.install(&catalog{
		lib: old.lib, shelves: old.shelves, none: old.none, byTranslation: old.byTranslation, docs: old.docs,
	})
	k.generation.Store(gen)
	return true, nil
}

// categoryTx runs a change of the categories in one transaction that moves
// kb_generation, and returns the generations around it (for reloadArticles:
// the catalog is patched, patchSections).
func (k *KB) categoryTx(ctx context.Context, fn func(tx *sql.Tx) error) (genSpan, error) {
	var span genSpan
	err := k.db.Tx(ctx, func(tx *sql.Tx) (err error) {
		span, err = spanOf(ctx, tx, func() error {
			if err := fn(tx); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, sqlEdNextGeneration)
			return err
		})
		if err != nil {
			return err
		}
		return logChanges(ctx, tx, span, false) // the categories only
	})
	return span, err
}
