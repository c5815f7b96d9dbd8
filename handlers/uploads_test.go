package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"zerodesk/internal/accounts"
)

// guardedBody is a request body that may be read only up to allowed bytes:
// a read past them fails (and is remembered), as a refused upload must not
// read its files.
type guardedBody struct {
	r       io.Reader
	allowed int64
	read    int64
	over    atomic.Bool
}

var errReadTooFar = errors.New("the handler read the files of a refused upload")

func (g *guardedBody) Read(p []byte) (int, error) {
	if g.read >= g.allowed {
		g.over.Store(true)
		return 0, errReadTooFar
	}
	if rest := g.allowed - g.read; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := g.r.Read(p)
	g.read += int64(n)
	return n, err
}

func (g *guardedBody) Close() error { return nil }

// slack is what a multipart reader may read ahead past the text fields
// (its buffer) before it knows it reached a file part.
const slack = 16 << 10

// guardedUpload is a multipart form with fields (in the given order, as a
// browser sends them) and then one file of size bytes; the body may be read
// only to slack bytes past the start of the file.
func guardedUpload(t testing.TB, path string, fields [][2]string, size int) (*http.Request, *guardedBody) {
	t.Helper()
	var head bytes.Buffer
	w := multipart.NewWriter(&head)
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="files"; filename="big.txt"`)
	h.Set("Content-Type", "text/plain")
	if _, err := w.CreatePart(h); err != nil {
		t.Fatal(err)
	}
	allowed := int64(head.Len()) + slack
	var tail bytes.Buffer
	w2 := multipart.NewWriter(&tail)
	w2.SetBoundary(w.Boundary())
	w2.Close()
	body := io.MultiReader(&head, strings.NewReader(strings.Repeat("x", size)), strings.NewReader("\r\n"), &tail)
	g := &guardedBody{r: body, allowed: allowed}
	r := httptest.NewRequest(http.MethodPost, path, nil)
	r.Body = g
	r.ContentLength = -1
	r.Header.Set("Content-Type", w.FormDataContentType())
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Origin", "http://example.com")
	return r, g
}

func TestUploads_ARefusedUploadReadsNoFile(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ref, key := sendTicket(t, a, ticketForm(t, a))
	agent := signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", false)
	const big = 4 << 20
	check := func(t *testing.T, name string, r *http.Request, g *guardedBody, status int, want string) {
		t.Helper()
		w := a.do(t, r)
		if g.over.Load() {
			t.Fatalf("%s: the handler read %d bytes, past the text fields", name, g.read)
		}
		wantStatus(t, w, status)
		if want != "" {
			wantText(t, doc(t, w).Find("main"), want)
		}
	}
	t.Run("wrong key", func(t *testing.T) {
		r, g := guardedUpload(t, "/en/support/tickets/"+ref+"/reply",
			[][2]string{{"key", "AAAA-BBBB-CCCC-DDDD-EEEE"}, {"form_id", "f1"}, {"body", "my reply"}}, big)
		check(t, "wrong key", r, g, http.StatusForbidden, "")
	})
	t.Run("unknown ticket", func(t *testing.T) {
		r, g := guardedUpload(t, "/en/support/tickets/ZD-AAAA-BBBB/reply",
			[][2]string{{"key", key}, {"form_id", "f2"}, {"body", "my reply"}}, big)
		check(t, "unknown ticket", r, g, http.StatusForbidden, "")
	})
	t.Run("no key", func(t *testing.T) {
		r, g := guardedUpload(t, "/en/support/tickets/"+ref+"/reply", [][2]string{{"body", "my reply"}}, big)
		check(t, "no key", r, g, http.StatusForbidden, "")
	})
	t.Run("desk without a session", func(t *testing.T) {
		r, g := guardedUpload(t, "/en/desk/tickets/"+ref+"/reply", [][2]string{{"token", "not-a-token"}, {"body", "x"}}, big)
		w := a.do(t, r)
		if g.over.Load() {
			t.Fatalf("the desk read %d bytes of a form without a session", g.read)
		}
		if w.Code == http.StatusOK || w.Code >= 500 {
			t.Fatalf("status %d", w.Code)
		}
	})
	t.Run("desk, unknown ticket", func(t *testing.T) {
		r, g := guardedUpload(t, "/en/desk/tickets/ZD-AAAA-BBBB/reply", [][2]string{{"token", agent.token}, {"body", "x"}}, big)
		check(t, "desk unknown ticket", r, g, http.StatusForbidden, "")
	})
	t.Run("tickets per address spent", func(t *testing.T) {
		b := newTestApp(t)
		for i := range 5 {
			f := ticketForm(t, b)
			f.Set("email", fmt.Sprintf("u%d@example.com", i))
			sendTicket(t, b, f)
		}
		f := ticketForm(t, b)
		fields := [][2]string{{"form_id", f.Get("form_id")}, {"name", "Ada"}, {"email", "ada2@example.com"}, {"topic", f.Get("topic")},
			{"subject", "Kept subject"}, {"body", "Kept body"}}
		r, g := guardedUpload(t, "/en/support", fields, big)
		w := b.do(t, r)
		if g.over.Load() {
			t.Fatalf("read %d bytes of a form past the hourly limit", g.read)
		}
		wantStatus(t, w, http.StatusTooManyRequests)
		d := doc(t, w)
		if d.Find("#support-subject").AttrOr("value", "") != "Kept subject" || strings.TrimSpace(d.Find("#support-body").Text()) != "Kept body" {
			t.Error("what was typed was not kept")
		}
	})
	t.Run("per-address limit of the ticket routes", func(t *testing.T) {
		b := newTestApp(t)
		b.h.TicketLimit = 2
		b.e = b.h.Echo()
		for i := 0; ; i++ {
			r, g := guardedUpload(t, "/en/support/tickets/"+ref+"/reply", [][2]string{{"key", key}, {"body", "x"}}, big)
			g.allowed = 0
			r.RemoteAddr = "203.0.113.40:1000"
			w := b.do(t, r)
			if w.Code == http.StatusTooManyRequests {
				if g.read != 0 {
					t.Fatalf("the limited request read %d bytes", g.read)
				}
				break
			}
			if i == 3 {
				t.Fatal("never limited")
			}
		}
	})
}

func TestUploads_TheSlotsAreCappedAndBusyKeepsWhatWasTyped(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.h.UploadSlots, a.h.UploadWait = 2, 30*time.Millisecond
	ref, key := sendTicket(t, a, ticketForm(t, a))
	g := a.h.gate()
	if cap(g.slots) != 2 {
		t.Fatalf("%d slots, want 2", cap(g.slots))
	}
	// Two uploads in progress take every slot.
	g.slots <- struct{}{}
	g.slots <- struct{}{}
	f := ticketForm(t, a)
	fields := [][2]string{{"form_id", f.Get("form_id")}, {"name", "Ada"}, {"email", "ada@example.com"}, {"topic", f.Get("topic")},
		{"subject", "Busy subject"}, {"body", "Busy body"}}
	r, gb := guardedUpload(t, "/en/support", fields, 1000)
	w := a.do(t, r)
	if gb.over.Load() {
		t.Fatal("a busy refusal read the files")
	}
	d := wantRefused(t, w, http.StatusServiceUnavailable, "support-files", "busy")
	if w.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	if d.Find("#support-subject").AttrOr("value", "") != "Busy subject" || strings.TrimSpace(d.Find("#support-body").Text()) != "Busy body" {
		t.Error("what was typed was not kept")
	}
	r, gb = guardedUpload(t, "/en/support/tickets/"+ref+"/reply", [][2]string{{"key", key}, {"form_id", "r1"}, {"body", "Busy reply"}}, 1000)
	w = a.do(t, r)
	if gb.over.Load() {
		t.Fatal("a busy refusal read the files")
	}
	wantStatus(t, w, http.StatusServiceUnavailable)
	if got := strings.TrimSpace(doc(t, w).Find("#reply-body").Text()); got != "Busy reply" {
		t.Errorf("the reply is %q, not kept", got)
	}
	// A form sent without files (its file input empty, as browsers send it)
	// needs no slot.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, fl := range fields {
		mw.WriteField(fl[0], fl[1])
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="files"; filename=""`)
	h.Set("Content-Type", "application/octet-stream")
	mw.CreatePart(h)
	mw.Close()
	r = httptest.NewRequest(http.MethodPost, "/en/support", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	w = a.do(t, r)
	wantStatus(t, w, http.StatusOK)
	wantCount(t, doc(t, w), "#sent-key", 1)
	// A slot frees up: the same upload goes through, and gives its slot back.
	<-g.slots
	f.Set("form_id", "another-form")
	sendTicket(t, a, f, testFile{"notes.txt", []byte("some notes")})
	<-g.slots
	if len(g.slots) != 0 {
		t.Fatalf("%d slots still taken after the uploads ended", len(g.slots))
	}
}
