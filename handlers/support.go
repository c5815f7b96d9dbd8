package handlers

import (
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/internal/tickets"
	"zerodesk/views"
)

// The public side of support tickets: the Support Ticket form (guests and
// signed-in users), its confirmation, following a ticket by reference and
// access key, replying, closing, reopening, rating, and attachment downloads.
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

// ticketLimit is how many requests one address may send to the ticket
// routes per minute.
func (h *Handlers) ticketLimit() int {
	if h.TicketLimit > 0 {
		return h.TicketLimit
	}
	return max(h.AccountLimit, 30)
}

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

func (h *Handlers) toTicket(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, views.Href(c.Request().Context(), "/support/tickets/"+cleanRef(c.Param("ref"))))
}

// shown is a typed value as a form shows it again: broken UTF-8 becomes
// replacement characters, so the page itself is always valid.
func shown(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// optionalSession is the signed-in session of the request, if any (with the
// token its forms carry when it has no cookie); a visitor is nil.
func (h *Handlers) optionalSession(c echo.Context) (*accounts.Session, string) {
	if h.Accounts == nil {
		return nil, ""
	}
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
	return v, nil
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
	if slug := p.get("article"); slug != "" && len(slug) <= 200 {
		if a, err := h.KB.Article(lang(c), slug); err == nil {
			v.Article, v.ArticleRef = slug, &a.Summary
		}
	}
	if id := p.get("form_id"); id != "" && len(id) <= 64 {
		v.FormID = id
	}
	refuse := func(status int, e views.FieldError) error {
		v.Errors = []views.FieldError{e}
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
		if !strings.HasPrefix(id, "tickets.") {
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
	receipt, err := h.Tickets.Submit(ctx, tickets.Submission{
		Lang: lang(c), Name: p.get("name"), Email: p.get("email"), Session: s,
		Topic: p.get("topic"), Subject: p.get("subject"), Body: p.get("body"), Comment: v.Comment,
		Attachments: p.files, Address: c.RealIP(), FormID: v.FormID, Article: v.Article,
	})
	if err != nil {
		id := errs.MessageIDOf(err)
		if id == tickets.MsgAlreadySent {
			ref, _ := errData(err)["Reference"].(string)
			return h.render(c, http.StatusOK, views.SentPage(views.SentView{Reference: ref, SignedIn: s != nil, Token: token, Again: true}),
				views.SentMain(views.SentView{Reference: ref, SignedIn: s != nil, Token: token, Again: true}))
		}
		if !strings.HasPrefix(id, "tickets.") {
			return err
		}
		return refuse(classify(err).Status, views.FieldError{Field: submitField(id), MessageID: id, Args: errArgs(err)})
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

// cleanRef is a reference as typed: trimmed, upper case, at most 40 bytes.
func cleanRef(ref string) string {
	ref = strings.ToUpper(strings.TrimSpace(ref))
	if len(ref) > 40 || !utf8.ValidString(ref) {
		return ""
	}
	return ref
}

// cleanKey is an access key as typed: spaces and dashes do not matter to the
// service; only its length is bounded here.
func cleanKey(key string) string {
	key = strings.TrimSpace(key)
	if len(key) > 100 || !utf8.ValidString(key) {
		return ""
	}
	return key
}

func (h *Handlers) followForm(c echo.Context) error {
	return h.render(c, http.StatusOK, views.FollowPage(views.FollowView{Reference: cleanRef(c.QueryParam("ref"))}), nil)
}

// refusedAccess shows the follow form with the one message a wrong
// reference and a wrong key share, or passes on another failure.
func (h *Handlers) refusedAccess(c echo.Context, ref, key string, err error) error {
	id := errs.MessageIDOf(err)
	if id != tickets.MsgAccessDenied && id != tickets.MsgTooManyAttempts && id != "error.rate_limited" && id != tickets.MsgNotAllowed {
		return err
	}
	if id == tickets.MsgNotAllowed {
		id = tickets.MsgAccessDenied
	}
	st := classify(err).Status
	if st == http.StatusTooManyRequests {
		c.Response().Header().Set("Retry-After", "60")
	}
	return h.render(c, st, views.FollowPage(views.FollowView{Reference: ref, AccessKey: key,
		Errors: []views.FieldError{{MessageID: id}}}), nil)
}

// limited runs the per-address limit of following tickets by hand, so a
// refusal can keep what was typed.
func limited(limit echo.MiddlewareFunc, c echo.Context) error {
	return limit(func(echo.Context) error { return nil })(c)
}

// followTicket opens a ticket by reference and access key.
func (h *Handlers) followTicket(limit echo.MiddlewareFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ref, key := cleanRef(c.FormValue("ref")), cleanKey(c.FormValue("key"))
		if err := limited(limit, c); err != nil {
			return h.refusedAccess(c, ref, key, err)
		}
		if ref == "" || key == "" {
			return h.refusedAccess(c, ref, key, errs.E(errs.Forbidden, tickets.MsgAccessDenied))
		}
		return h.showTicket(c, ref, tickets.Viewer{Reference: ref, AccessKey: key, Address: c.RealIP()}, []views.Hidden{{Name: "key", Value: key}}, http.StatusOK, nil)
	}
}

// viewer is who asks for ticket ref: a guest with the access key (a form
// field; in the query only for the e-mailed link, GET), else the signed-in
// session. ok is false for neither.
func (h *Handlers) viewer(c echo.Context, ref string, keyInQuery bool) (v tickets.Viewer, access []views.Hidden, ok bool) {
	key := ""
	if c.Request().Method == http.MethodPost {
		key = c.Request().PostFormValue("key")
	} else if keyInQuery {
		key = c.QueryParam("key")
	}
	if key = cleanKey(key); key != "" {
		return tickets.Viewer{Reference: ref, AccessKey: key, Address: c.RealIP()}, []views.Hidden{{Name: "key", Value: key}}, true
	}
	if s, token := h.optionalSession(c); s != nil {
		if token != "" {
			access = []views.Hidden{{Name: "token", Value: token}}
		}
		return tickets.Viewer{Session: s}, access, true
	}
	return tickets.Viewer{}, nil, false
}

// ticketGet is the e-mailed link (?key=…), or a signed-in customer's ticket
// by its 1-Click cookie; anyone else is asked for the access key.
func (h *Handlers) ticketGet(limit echo.MiddlewareFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ref := cleanRef(c.Param("ref"))
		if err := limited(limit, c); err != nil {
			return h.refusedAccess(c, ref, "", err)
		}
		v, access, ok := h.viewer(c, ref, true)
		if !ok {
			return h.render(c, http.StatusOK, views.FollowPage(views.FollowView{Reference: ref}), nil)
		}
		return h.showTicket(c, ref, v, access, http.StatusOK, nil)
	}
}

// ticketPost shows the ticket to a form that carries the key or the token.
func (h *Handlers) ticketPost(limit echo.MiddlewareFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ref := cleanRef(c.Param("ref"))
		if err := limited(limit, c); err != nil {
			return h.refusedAccess(c, ref, "", err)
		}
		v, access, ok := h.viewer(c, ref, false)
		if !ok {
			return h.refusedAccess(c, ref, "", errs.E(errs.Forbidden, tickets.MsgAccessDenied))
		}
		return h.showTicket(c, ref, v, access, http.StatusOK, nil)
	}
}

// showTicket opens the ticket for v and renders it; adjust sets what a
// change adds (its notice, a refusal with what was typed).
func (h *Handlers) showTicket(c echo.Context, ref string, v tickets.Viewer, access []views.Hidden, status int, adjust func(*views.TicketView)) error {
	t, err := h.Tickets.Open(c.Request().Context(), v, ref)
	if err != nil {
		key := ""
		if v.Session == nil {
			key = v.AccessKey
		}
		return h.refusedAccess(c, ref, key, err)
	}
	tv := h.ticketView(c, t, v, access)
	if adjust != nil {
		adjust(&tv)
	}
	return h.render(c, status, views.TicketPage(tv), nil)
}

func (h *Handlers) ticketView(c echo.Context, t *tickets.Ticket, viewer tickets.Viewer, access []views.Hidden) views.TicketView {
	ctx := c.Request().Context()
	lim := h.Tickets.Limits()
	v := views.TicketView{
		Reference: t.Reference, Subject: t.Subject, Topic: h.topicName(c, t.Topic), Status: string(t.Status), Comment: t.Comment,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, Access: access,
		CanReply: t.CanReply, CanClose: t.CanClose, CanReopen: t.CanReopen, CanRate: t.CanRate,
		ReplyFormID: newFormID(), MaxFiles: lim.MaxAttachments, MaxFileSize: lim.MaxAttachmentBytes,
	}
	for _, hdn := range access {
		if hdn.Name == "token" {
			v.Token = hdn.Value
		}
	}
	v.SignedIn = viewer.Session != nil
	if t.Rating != nil {
		v.Rating = &views.RatingView{Score: t.Rating.Score, Comment: t.Rating.Comment, At: t.Rating.At}
	}
	v.Thread = views.ThreadOf(t, time.Now())
	v.Thread.Hidden = access
	ref := t.Reference
	v.Thread.AttachmentURL = func(id int64) string {
		return views.Href(ctx, "/support/tickets/"+ref+"/attachments/"+strconv.FormatInt(id, 10))
	}
	return v
}

// topicName is a topic's name in the page's language (its key if unknown).
func (h *Handlers) topicName(c echo.Context, key string) string {
	topics, err := h.Tickets.Topics(c.Request().Context(), lang(c), true)
	if err != nil {
		return key
	}
	for _, t := range topics {
		if t.Key == key {
			return t.Name
		}
	}
	return key
}

// ticketChange runs one change of a ticket by its customer and shows the
// ticket again, with its notice or with why it was refused.
func (h *Handlers) ticketChange(c echo.Context, change func(v tickets.Viewer, ref string) (notice string, err error), refused func(*views.TicketView)) error {
	ref := cleanRef(c.Param("ref"))
	v, access, ok := h.viewer(c, ref, false)
	if !ok {
		return h.refusedAccess(c, ref, "", errs.E(errs.Forbidden, tickets.MsgAccessDenied))
	}
	notice, err := change(v, ref)
	if err != nil {
		id := errs.MessageIDOf(err)
		if id == tickets.MsgAccessDenied || id == tickets.MsgTooManyAttempts || !strings.HasPrefix(id, "tickets.") {
			key := ""
			if v.Session == nil {
				key = v.AccessKey
			}
			return h.refusedAccess(c, ref, key, err)
		}
		status := classify(err).Status
		return h.showTicket(c, ref, v, access, status, func(tv *views.TicketView) {
			if refused != nil {
				refused(tv)
			}
			field := ""
			if len(tv.Errors) > 0 {
				field = tv.Errors[0].Field
			}
			tv.Errors = []views.FieldError{{Field: field, MessageID: id, Args: errArgs(err)}}
		})
	}
	return h.showTicket(c, ref, v, access, http.StatusOK, func(tv *views.TicketView) { tv.NoticeID = notice })
}

// replyTicket adds the customer's reply (with attachments). The key (or the
// token) and the text come before the files in the form: the ticket is
// opened with them before any file is read.
func (h *Handlers) replyTicket(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := h.readFields(c)
	if err != nil {
		return err
	}
	defer p.close()
	ref := cleanRef(c.Param("ref"))
	v, access, ok := h.viewer(c, ref, false)
	if !ok {
		return h.refusedAccess(c, ref, "", errs.E(errs.Forbidden, tickets.MsgAccessDenied))
	}
	body := p.get("body")
	keep := func(field string) func(*views.TicketView) {
		return func(tv *views.TicketView) {
			tv.Reply = shown(body)
			tv.FilesDropped = p.hasFiles() || p.tooLarge
			if id := p.get("form_id"); id != "" && len(id) <= 64 {
				tv.ReplyFormID = id
			}
			tv.Errors = []views.FieldError{{Field: field}}
		}
	}
	refuse := func(status int, msg string, args ...any) error {
		if status == http.StatusServiceUnavailable {
			busy(c)
		}
		return h.showTicket(c, ref, v, access, status, func(tv *views.TicketView) {
			keep("reply-files")(tv)
			tv.Errors = []views.FieldError{{Field: "reply-files", MessageID: msg, Args: args}}
		})
	}
	if !p.tooLarge {
		// Access first: a wrong key or an unknown ticket reads no file.
		if _, err := h.Tickets.Open(ctx, v, ref); err != nil {
			key := ""
			if v.Session == nil {
				key = v.AccessKey
			}
			return h.refusedAccess(c, ref, key, err)
		}
		if err := h.readFiles(c, p); err != nil {
			if errors.Is(err, errUploadBusy) {
				return refuse(http.StatusServiceUnavailable, MsgUploadBusy)
			}
			return err
		}
	}
	if p.tooLarge {
		return refuse(http.StatusRequestEntityTooLarge, MsgTooLarge, "Size", int(h.uploadLimit()>>20))
	}
	if err := h.load(ctx, p); err != nil {
		return err
	}
	body = p.get("body")
	field := views.FieldReply
	return h.ticketChange(c, func(v tickets.Viewer, ref string) (string, error) {
		err := h.Tickets.Reply(ctx, v, ref, tickets.Reply{Body: body, Files: p.files, FormID: p.get("form_id")})
		if errs.MessageIDOf(err) == tickets.MsgAlreadySent {
			return MsgReplyAgain, nil
		}
		if id := errs.MessageIDOf(err); err != nil && submitField(id) == views.FieldFiles {
			field = "reply-files"
		}
		return MsgReplySent, err
	}, func(tv *views.TicketView) { keep(field)(tv) })
}

// ticketStatus closes or reopens a ticket.
func (h *Handlers) ticketStatus(c echo.Context) error {
	return h.ticketChange(c, func(v tickets.Viewer, ref string) (string, error) {
		st := tickets.Status(c.FormValue("status"))
		notice := MsgReopened
		if st == tickets.StatusClosed {
			notice = MsgClosed
		}
		return notice, h.Tickets.SetStatus(c.Request().Context(), v, ref, st)
	}, nil)
}

// rateTicket records the customer's rating of a resolved ticket.
func (h *Handlers) rateTicket(c echo.Context) error {
	comment := c.FormValue("comment")
	score, _ := strconv.Atoi(c.FormValue("score"))
	return h.ticketChange(c, func(v tickets.Viewer, ref string) (string, error) {
		return MsgRated, h.Tickets.Rate(c.Request().Context(), v, ref, score, comment)
	}, func(tv *views.TicketView) {
		tv.Score, tv.RateComment = score, shown(comment)
		tv.Errors = []views.FieldError{{Field: views.FieldScore}}
	})
}

// attachment downloads one file of a ticket to its viewers only, as a
// download that no browser renders: octet-stream, nosniff, sandboxed.
func (h *Handlers) attachment(c echo.Context) error {
	ref := cleanRef(c.Param("ref"))
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	v, _, ok := h.viewer(c, ref, false)
	if !ok {
		return h.refusedAccess(c, ref, "", errs.E(errs.Forbidden, tickets.MsgAccessDenied))
	}
	a, err := h.Tickets.Attachment(c.Request().Context(), v, ref, id)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return err
		}
		return h.refusedAccess(c, ref, "", err)
	}
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentDisposition, "attachment; filename*=UTF-8''"+encodeRFC5987(a.Name))
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	return c.Blob(http.StatusOK, "application/octet-stream", a.Data)
}

// keyFile is the confirmation's "Save as a file": a small text file with the
// reference, the access key and the follow address, for the guest who has
// the key (posted, never in a URL), as a download that is never cached.
func (h *Handlers) keyFile(c echo.Context) error {
	ctx := c.Request().Context()
	ref, key := cleanRef(c.Param("ref")), cleanKey(c.FormValue("key"))
	if key == "" {
		return h.refusedAccess(c, ref, "", errs.E(errs.Forbidden, tickets.MsgAccessDenied))
	}
	t, err := h.Tickets.Open(ctx, tickets.Viewer{Reference: ref, AccessKey: key, Address: c.RealIP()}, ref)
	if err != nil {
		return h.refusedAccess(c, ref, key, err)
	}
	var b strings.Builder
	b.WriteString(views.T(ctx, "support.keyfile.title", "Portal", "zerodesk") + "\n\n")
	b.WriteString(views.T(ctx, "support.reference") + ": " + t.Reference + "\n")
	b.WriteString(views.T(ctx, "support.access_key") + ": " + key + "\n")
	b.WriteString(views.T(ctx, "support.keyfile.follow") + ": " + h.Tickets.Link(lang(c), "/support/tickets?ref="+t.Reference) + "\n\n")
	b.WriteString(views.T(ctx, "support.keyfile.private") + "\n")
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentDisposition, "attachment; filename*=UTF-8''"+encodeRFC5987("zerodesk-"+t.Reference+".txt"))
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	return c.Blob(http.StatusOK, "text/plain; charset=utf-8", []byte(b.String()))
}

// encodeRFC5987 percent-encodes a file name for filename*=UTF-8”…: every
// byte but the attr-chars of RFC 5987.
func encodeRFC5987(name string) string {
	if name == "" {
		name = "attachment"
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		ch := name[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9',
			strings.IndexByte("!#$&+-.^_`|~", ch) >= 0:
			b.WriteByte(ch)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[ch>>4])
			b.WriteByte(hex[ch&15])
		}
	}
	return b.String()
}

// myTickets is My tickets in My account: nil when tickets are off, else the
// account's tickets (an empty list for none). A failure is logged and leaves
// the list out: My account, and signing out, must keep working.
func (h *Handlers) myTickets(c echo.Context, s *accounts.Session) []views.TicketLine {
	if h.Tickets == nil {
		return nil
	}
	list, err := h.Tickets.ForAccount(c.Request().Context(), s)
	if err != nil {
		h.Log.LogAttrs(c.Request().Context(), slog.LevelError, "my tickets", slog.String("error", err.Error()))
		return nil
	}
	lines := make([]views.TicketLine, 0, len(list))
	for _, t := range list {
		lines = append(lines, views.TicketLine{Reference: t.Reference, Subject: t.Subject, Status: string(t.Status), UpdatedAt: t.UpdatedAt, Unread: t.Unread})
	}
	return lines
}
