package kb

import (
	"context"
	"strings"
	"testing"
	"time"
)

// Views and votes land in the day's row of their page language; a changed
// vote moves its own counts (and its reason) and nothing else; the reason is
// one of a fixed list, so nothing a reader types is ever kept.
func TestStats_DailyViewsVotesAndReasonsPerLanguage(t *testing.T) {
	t.Parallel()
	k, db, clk := seeded(t, demoFS())
	ctx := context.Background()
	id := articleID(t, k, "reset-password")
	k.CountView(id, "en")
	k.CountView(id, "en")
	k.CountView(id, "de")
	if err := k.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	mustVote := func(lang, addr string, helpful bool, r Reason) {
		t.Helper()
		if _, err := k.Vote(ctx, id, lang, addr, helpful, r); err != nil {
			t.Fatal(err)
		}
	}
	mustVote("en", "192.0.2.1", true, "")
	mustVote("en", "192.0.2.2", false, "")
	mustVote("en", "192.0.2.2", false, ReasonOutdated) // the reason, added after the answer
	mustVote("de", "192.0.2.3", false, ReasonUnclear)
	mustVote("de", "192.0.2.3", false, ReasonDidNotWork) // changed its mind: one reason only
	mustVote("en", "192.0.2.4", true, ReasonUnclear)     // a reason with "helpful" is dropped
	if _, err := k.Vote(ctx, id, "en", "192.0.2.5", false, Reason("my phone is 555-0100")); err == nil {
		t.Fatal("a reason outside the list was accepted")
	}

	clk.Add(24 * time.Hour) // tomorrow: one more view
	k.CountView(id, "en")
	k.Flush(ctx)

	days, err := k.ArticleDaily(ctx, id, "", 7)
	if err != nil || len(days) != 7 {
		t.Fatalf("days = %v, %v", days, err)
	}
	yesterday, today := days[5], days[6]
	if yesterday.Views != 3 || yesterday.Yes != 2 || yesterday.No != 2 || today.Views != 1 || today.Yes+today.No != 0 {
		t.Fatalf("yesterday %+v, today %+v", yesterday, today)
	}
	if !today.Day.Equal(time.Date(2026, 11, 6, 0, 0, 0, 0, time.UTC)) || days[0].Views != 0 {
		t.Fatalf("days = %+v", days)
	}
	de, _ := k.ArticleDaily(ctx, id, "de", 7)
	if de[5].Views != 1 || de[5].No != 1 || de[5].Yes != 0 {
		t.Fatalf("de = %+v", de[5])
	}
	reasons, _ := k.ArticleReasons(ctx, id, "", 7)
	got := map[Reason]int64{}
	for _, r := range reasons {
		got[r.Reason] = r.Count
	}
	if len(reasons) != len(Reasons) || got[ReasonOutdated] != 1 || got[ReasonDidNotWork] != 1 || got[ReasonUnclear] != 0 {
		t.Fatalf("reasons = %+v", reasons)
	}
	langs, _ := k.ArticleLanguages(ctx, id, 7)
	if strings.Join(langs, ",") != "de,en" {
		t.Fatalf("langs = %v", langs)
	}
	list, err := k.ArticleStats(ctx, "en", 7)
	if err != nil || list[0].ArticleID != id || list[0].Views != 4 || list[0].Yes != 2 || list[0].No != 2 {
		t.Fatalf("stats = %+v, %v", list, err)
	}
	if len(list) != 6 { // every published article, read or not
		t.Fatalf("%d articles listed", len(list))
	}
	// Only counts and the fixed words: no address anywhere.
	var n int
	db.Read.QueryRow(`SELECT count(*) FROM article_reasons WHERE reason NOT IN ('outdated','unclear','not_answered','did_not_work')`).Scan(&n)
	if n != 0 {
		t.Fatal("a reason outside the list was stored")
	}
	for _, table := range []string{"article_daily", "article_reasons"} {
		rows, _ := db.Read.Query(`SELECT * FROM ` + table)
		cols, _ := rows.Columns()
		rows.Close()
		for _, c := range cols {
			if strings.Contains(c, "voter") || strings.Contains(c, "addr") {
				t.Fatalf("%s has column %s", table, c)
			}
		}
	}
}

func TestFeed_OwnTranslationsLastChangedFirst(t *testing.T) {
	t.Parallel()
	k, _, _ := seeded(t, demoFS())
	en := k.Feed("en", 100)
	if len(en) != 6 || en[0].Slug != "support-ticket" {
		t.Fatalf("en feed = %+v", en)
	}
	for i := 1; i < len(en); i++ {
		if en[i].UpdatedAt.After(en[i-1].UpdatedAt) {
			t.Fatalf("not last changed first: %v", en)
		}
	}
	de := k.Feed("de", 100)
	if len(de) != 1 || de[0].Lang != "de" || de[0].Slug != "passwort-zuruecksetzen" {
		t.Fatalf("de feed = %+v (no fallbacks)", de)
	}
	if len(k.Feed("ja", 10)) != 0 || len(k.Feed("en", 2)) != 2 {
		t.Fatal("limits")
	}
}

// Views counted for an article deleted before the flush are dropped; the
// flush (and the search log with it) still goes through.
func TestStats_ViewsOfADeletedArticleDoNotBlockTheFlush(t *testing.T) {
	t.Parallel()
	k, db, _ := seeded(t, demoFS())
	ctx := context.Background()
	id := articleID(t, k, "phrase")
	keep := articleID(t, k, "reset-password")
	k.CountView(id, "en")
	k.CountView(keep, "en")
	for _, addr := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"} {
		k.RecordSearch("en", "quux", 0, addr)
	}
	if _, err := db.Write.Exec(`DELETE FROM articles WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if err := k.Flush(ctx); err != nil {
		t.Fatalf("flush: %v", err)
	}
	days, _ := k.ArticleDaily(ctx, keep, "en", 1)
	if days[0].Views != 1 {
		t.Fatalf("views = %+v", days)
	}
	if q, _ := k.MissingSearches(ctx, "en", 10); len(q) != 1 {
		t.Fatalf("searches = %+v", q)
	}
}
