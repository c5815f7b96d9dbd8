package mail

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// Security 10: addresses go on the wire in ASCII; no input adds a header line.

func TestCheckAddress_NonASCIIPartBeforeTheAtIsItsOwnRefusal(t *testing.T) {
	for _, in := range []string{"ZOË@example.org", "zoë@exämple.org", "用户@例子.中国"} {
		if _, err := CheckAddress(in); !errors.Is(err, ErrLocalNotASCII) {
			t.Errorf("CheckAddress(%q) = %v, want ErrLocalNotASCII", in, err)
		}
	}
	for _, in := range []string{"zoe@exa mple.org", "zoe@-bad-.org", "zoe@\u0301example.org", "zoe@exa\u0000mple.org", "zoe@a\u202eb.org", "zoe\t@example.org"} {
		if a, err := CheckAddress(in); err == nil || errors.Is(err, ErrLocalNotASCII) {
			t.Errorf("CheckAddress(%q) = %q, %v; want the plain refusal", in, a, err)
		}
	}
	for in, want := range map[string]string{"zoe@例子.中国": "zoe@例子.中国", "zoe@ex\u200bample.org": "zoe@example.org",
		"zoe@EXÄMPLE.org": "zoe@exämple.org"} {
		if a, err := CheckAddress(in); err != nil || a != want {
			t.Errorf("CheckAddress(%q) = %q, %v; want %q", in, a, err, want)
		}
	}
}

func renderTo(t *testing.T, to, subject string) (*mail.Message, []byte) {
	t.Helper()
	raw, err := Render(Envelope{ID: "id1", From: "Zérodesk Support <no-reply@désk.example>", Date: time.Unix(1_800_000_000, 0),
		Message: Message{To: to, Subject: subject, TextBody: "Hi\n"}})
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for _, c := range head {
		if c >= utf8.RuneSelf {
			t.Fatalf("a raw non-ASCII byte in the header:\n%s", head)
		}
	}
	m, _ := readEML(t, raw)
	return m, raw
}

func TestRender_NonASCIIAddressesAndNamesAreEncoded(t *testing.T) {
	m, raw := renderTo(t, "Zoë Tëster <zoe@exämple.org>", "Bienvenue à zerodesk")
	to, err := m.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "zoe@xn--exmple-cua.org" || to[0].Name != "Zoë Tëster" {
		t.Errorf("To = %v, %v\n%s", to, err, raw)
	}
	from, err := m.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != "no-reply@xn--dsk-bma.example" || from[0].Name != "Zérodesk Support" {
		t.Errorf("From = %v, %v", from, err)
	}
	if got := m.Header.Get("Message-ID"); got != "<id1@xn--dsk-bma.example>" {
		t.Errorf("Message-ID = %q", got)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if subject != "Bienvenue à zerodesk" {
		t.Errorf("Subject = %q", subject)
	}
	// A long name and subject fold to lines of at most 78 characters.
	_, raw = renderTo(t, strings.Repeat("Zoë ", 40)+"<zoe@example.org>", strings.Repeat("Grüße ", 33))
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for _, line := range strings.Split(string(head), "\r\n") {
		if len(line) > 78 || strings.TrimSpace(line) == "" {
			t.Errorf("header line of %d characters: %q", len(line), line)
		}
	}
}

func TestSMTP_EnvelopeUsesTheASCIIDomain(t *testing.T) {
	addr, got := fakeSMTP(t)
	s, err := NewSMTP("smtp+insecure://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	e := Envelope{ID: "id1", From: "zerodesk <no-reply@désk.example>", Date: time.Unix(1_800_000_000, 0),
		Message: Message{To: "zoe@exämple.org", Subject: "x", TextBody: "y"}}
	if err := s.Send(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	transcript := <-got
	if !strings.Contains(transcript, "MAIL FROM:<no-reply@xn--dsk-bma.example>") || !strings.Contains(transcript, "RCPT TO:<zoe@xn--exmple-cua.org>") {
		t.Fatalf("envelope:\n%s", transcript)
	}
	// An address no form accepts any more (older rows) is refused, not sent raw.
	e.To = "zoë@example.org"
	if err := s.Send(context.Background(), e); err == nil {
		t.Fatal("a non-ASCII local part was sent")
	}
}

func TestRender_NoInputAddsAHeaderLine(t *testing.T) {
	env := func(mod func(*Envelope)) Envelope {
		e := Envelope{ID: "id1", From: "zerodesk <no-reply@desk.example>", Date: time.Unix(1_800_000_000, 0),
			Message: Message{To: "zoe@example.org", Subject: "x", TextBody: "y"}}
		mod(&e)
		return e
	}
	for name, e := range map[string]Envelope{
		"CR LF in the name":    env(func(e *Envelope) { e.To = "\"Eve\r\nBcc: x@evil.example\" <zoe@example.org>" }),
		"LF in the subject":    env(func(e *Envelope) { e.Subject = "hi\nBcc: x@evil.example" }),
		"CR in the subject":    env(func(e *Envelope) { e.Subject = "hi\rBcc: x@evil.example" }),
		"NUL in the subject":   env(func(e *Envelope) { e.Subject = "hi\x00" }),
		"VT in the subject":    env(func(e *Envelope) { e.Subject = "hi\vthere" }),
		"NEL in the subject":   env(func(e *Envelope) { e.Subject = "hi\u0085Bcc: x" }),
		"CR LF in the sender":  env(func(e *Envelope) { e.From = "z <a@desk.example>\r\nBcc: x@evil.example" }),
		"CR LF in the ID":      env(func(e *Envelope) { e.ID = "id\r\nBcc: x@evil.example" }),
		"angle in the ID":      env(func(e *Envelope) { e.ID = "id>" }),
		"non-ASCII local part": env(func(e *Envelope) { e.To = "zoë@example.org" }),
		"a bad IDN":            env(func(e *Envelope) { e.To = "zoe@\u0301example.org" }),
		"two recipients":       env(func(e *Envelope) { e.To = "a@example.org, b@example.org" }),
	} {
		if raw, err := Render(e); err == nil {
			checkHeaders(t, raw)
			t.Errorf("%s: rendered\n%s", name, raw)
		}
	}
	// A name with every printable character is fine and stays one header.
	raw, err := Render(env(func(e *Envelope) { e.To = `"Zoë \"Q\" <x@y> Bcc: a@b; ,:" <zoe@example.org>` }))
	if err != nil {
		t.Fatal(err)
	}
	checkHeaders(t, raw)
}

// wantHeaders are the only header fields a rendered message has.
var wantHeaders = []string{"Auto-Submitted", "Content-Transfer-Encoding", "Content-Type", "Date", "From", "Message-Id",
	"Mime-Version", "Subject", "To"}

// checkHeaders fails unless raw parses, has exactly wantHeaders once each,
// one recipient, and only printable ASCII lines of at most 998 bytes in its
// header.
func checkHeaders(t *testing.T, raw []byte) *mail.Message {
	t.Helper()
	head, _, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("no blank line after the header:\n%q", raw)
	}
	for _, line := range strings.Split(string(head), "\r\n") {
		if len(line) > 998 || strings.ContainsFunc(line, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
			t.Fatalf("header line %q", line)
		}
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("does not parse: %v\n%q", err, raw)
	}
	var keys []string
	for k, v := range m.Header {
		if len(v) != 1 {
			t.Fatalf("header %s %d times:\n%s", k, len(v), head)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, wantHeaders) {
		t.Fatalf("headers %v, want %v:\n%s", keys, wantHeaders, head)
	}
	if to, err := m.Header.AddressList("To"); err != nil || len(to) != 1 {
		t.Fatalf("To = %v, %v:\n%s", to, err, head)
	}
	return m
}

// FuzzCheckAddress: whatever a form receives, an accepted address is one
// clean address, stable when checked again, and renders as a message with
// exactly our headers, addressed to its ASCII form.
func FuzzCheckAddress(f *testing.F) {
	for _, s := range []string{"zoe@example.org", " ZOE@Exämple.org ", "zoë@example.org", "a@b", "a@xn--exmple-cua.org",
		"\"a b\"@example.org", "a@[127.0.0.1]", "a@例子.中国", "a@EXA\u0301MPLE.org", "a@b.c\r\nBcc: x@y.z", "(c)a@b.org",
		"a@ß.de", "a@xn--.org", "a..b@c.org", "@example.org", "a@example.org.", "a@.example.org"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		a, err := CheckAddress(in)
		if err != nil {
			if a != "" {
				t.Fatalf("refused but returned %q", a)
			}
			return
		}
		if !utf8.ValidString(a) || len(a) > 254 || strings.ContainsAny(a, "<> \r\n") || strings.ContainsFunc(a, unicode.IsControl) {
			t.Fatalf("CheckAddress(%q) = %q", in, a)
		}
		if again, err := CheckAddress(a); err != nil || again != a {
			t.Fatalf("not stable: %q → %q → %q, %v", in, a, again, err)
		}
		wire, err := wireAddress(a)
		if err != nil || !isASCII(wire) || len(wire) > 254 {
			t.Fatalf("wire form of %q: %q, %v", a, wire, err)
		}
		raw, err := Render(Envelope{ID: "id1", From: "zerodesk <no-reply@desk.example>", Date: time.Unix(0, 0),
			Message: Message{To: a, Subject: "s", TextBody: "b"}})
		if err != nil {
			t.Fatalf("an accepted address does not render: %q: %v", a, err)
		}
		m := checkHeaders(t, raw)
		if to, _ := m.Header.AddressList("To"); to[0].Address != wire {
			t.Fatalf("To %q, want %q", to[0].Address, wire)
		}
	})
}

// FuzzRender: whatever recipient, display name and subject reach Render, it
// refuses or writes exactly our headers, one recipient, printable ASCII, and
// the subject and body come back as given.
func FuzzRender(f *testing.F) {
	f.Add("Zoë <zoe@example.org>", "Willkommen — hi", "body\n")
	f.Add("\"x\r\nBcc: y@z.org\" <zoe@example.org>", "s\r\nBcc: y@z.org", "b")
	f.Add("zoe@exämple.org", "=?utf-8?q?x?=", "=\r\n.\r\n")
	f.Add("=?utf-8?q?a=0D=0ABcc:_x@y.org?= <a@b.org>", strings.Repeat("ü", 200), "")
	f.Fuzz(func(t *testing.T, to, subject, body string) {
		raw, err := Render(Envelope{ID: "id1", From: "zerodesk <no-reply@desk.example>", Date: time.Unix(0, 0),
			Message: Message{To: to, Subject: subject, TextBody: body}})
		if err != nil {
			return
		}
		m := checkHeaders(t, raw)
		got, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		// A subject comes back as typed, or trimmed at its ends (plain ASCII
		// is written as is, and header parsers trim it). Runs of spaces in a
		// plain subject may unfold: those compare loosely. A subject typed
		// with "=?" in it is sent encoded, so it comes back exactly.
		want := strings.TrimSpace(subject)
		same := got == subject || got == want && !strings.Contains(subject, "=?")
		if err != nil || !same && (strings.Contains(subject, "=?") || !strings.Contains(subject, "  ")) {
			t.Fatalf("Subject %q came back as %q, %v", want, got, err)
		}
	})
}

func TestNewOutbox_RefusesASenderRenderCannotWrite(t *testing.T) {
	db := openDB(t)
	for _, from := range []string{"zerodesk <zoë@example.org>", "z <a@example.org>\r\nBcc: b@example.org", "nobody"} {
		if _, err := NewOutbox(db, OutboxOptions{From: from}); err == nil {
			t.Errorf("sender %q accepted", from)
		}
	}
	if _, err := NewOutbox(db, OutboxOptions{From: "Zérodesk <no-reply@désk.example>"}); err != nil {
		t.Errorf("an IDN sender with a non-ASCII name: %v", err)
	}
}
