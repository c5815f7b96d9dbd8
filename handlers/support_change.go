package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/errs"
	"zerodesk/internal/tickets"
	"zerodesk/views"
)

// What a ticket's customer does on its page: reply (with attachments), close
// or reopen, rate, download an attachment or the key file.

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
		if !errs.IsRefusal(err) || id == tickets.MsgAccessDenied || id == tickets.MsgTooManyAttempts {
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
	return sendAttachment(c, a)
}

// sendAttachment serves a file as a download only, whatever it holds: the
// customer's and the desk's downloads alike.
func sendAttachment(c echo.Context, a *tickets.Attachment) error {
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
