package tickets

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"zerodesk/internal/accounts"
	"zerodesk/internal/audit"
	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
)

// Custom fields per topic: admins define them (a label per language, a
// kind, whether required, an order); the support form asks the topic's
// fields; their values are sealed in the ticket's thread metadata under the
// ticket's key, like its subject, and never stored plain. A blind index (a
// keyed hash of field and normalized value per ticket, ticket_field_index)
// lets the queue filter "field = value". A removed field keeps its
// definition: tickets that carry a value still show it, marked removed.

// FieldKind is what a custom field holds.
type FieldKind string

// The kinds of custom fields.
const (
	FieldText   FieldKind = "text"   // one line, at most MaxFieldText characters
	FieldChoice FieldKind = "choice" // one of the field's options
	FieldNumber FieldKind = "number" // a decimal number
	FieldDate   FieldKind = "date"   // YYYY-MM-DD
)

// FieldKinds are the kinds, in the order the admins' form offers them.
var FieldKinds = []FieldKind{FieldText, FieldChoice, FieldNumber, FieldDate}

// Valid reports whether k is a known kind.
func (k FieldKind) Valid() bool { return slices.Contains(FieldKinds, k) }

// Custom field message IDs.
const (
	MsgFieldRequired   = "fields.required"   // invalid: a required field left empty
	MsgFieldInvalid    = "fields.invalid"    // invalid: not a value of the field's kind (choice: not an option)
	MsgFieldTooLong    = "fields.too_long"   // invalid; Data["Max"]
	MsgFieldDefinition = "fields.definition" // invalid: a definition needs an English label, a kind, options for a choice
	MsgFieldNotFound   = "fields.not_found"  // not_found: no such field (or removed)
	EventField         = "field"             // a field's value changed; To: the field's id, never the value
	auditFieldAction   = audit.Action("ticket.field")
)

// Limits of custom fields.
const (
	MaxFieldText    = 200 // characters of a text value
	MaxFieldLabel   = 80  // characters of a label
	MaxFieldOptions = 50  // options of a choice
	MaxFieldOption  = 80  // characters of an option
	MaxTopicFields  = 20  // fields per topic
)

// Field is a custom field of a topic.
type Field struct {
	ID       int64
	Topic    string
	Kind     FieldKind
	Labels   map[string]string // per language; "en" required
	Options  []string          // a choice's options, in order
	Required bool
	Position int
	Removed  bool
}

// Key is the field's key in forms and the audit log: "f" and its id.
func (f Field) Key() string { return "f" + strconv.FormatInt(f.ID, 10) }

// Label is the field's label in lang, English when it has none.
func (f Field) Label(lang string) string {
	if l := f.Labels[lang]; l != "" {
		return l
	}
	return f.Labels["en"]
}

// FieldValue is a field of a ticket with its value (agents only).
type FieldValue struct {
	Field Field
	Value string // "" when the ticket has none
}

// FieldError is a value refused for one field of a form.
type FieldError struct {
	FieldID int64
	Err     error
}

func fieldErr(id string) error { return errs.E(errs.Invalid, id) }

// hostile reports whether s holds a character no field value needs: a
// control or format character (bidi overrides, zero-width), a private-use
// or unassigned one, or invalid UTF-8.
func hostile(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Co, unicode.Cs) {
			return true
		}
	}
	return false
}

// CheckFieldValue is raw as field f stores it ("" for none), or the reason
// it is refused: required and empty, not text, too long, not of its kind.
// Text is NFKC, one line; a number is written the shortest way; a date is
// YYYY-MM-DD.
func CheckFieldValue(f Field, raw string) (string, error) {
	if hostile(raw) {
		return "", fieldErr(MsgFieldInvalid)
	}
	v := strings.Join(strings.Fields(norm.NFKC.String(raw)), " ")
	if v == "" {
		if f.Required {
			return "", fieldErr(MsgFieldRequired)
		}
		return "", nil
	}
	switch f.Kind {
	case FieldText:
		if utf8.RuneCountInString(v) > MaxFieldText {
			e := errs.E(errs.Invalid, MsgFieldTooLong)
			e.Data = map[string]any{"Max": MaxFieldText}
			return "", e
		}
		return v, nil
	case FieldChoice:
		if !slices.Contains(f.Options, v) {
			return "", fieldErr(MsgFieldInvalid)
		}
		return v, nil
	case FieldNumber:
		if len(v) > 40 {
			return "", fieldErr(MsgFieldInvalid)
		}
		// One comma is a decimal comma ("3,5"), unless it could be a
		// thousands separator ("1,000"): ambiguous, refused.
		if i := strings.IndexByte(v, ','); i >= 0 {
			if strings.Count(v, ",") > 1 || strings.Contains(v, ".") || len(v)-i-1 == 3 {
				return "", fieldErr(MsgFieldInvalid)
			}
			v = strings.Replace(v, ",", ".", 1)
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return "", fieldErr(MsgFieldInvalid)
		}
		return strconv.FormatFloat(n, 'f', -1, 64), nil
	case FieldDate:
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return "", fieldErr(MsgFieldInvalid)
		}
		return d.Format(time.DateOnly), nil
	}
	return "", fieldErr(MsgFieldInvalid)
}

// indexForm is a stored value as the blind index hashes it: text in lower
// case (an exact match, normalized), other kinds as stored.
func indexForm(f Field, v string) string {
	if f.Kind == FieldText {
		return strings.ToLower(v)
	}
	return v
}

// fieldHash is the blind index entry of value v of field f.
func (s *Service) fieldHash(f Field, v string) int64 {
	h := crypt.KeyedHash(s.keys.fields, strconv.FormatInt(f.ID, 10), indexForm(f, v))
	return int64(binary.BigEndian.Uint64(h[:8]))
}

func scanField(sc interface{ Scan(...any) error }) (Field, error) {
	var f Field
	var labels, options string
	if err := sc.Scan(&f.ID, &f.Topic, &f.Kind, &labels, &options, &f.Required, &f.Position, &f.Removed); err != nil {
		return f, err
	}
	_ = json.Unmarshal([]byte(labels), &f.Labels)
	_ = json.Unmarshal([]byte(options), &f.Options)
	return f, nil
}

// Fields lists the custom fields of topic ("" every topic), in order;
// removed ones only when withRemoved.
func (s *Service) Fields(ctx context.Context, topic string, withRemoved bool) ([]Field, error) {
	q, args := sqlFieldsAll, []any{}
	if topic != "" {
		q, args = sqlFieldsOfTopic, []any{topic}
	}
	rows, err := s.db.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrap(err, "tickets: fields")
	}
	defer rows.Close()
	var out []Field
	for rows.Next() {
		f, err := scanField(rows)
		if err != nil {
			return nil, errs.Wrap(err, "tickets: fields")
		}
		if !f.Removed || withRemoved {
			out = append(out, f)
		}
	}
	return out, errs.Wrap(rows.Err(), "tickets: fields")
}

// Field is the custom field id, removed or not.
func (s *Service) Field(ctx context.Context, id int64) (Field, error) {
	f, err := scanField(s.db.Read.QueryRowContext(ctx, sqlFieldByID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return f, errs.E(errs.NotFound, MsgFieldNotFound)
	}
	return f, errs.Wrap(err, "tickets: field")
}

// SaveField adds (ID 0) or changes a custom field (admins only) and returns
// its id. An English label is required; a choice needs options. The kind
// and topic of an existing field do not change (its values were checked
// against them).
func (s *Service) SaveField(ctx context.Context, v Viewer, f Field) (int64, error) {
	if v.Session == nil || v.Session.Role != accounts.Admin {
		return 0, errNotAllowed()
	}
	labels := map[string]string{}
	for lang, l := range f.Labels {
		if !s.cat.Supported(lang) {
			continue
		}
		if hostile(l) {
			return 0, fieldErr(MsgFieldDefinition)
		}
		l, err := cleanLine(l, MaxFieldLabel, "", MsgFieldDefinition)
		if err != nil {
			return 0, err
		}
		if l != "" {
			labels[lang] = l
		}
	}
	var options []string
	for _, o := range f.Options {
		if hostile(o) {
			return 0, fieldErr(MsgFieldDefinition)
		}
		o = strings.Join(strings.Fields(norm.NFKC.String(o)), " ")
		if o == "" || slices.Contains(options, o) {
			continue
		}
		if utf8.RuneCountInString(o) > MaxFieldOption {
			return 0, fieldErr(MsgFieldDefinition)
		}
		options = append(options, o)
	}
	if labels["en"] == "" || len(options) > MaxFieldOptions {
		return 0, fieldErr(MsgFieldDefinition)
	}
	lj, _ := json.Marshal(labels)
	oj, _ := json.Marshal(options)
	id := f.ID
	err := s.write(ctx, func(tx *sql.Tx) error {
		if id == 0 {
			if !f.Kind.Valid() || (f.Kind == FieldChoice) != (len(options) > 0) {
				return fieldErr(MsgFieldDefinition)
			}
			var ok bool
			if err := tx.QueryRowContext(ctx, sqlTopicActive, f.Topic).Scan(&ok); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return errs.E(errs.Invalid, MsgTopicInvalid)
				}
				return err
			}
			if n, err := s.countFields(ctx, tx, f.Topic); err != nil || n >= MaxTopicFields {
				return firstErr(err, fieldErr(MsgFieldDefinition))
			}
			if err := tx.QueryRowContext(ctx, sqlFieldInsert, f.Topic, f.Kind, string(lj), string(oj), f.Required, f.Position).Scan(&id); err != nil {
				return err
			}
		} else {
			old, err := scanField(tx.QueryRowContext(ctx, sqlFieldByID, id))
			if errors.Is(err, sql.ErrNoRows) || (err == nil && old.Removed) {
				return errs.E(errs.NotFound, MsgFieldNotFound)
			} else if err != nil {
				return err
			}
			if (old.Kind == FieldChoice) != (len(options) > 0) {
				return fieldErr(MsgFieldDefinition)
			}
			if _, err := tx.ExecContext(ctx, sqlFieldUpdate, id, string(lj), string(oj), f.Required, f.Position); err != nil {
				return err
			}
		}
		return s.auditAdmin(ctx, tx, v, audit.TopicSaved, "field", "f"+strconv.FormatInt(id, 10))
	})
	return id, errs.Pass(err, "tickets: save field")
}

func (s *Service) countFields(ctx context.Context, tx *sql.Tx, topic string) (int, error) {
	rows, err := tx.QueryContext(ctx, sqlFieldsOfTopic, topic)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		f, err := scanField(rows)
		if err != nil {
			return 0, err
		}
		if !f.Removed {
			n++
		}
	}
	return n, rows.Err()
}

// RemoveField removes custom field id (admins only): forms no longer ask
// it; tickets keep and show their values, marked removed.
func (s *Service) RemoveField(ctx context.Context, v Viewer, id int64) error {
	if v.Session == nil || v.Session.Role != accounts.Admin {
		return errNotAllowed()
	}
	return errs.Pass(s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, sqlFieldRemove, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, MsgFieldNotFound)
		}
		return s.auditAdmin(ctx, tx, v, audit.TopicSaved, "field.removed", "f"+strconv.FormatInt(id, 10))
	}), "tickets: remove field")
}

// CheckFields checks the values a form gave for topic's fields (by field
// id): the values as stored (empty ones left out) and one error per refused
// field, in the fields' order. Values of other fields are ignored.
func (s *Service) CheckFields(ctx context.Context, topic string, values map[int64]string) (map[int64]string, []FieldError, error) {
	if topic == "" {
		return nil, nil, nil
	}
	list, err := s.Fields(ctx, topic, false)
	if err != nil {
		return nil, nil, err
	}
	out := map[int64]string{}
	var bad []FieldError
	for _, f := range list {
		v, err := CheckFieldValue(f, values[f.ID])
		if err != nil {
			bad = append(bad, FieldError{FieldID: f.ID, Err: err})
			continue
		}
		if v != "" {
			out[f.ID] = v
		}
	}
	return out, bad, nil
}

// SubmissionRefusals are every refusal of sub's own words at once, in the
// support form's order: a guest's name and e-mail address, the topic, the
// subject, the body. A form shows them together with its custom fields'
// (CheckFields), in one round; Submit checks all of it again, and the files,
// the limits and the replay besides.
func (s *Service) SubmissionRefusals(ctx context.Context, sub Submission) ([]error, error) {
	var out []error
	add := func(err error) error {
		if err != nil && !errs.IsRefusal(err) {
			return err
		}
		if err != nil {
			out = append(out, err)
		}
		return nil
	}
	if sub.Session == nil {
		_, err := cleanName(sub.Name, s.lim.MaxName)
		_ = add(err)
		_, err = cleanEmail(sub.Email)
		_ = add(err)
	}
	if _, err := s.checkTopic(ctx, sub.Topic, sub.Comment); add(err) != nil {
		return nil, err
	}
	_, err := cleanLine(sub.Subject, s.lim.MaxSubject, MsgSubjectRequired, MsgSubjectTooLong)
	_ = add(err)
	_, err = cleanText(sub.Body, s.lim.MaxBody, MsgBodyRequired, MsgBodyTooLong)
	_ = add(err)
	return out, nil
}

// fieldsOfSubmission checks sub's field values for its topic: their sealed
// form for the meta and their blind index entries, or the first refusal.
func (s *Service) fieldsOfSubmission(ctx context.Context, topic string, values map[int64]string) (map[string]string, []fieldEntry, error) {
	if topic == "" {
		return nil, nil, nil
	}
	list, err := s.Fields(ctx, topic, false)
	if err != nil {
		return nil, nil, err
	}
	sealed := map[string]string{}
	var idx []fieldEntry
	for _, f := range list {
		v, err := CheckFieldValue(f, values[f.ID])
		if err != nil {
			return nil, nil, err
		}
		if v != "" {
			sealed[strconv.FormatInt(f.ID, 10)] = v
			idx = append(idx, fieldEntry{field: f.ID, hash: s.fieldHash(f, v)})
		}
	}
	if len(sealed) == 0 {
		sealed = nil
	}
	return sealed, idx, nil
}

// fieldEntry is one blind index entry of a ticket.
type fieldEntry struct {
	field, hash int64
}

func (s *Service) indexFields(ctx context.Context, tx *sql.Tx, ticketID int64, entries []fieldEntry) error {
	for _, e := range entries {
		if _, err := tx.ExecContext(ctx, sqlFieldIndexAdd, e.hash, ticketID, e.field); err != nil {
			return err
		}
	}
	return nil
}

// ticketFields are the fields of a's ticket with their values: the topic's
// current fields, then removed ones that carry a value.
func (s *Service) ticketFields(ctx context.Context, topic string, m meta) ([]FieldValue, error) {
	list, err := s.Fields(ctx, topic, true)
	if err != nil {
		return nil, err
	}
	var out []FieldValue
	for _, f := range list {
		v := m.Fields[strconv.FormatInt(f.ID, 10)]
		if f.Removed && v == "" {
			continue
		}
		out = append(out, FieldValue{Field: f, Value: v})
	}
	return out, nil
}

// SetField sets (or, with "", clears) the value of custom field id on
// ticket ref (agents only): the thread's sealed metadata and the blind
// index change together, and the history says which field changed, never
// the value. A removed field, or one of another topic, is not found.
func (s *Service) SetField(ctx context.Context, v Viewer, ref string, id int64, value string) error {
	if !v.staff() {
		return errNotAllowed()
	}
	f, err := s.Field(ctx, id)
	if err != nil {
		return err
	}
	if f.Removed {
		return errs.E(errs.NotFound, MsgFieldNotFound)
	}
	f.Required = false // an agent may clear a value
	clean, err := CheckFieldValue(f, value)
	if err != nil {
		return err
	}
	a, err := s.open(ctx, v, ref)
	if err != nil {
		return err
	}
	if a.r.topic != f.Topic {
		return errs.E(errs.NotFound, MsgFieldNotFound)
	}
	key := strconv.FormatInt(f.ID, 10)
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := a.reload(ctx, tx); err != nil {
			return err
		}
		if into, err := mergedInto(ctx, tx, a.r.id); err != nil || into != 0 {
			return firstErr(err, errs.E(errs.Conflict, MsgMerged))
		}
		th, err := s.msg.OpenAsDesk(ctx, tx, a.r.threadID)
		if err != nil {
			return err
		}
		m := metaOf(th)
		if m.Fields[key] == clean {
			return nil
		}
		if clean == "" {
			delete(m.Fields, key)
		} else {
			if m.Fields == nil {
				m.Fields = map[string]string{}
			}
			m.Fields[key] = clean
		}
		raw, err := json.Marshal(m)
		if err != nil {
			return err
		}
		if err := s.msg.SetMeta(ctx, tx, th, raw); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, sqlFieldIndexClear, a.r.id, f.ID); err != nil {
			return err
		}
		if clean != "" {
			if err := s.indexFields(ctx, tx, a.r.id, []fieldEntry{{field: f.ID, hash: s.fieldHash(f, clean)}}); err != nil {
				return err
			}
		}
		return s.event(ctx, tx, a.r.id, a.actor, EventField, "", f.Key())
	})
	return errs.Pass(err, "tickets: set field")
}

// queueField narrows sel to the tickets whose field id has value (the
// blind index: an exact match of the normalized value).
func (s *Service) queueField(ctx context.Context, sel *queueSelection, f QueueFilter) error {
	fd, err := s.Field(ctx, f.Field)
	if err != nil {
		return err
	}
	fd.Required = false
	clean, err := CheckFieldValue(fd, f.FieldValue)
	if err != nil {
		return err
	}
	if clean == "" {
		return nil
	}
	h := s.fieldHash(fd, clean)
	hash := sel.arg(h)
	if sel.from == `tickets t` && !sel.ref {
		// ticket_field_index carries the queue's columns under the same
		// names (0027_field_queue.sql): the page reads the value's index
		// range in queue order and the total counts it, never the tickets,
		// however many share the value; with at most a status besides, the
		// total is the value's counts per status.
		if sel.onlyStatus {
			sel.fieldCount = &h
		}
		sel.onlyStatus = false
		sel.from, sel.id = `ticket_field_index t`, `t.ticket_id`
		sel.where = append([]string{"t.hash = " + hash}, sel.where...)
		sel.closedForUpdated(f)
		return nil
	}
	sel.onlyStatus = false
	// A reference's ticket, a text search's matches or a tag's index range
	// drive the query; the field narrows them, one primary-key probe per
	// ticket they visit.
	sel.where = append(sel.where, "EXISTS (SELECT 1 FROM ticket_field_index fv WHERE fv.hash = "+hash+
		" AND fv.ticket_id = "+cmp.Or(sel.id, "t.id")+")")
	return nil
}
