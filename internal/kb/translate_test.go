package kb

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"zerodesk/internal/errs"
	"zerodesk/internal/testsupport"
)

// publishedSource writes and publishes an English article; it returns its
// id and published revision.
func publishedSource(t *testing.T, k *KB) (int64, int64) {
	t.Helper()
	ctx := context.Background()
	rev, err := k.Create(ctx, eda, newDraft())
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Publish(ctx, rev.ArticleID, "en", rev.ID); err != nil {
		t.Fatal(err)
	}
	return rev.ArticleID, rev.ID
}

func spanish() Draft {
	return Draft{Lang: "es", Title: "Imprimir un recibo del ticket", Body: "Abra el ticket y elija **Imprimir**."}
}

// changeSource saves and publishes a new English text.
func changeSource(t *testing.T, k *KB, c *testsupport.Clock, id int64, body string) int64 {
	t.Helper()
	ctx := context.Background()
	c.Add(time.Minute)
	ed, err := k.Edition(ctx, id, "en")
	if err != nil {
		t.Fatal(err)
	}
	d := ed.Head.Draft
	d.Body = body
	rev, err := k.Save(ctx, eda, id, ed.Head.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Publish(ctx, id, "en", rev.ID); err != nil {
		t.Fatal(err)
	}
	return rev.ID
}

// A missing translation is created beside its source, with a proposed slug,
// following the source revision shown; it is a draft until published, takes
// the article's place, and is not outdated.
func TestTranslate_CreateMissingTranslationFollowsTheSource(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, c := seeded(t, demoFS())
	id, src := publishedSource(t, k)

	w, err := k.Translation(ctx, id, "es")
	if err != nil {
		t.Fatal(err)
	}
	if w.State != StateMissing || w.Translation != nil || w.Target != src || w.Source.ID != src || !strings.Contains(w.Source.Body, "Zanzibar") {
		t.Fatalf("missing translation = %+v", w.TranslationStatus)
	}
	if _, err := k.Translation(ctx, id, "en"); errs.MessageIDOf(err) != MsgTrSourceLang {
		t.Errorf("the source language as a translation: %v", err)
	}
	d := spanish()
	d.Category, d.Position = Setup, 99 // a translation does not move the article
	rev, err := k.SaveTranslation(ctx, eda, id, 0, d, src, false)
	if err != nil {
		t.Fatal(err)
	}
	if rev.Slug != "imprimir-un-recibo-del-ticket" || rev.Category != HowTo || rev.Position != 7 || rev.Lang != "es" {
		t.Errorf("revision = %+v", rev)
	}
	w, _ = k.Translation(ctx, id, "es")
	if w.State != StateDraft || w.Outdated || w.Follows != src || !w.FollowsKnown || w.Translation.Head.ID != rev.ID {
		t.Errorf("after the first save: %+v", w.TranslationStatus)
	}
	if err := k.Publish(ctx, id, "es", rev.ID); err != nil {
		t.Fatal(err)
	}
	a, err := k.Article("es", rev.Slug)
	if err != nil || a.Outdated || a.Category != HowTo {
		t.Fatalf("published: %+v, %v", a, err)
	}

	// A title with no Latin letters: the article's key is the address.
	c.Add(time.Second)
	ar := Draft{Lang: "ar", Title: "طباعة إيصال التذكرة", Body: "افتح التذكرة واختر **طباعة**."}
	arRev, err := k.SaveTranslation(ctx, eda, id, 0, ar, src, false)
	if err != nil {
		t.Fatal(err)
	}
	if arRev.Slug != w.Key {
		t.Errorf("arabic slug = %q, want the key %q", arRev.Slug, w.Key)
	}
	// A second "first" save of the same translation is a conflict, not a copy.
	if _, err := k.SaveTranslation(ctx, ben, id, 0, ar, src, false); err == nil {
		t.Error("a stale first save was accepted")
	} else if _, ok := Conflict(err); !ok {
		t.Errorf("stale first save: %v", err)
	}
	if _, err := k.SaveTranslation(ctx, eda, id, 0, Draft{Lang: "en", Title: "x", Body: "y"}, src, false); errs.MessageIDOf(err) != MsgTrSourceLang {
		t.Errorf("a translation into the source language: %v", err)
	}
	if _, err := k.SaveTranslation(ctx, eda, id, 0, Draft{Lang: "fr", Title: "x", Body: "y"}, src+1000, false); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("a source revision of nothing: %v", err)
	}
}

// A new published source revision flags the translation outdated (for the
// editor and for visitors) with the source's word diff since the revision it
// follows; an ordinary save keeps it outdated; "I have updated it" follows
// the new source and, published, clears the visitors' notice.
func TestTranslate_OutdatedOnSourcePublishAndIHaveUpdatedIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, c := seeded(t, demoFS())
	id, src := publishedSource(t, k)
	rev, err := k.SaveTranslation(ctx, eda, id, 0, spanish(), src, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Publish(ctx, id, "es", rev.ID); err != nil {
		t.Fatal(err)
	}
	src2 := changeSource(t, k, c, id, "Open the ticket and choose **Print** twice. Zanzibar.")

	w, err := k.Translation(ctx, id, "es")
	if err != nil {
		t.Fatal(err)
	}
	if !w.Outdated || w.State != StateOutdated || w.Follows != src || w.Target != src2 || w.Since == nil || w.Since.ID != src {
		t.Fatalf("after the source changed: %+v", w.TranslationStatus)
	}
	var added []string
	for _, p := range Diff(w.Since.Body, w.Source.Body) {
		if p.Added {
			added = append(added, strings.TrimSpace(p.Text))
		}
	}
	if !strings.Contains(strings.Join(added, " "), "twice") || strings.Contains(strings.Join(added, " "), "Open") {
		t.Errorf("diff since the followed revision adds %q", added)
	}
	if a, _ := k.Article("es", rev.Slug); !a.Outdated {
		t.Error("visitors are not told the translation is outdated")
	}

	// An ordinary save is no catching up.
	d := rev.Draft
	d.Body += " Corrección."
	r2, err := k.SaveTranslation(ctx, eda, id, rev.ID, d, src2, false)
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := k.Translation(ctx, id, "es"); !w.Outdated {
		t.Error("an ordinary save cleared outdated")
	}
	// I have updated it.
	d.Body = "Abra el ticket y elija **Imprimir** dos veces."
	r3, err := k.SaveTranslation(ctx, eda, id, r2.ID, d, src2, true)
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := k.Translation(ctx, id, "es"); w.Outdated || w.Follows != src2 {
		t.Errorf("after I have updated it: %+v", w.TranslationStatus)
	}
	if a, _ := k.Article("es", rev.Slug); !a.Outdated {
		t.Error("the unpublished update reached visitors")
	}
	c.Add(time.Second)
	if err := k.Publish(ctx, id, "es", r3.ID); err != nil {
		t.Fatal(err)
	}
	if a, _ := k.Article("es", rev.Slug); a.Outdated || !strings.Contains(a.BodyHTML, "dos veces") {
		t.Errorf("published update: outdated %v, %q", a.Outdated, a.BodyHTML)
	}
}

// "Still current" keeps the text, records a revision with its note, follows
// the new source, and (the text being what visitors read) publishes it, so
// their notice goes too.
func TestTranslate_StillCurrentIsARevisionNote(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, c := seeded(t, demoFS())
	id, src := publishedSource(t, k)
	rev, _ := k.SaveTranslation(ctx, eda, id, 0, spanish(), src, false)
	if err := k.Publish(ctx, id, "es", rev.ID); err != nil {
		t.Fatal(err)
	}
	src2 := changeSource(t, k, c, id, "Open the ticket and choose **Print**. Zanzibar!")
	if _, err := k.StillCurrent(ctx, ben, id, "es", rev.ID+1000, src2, "n"); err == nil {
		t.Error("still current over a stale base was accepted")
	}
	c.Add(time.Second)
	sc, err := k.StillCurrent(ctx, ben, id, "es", rev.ID, src2, "Still current with the source")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Body != rev.Body || sc.Title != rev.Title || sc.Note != "Still current with the source" || sc.BaseID != rev.ID {
		t.Errorf("still-current revision = %+v", sc)
	}
	w, _ := k.Translation(ctx, id, "es")
	if w.Outdated || w.Follows != src2 || w.State != StatePublished || w.Translation.PublishedID != sc.ID {
		t.Errorf("after still current: %+v, published %d", w.TranslationStatus, w.Translation.PublishedID)
	}
	if a, _ := k.Article("es", rev.Slug); a.Outdated {
		t.Error("visitors are still told it is outdated")
	}
	revs, _ := k.Revisions(ctx, id, "es")
	if len(revs) != 2 || revs[0].Note != "Still current with the source" {
		t.Errorf("history = %+v", revs)
	}
}

// The demo's translations (never saved in the editor) follow the source's
// imported revision: a new source publication flags them outdated too.
func TestTranslate_LoadedTranslationOutdatedWhenTheSourceChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, c := seeded(t, demoFS())
	id := articleID(t, k, "reset-password")
	src, err := k.Edition(ctx, id, "en")
	if err != nil {
		t.Fatal(err)
	}
	if w, err := k.Translation(ctx, id, "de"); err != nil || w.Outdated || w.State != StatePublished || w.Follows != src.Head.ID {
		t.Fatalf("loaded translation: %+v, %v", w, err)
	}
	changeSource(t, k, c, id, "You can reset your password from the [reset page](/reset). Resetting ends every session at once.")
	w, err := k.Translation(ctx, id, "de")
	if err != nil || !w.Outdated || w.Follows != src.Head.ID || w.Since == nil || w.Since.ID != src.Head.ID {
		t.Fatalf("after the source changed: %+v, %v", w, err)
	}
}

// The queue of a language lists missing, started and outdated translations
// of published sources, most asked for first, then most viewed; current,
// archived and unpublished ones are not in it.
func TestTranslate_QueueOrderedByAsksThenViews(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, db, c := seeded(t, demoFS())
	id, src := publishedSource(t, k)
	rev, _ := k.SaveTranslation(ctx, eda, id, 0, spanish(), src, false)
	if err := k.Publish(ctx, id, "es", rev.ID); err != nil {
		t.Fatal(err)
	}
	queue := func() []string {
		t.Helper()
		q, err := k.TranslationQueue(ctx, "es")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range q {
			out = append(out, s.Key+":"+string(s.State))
		}
		return out
	}
	before := queue()
	if slices.Contains(before, "print-a-ticket-receipt:outdated") || len(before) == 0 {
		t.Fatalf("queue = %v", before)
	}
	for _, s := range before {
		if !strings.HasSuffix(s, ":missing") {
			t.Errorf("queue item %s", s)
		}
	}
	// Views order; an ask for a translation comes before any number of views.
	if _, err := db.Write.ExecContext(ctx, `UPDATE articles SET views = 50 WHERE key = 'usercode'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Write.ExecContext(ctx, `UPDATE articles SET views = 10 WHERE key = 'phrase'`); err != nil {
		t.Fatal(err)
	}
	phrase := articleID(t, k, "phrase")
	if err := k.AskTranslation(ctx, phrase, "es"); err != nil {
		t.Fatal(err)
	}
	changeSource(t, k, c, id, "Open the ticket and choose **Print** now. Zanzibar.")
	q := queue()
	if len(q) < 3 || q[0] != "phrase:missing" || q[1] != "usercode:missing" {
		t.Errorf("queue = %v", q)
	}
	if !slices.Contains(q, "print-a-ticket-receipt:outdated") {
		t.Errorf("the outdated translation is not in the queue: %v", q)
	}
	full, _ := k.TranslationQueue(ctx, "es")
	if full[0].Requests != 1 || full[1].Views != 50 {
		t.Errorf("numbers = %+v %+v", full[0], full[1])
	}
	if slices.ContainsFunc(q, func(s string) bool { return strings.HasPrefix(s, "coming-soon:") }) {
		t.Errorf("an unpublished source is in the queue: %v", q)
	}
	if err := k.AskTranslation(ctx, 999999, "es"); err != nil {
		t.Errorf("an ask for a deleted article: %v", err)
	}
}

// A hold refuses publishing a new source revision until the held languages
// follow it; the held translations then go out with the source; releasing
// the hold publishes at once. A scheduled publication waits without error.
func TestTranslate_HoldDefersSourcePublishing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, c := seeded(t, demoFS())
	id, src := publishedSource(t, k)
	es, _ := k.SaveTranslation(ctx, eda, id, 0, spanish(), src, false)
	if err := k.Publish(ctx, id, "es", es.ID); err != nil {
		t.Fatal(err)
	}
	fr, _ := k.SaveTranslation(ctx, eda, id, 0, Draft{Lang: "fr", Title: "Imprimer un reçu", Body: "Ouvrez le ticket."}, src, false)
	if err := k.SetHolds(ctx, id, []string{"es", "de"}); errs.MessageIDOf(err) != MsgTrHoldMissing {
		t.Errorf("a hold on a missing translation: %v", err)
	}
	if err := k.SetHolds(ctx, id, []string{"en"}); errs.MessageIDOf(err) != MsgTrSourceLang {
		t.Errorf("a hold on the source: %v", err)
	}
	if err := k.SetHolds(ctx, id, []string{"es", "fr"}); err != nil {
		t.Fatal(err)
	}
	if h, _ := k.Holds(ctx, id); !slices.Equal(h, []string{"es", "fr"}) {
		t.Errorf("holds = %v", h)
	}

	c.Add(time.Minute)
	ed, _ := k.Edition(ctx, id, "en")
	d := ed.Head.Draft
	d.Body = "Open the ticket and choose **Print** or **Save**. Zanzibar."
	src2, err := k.Save(ctx, eda, id, ed.Head.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	err = k.Publish(ctx, id, "en", src2.ID)
	if got := HeldLangs(err); !slices.Equal(got, []string{"es", "fr"}) || errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("publishing a held source: %v (%v)", err, got)
	}
	if a, _ := k.Article("en", src2.Slug); a == nil || strings.Contains(a.BodyHTML, "Save") {
		t.Error("the held source reached visitors")
	}
	// The held language's translator sees the waiting source revision.
	w, _ := k.Translation(ctx, id, "es")
	if !w.Pending || w.Target != src2.ID || !w.Outdated || w.Since.ID != src {
		t.Errorf("held translation = %+v", w.TranslationStatus)
	}
	esD := es.Draft
	esD.Body = "Abra el ticket y elija **Imprimir** o **Guardar**."
	es2, err := k.SaveTranslation(ctx, ben, id, es.ID, esD, src2.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Publish(ctx, id, "en", src2.ID); !slices.Equal(HeldLangs(err), []string{"fr"}) {
		t.Errorf("still waiting for: %v", err)
	}
	// A scheduled publication waits, quietly.
	if err := k.Schedule(ctx, id, "en", src2.ID, c.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	c.Add(2 * time.Second)
	if n, err := k.PublishDue(ctx); n != 0 || err != nil {
		t.Errorf("a held scheduled publication: %d, %v", n, err)
	}
	if _, err := k.StillCurrent(ctx, ben, id, "fr", fr.ID, src2.ID, "ok"); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Second)
	if n, err := k.PublishDue(ctx); n != 1 || err != nil {
		t.Fatalf("the caught-up scheduled publication: %d, %v", n, err)
	}
	esEd, _ := k.Edition(ctx, id, "es")
	if esEd.PublishedID != es2.ID {
		t.Errorf("the held Spanish update was not published with its source: %d", esEd.PublishedID)
	}
	if a, _ := k.Article("es", es.Slug); a.Outdated || !strings.Contains(a.BodyHTML, "Guardar") {
		t.Errorf("Spanish visitors: outdated %v, %q", a.Outdated, a.BodyHTML)
	}

	// Released: a source change publishes at once.
	if err := k.SetHolds(ctx, id, nil); err != nil {
		t.Fatal(err)
	}
	changeSource(t, k, c, id, "Open the ticket. Zanzibar.")
	if w, _ := k.Translation(ctx, id, "es"); !w.Outdated || w.Pending {
		t.Errorf("after release: %+v", w.TranslationStatus)
	}
}

// A source saved again unchanged (Publish on the writing page saves first)
// outdates nothing and satisfies a hold its text satisfied.
func TestTranslate_UnchangedSourceRevisionKeepsTranslationsCurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, c := seeded(t, demoFS())
	id, src := publishedSource(t, k)
	es, _ := k.SaveTranslation(ctx, eda, id, 0, spanish(), src, false)
	if err := k.Publish(ctx, id, "es", es.ID); err != nil {
		t.Fatal(err)
	}
	if err := k.SetHolds(ctx, id, []string{"es"}); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Minute)
	ed, _ := k.Edition(ctx, id, "en")
	again, err := k.Save(ctx, eda, id, ed.Head.ID, ed.Head.Draft)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Publish(ctx, id, "en", again.ID); err != nil {
		t.Fatalf("an unchanged source was held: %v", err)
	}
	if w, _ := k.Translation(ctx, id, "es"); w.Outdated || w.Follows != again.ID {
		t.Errorf("after an unchanged source: %+v", w.TranslationStatus)
	}
}

// Times are whole seconds: a source published again within the second its
// translation was made level still outdates that translation for visitors.
func TestTranslate_SourceRepublishedInTheSameSecondOutdates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, _ := seeded(t, demoFS())
	id, src := publishedSource(t, k)
	rev, err := k.SaveTranslation(ctx, eda, id, 0, spanish(), src, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Publish(ctx, id, "es", rev.ID); err != nil {
		t.Fatal(err)
	}
	if a, _ := k.Article("es", rev.Slug); a.Outdated {
		t.Fatal("a fresh translation reads as outdated")
	}
	ed, err := k.Edition(ctx, id, "en")
	if err != nil {
		t.Fatal(err)
	}
	d := ed.Head.Draft
	d.Body = "Open the ticket and choose **Print** twice."
	next, err := k.Save(ctx, eda, id, ed.Head.ID, d) // the clock has not moved
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Publish(ctx, id, "en", next.ID); err != nil {
		t.Fatal(err)
	}
	if a, _ := k.Article("es", rev.Slug); !a.Outdated {
		t.Error("visitors are not told the translation is outdated")
	}
}

// The article list says "outdated" by the translation queue's rule (the
// source revision a translation follows), not by dates: for an imported
// translation older than its source, for a held language whose source
// waits for publishing, and not for one brought level.
func TestTranslate_ListAndQueueAgreeOnOutdated(t *testing.T) {
	ctx := context.Background()
	k := sharedSeededDemo(t)
	langs := []string{"en", "es", "de"}
	agree := func(k *KB, id int64, lang string, want bool) {
		t.Helper()
		page, err := k.ArticleList(ctx, langs, ListFilter{PerPage: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var listed State
		for _, it := range page.Items {
			if it.ArticleID == id {
				listed = it.States[lang]
			}
		}
		q, err := k.TranslationQueue(ctx, lang)
		if err != nil {
			t.Fatal(err)
		}
		queued := slices.ContainsFunc(q, func(s TranslationStatus) bool { return s.ArticleID == id && s.Outdated })
		if (listed == StateOutdated) != want || queued != want {
			t.Errorf("%s/%d: list says %s, queue outdated %v; want outdated %v", lang, id, listed, queued, want)
		}
	}
	agree(k, articleID(t, k, "what-is-stored"), "de", true) // translated before the source's update
	agree(k, articleID(t, k, "setup-web"), "de", false)
	k, _, c := seeded(t, demoFS())
	id, src := publishedSource(t, k)
	rev, err := k.SaveTranslation(ctx, eda, id, 0, spanish(), src, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Publish(ctx, id, "es", rev.ID); err != nil {
		t.Fatal(err)
	}
	agree(k, id, "es", false)
	if err := k.SetHolds(ctx, id, []string{"es"}); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Minute)
	ed, _ := k.Edition(ctx, id, "en")
	d := ed.Head.Draft
	d.Body += " More."
	if _, err := k.Save(ctx, eda, id, ed.Head.ID, d); err != nil {
		t.Fatal(err)
	}
	agree(k, id, "es", true) // the source's next revision waits for Spanish
}
