package tickets

import (
	"context"
	"errors"
	"strconv"

	"zerodesk/internal/errs"
)

// Bulk actions: one change applied to a selection of tickets, each ticket
// changed exactly as by hand (the same functions, rules and history
// entries), each in its own short transaction, so a refusal of one ticket
// (merged, unknown, a rule) leaves the others changed and is reported.

// MaxBulk is how many tickets one bulk action takes at most (a page of the
// queue is at most 100).
const MaxBulk = 100

// The bulk actions.
const (
	BulkAssign   = "assign"   // Value: an agent id, or "0" to unassign
	BulkStatus   = "status"   // Value: a Status
	BulkPriority = "priority" // Value: a Priority
	BulkTag      = "tag"      // Value: tags, comma-separated
	BulkUntag    = "untag"    // Value: tags, comma-separated
	BulkClose    = "close"    // no value
)

// BulkAction is one change for a selection.
type BulkAction struct {
	Kind, Value string
}

// BulkResult says what a bulk action did: how many tickets it changed (or
// found already as asked) and which it refused, with why.
type BulkResult struct {
	Changed int
	Refused []BulkRefusal
}

// BulkRefusal is one ticket a bulk action left as it was.
type BulkRefusal struct {
	Reference, MessageID string
	Data                 map[string]any
}

// Bulk applies act to tickets refs (agents only), at most MaxBulk.
func (s *Service) Bulk(ctx context.Context, v Viewer, refs []string, act BulkAction) (*BulkResult, error) {
	if !v.staff() {
		return nil, errNotAllowed()
	}
	if len(refs) == 0 {
		return nil, errs.E(errs.Invalid, MsgBulkNone)
	}
	if len(refs) > MaxBulk {
		e := errs.E(errs.Invalid, MsgBulkTooMany)
		e.Data = map[string]any{"Max": MaxBulk}
		return nil, e
	}
	change, err := s.bulkChange(v, act)
	if err != nil {
		return nil, err
	}
	res := &BulkResult{}
	seen := map[string]bool{}
	for _, ref := range refs {
		norm, ok := NormalizeReference(ref)
		if ok && seen[norm] {
			continue
		}
		seen[norm] = true
		err := change(ctx, ref)
		switch {
		case err == nil:
			res.Changed++
		case errs.IsRefusal(err):
			r := BulkRefusal{Reference: ref, MessageID: errs.MessageIDOf(err)}
			if ok {
				r.Reference = norm
			}
			var e *errs.Error
			if errors.As(err, &e) {
				r.Data = e.Data
			}
			res.Refused = append(res.Refused, r)
		default:
			return res, err
		}
	}
	return res, nil
}

// bulkChange is act as the change of one ticket, checked once for all.
func (s *Service) bulkChange(v Viewer, act BulkAction) (func(ctx context.Context, ref string) error, error) {
	bad := errs.E(errs.Invalid, MsgBulkAction)
	switch act.Kind {
	case BulkAssign:
		id, err := strconv.ParseInt(act.Value, 10, 64)
		if err != nil || id < 0 {
			return nil, bad
		}
		return func(ctx context.Context, ref string) error { return s.Assign(ctx, v, ref, id) }, nil
	case BulkStatus, BulkClose:
		st := Status(act.Value)
		if act.Kind == BulkClose {
			st = StatusClosed
		}
		if !st.Valid() {
			return nil, bad
		}
		return func(ctx context.Context, ref string) error { return s.SetStatus(ctx, v, ref, st) }, nil
	case BulkPriority:
		p := Priority(act.Value)
		if !p.Valid() {
			return nil, bad
		}
		return func(ctx context.Context, ref string) error { return s.SetPriority(ctx, v, ref, p) }, nil
	case BulkTag, BulkUntag:
		tags, err := normalizeTags(SplitTags(act.Value))
		if err != nil {
			return nil, err
		}
		if len(tags) == 0 {
			return nil, bad
		}
		if act.Kind == BulkTag {
			return func(ctx context.Context, ref string) error { return s.AddTags(ctx, v, ref, tags) }, nil
		}
		return func(ctx context.Context, ref string) error { return s.RemoveTags(ctx, v, ref, tags) }, nil
	}
	return nil, bad
}
