package kb

import (
	"context"
	"database/sql"
	"slices"

	"zerodesk/internal/errs"
)

// Other instances patch too (issue 15, "what one instance changes is seen by
// the others within a second", at 5,000 articles × 3 languages and 50,000 ×
// 1). The instance that writes patches its catalog (reloadArticles); every
// other instance found the generation moved (Refresh, each second and on
// store.Changes) and built its catalog whole: 14 s at 5,000 × 3. Now every
// write that moves kb_generation records in the same transaction what it
// changed (kb_changes, migration 0026: the articles, the categories only, or
// everything), and Refresh patches the articles changed between the
// generation its catalog was loaded at and the database's, with the patch
// the writer uses (patch). It builds whole when the record has a gap (rows
// pruned, a write that recorded nothing, two writes whose spans overlap),
// when a write changed everything, or when more articles changed than an
// import may patch (maxPatchedImport).

// The kinds of kb_changes rows.
const (
	changedArticle    = 0 // article_id changed
	changedCategories = 1 // the categories, no article
	changedEverything = 2 // build whole
)

// keptChanges is how many generations of kb_changes the writes keep: an
// instance further behind (stopped, cut off) builds its catalog whole.
const keptChanges = 1024

// logChanges records in tx that the write across span changed the articles
// ids (none: the categories only), or everything. Nothing when the write
// left the generation as it was.
func logChanges(ctx context.Context, tx *sql.Tx, span genSpan, everything bool, ids ...int64) error {
	if span.to <= span.from {
		return nil
	}
	put := func(kind int, id int64) error {
		_, err := tx.ExecContext(ctx, sqlChangeInsert, span.to, span.from, kind, id)
		return err
	}
	var err error
	switch {
	case everything:
		err = put(changedEverything, 0)
	case len(ids) == 0:
		err = put(changedCategories, 0)
	default:
		ids = slices.Compact(slices.Sorted(slices.Values(ids)))
		for _, id := range ids {
			if err = put(changedArticle, id); err != nil {
				break
			}
		}
	}
	if err != nil {
		return errs.Wrap(err, "kb: record changes")
	}
	if _, err := tx.ExecContext(ctx, sqlChangePrune, span.to-keptChanges); err != nil {
		return errs.Wrap(err, "kb: prune changes")
	}
	return nil
}

// spanLogged is spanOf, with what the write changed recorded (logChanges):
// fn returns the articles it changed, and whether everything.
func spanLogged(ctx context.Context, tx *sql.Tx, fn func() (ids []int64, everything bool, err error)) (genSpan, error) {
	var ids []int64
	var everything bool
	span, err := spanOf(ctx, tx, func() (err error) {
		ids, everything, err = fn()
		return err
	})
	if err != nil {
		return span, err
	}
	return span, logChanges(ctx, tx, span, everything, ids...)
}

// Refresh brings the catalog to what visitors read in the database now
// (another instance wrote): one read of a counter when nothing changed;
// else the changed articles patched in (patchTo), or the catalog built
// whole when they cannot be.
func (k *KB) Refresh(ctx context.Context) error {
	var n int64
	if err := k.db.Read.QueryRowContext(ctx, sqlEdGeneration).Scan(&n); err != nil {
		return errs.Wrap(err, "kb: read generation")
	}
	if n == k.generation.Load() {
		return nil
	}
	ok, err := k.patchTo(ctx, n)
	if ok {
		return nil
	}
	if err != nil && ctx.Err() != nil {
		return err
	}
	if err != nil {
		k.log.Warn("kb: catalog patch failed, building it whole", "err", err)
	}
	return k.reload(ctx)
}

// patchTo patches the catalog to generation n with the changes kb_changes
// records since the generation it was loaded at. ok is false when they do
// not say (a gap, everything) or are too many to patch: then the caller
// builds it whole.
func (k *KB) patchTo(ctx context.Context, n int64) (ok bool, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	loaded := k.generation.Load()
	if loaded >= n {
		return true, nil // a write here or a refresh since holds it
	}
	ids, ok, err := k.changesBetween(ctx, loaded, n)
	if err != nil || !ok {
		return false, err
	}
	return k.patch(ctx, n, ids)
}

// changesBetween reads the articles changed from generation from to to: ok
// is false unless every write between them is recorded, none changed
// everything, and they are few enough to patch (maxPatchedImport).
func (k *KB) changesBetween(ctx context.Context, from, to int64) (ids []int64, ok bool, err error) {
	rows, err := k.db.Read.QueryContext(ctx, sqlChangesIn, from, to)
	if err != nil {
		return nil, false, errs.Wrap(err, "kb: read changes")
	}
	defer rows.Close()
	limit := maxPatchedImport(len(k.cat.Load().lib.all))
	seen := map[int64]bool{}
	at := from // the generation the record reaches, without a gap
	ok = true
	for rows.Next() {
		var gen, since, id int64
		var kind int
		if err := rows.Scan(&gen, &since, &kind, &id); err != nil {
			return nil, false, errs.Wrap(err, "kb: read changes")
		}
		switch {
		case gen == at: // another row of the same write
		case since == at:
			at = gen
		default:
			ok = false // a gap, or spans that overlap
		}
		switch kind {
		case changedArticle:
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		case changedCategories:
		default:
			ok = false
		}
		if !ok || len(ids) > limit {
			return nil, false, nil
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, false, errs.Wrap(err, "kb: read changes")
	}
	if at != to {
		return nil, false, nil
	}
	slices.Sort(ids)
	return ids, true, nil
}
