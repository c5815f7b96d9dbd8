package tickets

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/internal/store"
)

// Saved views: an agent's named queue filter, sort and columns, kept for
// them and, when shared, offered to the whole team. The settings are the
// queue form's own fields (staff settings, no ticket content); the desk
// checks them again when a view is opened, as it checks the form.

// The queue's sorts.
const (
	SortDue     = "due"     // overdue first, then by the next deadline (the queue's order)
	SortUpdated = "updated" // most recently changed first
)

// Columns are the queue's optional columns, in their order; reference,
// subject and status are always shown.
var Columns = []string{"customer", "topic", "priority", "assignee", "tags", "due", "updated"}

// Limits of saved views.
const (
	MaxViewName     = 60
	MaxViewsPerUser = 50
)

// ViewSettings are a saved view's queue settings, as the queue form names
// them (Assignee: "", "me", "none" or an agent id).
type ViewSettings struct {
	Status   string   `json:"status,omitempty"`
	Priority string   `json:"priority,omitempty"`
	Topic    string   `json:"topic,omitempty"`
	Assignee string   `json:"assignee,omitempty"`
	Tag      string   `json:"tag,omitempty"`
	Text     string   `json:"q,omitempty"`
	Sort     string   `json:"sort,omitempty"`
	Columns  []string `json:"columns,omitempty"`
}

// SavedView is a named queue view.
type SavedView struct {
	ID       int64
	OwnerID  int64
	Name     string
	Shared   bool
	Settings ViewSettings
}

func viewInvalid() error {
	e := errs.E(errs.Invalid, MsgViewInvalid)
	e.Data = map[string]any{"Max": MaxViewName}
	return e
}

// check cleans vs: known status, priority, sort and columns, a normalized
// tag, a text of at most 200 characters.
func (vs ViewSettings) check() (ViewSettings, error) {
	if vs.Status != "" && !Status(vs.Status).Valid() || vs.Priority != "" && !Priority(vs.Priority).Valid() {
		return vs, viewInvalid()
	}
	if vs.Sort != "" && vs.Sort != SortDue && vs.Sort != SortUpdated {
		return vs, viewInvalid()
	}
	if !utf8.ValidString(vs.Text) || utf8.RuneCountInString(vs.Text) > 200 || len(vs.Topic) > 40 || len(vs.Assignee) > 20 {
		return vs, viewInvalid()
	}
	vs.Text = strings.TrimSpace(vs.Text)
	if vs.Tag != "" {
		tag, err := NormalizeTag(vs.Tag)
		if err != nil {
			return vs, err
		}
		vs.Tag = tag
	}
	var cols []string
	for _, c := range Columns {
		if slices.Contains(vs.Columns, c) {
			cols = append(cols, c)
		}
	}
	if len(cols) != len(slices.Compact(slices.Sorted(slices.Values(vs.Columns)))) {
		return vs, viewInvalid()
	}
	vs.Columns = cols
	return vs, nil
}

// SaveView adds (ID 0) or changes a saved view of the agent's (staff only;
// an admin may change a shared view of someone else's). It returns its id.
func (s *Service) SaveView(ctx context.Context, v Viewer, sv SavedView) (int64, error) {
	if !v.staff() {
		return 0, errNotAllowed()
	}
	name, err := cleanLine(sv.Name, MaxViewName, MsgViewInvalid, MsgViewInvalid)
	if err != nil {
		return 0, viewInvalid()
	}
	settings, err := sv.Settings.check()
	if err != nil {
		return 0, err
	}
	raw, err := json.Marshal(settings)
	if err != nil {
		return 0, errs.Wrap(err, "tickets: save view")
	}
	id := sv.ID
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if id == 0 {
			var n int
			if err := tx.QueryRowContext(ctx, sqlCountOwnViews, v.Session.AccountID).Scan(&n); err != nil {
				return err
			}
			if n >= MaxViewsPerUser {
				return viewInvalid()
			}
			return tx.QueryRowContext(ctx, sqlInsertView, v.Session.AccountID, name, sv.Shared, string(raw), s.now().Unix()).Scan(&id)
		}
		old, err := loadView(ctx, tx, id)
		if err != nil {
			return err
		}
		if !mayChangeView(v, old) {
			return errs.E(errs.NotFound, MsgViewNotFound)
		}
		_, err = tx.ExecContext(ctx, sqlUpdateView, id, name, sv.Shared, string(raw))
		return err
	})
	if err == nil {
		s.version.Add(1) // the queue pages list the views: the desk's caches start over
	}
	return id, errs.Pass(err, "tickets: save view")
}

func mayChangeView(v Viewer, sv *SavedView) bool {
	return sv.OwnerID == v.Session.AccountID || (sv.Shared && v.Session.Role == accounts.Admin)
}

// DeleteView deletes a saved view (its owner, or an admin for a shared one).
func (s *Service) DeleteView(ctx context.Context, v Viewer, id int64) error {
	if !v.staff() {
		return errNotAllowed()
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		old, err := loadView(ctx, tx, id)
		if err != nil {
			return err
		}
		if !mayChangeView(v, old) {
			return errs.E(errs.NotFound, MsgViewNotFound)
		}
		_, err = tx.ExecContext(ctx, sqlDeleteView, id)
		return err
	})
	if err == nil {
		s.version.Add(1) // the queue pages list the views: the desk's caches start over
	}
	return errs.Pass(err, "tickets: delete view")
}

// Views lists the views the agent may open: their own and the shared ones,
// by name (staff only).
func (s *Service) Views(ctx context.Context, v Viewer) ([]SavedView, error) {
	if !v.staff() {
		return nil, errNotAllowed()
	}
	rows, err := s.db.Read.QueryContext(ctx, sqlViewsFor, v.Session.AccountID)
	if err != nil {
		return nil, errs.Wrap(err, "tickets: views")
	}
	defer rows.Close()
	var out []SavedView
	for rows.Next() {
		sv, err := scanView(rows)
		if err != nil {
			return nil, errs.Wrap(err, "tickets: views")
		}
		out = append(out, *sv)
	}
	return out, errs.Wrap(rows.Err(), "tickets: views")
}

// View is one saved view the agent may open (their own or a shared one).
func (s *Service) View(ctx context.Context, v Viewer, id int64) (*SavedView, error) {
	if !v.staff() {
		return nil, errNotAllowed()
	}
	sv, err := loadView(ctx, s.db.Read, id)
	if err != nil {
		return nil, err
	}
	if sv.OwnerID != v.Session.AccountID && !sv.Shared {
		return nil, errs.E(errs.NotFound, MsgViewNotFound)
	}
	return sv, nil
}

func loadView(ctx context.Context, q store.Querier, id int64) (*SavedView, error) {
	sv, err := scanView(q.QueryRowContext(ctx, sqlViewByID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, MsgViewNotFound)
	}
	return sv, err
}

func scanView(sc scanner) (*SavedView, error) {
	sv := &SavedView{}
	var raw string
	if err := sc.Scan(&sv.ID, &sv.OwnerID, &sv.Name, &sv.Shared, &raw); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(raw), &sv.Settings); err != nil {
		return nil, err
	}
	return sv, nil
}
