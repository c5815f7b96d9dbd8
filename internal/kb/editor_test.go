package kb

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"zerodesk/internal/errs"
)

var (
	eda = Author{ID: 0, Name: "Eda Editor"} // no account row in these tests
	ben = Author{ID: 0, Name: "Ben Editor"}
)

func newDraft() Draft {
	return Draft{Lang: "en", Title: "Print a Ticket Receipt", Body: "Open the ticket and choose **Print**. Zanzibar.",
		Description: "Paper copies of a ticket.", Category: HowTo, Position: 7, Keywords: "quokka paper", Related: []string{"usercode"}}
}

func searchKeys(t *testing.T, k *KB, lang, q string) []string {
	t.Helper()
	res, err := k.Search(context.Background(), lang, q, 10)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, h := range res.Hits {
		keys = append(keys, h.Key)
	}
	return keys
}

// A new article is a draft no visitor finds; publishing puts it in its
// section, under its address and in search (its words and its keywords) at
// once, with a new catalog version.
func TestEditor_DraftIsInvisibleUntilPublished(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, _ := seeded(t, demoFS())
	rev, err := k.Create(ctx, eda, newDraft())
	if err != nil {
		t.Fatal(err)
	}
	if rev.Slug != "print-a-ticket-receipt" || rev.ID == 0 || rev.Author != "Eda Editor" {
		t.Fatalf("revision = %+v", rev)
	}
	if _, err := k.Article("en", rev.Slug); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("a draft is readable: %v", err)
	}
	if keys := searchKeys(t, k, "en", "zanzibar"); len(keys) != 0 {
		t.Errorf("a draft is found: %v", keys)
	}
	for _, s := range k.Section("en", HowTo) {
		if s.ArticleID == rev.ArticleID {
			t.Error("a draft is in its section")
		}
	}

	before := k.Version()
	if err := k.Publish(ctx, rev.ArticleID, "en", rev.ID); err != nil {
		t.Fatal(err)
	}
	if k.Version() == before {
		t.Error("publishing kept the catalog version")
	}
	a, err := k.Article("en", rev.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.BodyHTML, "<strong>Print</strong>") || a.Category != HowTo {
		t.Errorf("published = %+v", a)
	}
	if len(a.Related) == 0 || a.Related[0].Key != "usercode" {
		t.Errorf("related = %+v", a.Related)
	}
	for _, q := range []string{"zanzibar", "quokka"} {
		if keys := searchKeys(t, k, "en", q); len(keys) != 1 || keys[0] != a.Key {
			t.Errorf("search %q = %v", q, keys)
		}
	}
	ed, err := k.Edition(ctx, rev.ArticleID, "en")
	if err != nil || ed.State != StatePublished || ed.PublishedID != rev.ID {
		t.Fatalf("edition = %+v, %v", ed, err)
	}
}

// Every save is a revision; a save made from an old base is refused whole
// with the newest revision, and nothing of it is written.
func TestEditor_SaveKeepsRevisionsAndRefusesAStaleBase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, c := seeded(t, demoFS())
	first, err := k.Create(ctx, eda, newDraft())
	if err != nil {
		t.Fatal(err)
	}
	d := newDraft()
	d.Body, d.Note = "Eda's second text.", "shorter"
	c.Add(time.Minute)
	second, err := k.Save(ctx, eda, first.ArticleID, first.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	if second.BaseID != first.ID || second.Note != "shorter" {
		t.Errorf("second = %+v", second)
	}
	d.Body = "Ben's text, from the first revision."
	_, err = k.Save(ctx, ben, first.ArticleID, first.ID, d)
	conflict, ok := Conflict(err)
	if !ok {
		t.Fatalf("a stale save gave %v", err)
	}
	if conflict.Theirs.ID != second.ID || conflict.Theirs.Body != "Eda's second text." {
		t.Errorf("theirs = %+v", conflict.Theirs)
	}
	revs, err := k.Revisions(ctx, first.ArticleID, "en")
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != 2 || revs[0].ID != second.ID || revs[1].ID != first.ID {
		t.Errorf("revisions = %+v", revs)
	}
	// Merged on top of the newest: accepted.
	if _, err := k.Save(ctx, ben, first.ArticleID, second.ID, d); err != nil {
		t.Fatal(err)
	}
}

// A demo article was never saved in the editor: its text is the base 0.
// The demo is loaded through the import, and an import makes revisions
// (issue 13, item 10): each demo translation has exactly one, by the import,
// noted "imported", published; an editor's first save starts from it.
func TestEditor_DemoArticleEditsFromItsImportedRevision(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, _ := seeded(t, demoFS())
	id := articleID(t, k, "reset-password")
	ed, err := k.Edition(ctx, id, "en")
	if err != nil {
		t.Fatal(err)
	}
	if ed.Head.ID == 0 || ed.PublishedID != ed.Head.ID || ed.State != StatePublished || ed.Head.Title != "Reset your password" ||
		len(ed.Head.Related) == 0 || ed.Head.Author != ImportAuthor || ed.Head.Note != ImportNote {
		t.Fatalf("edition = %+v", ed)
	}
	for _, a := range k.ArticleKeys("en") {
		aid := articleID(t, k, a.Key)
		for _, lang := range []string{"en", "de", "es", "fr"} {
			revs, err := k.Revisions(ctx, aid, lang)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := k.Edition(ctx, aid, lang); err != nil {
				continue // no translation into lang
			}
			if len(revs) != 1 || revs[0].Author != ImportAuthor || revs[0].Note != ImportNote || revs[0].BaseID != 0 {
				t.Errorf("%s/%s revisions = %+v", lang, a.Key, revs)
			}
		}
	}
	d := ed.Head.Draft
	d.Title, d.Note = "Reset your password now", ""
	if _, err := k.Save(ctx, ben, id, 0, d); err == nil {
		t.Error("a save from before the imported revision was accepted")
	}
	rev, err := k.Save(ctx, eda, id, ed.Head.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := k.Article("en", "reset-password"); a.Title != "Reset your password" {
		t.Errorf("a saved draft reached visitors: %q", a.Title)
	}
	if err := k.Publish(ctx, id, "en", rev.ID); err != nil {
		t.Fatal(err)
	}
	if a, _ := k.Article("en", "reset-password"); a.Title != "Reset your password now" {
		t.Errorf("title = %q", a.Title)
	}
	if revs, _ := k.Revisions(ctx, id, "en"); len(revs) != 2 || revs[1].Note != ImportNote {
		t.Errorf("history = %+v", revs)
	}
}

func TestEditor_RefusesBadDrafts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, _ := seeded(t, demoFS())
	for want, change := range map[string]func(*Draft){
		MsgEditTitleRequired:   func(d *Draft) { d.Title = " " },
		MsgEditBodyRequired:    func(d *Draft) { d.Body = "\n" },
		MsgEditSlugInvalid:     func(d *Draft) { d.Slug = "Not A Slug" },
		MsgEditSlugTaken:       func(d *Draft) { d.Slug = "reset-password" },
		MsgEditCategoryInvalid: func(d *Draft) { d.Category = "attic" },
		MsgEditRelatedInvalid:  func(d *Draft) { d.Related = []string{"no-such-article"} },
		MsgEditTooLong:         func(d *Draft) { d.Body = strings.Repeat("x", MaxBody+1) },
		MsgEditLangInvalid:     func(d *Draft) { d.Lang = "english" },
	} {
		d := newDraft()
		change(&d)
		if _, err := k.Create(ctx, eda, d); errs.MessageIDOf(err) != want {
			t.Errorf("%s: got %v", want, err)
		}
	}
	if got := ProposeSlug("Réinitialiser  le Mot-de-passe !"); got != "reinitialiser-le-mot-de-passe" {
		t.Errorf("ProposeSlug = %q", got)
	}
	if got := ProposeSlug("パスワード"); got != "" {
		t.Errorf("ProposeSlug = %q", got)
	}
}

// A slug change keeps the old address (301 to the new one); archiving makes
// the address gone (410), or lead to a chosen replacement.
func TestEditor_SlugHistoryAndArchive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, _ := seeded(t, demoFS())
	rev, _ := k.Create(ctx, eda, newDraft())
	if err := k.Publish(ctx, rev.ArticleID, "en", rev.ID); err != nil {
		t.Fatal(err)
	}
	d := rev.Draft
	d.Slug = "print-receipts"
	rev2, err := k.Save(ctx, eda, rev.ArticleID, rev.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Publish(ctx, rev.ArticleID, "en", rev2.ID); err != nil {
		t.Fatal(err)
	}
	m, err := k.MovedAddress(ctx, "en", "print-a-ticket-receipt")
	if err != nil || m.Slug != "print-receipts" || m.Gone {
		t.Fatalf("moved = %+v, %v", m, err)
	}
	// Another article cannot take the old address.
	if err := k.CheckSlug(ctx, "en", "print-a-ticket-receipt", 0); errs.MessageIDOf(err) != MsgEditSlugTaken {
		t.Errorf("old slug free for others: %v", err)
	}
	if _, err := k.MovedAddress(ctx, "en", "never-was"); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("unknown address: %v", err)
	}

	if err := k.Unpublish(ctx, rev.ArticleID, "en", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Article("en", "print-receipts"); errs.CodeOf(err) != errs.NotFound {
		t.Error("an archived article is still served")
	}
	for _, slug := range []string{"print-receipts", "print-a-ticket-receipt"} {
		if m, err := k.MovedAddress(ctx, "en", slug); err != nil || !m.Gone {
			t.Errorf("%s: %+v, %v", slug, m, err)
		}
	}
	if err := k.Unpublish(ctx, rev.ArticleID, "en", "reset-password"); err != nil {
		t.Fatal(err)
	}
	if m, err := k.MovedAddress(ctx, "en", "print-receipts"); err != nil || m.Slug != "reset-password" {
		t.Errorf("replacement: %+v, %v", m, err)
	}
	if err := k.Unpublish(ctx, rev.ArticleID, "en", "no-such"); errs.MessageIDOf(err) != MsgEditReplacement {
		t.Errorf("bad replacement: %v", err)
	}
	// Publishing again makes the address its own.
	if err := k.Publish(ctx, rev.ArticleID, "en", rev2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Article("en", "print-receipts"); err != nil {
		t.Error(err)
	}
}

// A scheduled publication happens when the (injected) clock reaches it, and
// once, even with several instances on the same database claiming it.
func TestEditor_ScheduledPublishOnceWhenDue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, db, c := seeded(t, demoFS())
	rev, _ := k.Create(ctx, eda, newDraft())
	if err := k.Schedule(ctx, rev.ArticleID, "en", rev.ID, c.Now().Add(-time.Second)); errs.MessageIDOf(err) != MsgEditTimeInvalid {
		t.Errorf("a past time: %v", err)
	}
	if err := k.Schedule(ctx, rev.ArticleID, "en", rev.ID, c.Now().Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	ed, _ := k.Edition(ctx, rev.ArticleID, "en")
	if ed.State != StateScheduled || !ed.PublishAt.Equal(c.Now().Add(2*time.Second)) {
		t.Errorf("edition = %+v", ed)
	}
	if n, err := k.PublishDue(ctx); n != 0 || err != nil {
		t.Fatalf("published early: %d, %v", n, err)
	}
	// Instances on one database, one clock.
	others := make([]*KB, 3)
	for i := range others {
		o, err := New(ctx, db, testOptions(t, c))
		if err != nil {
			t.Fatal(err)
		}
		others[i] = o
	}
	c.Add(3 * time.Second)
	var wg sync.WaitGroup
	counts := make([]int, len(others)+1)
	for i, inst := range append(others, k) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := inst.PublishDue(ctx)
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		}()
	}
	wg.Wait()
	total := 0
	for _, n := range counts {
		total += n
	}
	if total != 1 {
		t.Errorf("published %d times (%v)", total, counts)
	}
	if _, err := k.Article("en", rev.Slug); err != nil {
		// The instance that published reloaded; this one reloads on its next change.
		if err := k.reload(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Article("en", rev.Slug); err != nil {
			t.Errorf("not published: %v", err)
		}
	}
	revs, _ := k.Revisions(ctx, rev.ArticleID, "en")
	if len(revs) != 1 {
		t.Errorf("revisions = %d", len(revs))
	}
}

// The article list shows each article's state per language, and filters,
// searches, sorts and pages.
func TestEditor_ArticleListStatesFiltersAndPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, _ := seeded(t, demoFS())
	rev, _ := k.Create(ctx, eda, newDraft())
	langs := []string{"en", "es"}
	p, err := k.ArticleList(ctx, langs, ListFilter{PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total < 2 || p.Items[0].ArticleID != rev.ArticleID {
		t.Fatalf("newest change first: %+v", p.Items[0])
	}
	if it := p.Items[0]; it.States["en"] != StateDraft || it.States["es"] != StateMissing || it.Author != "Eda Editor" {
		t.Errorf("item = %+v", it)
	}
	p, _ = k.ArticleList(ctx, langs, ListFilter{State: StateDraft, Lang: "en", PerPage: 100})
	if p.Total == 0 || p.Items[0].Key != rev.Slug {
		t.Errorf("drafts in en = %+v", p.Items)
	}
	for _, it := range p.Items {
		if it.States["en"] != StateDraft {
			t.Errorf("state filter let %s through", it.Key)
		}
	}
	p, _ = k.ArticleList(ctx, langs, ListFilter{Query: "TICKET receipt", PerPage: 100})
	if p.Total != 1 {
		t.Errorf("search = %d", p.Total)
	}
	p, _ = k.ArticleList(ctx, langs, ListFilter{Category: FAQ, PerPage: 100})
	for _, it := range p.Items {
		if it.Category != FAQ {
			t.Errorf("category filter let %s through", it.Key)
		}
	}
	all, _ := k.ArticleList(ctx, langs, ListFilter{PerPage: 100, Sort: "title"})
	p, _ = k.ArticleList(ctx, langs, ListFilter{PerPage: 2, Page: 2, Sort: "title"})
	if p.Page != 2 || len(p.Items) != 2 || p.Items[0].Key != all.Items[2].Key || p.Pages != (all.Total+1)/2 {
		t.Errorf("page 2 = %+v", p)
	}
}

// The preview is the page a visitor will see: rendered and sanitized the same.
func TestEditor_PreviewRendersAndSanitizes(t *testing.T) {
	t.Parallel()
	k, _, _ := seeded(t, demoFS())
	d := newDraft()
	d.Body = "Hello <script>alert(1)</script> [x](javascript:alert(1)) <b onclick=\"x()\">b</b> **bold** [pw](article:reset-password)"
	a := k.Preview(0, "", d)
	for _, bad := range []string{"<script", "javascript:", "onclick"} {
		if strings.Contains(a.BodyHTML, bad) {
			t.Errorf("preview holds %q: %s", bad, a.BodyHTML)
		}
	}
	if !strings.Contains(a.BodyHTML, "<strong>bold</strong>") || !strings.Contains(a.BodyHTML, `href="/en/a/reset-password"`) {
		t.Errorf("preview = %s", a.BodyHTML)
	}
}

// Autosave keeps one working copy per editor, dropped by the next save.
func TestEditor_WorkingCopyUntilSave(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, db, _ := seeded(t, demoFS())
	// A real account for the working copy's owner.
	var accountID int64
	if err := db.Write.QueryRowContext(ctx, `INSERT INTO accounts (lookup, role, state, lang, email_lookup, email_sealed,
		name_sealed, created_at, updated_at) VALUES ($1, 'editor', 'active', 'en', $1, $1, $1, 1, 1) RETURNING id`, []byte{1}).Scan(&accountID); err != nil {
		t.Fatal(err)
	}
	me := Author{ID: accountID, Name: "Eda"}
	rev, err := k.Create(ctx, me, newDraft())
	if err != nil {
		t.Fatal(err)
	}
	d := rev.Draft
	d.Body = "half a sen"
	if err := k.KeepWorking(ctx, me, rev.ArticleID, rev.ID, d); err != nil {
		t.Fatal(err)
	}
	w, err := k.WorkingCopy(ctx, me.ID, rev.ArticleID, "en")
	if err != nil || w == nil || w.Draft.Body != "half a sen" || w.BaseID != rev.ID {
		t.Fatalf("working = %+v, %v", w, err)
	}
	d.Body = "half a sentence."
	if _, err := k.Save(ctx, me, rev.ArticleID, rev.ID, d); err != nil {
		t.Fatal(err)
	}
	if w, _ := k.WorkingCopy(ctx, me.ID, rev.ArticleID, "en"); w != nil {
		t.Error("the working copy outlived the save")
	}
}

// An autosave that reaches the server after a Save of the same text (sent
// just before it, answered after it) leaves no working copy of the older
// base: nothing is unsaved, so "working copy found" does not come back,
// even after someone else saved on top; a copy kept that way before
// (stored directly) is ignored; a copy with a word of its own is kept and
// offered whatever its base.
func TestEditor_LateAutosaveAfterSaveLeavesNoWorkingCopy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, db, _ := seeded(t, demoFS())
	var ids [2]int64
	for i := range ids {
		if err := db.Write.QueryRowContext(ctx, `INSERT INTO accounts (lookup, role, state, lang, email_lookup, email_sealed,
		name_sealed, created_at, updated_at) VALUES ($1, 'editor', 'active', 'en', $1, $1, $1, 1, 1) RETURNING id`, []byte{byte(i + 1)}).Scan(&ids[i]); err != nil {
			t.Fatal(err)
		}
	}
	me, other := Author{ID: ids[0], Name: "Eda"}, Author{ID: ids[1], Name: "Otto"}
	r1, err := k.Create(ctx, me, newDraft())
	if err != nil {
		t.Fatal(err)
	}
	// The page opened at r1 saves r2; its last autosave (the same text, as
	// the browser sends it: CRLF, spaces around the title) comes after.
	d := r1.Draft
	d.Body = "Line one.\n\nLine two."
	r2, err := k.Save(ctx, me, r1.ArticleID, r1.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	late := d
	late.Body, late.Title = "Line one.\r\n\r\nLine two.", "  "+d.Title+" "
	if err := k.KeepWorking(ctx, me, r1.ArticleID, r1.ID, late); err != nil {
		t.Fatal(err)
	}
	if w, err := k.WorkingCopy(ctx, me.ID, r1.ArticleID, "en"); err != nil || w != nil {
		t.Fatalf("a late autosave of the saved text left a working copy: %+v, %v", w, err)
	}
	// Someone else saves on top: the head is theirs, the copy would still
	// hold nothing unsaved.
	d3 := r2.Draft
	d3.Body = "Otto's text."
	if _, err := k.Save(ctx, other, r1.ArticleID, r2.ID, d3); err != nil {
		t.Fatal(err)
	}
	if err := k.KeepWorking(ctx, me, r1.ArticleID, r1.ID, late); err != nil {
		t.Fatal(err)
	}
	if w, _ := k.WorkingCopy(ctx, me.ID, r1.ArticleID, "en"); w != nil {
		t.Fatalf("working copy of text saved in r2 offered: %+v", w)
	}
	// A stale copy stored before this rule (directly) is ignored too.
	if _, err := db.Write.ExecContext(ctx, sqlEdSaveWorking, r1.ArticleID, "en", me.ID, r1.ID, d.Title, d.Slug, d.Description,
		d.Body, d.Keywords, 1); err != nil {
		t.Fatal(err)
	}
	if w, _ := k.WorkingCopy(ctx, me.ID, r1.ArticleID, "en"); w != nil {
		t.Fatalf("a stale stored copy offered: %+v", w)
	}
	// A word of its own: kept and offered, with its base, whatever the head.
	own := late
	own.Body += " And a third."
	if err := k.KeepWorking(ctx, me, r1.ArticleID, r1.ID, own); err != nil {
		t.Fatal(err)
	}
	w, err := k.WorkingCopy(ctx, me.ID, r1.ArticleID, "en")
	if err != nil || w == nil || w.Draft.Body != own.Body || w.BaseID != r1.ID {
		t.Fatalf("working = %+v, %v", w, err)
	}
}

func TestDiff_WordLevelAndLossless(t *testing.T) {
	t.Parallel()
	join := func(ps []DiffPart, side string) string {
		var b strings.Builder
		for _, p := range ps {
			if (side == "old" && !p.Added) || (side == "new" && !p.Removed) {
				b.WriteString(p.Text)
			}
		}
		return b.String()
	}
	for _, c := range [][2]string{
		{"Open the ticket and choose Print.", "Open the old ticket and pick Print now."},
		{"", "all new"},
		{"パスワードを忘れた", "パスワードを再設定"},
		{"same", "same"},
	} {
		ps := Diff(c[0], c[1])
		if join(ps, "old") != c[0] || join(ps, "new") != c[1] {
			t.Errorf("%q → %q: %+v", c[0], c[1], ps)
		}
	}
	ps := Diff("Open the ticket and choose Print.", "Open the old ticket and pick Print.")
	var added, removed []string
	for _, p := range ps {
		if p.Added {
			added = append(added, strings.TrimSpace(p.Text))
		}
		if p.Removed {
			removed = append(removed, strings.TrimSpace(p.Text))
		}
	}
	if strings.Join(added, ",") != "old,pick" || strings.Join(removed, ",") != "choose" {
		t.Errorf("added %v, removed %v", added, removed)
	}
}

// Another instance on the same database sees a publication at its next
// Refresh (the scheduler's tick), without a restart.
func TestEditor_OtherInstanceRefreshesAfterAPublication(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, db, c := seeded(t, demoFS())
	other, err := New(ctx, db, testOptions(t, c))
	if err != nil {
		t.Fatal(err)
	}
	rev, _ := k.Create(ctx, eda, newDraft())
	if err := k.Publish(ctx, rev.ArticleID, "en", rev.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Article("en", rev.Slug); err == nil {
		t.Fatal("seen before any refresh: the test proves nothing")
	}
	v := other.Version()
	if err := other.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Article("en", rev.Slug); err != nil {
		t.Errorf("not seen after Refresh: %v", err)
	}
	if other.Version() == v {
		t.Error("the version did not change")
	}
	v = other.Version()
	if err := other.Refresh(ctx); err != nil || other.Version() != v {
		t.Errorf("a refresh without a change reloaded: %v", err)
	}
	if err := k.Unpublish(ctx, rev.ArticleID, "en", ""); err != nil {
		t.Fatal(err)
	}
	_ = other.Refresh(ctx)
	if _, err := other.Article("en", rev.Slug); err == nil {
		t.Error("an archived article is still served by the other instance")
	}
}

// Publishing and scheduling refuse a revision with an image that has no
// alternative text (the revision stays, every word of it); once the editor
// saves it with alt text, it publishes and visitors read the image.
func TestEditor_PublishRefusesAnImageWithoutAltText(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, _ := seeded(t, demoFS())
	d := newDraft()
	d.Body = "Before.\n\n![](/files/abc.png)\n\nAfter, every word kept."
	rev, err := k.Create(ctx, eda, d)
	if err != nil {
		t.Fatal(err)
	}
	err = k.Publish(ctx, rev.ArticleID, "en", rev.ID)
	if errs.CodeOf(err) != errs.Invalid || errs.MessageIDOf(err) != MsgImagesWithoutAlt {
		t.Fatalf("publish without alt text = %v", err)
	}
	if err := k.Schedule(ctx, rev.ArticleID, "en", rev.ID, time.Now().Add(time.Hour)); errs.MessageIDOf(err) != MsgImagesWithoutAlt {
		t.Fatalf("schedule without alt text = %v", err)
	}
	if _, err := k.Article("en", rev.Slug); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("the refused revision is readable: %v", err)
	}
	kept, err := k.Revision(ctx, rev.ArticleID, rev.ID)
	if err != nil || kept.Body != d.Body {
		t.Fatalf("the refused revision was not kept whole: %v %+v", err, kept)
	}
	d.Body = "Before.\n\n![The receipt printer's menu](/files/abc.png)\n\nAfter, every word kept."
	rev2, err := k.Save(ctx, eda, rev.ArticleID, rev.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Publish(ctx, rev.ArticleID, "en", rev2.ID); err != nil {
		t.Fatal(err)
	}
	a, err := k.Article("en", rev.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.BodyHTML, `<img src="/files/abc.png" alt="The receipt printer`) {
		t.Errorf("published image lost its alt text: %s", a.BodyHTML)
	}
}
