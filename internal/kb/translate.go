package kb

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"zerodesk/internal/errs"
)

// Translations side by side (issue 13, item 6).
//
// Each translation follows one revision of its article's source
// (article_editions.follows_id): the translation editor records it when it
// creates the translation, when the translator says "I have updated it" and
// when they say "still current"; other saves keep it. A translation is
// outdated when the source revision it should follow now (its target) is
// newer than the one it follows. The target is the source revision visitors
// read (or the newest, for a source never published); for a language the
// article holds, it is the source's newest revision when one waits for
// publishing, so the translator catches up before the source goes out.
//
// A hold (article_holds) names languages whose translations must follow a new
// source revision before it is published: Publish refuses it (MsgTrHeld,
// with the languages) until they do or the hold is released, and publishing
// it then publishes those translations' newest revisions with it, at once.
//
// A translation never touched by the translation editor (the demo's, or an
// import's) has no recorded follows: it follows the source revision that was
// newest when its source_updated_at was set, and the demo's text (0) before
// any. The catalog's visitor notice (Article.Outdated) compares
// source_updated_at with the source's updated_at; publishing a translation
// that follows the source's published revision brings it level.

// Message IDs of the translation editor's refusals.
const (
	MsgTrSourceLang  = "kb.translate.source_lang"
	MsgTrHeld        = "kb.translate.held"
	MsgTrHoldMissing = "kb.translate.hold_missing"
)

// TranslationStatus is where one article's translation into one language
// stands against its source.
type TranslationStatus struct {
	ArticleID    int64
	Key          string
	Lang         string
	SourceLang   string
	Title        string // the translation's, else the source's
	State        State  // missing, draft, scheduled, published (current), outdated, archived
	Views        int64
	Requests     int64 // visitors' asks for this translation
	Target       int64 // the source revision to follow now (0: the demo's text)
	Pending      bool  // Target waits for publishing: this language holds it
	Follows      int64 // the source revision it follows
	FollowsKnown bool  // false: estimated from when it was last made current
	Outdated     bool
	Held         bool // the article holds its source's publishing for this language
}

// TranslationWork is what the translation editor shows.
type TranslationWork struct {
	TranslationStatus
	Source      Revision  // the source text to follow (Target)
	Since       *Revision // the source text it follows, when outdated and kept
	Translation *Edition  // nil when missing
}

type revAt struct{ id, at int64 }

type trRow struct {
	title         string
	published     bool
	sourceUpdated int64
}

type trEdition struct {
	head, published int64
	state           State
	follows         sql.NullInt64
	title           string
}

type trArticle struct {
	id       int64
	key      string
	source   string
	views    int64
	rows     map[string]trRow
	eds      map[string]trEdition
	srcRevs  []revAt
	holds    map[string]bool
	requests map[string]int64
}

// trFacts reads what the translations of one article (articleID) or of all
// (0) stand on.
func trFacts(ctx context.Context, q querier, articleID int64) (map[int64]*trArticle, error) {
	out := map[int64]*trArticle{}
	each := func(query string, scan func(func(...any) error) error) error {
		rows, err := q.QueryContext(ctx, query, articleID)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows.Scan); err != nil {
				rows.Close()
				return err
			}
		}
		return closeRows(rows)
	}
	err := each(sqlTrArticles, func(scan func(...any) error) error {
		a := &trArticle{rows: map[string]trRow{}, eds: map[string]trEdition{}, holds: map[string]bool{}, requests: map[string]int64{}}
		if err := scan(&a.id, &a.key, &a.source, &a.views); err != nil {
			return err
		}
		out[a.id] = a
		return nil
	})
	// keep reads rows that each belong to an article (its id, then the
	// fields of one kind of fact) and gives each to its article.
	keep := func(query string, read func(scan func(...any) error) (int64, func(*trArticle), error)) {
		if err != nil {
			return
		}
		err = each(query, func(scan func(...any) error) error {
			id, give, err := read(scan)
			if a := out[id]; err == nil && a != nil {
				give(a)
			}
			return err
		})
	}
	keep(sqlTrRows, func(scan func(...any) error) (int64, func(*trArticle), error) {
		var id int64
		var lang string
		var r trRow
		err := scan(&id, &lang, &r.title, &r.published, &r.sourceUpdated)
		return id, func(a *trArticle) { a.rows[lang] = r }, err
	})
	keep(sqlTrEditions, func(scan func(...any) error) (int64, func(*trArticle), error) {
		var id int64
		var lang, state string
		var e trEdition
		err := scan(&id, &lang, &e.head, &e.published, &state, &e.follows, &e.title)
		e.state = State(state)
		return id, func(a *trArticle) { a.eds[lang] = e }, err
	})
	keep(sqlTrSourceRevisions, func(scan func(...any) error) (int64, func(*trArticle), error) {
		var id int64
		var r revAt
		err := scan(&id, &r.id, &r.at)
		return id, func(a *trArticle) { a.srcRevs = append(a.srcRevs, r) }, err
	})
	keep(sqlTrHolds, func(scan func(...any) error) (int64, func(*trArticle), error) {
		var id int64
		var lang string
		err := scan(&id, &lang)
		return id, func(a *trArticle) { a.holds[lang] = true }, err
	})
	keep(sqlTrRequests, func(scan func(...any) error) (int64, func(*trArticle), error) {
		var id, n int64
		var lang string
		err := scan(&id, &lang, &n)
		return id, func(a *trArticle) { a.requests[lang] = n }, err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// sourceLive: visitors read the source.
func (a *trArticle) sourceLive() bool { return a.rows[a.source].published }

// current is the source revision visitors read (0: the demo's text), or the
// newest for a source not published.
func (a *trArticle) current() int64 {
	se, ok := a.eds[a.source]
	switch {
	case a.sourceLive() && ok:
		return se.published
	case a.sourceLive():
		return 0
	case ok:
		return se.head
	}
	return 0
}

// target is the source revision the translation into lang should follow now.
func (a *trArticle) target(lang string) (id int64, pending bool) {
	cur := a.current()
	if se, ok := a.eds[a.source]; ok && a.holds[lang] && a.sourceLive() && se.head > cur {
		return se.head, true
	}
	return cur, false
}

// follows is the source revision the translation into lang follows: the
// recorded one, else the source revision newest when it was last made
// current (0 before any).
func (a *trArticle) follows(lang string) (int64, bool) {
	if e, ok := a.eds[lang]; ok && e.follows.Valid {
		return e.follows.Int64, true
	}
	r, ok := a.rows[lang]
	if !ok {
		return 0, false
	}
	var id int64
	for _, s := range a.srcRevs {
		if s.at <= r.sourceUpdated {
			id = s.id
		}
	}
	return id, false
}

// outdated: the translation into lang follows an older source revision than
// the one it should follow now. The one rule of the translation queue and of
// the editors' article list.
func (a *trArticle) outdated(lang string) bool {
	if lang == a.source || !a.exists(lang) {
		return false
	}
	target, _ := a.target(lang)
	follows, _ := a.follows(lang)
	return follows < target
}

func (a *trArticle) exists(lang string) bool {
	_, row := a.rows[lang]
	_, ed := a.eds[lang]
	return row || ed
}

func (a *trArticle) status(lang string) TranslationStatus {
	s := TranslationStatus{ArticleID: a.id, Key: a.key, Lang: lang, SourceLang: a.source, Views: a.views,
		Requests: a.requests[lang], Held: a.holds[lang], State: StateMissing}
	s.Title = cmp.Or(a.eds[lang].title, a.rows[lang].title, a.eds[a.source].title, a.rows[a.source].title, a.key)
	s.Target, s.Pending = a.target(lang)
	if !a.exists(lang) {
		return s
	}
	s.Follows, s.FollowsKnown = a.follows(lang)
	e, hasEd := a.eds[lang]
	switch {
	case hasEd && e.state == StateArchived:
		s.State = StateArchived
	case a.outdated(lang):
		s.State, s.Outdated = StateOutdated, true
	case a.rows[lang].published:
		s.State = StatePublished
	case hasEd:
		s.State = e.state
	default:
		s.State = StateDraft
	}
	return s
}

// TranslationQueue lists what waits for a translator into lang: every
// article whose source visitors read and whose translation into lang is
// missing, started but never published, or outdated; most asked for first
// (visitors' asks for a translation), then most viewed, then by title.
func (k *KB) TranslationQueue(ctx context.Context, lang string) ([]TranslationStatus, error) {
	facts, err := trFacts(ctx, k.db.Read, 0)
	if err != nil {
		return nil, errs.Wrap(err, "kb: translation queue")
	}
	var out []TranslationStatus
	for _, a := range facts {
		if a.source == lang || !a.sourceLive() {
			continue
		}
		if s := a.status(lang); s.State == StateMissing || s.State == StateDraft || s.State == StateOutdated {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b TranslationStatus) int {
		return cmp.Or(cmp.Compare(b.Requests, a.Requests), cmp.Compare(b.Views, a.Views),
			cmp.Compare(foldText(a.Title), foldText(b.Title)), cmp.Compare(a.ArticleID, b.ArticleID))
	})
	return out, nil
}

// Translation returns the article's translation into lang (missing or not)
// beside the source text it should follow, and when outdated the source
// text it follows.
func (k *KB) Translation(ctx context.Context, articleID int64, lang string) (*TranslationWork, error) {
	w, err := k.translation(ctx, k.db.Read, articleID, lang)
	return w, errs.Pass(err, "kb: load translation")
}

func (k *KB) translation(ctx context.Context, q querier, articleID int64, lang string) (*TranslationWork, error) {
	facts, err := trFacts(ctx, q, articleID)
	if err != nil {
		return nil, err
	}
	a := facts[articleID]
	if a == nil || !langRule.MatchString(lang) {
		return nil, errs.E(errs.NotFound, MsgEditNotFound)
	}
	if lang == a.source {
		return nil, errs.E(errs.Invalid, MsgTrSourceLang)
	}
	w := &TranslationWork{TranslationStatus: a.status(lang)}
	src, err := k.sourceText(ctx, q, a, w.Target)
	if err != nil {
		return nil, err
	}
	w.Source = *src
	if w.Outdated && (w.Follows > 0 || a.current() == 0) {
		if since, err := k.sourceText(ctx, q, a, w.Follows); err == nil {
			w.Since = since
		} else if errs.CodeOf(err) != errs.NotFound {
			return nil, err
		}
	}
	if a.exists(lang) {
		if w.Translation, err = k.edition(ctx, q, articleID, lang); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// sourceText is the source's revision id, or its demo text (0) while the
// translations table still holds it.
func (k *KB) sourceText(ctx context.Context, q querier, a *trArticle, id int64) (*Revision, error) {
	if id > 0 {
		r, err := loadRevision(ctx, q, id)
		if err == nil && (r.ArticleID != a.id || r.Lang != a.source) {
			return nil, errs.E(errs.NotFound, MsgEditNotFound)
		}
		return r, err
	}
	ed, err := k.edition(ctx, q, a.id, a.source)
	if err != nil {
		return nil, err
	}
	if ed.Head.ID == 0 {
		return &ed.Head, nil
	}
	var t struct {
		id                               int64
		slug, title, desc, body, keyword string
		published                        sql.NullInt64
	}
	err = q.QueryRowContext(ctx, sqlEdTranslation, a.id, a.source).Scan(&t.id, &t.slug, &t.title, &t.desc, &t.body, &t.keyword, &t.published)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && ed.PublishedID > 0) {
		return nil, errs.E(errs.NotFound, MsgEditNotFound) // the demo's text is not kept
	}
	if err != nil {
		return nil, err
	}
	return &Revision{ArticleID: a.id, Draft: Draft{Lang: a.source, Title: t.title, Slug: t.slug, Description: t.desc,
		Body: t.body, Keywords: t.keyword, Category: ed.Head.Category, Position: ed.Head.Position, Related: ed.Head.Related}}, nil
}

// SaveTranslation saves d as the next revision of the article's translation
// into d.Lang, made from revision baseID, or as its first when the
// translation is missing (a draft; the slug, when empty, is proposed from
// the title, else the article's key). source is the source revision the
// translator was shown: a new translation follows it, and so does one saved
// with updated ("I have updated it"); otherwise it keeps what it followed.
// The article's place (category, position, related) is the article's: a
// translation does not move it. A save over a newer revision is refused
// with *ErrConflict, as Save.
func (k *KB) SaveTranslation(ctx context.Context, by Author, articleID, baseID int64, d Draft, source int64, updated bool) (*Revision, error) {
	var rev *Revision
	err := k.db.Tx(ctx, func(tx *sql.Tx) error {
		a, err := k.trArticle(ctx, tx, articleID, d.Lang, source)
		if err != nil {
			return err
		}
		if err := placeOf(ctx, tx, articleID, &d); err != nil {
			return err
		}
		if strings.TrimSpace(d.Slug) == "" && ProposeSlug(d.Title) == "" {
			d.Slug = a.key
		}
		if err := d.clean(); err != nil {
			return err
		}
		state, follow := StateDraft, true
		if a.exists(d.Lang) {
			ed, err := k.edition(ctx, tx, articleID, d.Lang)
			if err != nil {
				return err
			}
			if ed.Head.ID != baseID {
				return &ErrConflict{Theirs: ed.Head}
			}
			state, follow = ed.State, updated
		} else {
			baseID = 0
		}
		if err := k.slugFree(ctx, tx, d.Lang, d.Slug, articleID); err != nil {
			return err
		}
		if rev, err = k.insertRevision(ctx, tx, by, articleID, baseID, d, state); err != nil {
			return err
		}
		if follow {
			_, err = tx.ExecContext(ctx, sqlTrSetFollows, articleID, d.Lang, source)
		}
		return err
	})
	if _, ok := Conflict(err); ok {
		return nil, err
	}
	if err != nil {
		return nil, errs.Pass(err, "kb: save translation")
	}
	return rev, nil
}

// StillCurrent says the translation into lang needs no change for the source
// revision source: its text is saved again as a new revision with note (what
// the history shows), following source. When visitors read that text, the
// new revision is published at once, so their notice goes too.
func (k *KB) StillCurrent(ctx context.Context, by Author, articleID int64, lang string, baseID, source int64, note string) (*Revision, error) {
	var rev *Revision
	var span genSpan
	live := false
	err := k.db.Tx(ctx, func(tx *sql.Tx) (err error) {
		span, err = spanOf(ctx, tx, func() error {
			a, err := k.trArticle(ctx, tx, articleID, lang, source)
			if err != nil {
				return err
			}
			ed, err := k.edition(ctx, tx, articleID, lang)
			if err != nil {
				return err
			}
			if ed.Head.ID != baseID {
				return &ErrConflict{Theirs: ed.Head}
			}
			d := ed.Head.Draft
			d.Lang, d.Note = lang, note
			if err := placeOf(ctx, tx, articleID, &d); err != nil {
				return err
			}
			if err := d.clean(); err != nil {
				return err
			}
			live = a.rows[lang].published && ed.PublishedID == ed.Head.ID && ed.State != StateArchived
			if rev, err = k.insertRevision(ctx, tx, by, articleID, ed.Head.ID, d, ed.State); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, sqlTrSetFollows, articleID, lang, source); err != nil {
				return err
			}
			if live {
				return k.publishTx(ctx, tx, articleID, lang, rev.ID)
			}
			return nil
		})
		if err != nil {
			return err
		}
		return logChanges(ctx, tx, span, false, articleID)
	})
	if _, ok := Conflict(err); ok {
		return nil, err
	}
	if err != nil {
		return nil, errs.Pass(err, "kb: still current")
	}
	if live {
		// Published again: its page and outdated notice are patched as a
		// publication's are.
		return rev, k.reloadArticles(ctx, span, articleID)
	}
	return rev, nil
}

// trArticle reads the article's facts for a change of its translation into
// lang that follows source (a revision of its source, or 0 for the demo's
// text).
func (k *KB) trArticle(ctx context.Context, q querier, articleID int64, lang string, source int64) (*trArticle, error) {
	facts, err := trFacts(ctx, q, articleID)
	if err != nil {
		return nil, err
	}
	a := facts[articleID]
	if a == nil {
		return nil, errs.E(errs.NotFound, MsgEditNotFound)
	}
	if !langRule.MatchString(lang) {
		return nil, errs.E(errs.Invalid, MsgEditLangInvalid)
	}
	if lang == a.source {
		return nil, errs.E(errs.Invalid, MsgTrSourceLang)
	}
	if source != 0 && !slices.ContainsFunc(a.srcRevs, func(r revAt) bool { return r.id == source }) {
		return nil, errs.E(errs.NotFound, MsgEditNotFound)
	}
	return a, nil
}

// placeOf sets d's category, position and related articles to the article's.
func placeOf(ctx context.Context, q querier, articleID int64, d *Draft) error {
	var id, views, yes, no int64
	var key, cat, source string
	if err := q.QueryRowContext(ctx, sqlEdArticle, articleID).Scan(&id, &key, &cat, &d.Position, &source, &views, &yes, &no); err != nil {
		return err
	}
	d.Category = Category(cat)
	related, err := relatedKeys(ctx, q, articleID)
	d.Related = related
	return err
}

// Holds lists the languages whose translations the article's source waits for.
func (k *KB) Holds(ctx context.Context, articleID int64) ([]string, error) {
	facts, err := trFacts(ctx, k.db.Read, articleID)
	if err != nil {
		return nil, errs.Wrap(err, "kb: holds")
	}
	a := facts[articleID]
	if a == nil {
		return nil, errs.E(errs.NotFound, MsgEditNotFound)
	}
	out := make([]string, 0, len(a.holds))
	for l := range a.holds {
		out = append(out, l)
	}
	slices.Sort(out)
	return out, nil
}

// SetHolds makes langs the languages whose translations a new revision of
// the article's source waits for before it is published (none: released).
// Each must be another language than the source's, with a translation.
func (k *KB) SetHolds(ctx context.Context, articleID int64, langs []string) error {
	err := k.db.Tx(ctx, func(tx *sql.Tx) error {
		facts, err := trFacts(ctx, tx, articleID)
		if err != nil {
			return err
		}
		a := facts[articleID]
		if a == nil {
			return errs.E(errs.NotFound, MsgEditNotFound)
		}
		if _, err := tx.ExecContext(ctx, sqlTrClearHolds, articleID); err != nil {
			return err
		}
		for _, l := range langs {
			switch {
			case !langRule.MatchString(l):
				return errs.E(errs.Invalid, MsgEditLangInvalid)
			case l == a.source:
				return errs.E(errs.Invalid, MsgTrSourceLang)
			case !a.exists(l):
				return errs.E(errs.Invalid, MsgTrHoldMissing)
			}
			if _, err := tx.ExecContext(ctx, sqlTrAddHold, articleID, l); err != nil {
				return err
			}
		}
		return nil
	})
	return errs.Pass(err, "kb: set holds")
}

// HeldLangs are the languages a publication refused by a hold waits for.
func HeldLangs(err error) []string {
	var e *errs.Error
	if errors.As(err, &e) && e.MessageID == MsgTrHeld {
		langs, _ := e.Data["Langs"].([]string)
		return langs
	}
	return nil
}

// checkHold refuses publishing rev of the article's source while a held
// language's translation does not follow it.
func checkHold(ctx context.Context, tx *sql.Tx, ed *Edition, rev *Revision) error {
	if rev.Lang != ed.SourceLang || rev.ID == ed.PublishedID {
		return nil
	}
	facts, err := trFacts(ctx, tx, ed.ArticleID)
	if err != nil {
		return err
	}
	a := facts[ed.ArticleID]
	if a == nil {
		return nil
	}
	if err := followSameText(ctx, tx, a, rev); err != nil {
		return err
	}
	var waiting []string
	for l := range a.holds {
		if f, _ := a.follows(l); f < rev.ID {
			waiting = append(waiting, l)
		}
	}
	if len(waiting) == 0 {
		return nil
	}
	slices.Sort(waiting)
	return &errs.Error{Code: errs.Conflict, MessageID: MsgTrHeld, Data: map[string]any{"Langs": waiting}}
}

// followSameText moves the translations that follow an earlier source
// revision with the same text as rev (saved again unchanged, as Publish on
// the writing page does) to follow rev: nothing changed for them.
func followSameText(ctx context.Context, tx *sql.Tx, a *trArticle, rev *Revision) error {
	for l, e := range a.eds {
		if l == a.source || !e.follows.Valid || e.follows.Int64 <= 0 || e.follows.Int64 >= rev.ID {
			continue
		}
		old, err := loadRevision(ctx, tx, e.follows.Int64)
		if errs.CodeOf(err) == errs.NotFound {
			continue
		}
		if err != nil {
			return err
		}
		if old.Title != rev.Title || old.Body != rev.Body || old.Description != rev.Description {
			continue
		}
		if _, err := tx.ExecContext(ctx, sqlTrSetFollows, a.id, l, rev.ID); err != nil {
			return err
		}
		e.follows.Int64 = rev.ID
		a.eds[l] = e
	}
	return nil
}

// afterPublish keeps the translations level with a publication: publishing
// the source publishes the newest revisions of the held translations made
// for it, and marks current for visitors every translation published
// following it; publishing a translation that follows the source's
// published revision marks it current for visitors.
func (k *KB) afterPublish(ctx context.Context, tx *sql.Tx, ed *Edition, rev *Revision) error {
	facts, err := trFacts(ctx, tx, ed.ArticleID)
	if err != nil {
		return err
	}
	a := facts[ed.ArticleID]
	if a == nil {
		return nil
	}
	if rev.Lang != ed.SourceLang {
		if f, known := a.follows(rev.Lang); known && f >= a.current() {
			_, err = tx.ExecContext(ctx, sqlTrCatchUp, ed.ArticleID, rev.Lang)
		}
		return err
	}
	langs := make([]string, 0, len(a.eds))
	for l := range a.eds {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	for _, l := range langs {
		e := a.eds[l]
		if l == a.source || !e.follows.Valid || e.follows.Int64 < rev.ID || e.state == StateArchived {
			continue
		}
		if a.holds[l] && e.head != e.published && e.head > 0 {
			if err := k.publishRow(ctx, tx, ed.ArticleID, l, e.head); err != nil {
				return err
			}
			continue
		}
		if a.rows[l].published && e.head == e.published {
			if _, err := tx.ExecContext(ctx, sqlTrCatchUp, ed.ArticleID, l); err != nil {
				return err
			}
		}
	}
	return nil
}

// AskTranslation counts a visitor's ask for the article's translation into
// lang (the support form's "ask for a translation"). Nothing of who asked is
// kept.
func (k *KB) AskTranslation(ctx context.Context, articleID int64, lang string) error {
	if !langRule.MatchString(lang) {
		return errs.E(errs.Invalid, MsgEditLangInvalid)
	}
	err := k.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, sqlTrAskTranslate, articleID, lang)
		return err
	})
	return errs.Pass(err, "kb: ask for a translation")
}
