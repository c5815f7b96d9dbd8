package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/errs"
	"zerodesk/internal/tickets"
	"zerodesk/views"
)

// Custom fields per topic (issue 14): the admins' page that defines them,
// the support form's questions, the ticket's fields at the desk and the
// queue's "field = value" filter. Values are the customer's words: the
// service seals them under the ticket's key and filters by a blind index.

func init() { deskNotices["fields"] = MsgDeskDoneSaved }

// deskFields is the admins' page of custom fields; ?edit=ID opens field
// ID's edit form in place of the add form.
func (h *Handlers) deskFields(c echo.Context) error {
	return h.withAdmin(c, "topics", func(d deskVisit) error {
		v := views.DeskFieldsView{}
		if raw := c.QueryParam("edit"); raw != "" {
			id, err := strconv.ParseInt(raw, 10, 64)
			f, ferr := h.Tickets.Field(c.Request().Context(), id)
			if err != nil || ferr != nil || f.Removed {
				if ferr != nil && !errs.IsRefusal(ferr) {
					return ferr
				}
				return h.deskFieldsPage(c, d, http.StatusNotFound, views.DeskFieldsView{ErrorID: tickets.MsgFieldNotFound})
			}
			v.Edit = views.DeskFieldFormOf(f, lang(c))
		}
		return h.deskFieldsPage(c, d, http.StatusOK, v)
	})
}

// keptForm puts a refused form back where it came from: the edit form when
// it edits a field, else the add form.
func keptForm(form views.DeskFieldForm, errorID string) views.DeskFieldsView {
	if form.ID != "" {
		return views.DeskFieldsView{Edit: form, ErrorID: errorID}
	}
	return views.DeskFieldsView{New: form, ErrorID: errorID}
}

func (h *Handlers) deskFieldsPage(c echo.Context, d deskVisit, status int, v views.DeskFieldsView) error {
	ctx := c.Request().Context()
	var err error
	if v.Topics, err = h.Tickets.Topics(ctx, lang(c), false); err != nil {
		return err
	}
	if v.Fields, err = h.Tickets.Fields(ctx, "", false); err != nil {
		return err
	}
	v.DeskFrame = d.frame
	if v.New.Position == "" {
		v.New.Position = "10"
	}
	return h.render(c, status, views.DeskFieldsPage(v), nil)
}

func (h *Handlers) deskSaveField(c echo.Context) error {
	return h.withAdmin(c, "topics", func(d deskVisit) error {
		ctx, l := c.Request().Context(), lang(c)
		form := views.DeskFieldForm{Topic: c.FormValue("topic"), Kind: c.FormValue("kind"), LabelEn: c.FormValue("label_en"),
			LabelLang: c.FormValue("label_" + l), Options: c.FormValue("options"), Position: c.FormValue("position"),
			Required: c.FormValue("required") != ""}
		f := tickets.Field{Topic: form.Topic, Kind: tickets.FieldKind(form.Kind), Required: form.Required,
			Labels: map[string]string{}, Options: strings.Split(strings.ReplaceAll(form.Options, "\r\n", "\n"), "\n")}
		if raw := c.FormValue("id"); raw != "" {
			// An edit: the field's topic and kind stay, and its labels in
			// the languages this form does not show are kept.
			id, err := strconv.ParseInt(raw, 10, 64)
			old, ferr := h.Tickets.Field(ctx, id)
			if err != nil || ferr != nil || old.Removed {
				if ferr != nil && !errs.IsRefusal(ferr) {
					return ferr
				}
				return h.deskFieldsPage(c, d, http.StatusNotFound, views.DeskFieldsView{ErrorID: tickets.MsgFieldNotFound})
			}
			f.ID, f.Topic, f.Kind = old.ID, old.Topic, old.Kind
			form.ID, form.Topic, form.Kind = raw, old.Topic, string(old.Kind)
			for k, v := range old.Labels {
				f.Labels[k] = v
			}
		}
		f.Labels["en"] = form.LabelEn
		if l != "en" {
			f.Labels[l] = form.LabelLang
		}
		if f.Kind != tickets.FieldChoice {
			f.Options = nil
		}
		pos, err := strconv.Atoi(strings.TrimSpace(form.Position))
		if err != nil || pos < 0 || pos > 10000 {
			return h.deskFieldsPage(c, d, http.StatusBadRequest, keptForm(form, tickets.MsgFieldDefinition))
		}
		f.Position = pos
		if _, err := h.Tickets.SaveField(ctx, d.viewer(), f); err != nil {
			if !errs.IsRefusal(err) {
				return err
			}
			return h.deskFieldsPage(c, d, classify(err).Status, keptForm(form, errs.MessageIDOf(err)))
		}
		return h.deskFieldsPage(c, d, http.StatusOK, views.DeskFieldsView{NoticeID: MsgDeskDoneSaved})
	})
}

func (h *Handlers) deskRemoveField(c echo.Context) error {
	return h.withAdmin(c, "topics", func(d deskVisit) error {
		id, err := strconv.ParseInt(c.FormValue("id"), 10, 64)
		if err != nil || id <= 0 {
			return h.deskFieldsPage(c, d, http.StatusNotFound, views.DeskFieldsView{ErrorID: tickets.MsgFieldNotFound})
		}
		if err := h.Tickets.RemoveField(c.Request().Context(), d.viewer(), id); err != nil {
			if !errs.IsRefusal(err) {
				return err
			}
			return h.deskFieldsPage(c, d, classify(err).Status, views.DeskFieldsView{ErrorID: errs.MessageIDOf(err)})
		}
		return h.deskFieldsPage(c, d, http.StatusOK, views.DeskFieldsView{NoticeID: MsgDeskDoneDeleted})
	})
}

// deskSetFields saves the ticket's fields form: each field whose value
// changed (the service writes nothing for the others). A refused value is
// explained on the ticket's page, naming the field.
func (h *Handlers) deskSetFields(c echo.Context) error {
	return h.deskChange(c, "fields", func(d deskVisit) error {
		ctx, ref := c.Request().Context(), c.Param("ref")
		t, err := h.Tickets.Open(ctx, d.viewer(), ref)
		if err != nil {
			return err
		}
		form, err := c.FormParams()
		if err != nil {
			return errs.E(errs.Invalid, tickets.MsgFieldInvalid)
		}
		for _, fv := range t.Fields {
			if fv.Field.Removed {
				continue
			}
			val, sent := form[fv.Field.Key()]
			if !sent || len(val) != 1 || val[0] == fv.Value {
				continue
			}
			if err := h.Tickets.SetField(ctx, d.viewer(), ref, fv.Field.ID, val[0]); err != nil {
				return withLabel(err, fv.Field.Label(lang(c)))
			}
		}
		return nil
	})
}

// withLabel is a field's refusal with the field's label for its message.
func withLabel(err error, label string) error {
	e, ok := err.(*errs.Error)
	if !ok {
		return err
	}
	c := *e
	c.Data = map[string]any{"Label": label}
	for k, v := range e.Data {
		c.Data[k] = v
	}
	return &c
}

// fieldHistoryLabels puts each changed field's label (in lang) where the
// ticket's history names the field by its key.
func fieldHistoryLabels(t *tickets.Ticket, lang string) {
	for i := range t.History {
		e := &t.History[i]
		if e.Kind != tickets.EventField {
			continue
		}
		for _, fv := range t.Fields {
			if fv.Field.Key() == e.To {
				e.To = fv.Field.Label(lang)
			}
		}
	}
}

// supportFieldGroups are the fields of each of the form's topics.
func (h *Handlers) supportFieldGroups(ctx context.Context, topics []views.TopicOption) ([]views.SupportFieldGroup, error) {
	all, err := h.Tickets.Fields(ctx, "", false)
	if err != nil || len(all) == 0 {
		return nil, err
	}
	var out []views.SupportFieldGroup
	for _, t := range topics {
		g := views.SupportFieldGroup{Topic: t.Key, TopicName: t.Name}
		for _, f := range all {
			if f.Topic == t.Key {
				g.Fields = append(g.Fields, f)
			}
		}
		if len(g.Fields) > 0 {
			out = append(out, g)
		}
	}
	return out, nil
}

// supportFieldValues reads the typed values of the chosen topic's fields
// (get is the form's reader) into v, and checks them: one error per
// refused field, each naming its field.
func (h *Handlers) supportFieldValues(ctx context.Context, l string, get func(string) string, v *views.SupportFormView) (map[int64]string, []views.FieldError, error) {
	v.FieldValues = map[string]string{}
	values := map[int64]string{}
	for _, g := range v.FieldGroups {
		for _, f := range g.Fields {
			if s := get(f.Key()); s != "" {
				v.FieldValues[f.Key()] = shown(s)
				if g.Topic == v.Topic {
					values[f.ID] = s
				}
			}
		}
	}
	_, bad, err := h.Tickets.CheckFields(ctx, v.Topic, values)
	if err != nil {
		return nil, nil, err
	}
	var out []views.FieldError
	for _, b := range bad {
		for _, g := range v.FieldGroups {
			for _, f := range g.Fields {
				if f.ID == b.FieldID {
					out = append(out, views.FieldError{Field: views.SupportFieldID(f), MessageID: errs.MessageIDOf(b.Err),
						Args: errArgs(withLabel(b.Err, f.Label(l)))})
				}
			}
		}
	}
	return values, out, nil
}

// supportRefusals are all the support form's refusals in one round, in the
// form's order: the name, e-mail address and topic, then the custom fields'
// (fields), then the subject and body; and the status to answer with.
func (h *Handlers) supportRefusals(ctx context.Context, sub tickets.Submission, fields []views.FieldError) (int, []views.FieldError, error) {
	texts, err := h.Tickets.SubmissionRefusals(ctx, sub)
	if err != nil || len(texts)+len(fields) == 0 {
		return 0, nil, err
	}
	var head, tail []views.FieldError
	for _, e := range texts {
		id := errs.MessageIDOf(e)
		fe := views.FieldError{Field: submitField(id), MessageID: id, Args: errArgs(e)}
		if fe.Field == views.FieldSubject || fe.Field == views.FieldBody {
			tail = append(tail, fe)
		} else {
			head = append(head, fe)
		}
	}
	status := http.StatusBadRequest
	if len(texts) > 0 {
		status = classify(texts[0]).Status
	}
	return status, append(append(head, fields...), tail...), nil
}

// fieldsQueue reads the queue form's field filter into v and lists the
// fields it offers.
func (h *Handlers) fieldsQueue(c echo.Context, v *views.DeskQueueView) error {
	v.Filter.Field, v.Filter.FieldValue = c.FormValue("field"), c.FormValue("field_value")
	version := uint64(h.Tickets.Version()) // a saved or removed field changes it
	if list, ok := h.deskFieldList.Get(version, struct{}{}); ok {
		v.CustomFields = list
		return nil
	}
	list, err := h.Tickets.Fields(c.Request().Context(), "", false)
	if err == nil {
		h.deskFieldList.Put(version, struct{}{}, list)
	}
	v.CustomFields = list
	return err
}

// fieldFilter puts the form's field filter into f; false when the field is
// not one offered or the value not one of its kind.
func fieldFilter(f *tickets.QueueFilter, in views.DeskFilter, fields []tickets.Field) bool {
	if in.Field == "" {
		return true
	}
	for _, fd := range fields {
		if fd.Key() != in.Field {
			continue
		}
		fd.Required = false
		if _, err := tickets.CheckFieldValue(fd, in.FieldValue); err != nil {
			return false
		}
		f.Field, f.FieldValue = fd.ID, in.FieldValue
		return true
	}
	return false
}
