package tickets

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"zerodesk/internal/errs"
	"zerodesk/internal/store"
)

// Tags are staff vocabulary: short labels agents put on tickets to sort the
// queue ("refund", "vip", "bug-1234"). They are the agents' words, never the
// customer's, and are stored plain (docs/SECURITY.md). A tag is normalized
// (NFKC, lower case, spaces to "-") and made of letters, digits and "-", "_",
// "." only, 1 to MaxTagLength characters: no control, format (bidi
// overrides, zero-width), symbol or space character can get in, so a tag
// cannot hide or reorder what the desk shows next to it.

// Triage message IDs (tags, saved views, bulk actions, merging).
const (
	MsgTagInvalid       = "triage.tag_invalid"        // invalid; Data["Max"]
	MsgTagTooMany       = "triage.tag_too_many"       // invalid; Data["Max"]
	MsgMergeSame        = "triage.merge_same"         // invalid: a ticket into itself
	MsgMergeOtherPerson = "triage.merge_other_person" // invalid: tickets of different customers
	MsgMergeMerged      = "triage.merge_merged"       // conflict: one of them is merged already
	MsgMerged           = "triage.merged"             // conflict: the ticket is merged, change the survivor
	MsgViewInvalid      = "triage.view_invalid"       // invalid: a view needs a name (Data["Max"]) and known settings
	MsgViewNotFound     = "triage.view_not_found"     // not_found: no such view, or not one this agent may use
	MsgBulkNone         = "triage.bulk_none"          // invalid: no ticket selected
	MsgBulkTooMany      = "triage.bulk_too_many"      // invalid; Data["Max"]
	MsgBulkAction       = "triage.bulk_action"        // invalid: unknown bulk action or value
)

// Event kinds of triage.
const (
	EventTagged     = "tagged"      // To: the tag
	EventUntagged   = "untagged"    // From: the tag
	EventMerged     = "merged"      // on the merged ticket; To: the survivor's reference
	EventMergedFrom = "merged_from" // on the survivor; From: the merged ticket's reference
)

// MaxTagLength is a tag's length limit, in characters; MaxTags is how many
// tags one ticket carries at most.
const (
	MaxTagLength = 32
	MaxTags      = 20
)

// NormalizeTag is tag as stored, or MsgTagInvalid.
func NormalizeTag(tag string) (string, error) {
	bad := func() error {
		e := errs.E(errs.Invalid, MsgTagInvalid)
		e.Data = map[string]any{"Max": MaxTagLength}
		return e
	}
	if !utf8.ValidString(tag) || strings.ContainsFunc(tag, unicode.IsControl) {
		return "", bad()
	}
	tag = strings.ToLower(norm.NFKC.String(strings.TrimSpace(tag)))
	tag = strings.Join(strings.Fields(tag), "-")
	n := utf8.RuneCountInString(tag)
	if n == 0 || n > MaxTagLength {
		return "", bad()
	}
	for _, r := range tag {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
		case r == '-' || r == '_' || r == '.':
		default:
			return "", bad()
		}
	}
	first, _ := utf8.DecodeRuneInString(tag)
	if !unicode.IsLetter(first) && !unicode.IsDigit(first) {
		return "", bad()
	}
	return tag, nil
}

// normalizeTags normalizes tags, without repeats.
func normalizeTags(tags []string) ([]string, error) {
	var out []string
	for _, t := range tags {
		if strings.TrimSpace(t) == "" {
			continue
		}
		n, err := NormalizeTag(t)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// SplitTags splits what an agent typed into a tag field ("vip, refund").
func SplitTags(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' })
}

// AddTags puts tags on ticket ref (agents only), each written in its history.
// A tag it has already is no change; more than MaxTags in all is refused.
func (s *Service) AddTags(ctx context.Context, v Viewer, ref string, tags []string) error {
	return s.changeTags(ctx, v, ref, tags, true)
}

// RemoveTags takes tags off ticket ref (agents only).
func (s *Service) RemoveTags(ctx context.Context, v Viewer, ref string, tags []string) error {
	return s.changeTags(ctx, v, ref, tags, false)
}

func (s *Service) changeTags(ctx context.Context, v Viewer, ref string, tags []string, add bool) error {
	if !v.staff() {
		return errNotAllowed()
	}
	list, err := normalizeTags(tags)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		e := errs.E(errs.Invalid, MsgTagInvalid)
		e.Data = map[string]any{"Max": MaxTagLength}
		return e
	}
	a, err := s.open(ctx, v, ref)
	if err != nil {
		return err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := a.reload(ctx, tx); err != nil {
			return err
		}
		if into, err := mergedInto(ctx, tx, a.r.id); err != nil || into != 0 {
			return cmp.Or(err, error(errs.E(errs.Conflict, MsgMerged)))
		}
		return s.tagTx(ctx, tx, a.r.id, a.actor, list, add)
	})
	return errs.Pass(err, "tickets: tags")
}

// tagTx adds (or removes) tags of ticket id inside tx, with history and
// counts; unchanged tags write nothing.
func (s *Service) tagTx(ctx context.Context, tx *sql.Tx, id int64, actor string, list []string, add bool) error {
	have, err := ticketTags(ctx, tx, id)
	if err != nil {
		return err
	}
	changed := false
	for _, tag := range list {
		has := slices.Contains(have, tag)
		switch {
		case add && !has:
			if len(have) >= MaxTags {
				e := errs.E(errs.Invalid, MsgTagTooMany)
				e.Data = map[string]any{"Max": MaxTags}
				return e
			}
			if _, err := tx.ExecContext(ctx, sqlTagInsert, tag, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, sqlTagCountUp, tag); err != nil {
				return err
			}
			have = append(have, tag)
			if err := s.event(ctx, tx, id, actor, EventTagged, "", tag); err != nil {
				return err
			}
		case !add && has:
			if _, err := tx.ExecContext(ctx, sqlTagDelete, tag, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, sqlTagCountDown, tag); err != nil {
				return err
			}
			if err := s.event(ctx, tx, id, actor, EventUntagged, tag, ""); err != nil {
				return err
			}
		default:
			continue
		}
		changed = true
	}
	if changed {
		_, err = tx.ExecContext(ctx, sqlTouchTicket, id, s.now().Unix())
	}
	return err
}

func ticketTags(ctx context.Context, q store.Querier, id int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, sqlTicketTags, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TagCount is a tag in use and how many tickets carry it.
type TagCount struct {
	Tag string
	N   int
}

// Tags lists the tags in use, by name, at most 500 (staff only).
func (s *Service) Tags(ctx context.Context, v Viewer) ([]TagCount, error) {
	if !v.staff() {
		return nil, errNotAllowed()
	}
	rows, err := s.db.Read.QueryContext(ctx, sqlTagsInUse)
	if err != nil {
		return nil, errs.Wrap(err, "tickets: tags")
	}
	defer rows.Close()
	var out []TagCount
	for rows.Next() {
		var t TagCount
		if err := rows.Scan(&t.Tag, &t.N); err != nil {
			return nil, errs.Wrap(err, "tickets: tags")
		}
		out = append(out, t)
	}
	return out, errs.Wrap(rows.Err(), "tickets: tags")
}
