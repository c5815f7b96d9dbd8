package kb

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
)

// Issue 13, "Scale": what publishing, views and votes cost a large catalog.

// Publishing one article writes the index rows of its translations and no
// others, and finds its new words at once (the clock never moves here).
func TestPublish_ReplacesOnlyTheArticlesIndexRows(t *testing.T) {
	ctx := context.Background()
	k, db, _ := seeded(t, demoFS())
	countRows := func() int {
		var n int
		if err := db.Read.QueryRow(`SELECT count(*) FROM translations_fts`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	rows := countRows()
	ticketsBefore := searchKeys(t, k, "en", "ticket")
	if !slices.Contains(ticketsBefore, "support-ticket") {
		t.Fatalf("ticket finds %v", ticketsBefore)
	}

	// Take B's row out of the index: a whole-catalog rebuild would put it back.
	b := k.cat.Load().lib.byLang["en"][articleID(t, k, "usercode")]
	if _, err := db.Write.Exec(`DELETE FROM translations_fts WHERE rowid = $1`, b.id); err != nil {
		t.Fatal(err)
	}

	id := articleID(t, k, "phrase")
	ed, err := k.Edition(ctx, id, "en")
	if err != nil {
		t.Fatal(err)
	}
	d := ed.Head.Draft
	d.Body += "\n\nA wombat guards the phrase."
	rev, err := k.Save(ctx, eda, id, ed.Head.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Publish(ctx, id, "en", rev.ID); err != nil {
		t.Fatal(err)
	}
	if keys := searchKeys(t, k, "en", "wombat"); !slices.Equal(keys, []string{"phrase"}) {
		t.Fatalf("the published word finds %v", keys)
	}
	if got := searchKeys(t, k, "en", "ticket"); !slices.Equal(got, ticketsBefore) {
		t.Fatalf("another article's results changed: %v, were %v", got, ticketsBefore)
	}
	if n := countRows(); n != rows-1 {
		t.Fatalf("index rows = %d, want %d: publishing wrote rows of other articles, or a second row of its own", n, rows-1)
	}
	if keys := searchKeys(t, k, "en", "keyed hash"); len(keys) != 0 {
		t.Fatalf("the row taken out came back: %v", keys)
	}
}

// The minute's flush of view counts and the votes keep the catalog version
// (every kept page and search stays), unless the head of a Popular list,
// which the home page shows, changes order.
func TestVersion_ViewsAndVotesKeepItUnlessPopularReorders(t *testing.T) {
	ctx := context.Background()
	k, _, _ := seeded(t, demoFS())
	first := articleID(t, k, "reset-password") // Popular's first already
	v := k.Version()
	for range 3 {
		k.CountView(first, "en")
	}
	if err := k.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if k.Version() != v {
		t.Fatal("a flush of views that leaves Popular as it was changed the version")
	}
	if k.Popular("en", 1)[0].Views != 3 {
		t.Fatal("the counts were not installed")
	}
	phrase := articleID(t, k, "phrase")
	if _, err := k.Vote(ctx, phrase, "en", "192.0.2.1", false, ""); err != nil {
		t.Fatal(err)
	}
	if a, _ := k.Article("en", "phrase"); k.Version() != v || a.HelpfulNo != 1 {
		t.Fatalf("a vote: version %d → %d, tally no = %d", v, k.Version(), a.HelpfulNo)
	}
	for range 5 {
		k.CountView(phrase, "en")
	}
	if err := k.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if k.Version() == v || popularKeys(k) != "phrase,reset-password,usercode,support-ticket" {
		t.Fatalf("Popular reordered (%s) under the same version", popularKeys(k))
	}
}

func TestSectionPage_Bounds(t *testing.T) {
	k, _, _ := seeded(t, demoFS())
	all := k.Section("en", FAQ) // 4 published
	cases := []struct {
		page, per       int
		from, to, shown int
	}{
		{1, 3, 0, 3, 1}, {2, 3, 3, 4, 2}, {3, 3, 3, 4, 2}, {0, 3, 0, 3, 1}, {-5, 3, 0, 3, 1},
		{1, 10, 0, 4, 1}, {1, 0, 0, 1, 1}, {1 << 40, 2, 2, 4, 2},
	}
	for _, c := range cases {
		items, shown, total := k.SectionPage("en", FAQ, c.page, c.per)
		if total != len(all) || shown != c.shown || !slices.Equal(items, all[c.from:c.to]) {
			t.Errorf("page %d of %d: shown %d of total %d, %d items", c.page, c.per, shown, total, len(items))
		}
	}
	if items, shown, total := k.SectionPage("en", Contact, 3, 5); len(items) != 0 || shown != 1 || total != 0 {
		t.Errorf("an empty section: %d items, page %d, total %d", len(items), shown, total)
	}
}

// Publishing one article renders again that article and those whose links
// lead to it elsewhere now, not the whole catalog.
func TestReload_RendersAgainOnlyWhatChanged(t *testing.T) {
	ctx := context.Background()
	k, _, _ := seeded(t, demoFS())
	entry := func(slug string) *rendered {
		t.Helper()
		d := k.cat.Load().lib.byLang["en"][articleID(t, k, slug)]
		return k.renders.prev[renderKey{d.id, "en"}]
	}
	usercode, linking := entry("usercode"), entry("reset-password") // links article:recover-account
	if usercode == nil || linking == nil {
		t.Fatal("the catalog's renders are not kept")
	}
	id := articleID(t, k, "recover-account")
	ed, err := k.Edition(ctx, id, "en")
	if err != nil {
		t.Fatal(err)
	}
	d := ed.Head.Draft
	d.Slug = "recover-your-account"
	rev, err := k.Save(ctx, eda, id, ed.Head.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Publish(ctx, id, "en", rev.ID); err != nil {
		t.Fatal(err)
	}
	if entry("usercode") != usercode {
		t.Error("an article nothing changed for was rendered again")
	}
	if e := entry("reset-password"); e == linking || !strings.Contains(e.html, "/en/a/recover-your-account") {
		t.Errorf("the article linking to the moved one kept its old link: %v", e == linking)
	}
	if a, _ := k.Article("en", "reset-password"); !strings.Contains(a.BodyHTML, "/en/a/recover-your-account") {
		t.Error("the page shows the old link")
	}
	if k.renders.next != nil {
		t.Error("the cache holds more than one build")
	}
}

// The words a build keeps per document add up to the vocabulary cutting the
// texts again would give.
func TestDocTerms_AddUpAsAddDocument(t *testing.T) {
	docs := [][]string{
		{"Reset your password", "You can reset your password. كلمة المرور ـ ـَ café résumé 重置密码 usercode ticket"},
		{"Café au lait", "Résumé, CAFÉ, cafe: Über über uber. 2FA 2fa"},
		{"", ""},
	}
	a, b := newVocabBuilder(), newVocabBuilder()
	for _, d := range docs {
		a.addDocument(d...)
		b.addTerms(docTerms(d...))
	}
	va, vb := a.build(), b.build()
	if !maps.Equal(va.df, vb.df) || !maps.Equal(va.display, vb.display) || !slices.Equal(va.sorted, vb.sorted) {
		t.Fatalf("df %v / %v\ndisplay %v / %v", va.df, vb.df, va.display, vb.display)
	}
}
