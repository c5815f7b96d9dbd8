package kb

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"zerodesk/internal/errs"
)

// The editors' writing (issue 13). Every save is a permanent revision of one
// translation (article_revisions), with its author, time and an optional
// note; a translation's edition says which revision is the newest (head),
// which visitors read (published) and which waits for its time (scheduled).
// What visitors read stays the translations table: publishing copies a
// revision into it, re-indexes search and reloads the catalog, so every page
// made from the catalog changes at once (its version changes).
//
// A save names the revision it was made from (its base): when another save
// came in between, it is refused with ErrConflict and nothing is written; the
// editor merges and saves again. Autosave keeps an editor's working copy
// (article_working) between saves; it is never a revision.

// Message IDs of the editor's refusals.
const (
	MsgEditTitleRequired   = "kb.edit.title_required"
	MsgEditBodyRequired    = "kb.edit.body_required"
	MsgEditTooLong         = "kb.edit.too_long"
	MsgEditSlugInvalid     = "kb.edit.slug_invalid"
	MsgEditSlugTaken       = "kb.edit.slug_taken"
	MsgEditCategoryInvalid = "kb.edit.category_invalid"
	MsgEditLangInvalid     = "kb.edit.lang_invalid"
	MsgEditRelatedInvalid  = "kb.edit.related_invalid"
	MsgEditConflict        = "kb.edit.conflict"
	MsgEditNotFound        = "kb.edit.not_found"
	MsgEditTimeInvalid     = "kb.edit.time_invalid"
	MsgEditReplacement     = "kb.edit.replacement_invalid"
)

// Limits of what an editor writes. A body stays under the server's 64 KiB
// form limit with the rest of the form.
const (
	MaxTitle       = 200
	MaxDescription = 500
	MaxKeywords    = 500
	MaxNote        = 500
	MaxBody        = 60000
	MaxSlug        = 80
	maxRelatedKeys = 8
)

// State is where one translation of an article stands.
type State string

// The states of a translation. Missing and Outdated are only what the article
// list shows: no translation yet; published, but the source changed since.
const (
	StateDraft     State = "draft"
	StateScheduled State = "scheduled"
	StatePublished State = "published"
	StateArchived  State = "archived"
	StateMissing   State = "missing"
	StateOutdated  State = "outdated"
)

// ListStates are the states the article list filters by, in its order.
var ListStates = []State{StateDraft, StateScheduled, StatePublished, StateOutdated, StateMissing, StateArchived}

// Author is who saves: the staff account and its name at the time.
type Author struct {
	ID   int64
	Name string
}

// Draft is what an editor writes of one translation, and what a revision keeps.
type Draft struct {
	Lang        string
	Title       string
	Slug        string
	Description string
	Body        string // Markdown
	Keywords    string // words search finds the article by, beside its text
	Category    Category
	Position    int
	Related     []string // article keys, in order
	Note        string   // the save's note, optional
}

// Revision is one save, kept forever.
type Revision struct {
	Draft
	ID        int64 // 0: the text the demo files loaded, never saved in the editor
	ArticleID int64
	BaseID    int64
	AuthorID  int64
	Author    string
	At        time.Time
}

// Edition is one translation as the editor sees it.
type Edition struct {
	ArticleID   int64
	Key         string
	SourceLang  string
	State       State
	Head        Revision // the newest text
	PublishedID int64    // 0: none, or the demo text when State is published
	ScheduledID int64
	PublishAt   time.Time // when scheduled
	Replacement string    // key of the article an archived one's address leads to
	Views       int64
	HelpfulYes  int64
	HelpfulNo   int64
}

// ErrConflict is the refusal of a save whose base is no longer the newest
// revision. Theirs is the newest revision, for the merge.
type ErrConflict struct {
	Theirs Revision
}

func (e *ErrConflict) Error() string { return "kb: save conflict" }

// Conflict returns the conflict in err, if any.
func Conflict(err error) (*ErrConflict, bool) {
	var c *ErrConflict
	ok := errors.As(err, &c)
	return c, ok
}

var (
	slugRule = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
	langRule = regexp.MustCompile(`^[a-z]{2,3}(?:-[A-Za-z]{2,4})?$`)
)

// ProposeSlug makes an address from a title: lower-case ASCII letters and
// digits joined by hyphens, accents dropped. A title with none of those (in
// Arabic, Chinese, Japanese) proposes "" and the editor writes one.
func ProposeSlug(title string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range norm.NFKD.String(strings.ToLower(title)) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		default:
			hyphen = true
		}
		if b.Len() >= MaxSlug-10 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

// clean checks and tidies a draft.
func (d *Draft) clean() error {
	d.Title = strings.TrimSpace(d.Title)
	d.Slug = strings.TrimSpace(strings.ToLower(d.Slug))
	d.Description = strings.TrimSpace(d.Description)
	d.Keywords = strings.Join(strings.Fields(d.Keywords), " ")
	d.Note = strings.TrimSpace(d.Note)
	d.Body = strings.ReplaceAll(d.Body, "\r\n", "\n")
	if d.Slug == "" {
		d.Slug = ProposeSlug(d.Title)
	}
	switch {
	case !langRule.MatchString(d.Lang):
		return errs.E(errs.Invalid, MsgEditLangInvalid)
	case d.Title == "":
		return errs.E(errs.Invalid, MsgEditTitleRequired)
	case strings.TrimSpace(d.Body) == "":
		return errs.E(errs.Invalid, MsgEditBodyRequired)
	case utf8.RuneCountInString(d.Title) > MaxTitle, utf8.RuneCountInString(d.Description) > MaxDescription,
		utf8.RuneCountInString(d.Keywords) > MaxKeywords, utf8.RuneCountInString(d.Note) > MaxNote,
		len(d.Body) > MaxBody, !utf8.ValidString(d.Title + d.Description + d.Keywords + d.Note + d.Body):
		return errs.E(errs.Invalid, MsgEditTooLong)
	case len(d.Slug) > MaxSlug || !slugRule.MatchString(d.Slug):
		return errs.E(errs.Invalid, MsgEditSlugInvalid)
	case !d.Category.valid():
		return errs.E(errs.Invalid, MsgEditCategoryInvalid)
	case len(d.Related) > maxRelatedKeys:
		return errs.E(errs.Invalid, MsgEditRelatedInvalid)
	}
	d.Position = max(0, min(d.Position, 9999))
	return nil
}

// CheckSlug reports whether slug is a valid address free in lang for the
// article with id articleID (0: a new article): no other article's key,
// translation, newest revision or old address uses it.
func (k *KB) CheckSlug(ctx context.Context, lang, slug string, articleID int64) error {
	if len(slug) > MaxSlug || !slugRule.MatchString(slug) {
		return errs.E(errs.Invalid, MsgEditSlugInvalid)
	}
	return k.slugFree(ctx, k.db.Read, lang, slug, articleID)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (k *KB) slugFree(ctx context.Context, q querier, lang, slug string, articleID int64) error {
	var n int
	if err := q.QueryRowContext(ctx, sqlEdSlugTaken, lang, slug, articleID).Scan(&n); err != nil {
		return errs.Wrap(err, "kb: check slug")
	}
	if n > 0 {
		return errs.E(errs.Conflict, MsgEditSlugTaken)
	}
	return nil
}

// Create starts a new article with its first revision, a draft in d.Lang
// (its source language) that no visitor sees until it is published.
func (k *KB) Create(ctx context.Context, by Author, d Draft) (*Revision, error) {
	if err := d.clean(); err != nil {
		return nil, err
	}
	var rev *Revision
	err := k.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := k.slugFree(ctx, tx, d.Lang, d.Slug, 0); err != nil {
			return err
		}
		if err := checkCategory(ctx, tx, d.Category); err != nil {
			return err
		}
		if err := checkRelated(ctx, tx, d.Related, ""); err != nil {
			return err
		}
		key, err := freeKey(ctx, tx, d.Slug)
		if err != nil {
			return err
		}
		now := k.now().Unix()
		var id int64
		if err := tx.QueryRowContext(ctx, sqlEdInsertArticle, key, string(d.Category), d.Position, d.Lang, now).Scan(&id); err != nil {
			return err
		}
		rev, err = k.insertRevision(ctx, tx, by, id, 0, d, StateDraft)
		return err
	})
	if err != nil {
		return nil, errs.Pass(err, "kb: create article")
	}
	return rev, nil
}

// freeKey is slug, or slug-2, slug-3… when an article has that key already.
func freeKey(ctx context.Context, tx *sql.Tx, slug string) (string, error) {
	key := slug
	for i := 2; ; i++ {
		var n int
		if err := tx.QueryRowContext(ctx, sqlEdKeyTaken, key).Scan(&n); err != nil {
			return "", err
		}
		if n == 0 {
			return key, nil
		}
		key = slug + "-" + strconv.Itoa(i)
	}
}

func checkRelated(ctx context.Context, tx *sql.Tx, keys []string, self string) error {
	for _, key := range keys {
		var id int64
		err := tx.QueryRowContext(ctx, sqlEdArticleByKey, key).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) || key == self {
			return errs.E(errs.Invalid, MsgEditRelatedInvalid)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (k *KB) insertRevision(ctx context.Context, tx *sql.Tx, by Author, articleID, baseID int64, d Draft, state State) (*Revision, error) {
	now := k.now()
	var base any
	if baseID > 0 {
		base = baseID
	}
	var author any
	if by.ID > 0 {
		author = by.ID
	}
	rev := &Revision{Draft: d, ArticleID: articleID, BaseID: baseID, AuthorID: by.ID, Author: by.Name, At: now.UTC().Truncate(time.Second)}
	err := tx.QueryRowContext(ctx, sqlEdInsertRevision, articleID, d.Lang, base, author, by.Name, d.Note,
		d.Title, d.Slug, d.Description, d.Body, d.Keywords, string(d.Category), d.Position,
		strings.Join(d.Related, " "), now.Unix()).Scan(&rev.ID)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, sqlEdSetHead, articleID, d.Lang, rev.ID, string(state), now.Unix()); err != nil {
		return nil, err
	}
	if by.ID > 0 {
		if _, err := tx.ExecContext(ctx, sqlEdDropWorking, articleID, d.Lang, by.ID); err != nil {
			return nil, err
		}
	}
	return rev, nil
}

// Save keeps d as a new revision of the article's translation in d.Lang,
// made from the revision baseID (0: the demo text). When another revision
// came in since, nothing is written and the error is an *ErrConflict.
// Visitors see nothing of it until it is published.
func (k *KB) Save(ctx context.Context, by Author, articleID, baseID int64, d Draft) (*Revision, error) {
	if err := d.clean(); err != nil {
		return nil, err
	}
	var rev *Revision
	err := k.db.Tx(ctx, func(tx *sql.Tx) error {
		ed, err := k.edition(ctx, tx, articleID, d.Lang)
		if err != nil {
			return err
		}
		if ed.Head.ID != baseID {
			return &ErrConflict{Theirs: ed.Head}
		}
		if err := k.slugFree(ctx, tx, d.Lang, d.Slug, articleID); err != nil {
			return err
		}
		if err := checkCategory(ctx, tx, d.Category); err != nil {
			return err
		}
		if err := checkRelated(ctx, tx, d.Related, ed.Key); err != nil {
			return err
		}
		rev, err = k.insertRevision(ctx, tx, by, articleID, baseID, d, ed.State)
		return err
	})
	if _, ok := Conflict(err); ok {
		return nil, err
	}
	if err != nil {
		return nil, errs.Pass(err, "kb: save revision")
	}
	return rev, nil
}

// Edition returns the article's translation in lang as the editor sees it.
func (k *KB) Edition(ctx context.Context, articleID int64, lang string) (*Edition, error) {
	ed, err := k.edition(ctx, k.db.Read, articleID, lang)
	return ed, errs.Pass(err, "kb: load edition")
}

func (k *KB) edition(ctx context.Context, q querier, articleID int64, lang string) (*Edition, error) {
	ed := &Edition{ArticleID: articleID}
	var cat string
	var position int
	err := q.QueryRowContext(ctx, sqlEdArticle, articleID).Scan(&ed.ArticleID, &ed.Key, &cat, &position, &ed.SourceLang,
		&ed.Views, &ed.HelpfulYes, &ed.HelpfulNo)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, MsgEditNotFound)
	}
	if err != nil {
		return nil, err
	}
	var headID, publishAt, replacement, changed int64
	var state string
	err = q.QueryRowContext(ctx, sqlEdEdition, articleID, lang).Scan(&headID, &ed.PublishedID, &state, &ed.ScheduledID,
		&publishAt, &replacement, &changed)
	hasEdition := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if hasEdition {
		ed.State = State(state)
		if publishAt > 0 {
			ed.PublishAt = time.Unix(publishAt, 0).UTC()
		}
		if replacement > 0 {
			if err := q.QueryRowContext(ctx, sqlEdKeyOf, replacement).Scan(&ed.Replacement); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, err
			}
		}
	}
	if headID > 0 {
		r, err := loadRevision(ctx, q, headID)
		if err != nil {
			return nil, err
		}
		ed.Head = *r
		return ed, nil
	}
	// Never saved in the editor: the text the demo files loaded.
	var t struct {
		id                               int64
		slug, title, desc, body, keyword string
		published                        sql.NullInt64
	}
	err = q.QueryRowContext(ctx, sqlEdTranslation, articleID, lang).Scan(&t.id, &t.slug, &t.title, &t.desc, &t.body, &t.keyword, &t.published)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, MsgEditNotFound)
	}
	if err != nil {
		return nil, err
	}
	if !hasEdition {
		ed.State = StateDraft
		if t.published.Valid {
			ed.State = StatePublished
		}
	}
	related, err := relatedKeys(ctx, q, articleID)
	if err != nil {
		return nil, err
	}
	ed.Head = Revision{ArticleID: articleID, Draft: Draft{Lang: lang, Title: t.title, Slug: t.slug, Description: t.desc,
		Body: t.body, Keywords: t.keyword, Category: Category(cat), Position: position, Related: related}}
	return ed, nil
}

func relatedKeys(ctx context.Context, q querier, articleID int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, sqlEdRelatedKeys, articleID)
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, key)
	}
	return out, closeRows(rows)
}

func scanRevision(scan func(...any) error) (*Revision, error) {
	r := &Revision{}
	var cat, related string
	var at int64
	if err := scan(&r.ID, &r.ArticleID, &r.Lang, &r.BaseID, &r.AuthorID, &r.Author, &r.Note, &r.Title, &r.Slug,
		&r.Description, &r.Body, &r.Keywords, &cat, &r.Position, &related, &at); err != nil {
		return nil, err
	}
	r.Category, r.Related, r.At = Category(cat), strings.Fields(related), time.Unix(at, 0).UTC()
	return r, nil
}

func loadRevision(ctx context.Context, q querier, id int64) (*Revision, error) {
	r, err := scanRevision(q.QueryRowContext(ctx, sqlEdRevision, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, MsgEditNotFound)
	}
	return r, err
}

// Revision returns one revision of the article.
func (k *KB) Revision(ctx context.Context, articleID, id int64) (*Revision, error) {
	r, err := loadRevision(ctx, k.db.Read, id)
	if err == nil && r.ArticleID != articleID {
		return nil, errs.E(errs.NotFound, MsgEditNotFound)
	}
	return r, errs.Pass(err, "kb: load revision")
}

// Revisions lists every revision of the article's translation in lang, newest first.
func (k *KB) Revisions(ctx context.Context, articleID int64, lang string) ([]Revision, error) {
	rows, err := k.db.Read.QueryContext(ctx, sqlEdRevisions, articleID, lang)
	if err != nil {
		return nil, errs.Wrap(err, "kb: list revisions")
	}
	var out []Revision
	for rows.Next() {
		r, err := scanRevision(rows.Scan)
		if err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "kb: list revisions")
		}
		out = append(out, *r)
	}
	return out, errs.Wrap(closeRows(rows), "kb: list revisions")
}

// Working is an editor's working copy of a translation, kept by autosave.
type Working struct {
	BaseID  int64
	Draft   Draft
	SavedAt time.Time
}

// KeepWorking stores the editor's unsaved text of the translation (autosave).
// It is checked for size only: a half-written text is still kept.
func (k *KB) KeepWorking(ctx context.Context, by Author, articleID, baseID int64, d Draft) error {
	if !langRule.MatchString(d.Lang) || by.ID == 0 {
		return errs.E(errs.Invalid, MsgEditLangInvalid)
	}
	if len(d.Body) > MaxBody || len(d.Title)+len(d.Slug)+len(d.Description)+len(d.Keywords) > 4*MaxDescription {
		return errs.E(errs.Invalid, MsgEditTooLong)
	}
	if _, err := k.Edition(ctx, articleID, d.Lang); err != nil {
		return err
	}
	var base any
	if baseID > 0 {
		base = baseID
	}
	err := k.db.Tx(ctx, func(tx *sql.Tx) error {
		// An autosave that arrives after the Save of the same text (sent
		// just before it, answered after it) would leave a copy of an older
		// base that holds nothing unsaved: it is not kept, and a copy from
		// another tab stays as it was.
		if saved, err := savedSince(ctx, tx, articleID, baseID, d); err != nil || saved {
			return err
		}
		_, err := tx.ExecContext(ctx, sqlEdSaveWorking, articleID, d.Lang, by.ID, base, d.Title, d.Slug, d.Description,
			d.Body, d.Keywords, k.now().Unix())
		return err
	})
	return errs.Pass(err, "kb: keep working copy")
}

// savedSince reports whether a revision of the translation saved after
// baseID (by anyone, the head included) holds exactly the text of d, as
// Save would have kept it: then a working copy of d from baseID holds
// nothing that is not saved. The rule needs no clock and no tab: a copy
// with anything of its own (a word typed after that save, in this tab or
// another) differs from every revision and is kept.
func savedSince(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}, articleID, baseID int64, d Draft) (bool, error) {
	c := d
	c.Title = strings.TrimSpace(c.Title)
	c.Slug = strings.TrimSpace(strings.ToLower(c.Slug))
	c.Description = strings.TrimSpace(c.Description)
	c.Keywords = strings.Join(strings.Fields(c.Keywords), " ")
	c.Body = strings.ReplaceAll(c.Body, "\r\n", "\n")
	if c.Slug == "" {
		c.Slug = ProposeSlug(c.Title)
	}
	var saved bool
	err := q.QueryRowContext(ctx, sqlEdWorkingSaved, articleID, c.Lang, max(baseID, 0), c.Title, c.Slug, c.Description,
		c.Body, c.Keywords).Scan(&saved)
	return saved, err
}

// WorkingCopy returns the editor's working copy of the translation, if any
// holds text that no revision saved after its base holds (savedSince).
func (k *KB) WorkingCopy(ctx context.Context, authorID, articleID int64, lang string) (*Working, error) {
	w := &Working{Draft: Draft{Lang: lang}}
	var at int64
	err := k.db.Read.QueryRowContext(ctx, sqlEdWorking, articleID, lang, authorID).Scan(&w.BaseID, &w.Draft.Title,
		&w.Draft.Slug, &w.Draft.Description, &w.Draft.Body, &w.Draft.Keywords, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.Wrap(err, "kb: load working copy")
	}
	w.SavedAt = time.Unix(at, 0).UTC()
	// A copy kept before savedSince was checked on autosave, or whose text
	// was saved since by a later Save: nothing in it is unsaved.
	saved, err := savedSince(ctx, k.db.Read, articleID, w.BaseID, w.Draft)
	if err != nil {
		return nil, errs.Wrap(err, "kb: load working copy")
	}
	if saved {
		return nil, nil
	}
	return w, nil
}
