package kb

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
)

// What readers do to articles: views are counted in memory and written in
// batches; votes are written at once, at most one per visitor, article and day.

// CountView counts one view of an article on a page in lang (for the
// editors' daily numbers, stats.go). It touches no lock and no database:
// Flush writes the counts.
func (k *KB) CountView(articleID int64, lang string) {
	if c := (*k.pendingViews.Load())[articleID]; c != nil {
		c.Add(1)
		k.countDaily(articleID, lang)
	}
}

// Flush writes the pending view counts and search-log entries in one
// transaction, then refreshes the catalog's numbers (popular order).
func (k *KB) Flush(ctx context.Context) error {
	k.mu.Lock() // one writer of counts at a time; readers are not held up
	defer k.mu.Unlock()

	type delta struct{ id, n int64 }
	var views []delta
	pending := *k.pendingViews.Load()
	for id, c := range pending {
		if n := c.Swap(0); n != 0 {
			views = append(views, delta{id, n})
		}
	}
	searches := k.searchLog.take()
	daily := k.takeDaily()
	if len(views) == 0 && len(searches) == 0 && len(daily) == 0 {
		return nil
	}
	slices.SortFunc(views, func(a, b delta) int { return cmp.Compare(a.id, b.id) })
	day := unixDay(k.now())

	err := k.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, v := range views {
			if _, err := tx.ExecContext(ctx, sqlAddViews, v.n, v.id); err != nil {
				return err
			}
		}
		if err := writeDaily(ctx, tx, daily, day); err != nil {
			return err
		}
		return k.writeSearches(ctx, tx, searches, day)
	})
	if err != nil {
		// Keep the counts for the next flush.
		for _, v := range views {
			pending[v.id].Add(v.n)
		}
		k.searchLog.putBack(searches)
		k.putBackDaily(daily)
		return errs.Pass(err, "kb: flush")
	}
	if len(views) > 0 {
		for _, v := range views {
			c := k.counts[v.id]
			c.views += v.n
			k.counts[v.id] = c
		}
		k.refresh()
	}
	return nil
}

// Run flushes every interval until ctx ends, then flushes a last time.
func (k *KB) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if err := k.Flush(ctx); err != nil && ctx.Err() == nil {
				k.log.Error("kb: flush failed; counts kept for the next try", "err", err)
			}
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			if err := k.Flush(final); err != nil {
				k.log.Error("kb: final flush failed; counts lost", "err", err)
			}
			cancel()
			return
		}
	}
}

// Vote records whether an article helped, on a page in lang, and for a "not
// helpful" answer the optional reason (one of Reasons; "" for none). An
// address counts once per article and day: voting again that day changes the
// vote, its reason and the day's numbers (stats.go). The address is only ever
// hashed, with the day, under a key derived from the server secret.
func (k *KB) Vote(ctx context.Context, articleID int64, lang, address string, helpful bool, reason Reason) (Tally, error) {
	if reason != "" && !reason.Valid() {
		return Tally{}, errs.E(errs.Invalid, "feedback.invalid")
	}
	if helpful {
		reason = ""
	}
	lang = truncateRunes(strings.ToValidUTF8(lang, ""), 35)
	day := unixDay(k.now())
	voter := crypt.KeyedHash(k.voteKey, address, strconv.FormatInt(day, 10))
	vote := int64(0)
	if helpful {
		vote = 1
	}

	k.mu.Lock()
	defer k.mu.Unlock()
	var t Tally
	err := k.db.Tx(ctx, func(tx *sql.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, sqlArticleExists, articleID).Scan(&id); errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "kb.article.not_found")
		} else if err != nil {
			return err
		}
		// Yesterday's voter hashes can never match again: drop them.
		if _, err := tx.ExecContext(ctx, sqlPruneVotes, day); err != nil {
			return err
		}
		var prev int64
		var prevLang, prevReason string
		err := tx.QueryRowContext(ctx, sqlVoteOf, articleID, voter).Scan(&prev, &prevLang, &prevReason)
		var yes, no int64
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, sqlInsertVote, articleID, voter, day, vote, lang, string(reason)); err != nil {
				return err
			}
			yes, no = vote, 1-vote
			if err := addDailyVote(ctx, tx, articleID, lang, day, vote, string(reason), 1); err != nil {
				return err
			}
		case err != nil:
			return err
		case prev != vote || prevLang != lang || prevReason != string(reason):
			if _, err := tx.ExecContext(ctx, sqlChangeVote, articleID, voter, vote, lang, string(reason)); err != nil {
				return err
			}
			if prev != vote {
				yes, no = 2*vote-1, 1-2*vote // +1 on the new side, -1 on the old
			}
			if err := addDailyVote(ctx, tx, articleID, prevLang, day, prev, prevReason, -1); err != nil {
				return err
			}
			if err := addDailyVote(ctx, tx, articleID, lang, day, vote, string(reason), 1); err != nil {
				return err
			}
		}
		if yes != 0 || no != 0 {
			if _, err := tx.ExecContext(ctx, sqlAddTally, yes, no, articleID); err != nil {
				return err
			}
		}
		return tx.QueryRowContext(ctx, sqlTally, articleID).Scan(&t.Yes, &t.No)
	})
	if err != nil {
		return Tally{}, errs.Pass(err, "kb: vote")
	}
	if c := k.counts[articleID]; c.yes != t.Yes || c.no != t.No {
		c.yes, c.no = t.Yes, t.No
		k.counts[articleID] = c
		k.refresh()
	}
	return t, nil
}

// unixDay is the number of whole days since 1970-01-01 in UTC.
func unixDay(t time.Time) int64 {
	return t.Unix() / 86400
}
