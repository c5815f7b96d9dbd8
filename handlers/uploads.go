package handlers

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/errs"
	"zerodesk/internal/tickets"
)

// Uploads (issue 10, security 3). A form with attachments is read in two
// steps, so nothing large is read before the request is known to be allowed:
//
//  1. readFields reads the small text fields, in form order, up to the first
//     file part (the forms put the key, the token and the text before their
//     file input). The handler then checks its limits and the access.
//  2. readFiles takes one of a few process-wide upload slots (or answers
//     "busy, try again" with what was typed kept) and streams the file parts
//     to temporary files, each to one byte past the per-file limit.
//
// The files enter memory only in load, under a second, smaller semaphore,
// just before the service seals and stores them. So memory is bounded by
// sealSlots × (MaxAttachments × MaxAttachmentBytes), whatever the number of
// concurrent uploads, and disk by uploadSlots × uploadLimit.

// MsgUploadBusy is the answer when every upload slot is taken.
const MsgUploadBusy = "support.busy"

const (
	// defaultUploadSlots is how many uploads may be read at once.
	defaultUploadSlots = 6
	// defaultUploadWait is how long an upload waits for a slot before the
	// "busy" answer.
	defaultUploadWait = 2 * time.Second
	// sealSlots is how many requests hold their files in memory at once.
	sealSlots = 1
	// maxFieldsBytes bounds all the text fields of one form together.
	maxFieldsBytes = 1 << 20
	// maxFieldBytes bounds one text field.
	maxFieldBytes = 256 << 10
)

// uploadGate holds the process-wide semaphores of uploads.
type uploadGate struct {
	once  sync.Once
	slots chan struct{} // reading file parts to temporary files
	seal  chan struct{} // files in memory
	wait  time.Duration
}

func (g *uploadGate) init(slots int, wait time.Duration) {
	g.once.Do(func() {
		if slots <= 0 {
			slots = defaultUploadSlots
		}
		if wait <= 0 {
			wait = defaultUploadWait
		}
		g.slots = make(chan struct{}, slots)
		g.seal = make(chan struct{}, sealSlots)
		g.wait = wait
	})
}

func (h *Handlers) gate() *uploadGate {
	h.uploads.init(h.UploadSlots, h.UploadWait)
	return &h.uploads
}

// errUploadBusy: every upload slot stayed taken for the whole wait. The
// handlers answer it with 503, Retry-After and the form as it was typed.
var errUploadBusy = errors.New("upload: every slot is taken")

// acquire takes a slot of sem, waiting at most wait.
func acquire(ctx context.Context, sem chan struct{}, wait time.Duration) bool {
	select {
	case sem <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case sem <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

// uploadRoute guards an upload route: the form is empty until readFields
// fills it, so nothing (c.FormValue, a session lookup) can make net/http
// parse the whole multipart body into memory behind the handler's back.
func uploadRoute(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		r.Form = url.Values{}
		for k, v := range r.URL.Query() {
			r.Form[k] = v
		}
		r.PostForm = url.Values{}
		r.MultipartForm = &multipart.Form{Value: url.Values{}}
		return next(c)
	}
}

// uploadRules are one upload route's bounds: the whole body, how many files
// and how large each. The ticket routes use the ticket service's limits
// (ticketUploads); the editors' files theirs (editor_files.go).
type uploadRules struct {
	body      int64
	files     int
	fileBytes int64
}

func (h *Handlers) ticketUploads() uploadRules {
	l := h.Tickets.Limits()
	return uploadRules{body: h.uploadLimit(), files: l.MaxAttachments, fileBytes: l.MaxAttachmentBytes}
}

// posted is a submitted form: its text fields and its files.
type posted struct {
	rules  uploadRules
	values url.Values
	files  []tickets.Upload
	// tooLarge: the body (or its text) went past the route's limit; what
	// came after was not read.
	tooLarge bool
	// Between readFields and readFiles: the rest of the stream and its first
	// file part, not read yet.
	mr   *multipart.Reader
	next *multipart.Part
	// prefix is what was read of next to learn it was not empty.
	prefix []byte
	// spooled are the files read to temporary files, in order.
	spooled []spooled
	release []func()
}

type spooled struct {
	name string
	path string
}

func (p *posted) get(name string) string { return p.values.Get(name) }

// hasFiles reports whether the form sent files (or had a file part left
// unread, which may be one): a refusal says they must be chosen again.
func (p *posted) hasFiles() bool {
	return len(p.files) > 0 || len(p.spooled) > 0 || (p.next != nil && p.next.FileName() != "")
}

// close removes the temporary files and gives the slots back.
func (p *posted) close() {
	for _, f := range p.spooled {
		os.Remove(f.path)
	}
	p.spooled = nil
	for i := len(p.release) - 1; i >= 0; i-- {
		p.release[i]()
	}
	p.release = nil
}

// setForm makes the fields read so far answer c.FormValue.
func (p *posted) setForm(r *http.Request) {
	r.PostForm = p.values
	r.Form = url.Values{}
	for k, v := range r.URL.Query() {
		r.Form[k] = v
	}
	for k, v := range p.values {
		r.Form[k] = append(r.Form[k], v...)
	}
	r.MultipartForm = &multipart.Form{Value: p.values}
}

// readFields reads a form's text fields, up to its first file part, under
// the route's body limit; the text together is at most maxFieldsBytes. The
// caller must close p (after readFiles, if it calls it).
func (h *Handlers) readFields(c echo.Context) (*posted, error) {
	return h.readFieldsUnder(c, h.ticketUploads())
}

// readFieldsUnder is readFields under the bounds of another route.
func (h *Handlers) readFieldsUnder(c echo.Context, rules uploadRules) (*posted, error) {
	r := c.Request()
	r.Body = http.MaxBytesReader(c.Response(), r.Body, rules.body)
	p := &posted{values: url.Values{}, rules: rules}
	defer p.setForm(r)
	r.MultipartForm = nil // uploadRoute's guard: this is the one reader
	mr, err := r.MultipartReader()
	if err != nil {
		// Not multipart: an ordinary form (no files), text only.
		r.Body = http.MaxBytesReader(c.Response(), r.Body, maxFieldsBytes)
		r.Form, r.PostForm, r.MultipartForm = nil, nil, nil
		if perr := r.ParseForm(); perr != nil {
			if bodyTooLarge(perr) {
				p.tooLarge = true
				return p, nil
			}
			return nil, errs.E(errs.Invalid, "error.bad_request")
		}
		p.values = r.PostForm
		return p, nil
	}
	p.mr = mr
	budget := int64(maxFieldsBytes)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			p.mr = nil
			return p, nil
		}
		if err != nil {
			p.mr = nil
			if bodyTooLarge(err) {
				p.tooLarge = true
				return p, nil
			}
			return nil, errs.E(errs.Invalid, "error.bad_request")
		}
		if isFilePart(part) {
			if part.FileName() == "" {
				// The empty file input of a form sent without files needs
				// no slot; a nameless part with content is a file.
				var one [1]byte
				n, err := io.ReadFull(part, one[:])
				if n == 0 && (err == io.EOF || err == io.ErrUnexpectedEOF) {
					continue
				}
				if err != nil {
					p.mr = nil
					if bodyTooLarge(err) {
						p.tooLarge = true
						return p, nil
					}
					return nil, errs.E(errs.Invalid, "error.bad_request")
				}
				p.prefix = one[:n]
			}
			p.next = part
			return p, nil
		}
		if !p.readField(part, &budget) {
			p.mr = nil
			return p, nil
		}
	}
}

func isFilePart(part *multipart.Part) bool {
	return part.FileName() != "" || part.FormName() == "files"
}

// readField adds one text part to p; false when the text went past its
// budget or the body limit (p.tooLarge).
func (p *posted) readField(part *multipart.Part, budget *int64) bool {
	most := min(maxFieldBytes, *budget)
	b, err := io.ReadAll(io.LimitReader(part, most+1))
	if err != nil || int64(len(b)) > most {
		p.tooLarge = true
		return false
	}
	*budget -= int64(len(b))
	p.values.Add(part.FormName(), string(b))
	return true
}

// readFiles reads the rest of the form once the request is allowed: it
// takes an upload slot (errUploadBusy when none frees up in time), streams
// each file to a temporary file (to one byte past the per-file limit, the
// rest discarded; files past the count the service takes plus one are
// skipped) and keeps any text field that comes after the files.
func (h *Handlers) readFiles(c echo.Context, p *posted) error {
	if p.mr == nil {
		return nil
	}
	g := h.gate()
	if !acquire(c.Request().Context(), g.slots, g.wait) {
		return errUploadBusy
	}
	p.release = append(p.release, func() { <-g.slots })
	defer p.setForm(c.Request())
	budget := int64(maxFieldsBytes)
	for _, vs := range p.values {
		for _, v := range vs {
			budget -= int64(len(v))
		}
	}
	part := p.next
	p.next = nil
	mr := p.mr
	p.mr = nil
	for {
		if part == nil {
			var err error
			part, err = mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				if bodyTooLarge(err) {
					p.tooLarge = true
					return nil
				}
				return errs.E(errs.Invalid, "error.bad_request")
			}
		}
		if !isFilePart(part) {
			if !p.readField(part, &budget) {
				return nil
			}
			part = nil
			continue
		}
		if len(p.spooled) > p.rules.files {
			if _, err := io.Copy(io.Discard, part); err != nil {
				p.tooLarge = true
				return nil
			}
			part = nil
			continue
		}
		prefix := p.prefix
		p.prefix = nil
		if err := p.spool(part, prefix, p.rules.fileBytes+1); err != nil {
			var own *errs.Error
			switch {
			case bodyTooLarge(err):
				p.tooLarge = true
				return nil
			case errors.As(err, &own):
				return err
			}
			return errs.E(errs.Invalid, "error.bad_request")
		}
		part = nil
	}
}

// spool copies one file part to a temporary file, at most max bytes of it,
// and discards the rest. A part with neither name nor content (the empty
// file input of a form sent without files) is dropped. A failure of the
// temporary file is an *errs.Error; anything else came from the body.
func (p *posted) spool(part *multipart.Part, prefix []byte, max int64) error {
	f, err := os.CreateTemp("", "zerodesk-upload-*")
	if err != nil {
		return errs.Wrap(err, "upload: temporary file")
	}
	n, err := io.Copy(f, io.LimitReader(io.MultiReader(bytes.NewReader(prefix), part), max))
	if err == nil {
		_, err = io.Copy(io.Discard, part)
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = errs.Wrap(cerr, "upload: temporary file")
	}
	if err != nil || (n == 0 && part.FileName() == "") {
		os.Remove(f.Name())
		return err
	}
	p.spooled = append(p.spooled, spooled{name: part.FileName(), path: f.Name()})
	return nil
}

// load brings the spooled files into memory for the service, under the
// semaphore that bounds how many requests hold files at once; p.close gives
// it back.
func (h *Handlers) load(ctx context.Context, p *posted) error {
	if len(p.spooled) == 0 {
		return nil
	}
	g := h.gate()
	select {
	case g.seal <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	p.release = append(p.release, func() { <-g.seal })
	for _, f := range p.spooled {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return errs.Wrap(err, "upload: read temporary file")
		}
		p.files = append(p.files, tickets.Upload{Name: f.name, Data: data})
	}
	return nil
}

// busy answers the "busy" refusal's headers.
func busy(c echo.Context) {
	c.Response().Header().Set("Retry-After", "30")
}
