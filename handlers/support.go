package handlers

import (
	"crypto/rand"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/internal/tickets"
	"zerodesk/views"
)

// The public side of support tickets: the Support Ticket form (guests and
// signed-in users) and its confirmation here; following a ticket by reference
// and access key in support_ticket.go; replying, closing, reopening, rating
// and downloads in support_change.go.
//
// A guest's access key never travels in a URL after the one e-mailed link:
// the ticket page carries it in hidden fields of its POST forms, as a
// cookie-less session carries its token. Every ticket page is no-store and
// no-referrer; the request log records paths only, never queries.

// Message IDs of the refusals the support pages make themselves.
const (
	MsgHoneypot   = "support.honeypot.filled"
	MsgTooLarge   = "support.too_large"
	MsgReplySent  = "support.reply.sent"
	MsgReplyAgain = "support.reply.again"
	MsgClosed     = "support.state.closed"
	MsgReopened   = "support.state.reopened"
	MsgRated      = "support.rate.thanks"
)

// supportSuggestions is how many help articles the subject suggests.
const supportSuggestions = 5

// bodyTooLarge reports whether err is the upload limit's MaxBytesReader
// stopping the body.
func bodyTooLarge(err error) bool {
	var tooBig *http.MaxBytesError
	return errors.As(err, &tooBig)
}

// uploadLimit is the most a form with attachments may send: every file at
// its largest, one more, and room for the text fields.
func (h *Handlers) uploadLimit() int64 {
	l := h.Tickets.Limits()
	return int64(l.MaxAttachments+1)*l.MaxAttachmentBytes + 1<<20
}

func (h *Handlers) toSupport(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, views.Href(c.Request().Context(), "/support"))
}

// shown is a typed value as a form shows it again: broken UTF-8 becomes
// replacement characters, so the page itself is always valid.
func shown(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// optionalSession is the signed-in session of the request, if any (with the
// token its forms carry when it has no cookie); a visitor is nil.
func (h *Handlers) optionalSession(c echo.Context) (*accounts.Session, string) {
	if t, _ := h.sessionToken(c); t == "" {
		return nil, ""
	}
	s, token, err := h.session(c)
	if err != nil {
		return nil, ""
	}
	return s, token
}

func newFormID() string { return rand.Text() }

// formView is the ticket form for this request, signed in or not.
func (h *Handlers) formView(c echo.Context, s *accounts.Session, token string) (views.SupportFormView, error) {
	ctx := c.Request().Context()
	lim := h.Tickets.Limits()
	v := views.SupportFormView{Token: token, SignedIn: s != nil, FormID: newFormID(), MaxFiles: lim.MaxAttachments, MaxFileSize: lim.MaxAttachmentBytes}
	if s != nil {
		if p, err := h.Accounts.Profile(ctx, s); err == nil {
			v.AccountName = p.Name
		}
	}
	topics, err := h.Tickets.Topics(ctx, lang(c), false)
	if err != nil {
		return v, err
	}
	for _, t := range topics {
		if t.Active {
			v.Topics = append(v.Topics, views.TopicOption{Key: t.Key, Name: t.Name})
		}
	}
	v.FieldGroups, err = h.supportFieldGroups(ctx, v.Topics) // desk_fields.go
	return v, err
}

// supportForm is the Support Ticket form; a link may prefill it
// (?kind=comment|translation|question&article=SLUG&question=TEXT).
func (h *Handlers) supportForm(c echo.Context) error {
	s, token := h.optionalSession(c)
	v, err := h.formView(c, s, token)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	switch q.Get("kind") {
	case "comment":
		v.Comment = true
	case "translation":
		v.Translation = true
	}
	if slug := q.Get("article"); slug != "" && len(slug) <= 200 {
		if a, err := h.KB.Article(lang(c), slug); err == nil {
			v.Article = slug
			v.ArticleRef = &a.Summary
			if v.Translation {
				ctx := c.Request().Context()
				v.Subject = views.T(ctx, "support.prefill.translation", "Title", a.Title)
			}
		}
	}
	if question := strings.TrimSpace(shown(q.Get("question"))); question != "" {
		v.Subject = truncateRunes(question, h.Tickets.Limits().MaxSubject)
	}
	return h.render(c, http.StatusOK, views.SupportPage(v), views.SupportMain(v))
}

// supportFormPost is the form for a session without a cookie (My account's
// "Open a new ticket" posts the token).
func (h *Handlers) supportFormPost(c echo.Context) error {
	s, token := h.optionalSession(c)
	v, err := h.formView(c, s, token)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, views.SupportPage(v), views.SupportMain(v))
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// submitTicket sends a new ticket. A refusal shows the form again with what
// was typed (files must be chosen again, and the form says so); the
// confirmation shows the access key this once, never cached.
func (h *Handlers) submitTicket(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := h.readFields(c)
	if err != nil {
		return err
	}
	defer p.close()
	s, token := h.optionalSession(c)
	v, err := h.formView(c, s, token)
	if err != nil {
		return err
	}
	v.Name, v.Email = shown(p.get("name")), shown(p.get("email"))
	v.Topic, v.Subject, v.Body = shown(p.get("topic")), shown(p.get("subject")), shown(p.get("body"))
	v.Comment = p.get("comment") != ""
	v.Translation = p.get("kind") == "translation"
	if slug := p.get("article"); slug != "" && len(slug) <= 200 {
		if a, err := h.KB.Article(lang(c), slug); err == nil {
			v.Article, v.ArticleRef = slug, &a.Summary
		}
	}
	if id := p.get("form_id"); id != "" && len(id) <= 64 {
		v.FormID = id
	}
	refuse := func(status int, e ...views.FieldError) error {
		v.Errors = e
		v.FilesDropped = p.hasFiles() || p.tooLarge
		switch status {
		case http.StatusTooManyRequests:
			c.Response().Header().Set("Retry-After", "60")
		case http.StatusServiceUnavailable:
			busy(c)
		}
		return h.render(c, status, views.SupportPage(v), views.SupportMain(v))
	}
	tooLarge := func() error {
		return refuse(http.StatusRequestEntityTooLarge, views.FieldError{Field: views.FieldFiles, MessageID: MsgTooLarge,
			Args: []any{"Size", int(h.uploadLimit() >> 20)}})
	}
	if p.tooLarge {
		return tooLarge()
	}
	if p.get("website") != "" {
		return refuse(http.StatusBadRequest, views.FieldError{Field: views.FieldSubject, MessageID: MsgHoneypot})
	}
	// The limits before the files: a refused form's files are never read.
	email := p.get("email")
	if s != nil {
		email = ""
	}
	if err := h.Tickets.CheckSubmit(ctx, c.RealIP(), email); err != nil {
		id := errs.MessageIDOf(err)
		if !errs.IsRefusal(err) {
			return err
		}
		return refuse(classify(err).Status, views.FieldError{Field: submitField(id), MessageID: id, Args: errArgs(err)})
	}
	if err := h.readFiles(c, p); err != nil {
		if errors.Is(err, errUploadBusy) {
			return refuse(http.StatusServiceUnavailable, views.FieldError{Field: views.FieldFiles, MessageID: MsgUploadBusy})
		}
		return err
	}
	if p.tooLarge {
		return tooLarge()
	}
	if p.get("website") != "" { // a form whose honeypot came after its files
		return refuse(http.StatusBadRequest, views.FieldError{Field: views.FieldSubject, MessageID: MsgHoneypot})
	}
	if err := h.load(ctx, p); err != nil {
		return err
	}
	fields, bad, err := h.supportFieldValues(ctx, lang(c), p.get, &v) // desk_fields.go: the topic's custom fields
	if err != nil {
		return err
	}
	sub := tickets.Submission{
		Lang: lang(c), Name: p.get("name"), Email: p.get("email"), Session: s,
		Topic: p.get("topic"), Subject: p.get("subject"), Body: p.get("body"), Comment: v.Comment,
		Attachments: p.files, Address: c.RealIP(), FormID: v.FormID, Article: v.Article, Fields: fields,
	}
	if status, all, err := h.supportRefusals(ctx, sub, bad); err != nil || len(all) > 0 { // desk_fields.go: one round
		if err != nil {
			return err
		}
		return refuse(status, all...)
	}
	receipt, err := h.Tickets.Submit(ctx, sub)
	if err != nil {
		id := errs.MessageIDOf(err)
		if id == tickets.MsgAlreadySent {
			ref, _ := errData(err)["Reference"].(string)
			return h.render(c, http.StatusOK, views.SentPage(views.SentView{Reference: ref, SignedIn: s != nil, Token: token, Again: true}),
				views.SentMain(views.SentView{Reference: ref, SignedIn: s != nil, Token: token, Again: true}))
		}
		if !errs.IsRefusal(err) {
			return err
		}
		return refuse(classify(err).Status, views.FieldError{Field: submitField(id), MessageID: id, Args: errArgs(err)})
	}
	h.Metrics.ticketSubmitted()
	if v.Translation {
		h.countTranslationAsk(c, v.Article) // editor_translate.go
	}
	sent := views.SentView{Reference: receipt.Reference, AccessKey: receipt.AccessKey, SignedIn: s != nil, Token: token}
	if s == nil {
		sent.Email = v.Email
	}
	return h.render(c, http.StatusOK, views.SentPage(sent), views.SentMain(sent))
}

// submitField is the field of the ticket form a refusal is about.
func submitField(id string) string {
	switch id {
	case tickets.MsgSubjectRequired, tickets.MsgSubjectTooLong:
		return views.FieldSubject
	case tickets.MsgBodyRequired, tickets.MsgBodyTooLong, tickets.MsgNotText:
		return views.FieldBody
	case tickets.MsgTopicInvalid:
		return views.FieldTopic
	case tickets.MsgNameInvalid:
		return views.FieldName
	case tickets.MsgEmailInvalid, tickets.MsgEmailNotASCII:
		return views.FieldEmail
	case tickets.MsgTooManyFiles, tickets.MsgFileTooLarge, tickets.MsgFileType, tickets.MsgFileEmpty:
		return views.FieldFiles
	}
	return ""
}

func errData(err error) map[string]any {
	var e *errs.Error
	if errors.As(err, &e) && e.Data != nil {
		return e.Data
	}
	return map[string]any{}
}

// errArgs are a domain error's placeholders, as T takes them.
func errArgs(err error) []any {
	var args []any
	for k, v := range errData(err) {
		args = append(args, k, v)
	}
	return args
}

// suggestArticles is the as-you-type list of help articles matching the
// subject. Keystrokes are not searches: nothing is recorded.
func (h *Handlers) suggestArticles(c echo.Context) error {
	v := views.SuggestionsView{}
	if q := strings.TrimSpace(c.QueryParam("subject")); utf8.RuneCountInString(q) >= 3 && utf8.ValidString(q) {
		res, err := h.KB.Search(c.Request().Context(), lang(c), truncateRunes(q, 200), supportSuggestions)
		if err != nil && errs.CodeOf(err) != errs.Invalid {
			return err
		}
		if res != nil {
			v.Hits = append(v.Hits, res.Hits...)
			v.Hits = append(v.Hits, res.Other...)
			if len(v.Hits) > supportSuggestions {
				v.Hits = v.Hits[:supportSuggestions]
			}
		}
	}
	return h.render(c, http.StatusOK, views.Suggestions(v), views.Suggestions(v))
}
