package kb

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"zerodesk/internal/errs"
)

// Publishing (issue 13): a revision becomes what visitors read, now or at a
// chosen time; unpublishing archives a translation, whose address then
// answers 410, or 301 to a replacement. A changed slug keeps the old address
// as a 301 (article_slugs).

// Publish makes revision revID what visitors read of the article in lang,
// at once (refused while an image has no alternative text, RequireAltText;
// the revision stays saved): the translation, the article's place and related articles, the
// search index and the catalog change in one go.
func (k *KB) Publish(ctx context.Context, articleID int64, lang string, revID int64) error {
	var span genSpan
	err := k.db.Tx(ctx, func(tx *sql.Tx) (err error) {
		span, err = spanLogged(ctx, tx, func() ([]int64, bool, error) {
			return []int64{articleID}, false, k.publishTx(ctx, tx, articleID, lang, revID)
		})
		return err
	})
	if err != nil {
		return errs.Pass(err, "kb: publish")
	}
	return k.reloadArticles(ctx, span, articleID)
}

func (k *KB) publishTx(ctx context.Context, tx *sql.Tx, articleID int64, lang string, revID int64) error {
	if err := k.publishRow(ctx, tx, articleID, lang, revID); err != nil {
		return err
	}
	return k.reindexArticle(ctx, tx, articleID)
}

// publishRow is publishTx but the search index: a hold refuses it
// (translate.go), and the translations are kept level after it.
func (k *KB) publishRow(ctx context.Context, tx *sql.Tx, articleID int64, lang string, revID int64) error {
	rev, err := loadRevision(ctx, tx, revID)
	if err != nil {
		return err
	}
	if rev.ArticleID != articleID || rev.Lang != lang {
		return errs.E(errs.NotFound, MsgEditNotFound)
	}
	if err := RequireAltText(rev.Body); err != nil {
		return err
	}
	ed, err := k.edition(ctx, tx, articleID, lang)
	if err != nil {
		return err
	}
	if err := checkHold(ctx, tx, ed, rev); err != nil {
		return err
	}
	if err := k.slugFree(ctx, tx, lang, rev.Slug, articleID); err != nil {
		return err
	}
	now := k.now().Unix()
	var oldSlug string
	var published sql.NullInt64
	var tid int64
	var discard string
	err = tx.QueryRowContext(ctx, sqlEdTranslation, articleID, lang).Scan(&tid, &oldSlug, &discard, &discard, &discard, &discard, &published)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.ExecContext(ctx, sqlEdInsertTranslation, articleID, lang, rev.Slug, rev.Title, rev.Description,
			rev.Body, rev.Keywords, now); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		if oldSlug != rev.Slug {
			if _, err := tx.ExecContext(ctx, sqlEdKeepOldSlug, lang, oldSlug, articleID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, sqlEdUpdateTranslation, articleID, lang, rev.Slug, rev.Title, rev.Description,
			rev.Body, rev.Keywords, now, lang == ed.SourceLang); err != nil {
			return err
		}
	}
	// The address is this translation's own again, not an old one.
	if _, err := tx.ExecContext(ctx, sqlEdDropOldSlug, lang, rev.Slug); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, sqlEdPlaceArticle, articleID, string(rev.Category), rev.Position, now); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, sqlEdClearRelated, articleID); err != nil {
		return err
	}
	pos := 0
	for _, key := range rev.Related {
		var id int64
		if err := tx.QueryRowContext(ctx, sqlEdArticleByKey, key).Scan(&id); err != nil || id == articleID {
			continue // deleted since the save: left out
		}
		pos++
		if _, err := tx.ExecContext(ctx, sqlInsertRelated, articleID, id, pos); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, sqlEdSetPublished, articleID, lang, revID, now); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, sqlEdNextGeneration); err != nil {
		return err
	}
	return k.afterPublish(ctx, tx, ed, rev)
}

// Schedule has the server publish revision revID of the article in lang at
// at (in the future); visitors keep what they read until then.
func (k *KB) Schedule(ctx context.Context, articleID int64, lang string, revID int64, at time.Time) error {
	if !at.After(k.now()) {
		return errs.E(errs.Invalid, MsgEditTimeInvalid)
	}
	err := k.db.Tx(ctx, func(tx *sql.Tx) error {
		rev, err := loadRevision(ctx, tx, revID)
		if err != nil {
			return err
		}
		if rev.ArticleID != articleID || rev.Lang != lang {
			return errs.E(errs.NotFound, MsgEditNotFound)
		}
		if err := RequireAltText(rev.Body); err != nil {
			return err
		}
		if err := k.slugFree(ctx, tx, lang, rev.Slug, articleID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, sqlEdSchedule, articleID, lang, revID, at.Unix(), k.now().Unix())
		return err
	})
	return errs.Pass(err, "kb: schedule")
}

// PublishDue publishes every scheduled translation whose time has come and
// returns how many. Each is claimed by a conditional UPDATE in the
// transaction that publishes it, so with several instances running it, each
// is published exactly once.
func (k *KB) PublishDue(ctx context.Context) (int, error) {
	now := k.now().Unix()
	type due struct {
		article int64
		lang    string
		rev     int64
	}
	rows, err := k.db.Read.QueryContext(ctx, sqlEdDue, now)
	if err != nil {
		return 0, errs.Wrap(err, "kb: due publications")
	}
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.article, &d.lang, &d.rev); err != nil {
			rows.Close()
			return 0, errs.Wrap(err, "kb: due publications")
		}
		list = append(list, d)
	}
	if err := closeRows(rows); err != nil {
		return 0, errs.Wrap(err, "kb: due publications")
	}
	n := 0
	// The catalog is patched with the published articles when the
	// publications followed each other with nothing between them.
	all := genSpan{from: -1, to: -1}
	var ids []int64
	for _, d := range list {
		err := k.db.Tx(ctx, func(tx *sql.Tx) error {
			span, err := spanLogged(ctx, tx, func() ([]int64, bool, error) {
				res, err := tx.ExecContext(ctx, sqlEdClaimDue, d.article, d.lang, d.rev, now)
				if err != nil {
					return nil, false, err
				}
				if claimed, _ := res.RowsAffected(); claimed != 1 {
					return nil, false, errNotClaimed
				}
				return []int64{d.article}, false, k.publishTx(ctx, tx, d.article, d.lang, d.rev)
			})
			switch {
			case err != nil:
			case all.to < 0:
				all = span
			case all.to == span.from:
				all.to = span.to
			default:
				all.from = -2 // not contiguous: reload
			}
			return err
		})
		switch {
		case errors.Is(err, errNotClaimed), HeldLangs(err) != nil: // a held one waits for its translations
		case err != nil:
			k.log.Error("kb: scheduled publication failed", "article", d.article, "lang", d.lang, "err", err)
		default:
			n++
			if !slices.Contains(ids, d.article) {
				ids = append(ids, d.article)
			}
		}
	}
	if n > 0 {
		return n, k.reloadArticles(ctx, all, ids...)
	}
	return 0, nil
}

var errNotClaimed = errors.New("kb: claimed by another instance")

// RunScheduler publishes due translations every interval until ctx ends,
// and reloads the catalog when another instance published or unpublished.
func (k *KB) RunScheduler(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := k.PublishDue(ctx); err != nil && ctx.Err() == nil {
				k.log.Error("kb: scheduled publications", "err", err)
			}
			if err := k.Refresh(ctx); err != nil && ctx.Err() == nil {
				k.log.Error("kb: catalog refresh", "err", err)
			}
		}
	}
}

// Unpublish archives the article's translation in lang: visitors no longer
// see it, and its address answers 410, or 301 to the article with key
// replacement ("" for none).
func (k *KB) Unpublish(ctx context.Context, articleID int64, lang, replacement string) error {
	var span genSpan
	err := k.db.Tx(ctx, func(tx *sql.Tx) (err error) {
		span, err = spanLogged(ctx, tx, func() ([]int64, bool, error) {
			return []int64{articleID}, false, k.unpublishTx(ctx, tx, articleID, lang, replacement)
		})
		return err
	})
	if err != nil {
		return errs.Pass(err, "kb: unpublish")
	}
	return k.reloadArticles(ctx, span, articleID)
}

func (k *KB) unpublishTx(ctx context.Context, tx *sql.Tx, articleID int64, lang, replacement string) error {
	if _, err := k.edition(ctx, tx, articleID, lang); err != nil {
		return err
	}
	var to any
	if replacement != "" {
		var id int64
		if err := tx.QueryRowContext(ctx, sqlEdArticleByKey, replacement).Scan(&id); err != nil || id == articleID {
			return errs.E(errs.Invalid, MsgEditReplacement)
		}
		to = id
	}
	if _, err := tx.ExecContext(ctx, sqlEdUnpublishTranslation, articleID, lang); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, sqlEdArchive, articleID, lang, to, k.now().Unix()); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, sqlEdNextGeneration)
	return err
}

// Moved is where an address no published translation has leads: to Slug (a
// 301 within the same language), or Gone (410).
type Moved struct {
	Slug string
	Gone bool
}

// MovedAddress looks up an address that is no page: an old slug of an
// article (301 to its address now), or an archived translation (301 to its
// replacement, else 410). Anything else is not found.
func (k *KB) MovedAddress(ctx context.Context, lang, slug string) (*Moved, error) {
	var articleID, replacement int64
	archived := false
	err := k.db.Read.QueryRowContext(ctx, sqlEdOldSlug, lang, slug).Scan(&articleID)
	if errors.Is(err, sql.ErrNoRows) {
		err = k.db.Read.QueryRowContext(ctx, sqlEdArchived, lang, slug).Scan(&articleID, &replacement)
		archived = err == nil
	} else if err == nil {
		// An old address of a translation archived since leads where it does.
		rerr := k.db.Read.QueryRowContext(ctx, sqlEdReplacementOf, articleID, lang).Scan(&replacement)
		if rerr != nil && !errors.Is(rerr, sql.ErrNoRows) {
			return nil, errs.Wrap(rerr, "kb: moved address")
		}
		archived = rerr == nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "kb.article.not_found")
	}
	if err != nil {
		return nil, errs.Wrap(err, "kb: moved address")
	}
	sh := k.cat.Load().shelf(lang)
	if a := sh.byArticle.get(replacement); replacement > 0 && a != nil {
		return &Moved{Slug: a.Slug}, nil
	}
	if a := sh.byArticle.get(articleID); !archived && a != nil {
		return &Moved{Slug: a.Slug}, nil
	}
	return &Moved{Gone: true}, nil
}
