package kb

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"zerodesk/internal/errs"
	"zerodesk/internal/testsupport"
)

func articleID(t testing.TB, k *KB, slug string) int64 {
	t.Helper()
	a, err := k.Article("en", slug)
	if err != nil {
		t.Fatal(err)
	}
	return a.ArticleID
}

func popularKeys(k *KB) string {
	var keys []string
	for _, s := range k.Popular("en", 10) {
		keys = append(keys, s.Key)
	}
	return strings.Join(keys, ",")
}

func TestViews_CountedInMemoryThenFlushedInOneGo(t *testing.T) {
	t.Parallel()
	k, db, _ := seeded(t, demoFS())
	ctx := context.Background()
	if got := popularKeys(k); got != "reset-password,usercode,support-ticket,phrase" {
		t.Fatalf("popular before any view = %s (ties by position)", got)
	}
	phrase := articleID(t, k, "phrase")
	ticket := articleID(t, k, "support-ticket")
	for range 7 {
		k.CountView(phrase, "en")
	}
	for range 3 {
		k.CountView(ticket, "en")
	}
	k.CountView(987654, "en") // unknown: ignored
	if got := popularKeys(k); got != "reset-password,usercode,support-ticket,phrase" {
		t.Fatalf("popular changed before Flush: %s", got)
	}
	var stored int64
	db.Read.QueryRow(`SELECT views FROM articles WHERE id = $1`, phrase).Scan(&stored)
	if stored != 0 {
		t.Fatalf("CountView wrote to the database: %d", stored)
	}

	if err := k.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	db.Read.QueryRow(`SELECT views FROM articles WHERE id = $1`, phrase).Scan(&stored)
	if stored != 7 {
		t.Fatalf("stored views = %d, want 7", stored)
	}
	if got := popularKeys(k); got != "phrase,support-ticket,reset-password,usercode" {
		t.Fatalf("popular after flush = %s", got)
	}
	if p := k.Popular("en", 1); p[0].Views != 7 {
		t.Fatalf("Views = %d", p[0].Views)
	}
	a, _ := k.Article("en", "phrase")
	if a.Views != 7 {
		t.Fatalf("article views = %d", a.Views)
	}
	// Nothing pending: a second flush writes nothing and changes nothing.
	if err := k.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	db.Read.QueryRow(`SELECT views FROM articles WHERE id = $1`, phrase).Scan(&stored)
	if stored != 7 {
		t.Fatalf("stored views after second flush = %d", stored)
	}
}

func TestViews_ConcurrentCountsAreNeverLost(t *testing.T) {
	t.Parallel()
	k, db, _ := seeded(t, demoFS())
	ctx := context.Background()
	id := articleID(t, k, "usercode")
	const workers, each = 8, 500
	var wg sync.WaitGroup
	stop := make(chan struct{})
	flushed := make(chan error, 1)
	go func() { // flush while counting
		for {
			select {
			case <-stop:
				flushed <- nil
				return
			default:
				if err := k.Flush(ctx); err != nil {
					flushed <- err
					return
				}
				k.Popular("en", 3)
			}
		}
	}()
	for range workers {
		wg.Go(func() {
			for range each {
				k.CountView(id, "en")
				k.Article("en", "usercode")
			}
		})
	}
	wg.Wait()
	close(stop)
	if err := <-flushed; err != nil {
		t.Fatal(err)
	}
	if err := k.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var stored int64
	db.Read.QueryRow(`SELECT views FROM articles WHERE id = $1`, id).Scan(&stored)
	if stored != workers*each {
		t.Fatalf("stored %d views, want %d", stored, workers*each)
	}
}

func TestViews_FailedFlushKeepsTheCounts(t *testing.T) {
	t.Parallel()
	k, db, _ := seeded(t, demoFS())
	id := articleID(t, k, "usercode")
	k.CountView(id, "en")
	for _, addr := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"} {
		k.RecordSearch("en", "lost query", 0, addr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := k.Flush(ctx); err == nil {
		t.Fatal("flush with a cancelled context succeeded")
	}
	if err := k.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var views, searches int64
	db.Read.QueryRow(`SELECT views FROM articles WHERE id = $1`, id).Scan(&views)
	db.Read.QueryRow(`SELECT searches FROM search_queries WHERE query = 'lost query'`).Scan(&searches)
	if views != 1 || searches != 3 {
		t.Fatalf("after retry: views %d, searches %d; want 1, 3", views, searches)
	}
}

func TestRun_FlushesOnTheTickAndWhenStopped(t *testing.T) {
	t.Parallel()
	k, db, _ := seeded(t, demoFS())
	id := articleID(t, k, "usercode")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { k.Run(ctx, 10*time.Millisecond); close(done) }()
	k.CountView(id, "en")
	deadline := time.Now().Add(5 * time.Second)
	var views int64
	for views != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		db.Read.QueryRow(`SELECT views FROM articles WHERE id = $1`, id).Scan(&views)
	}
	if views != 1 {
		t.Fatal("Run did not flush on its tick")
	}
	k.CountView(id, "en")
	k.RecordSearch("en", "last words", 0, "192.0.2.1")
	cancel()
	<-done
	db.Read.QueryRow(`SELECT views FROM articles WHERE id = $1`, id).Scan(&views)
	if views != 2 {
		t.Fatalf("views = %d after stop, want 2 (final flush)", views)
	}
}

func TestVote_OneAddressCountsOncePerDay(t *testing.T) {
	t.Parallel()
	k, db, clk := seeded(t, demoFS())
	ctx := context.Background()
	id := articleID(t, k, "reset-password")
	vote := func(addr string, helpful bool) Tally {
		t.Helper()
		tally, err := k.Vote(ctx, id, "en", addr, helpful, "")
		if err != nil {
			t.Fatal(err)
		}
		return tally
	}
	for range 50 {
		vote("192.0.2.7", true)
	}
	if got := vote("192.0.2.7", true); got != (Tally{1, 0}) {
		t.Fatalf("50 yes votes from one address = %+v, want 1/0", got)
	}
	if got := vote("192.0.2.7", false); got != (Tally{0, 1}) {
		t.Fatalf("after switching to no = %+v, want 0/1", got)
	}
	if got := vote("198.51.100.1", true); got != (Tally{1, 1}) {
		t.Fatalf("another address = %+v, want 1/1", got)
	}
	clk.Add(24 * time.Hour)
	if got := vote("192.0.2.7", false); got != (Tally{1, 2}) {
		t.Fatalf("the next day = %+v, want 1/2", got)
	}
	// The catalog shows the tally at once.
	a, _ := k.Article("en", "reset-password")
	if a.HelpfulYes != 1 || a.HelpfulNo != 2 {
		t.Fatalf("article shows %d/%d", a.HelpfulYes, a.HelpfulNo)
	}
	// The address is stored nowhere, and yesterday's voter hashes are gone.
	var n int
	db.Read.QueryRow(`SELECT count(*) FROM article_votes`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d vote rows, want only today's", n)
	}
	var voter []byte
	db.Read.QueryRow(`SELECT voter FROM article_votes`).Scan(&voter)
	if len(voter) != 32 || strings.Contains(string(voter), "192.0.2.7") {
		t.Fatalf("voter = %q", voter)
	}
}

func TestVote_UnknownArticleIsNotFound(t *testing.T) {
	t.Parallel()
	k, _, _ := seeded(t, demoFS())
	_, err := k.Vote(context.Background(), 987654, "en", "192.0.2.7", true, "")
	if errs.CodeOf(err) != errs.NotFound || errs.MessageIDOf(err) != "kb.article.not_found" {
		t.Fatalf("err = %v", err)
	}
}

func TestRecordSearch_StripsPersonalData(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"  Reset PASSWORD  ", "reset password"},
		{"mail me at alice@example.org please", "mail me at [redacted] please"},
		{"my usercode K7QX-4MPD-9TZR does not work", "my usercode [redacted] does not work"},
		{"code k7qx 4mpd 9tzr", "code [redacted]"},
		{"call +41 79 123 45 67 now", "call [redacted] now"},
		{"order 12345", "order [redacted]"},
		{"from 10.0.0.1", "from [redacted]"},
		{"account4711x", "[redacted]"},
		{"error 404", "error 404"},
		{"fast-sync two-step", "fast-sync two-step"},
		{"Réinitialiser", "réinitialiser"},
		{strings.Repeat("long ", 40), strings.TrimSpace(strings.Repeat("long ", 20))},
		{"bad\xffword", "badword"},
		{"my key sk_live_4eC39HqLyjWDarjtT1zdp7dc", "my key [redacted]"},
		{"token aBcDeFgH", "token [redacted]"},
		{"PayPal iPhone YouTube login", "paypal iphone youtube login"},
		{"windows10 update", "windows10 update"},
		{"login x7k9q2mp", "login [redacted]"},
		{"   ", ""},
	}
	for _, tt := range tests {
		if got := redactQuery(tt.in); got != tt.want {
			t.Errorf("redactQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := redactQuery(strings.Repeat("üü ", 100)); len([]rune(got)) > 100 || len([]rune(got)) < 98 {
		t.Errorf("cap: %d runes", len([]rune(got)))
	}
}

func TestRecordSearch_BatchedAndListedForEditors(t *testing.T) {
	t.Parallel()
	k, db, _ := seeded(t, demoFS())
	ctx := context.Background()
	// Three visitors each: a text is kept once three different visitors searched it.
	for _, addr := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"} {
		k.RecordSearch("en", "Two Factor", 0, addr)
		k.RecordSearch("en", "password", 4, addr)
		k.RecordSearch("de", "zwei faktor", 0, addr)
		k.RecordSearch("en", "found later", 0, addr)
		k.RecordSearch("en", "bob@example.org", 0, addr)
	}
	k.RecordSearch("en", "two factor ", 0, "192.0.2.1")
	k.RecordSearch("en", "found later", 2, "192.0.2.1")
	for _, addr := range []string{"192.0.2.4", "192.0.2.5", "192.0.2.6"} {
		k.RecordSearch("en", "dark mode", 0, addr)
	}
	k.RecordSearch("en", "dark mode", 0, "192.0.2.6")
	k.RecordSearch("en", "dark mode", 0, "192.0.2.6")
	k.RecordSearch("en", "only me", 0, "192.0.2.6")
	k.RecordSearch("en", "only me", 0, "192.0.2.6")
	k.RecordSearch("en", "only me", 0, "192.0.2.6")

	var n int
	db.Read.QueryRow(`SELECT count(*) FROM search_queries`).Scan(&n)
	if n != 0 {
		t.Fatal("RecordSearch wrote before Flush")
	}
	if err := k.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := k.MissingSearches(ctx, "en", 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []QueryStat{
		{Query: "dark mode", Searches: 5, ZeroHitSearches: 5},
		{Query: "two factor", Searches: 4, ZeroHitSearches: 4},
		{Query: "[redacted]", Searches: 3, ZeroHitSearches: 3},
	}
	if len(got) != len(want) {
		t.Fatalf("missing = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("missing[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	// A second batch adds to the counts.
	k.RecordSearch("en", "dark mode", 0, "192.0.2.9")
	if err := k.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var searches, day int64
	db.Read.QueryRow(`SELECT searches, last_day FROM search_queries WHERE lang = 'en' AND query = 'dark mode'`).Scan(&searches, &day)
	if searches != 6 || day != unixDay(time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("dark mode: searches %d, day %d", searches, day)
	}
	// Nothing in the table can hold an address or a time of day.
	cols := tableColumns(t, db, "search_queries")
	if got := strings.Join(cols, ","); got != "lang,query,searches,zero_hit_searches,last_hits,last_day" {
		t.Fatalf("search_queries columns = %s", got)
	}
}

func TestVersion_ChangesWhenWhatPagesShowChanges(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	ctx := context.Background()
	k, err := New(ctx, db, testOptions(t, testsupport.NewClock(time.Now())))
	if err != nil {
		t.Fatal(err)
	}
	v := k.Version()
	step := func(what string, changes bool) {
		t.Helper()
		now := k.Version()
		if (now != v) != changes {
			t.Fatalf("%s: version %d → %d, want changed = %v", what, v, now, changes)
		}
		v = now
	}
	if _, err := k.SeedIfEmpty(ctx, demoFS()); err != nil {
		t.Fatal(err)
	}
	step("seeding", true)
	id := articleID(t, k, "usercode")
	k.CountView(id, "en")
	step("counting a view", false)
	k.Flush(ctx)
	step("flushing views that reorder Popular", true)
	k.RecordSearch("en", "x", 0, "192.0.2.1")
	k.Flush(ctx)
	step("flushing searches only", false)
	k.Vote(ctx, id, "en", "192.0.2.1", true, "")
	step("voting (the tally is on no kept page)", false)
	k.Vote(ctx, id, "en", "192.0.2.1", true, "")
	step("voting the same again", false)
}

func BenchmarkPopular(b *testing.B) {
	k := seededDemo(b)
	b.ReportAllocs()
	for b.Loop() {
		if len(k.Popular("en", 5)) == 0 {
			b.Fatal("empty")
		}
	}
}

func BenchmarkArticle(b *testing.B) {
	k := seededDemo(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Article("en", "reset-account"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCountView(b *testing.B) {
	k, _, _ := seeded(b, demoFS())
	id := articleID(b, k, "usercode")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k.CountView(id, "en")
		}
	})
}

// Issue 10: Popular and Latest showed the same articles. They never share
// one; Popular follows the views, Latest the publication dates of the rest.
func TestHomeLists_PopularAndLatestNeverRepeat(t *testing.T) {
	t.Parallel()
	k := seededDemo(t)
	ctx := context.Background()
	check := func(when string) []Summary {
		t.Helper()
		for _, lang := range []string{"en", "ar", "de"} {
			pop, latest := k.HomeLists(lang, 6)
			if len(pop) == 0 || len(latest) == 0 {
				t.Fatalf("%s %s: %d popular, %d latest", when, lang, len(pop), len(latest))
			}
			seen := map[int64]bool{}
			for _, s := range pop {
				seen[s.ArticleID] = true
			}
			for i, s := range latest {
				if seen[s.ArticleID] {
					t.Fatalf("%s %s: %s in both lists", when, lang, s.Key)
				}
				if i > 0 && latest[i-1].PublishedAt.Before(s.PublishedAt) {
					t.Fatalf("%s %s: Latest not newest first", when, lang)
				}
			}
		}
		pop, _ := k.HomeLists("en", 6)
		return pop
	}
	check("fresh")
	// The newest article, read a lot, moves to Popular and out of Latest.
	_, latest := k.HomeLists("en", 6)
	newest := latest[0]
	for range 50 {
		k.CountView(newest.ArticleID, "en")
	}
	if err := k.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	pop := check("after views")
	if pop[0].ArticleID != newest.ArticleID {
		t.Fatalf("the most viewed article is not first in Popular: %s", pop[0].Key)
	}
}
