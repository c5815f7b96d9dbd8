package handlers

import (
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/url"
	"strings"
	"testing"

	"zerodesk/internal/testsupport"
)

// hostileName is what an attacker types as a name or subject to phish
// someone else's address through our mail (Security 8).
const hostileName = "Bob. URGENT your account is locked: log in at http://evil.example/login"

// sentMails delivers the outbox and returns each .eml as decoded headers and
// body text.
func sentMails(t *testing.T, a *testApp) []string {
	t.Helper()
	if _, err := a.outbox.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	var out []string
	for f, raw := range testsupport.MailFiles(t, a.mailDir) {
		m, err := netmail.ReadMessage(strings.NewReader(raw))
		if err != nil {
			t.Fatalf("mail %d: %v", f, err)
		}
		var b strings.Builder
		for k, vs := range m.Header {
			for _, v := range vs {
				d, _ := new(mime.WordDecoder).DecodeHeader(v)
				b.WriteString(k + ": " + d + "\n")
			}
		}
		body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
		if err != nil {
			t.Fatalf("mail %d: %v", f, err)
		}
		b.Write(body)
		out = append(out, b.String())
	}
	return out
}

// The forms anyone can fill in for any address (registration, a guest's
// ticket) send mail with our words only: no typed name or subject, in the
// header or the body, in any language.
func TestMail_FormsForAnyAddressMailNoTypedText(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for i, lang := range []string{"en", "ar", "ja"} {
		w := a.post(t, "/"+lang+"/register", url.Values{"name": {hostileName}, "email": {"victim" + lang + "@example.com"},
			"language": {lang}, "type": {"basic"}}, "X-Forwarded-For", "192.0.2."+string(rune('1'+i)))
		wantStatus(t, w, 200)
	}
	f := ticketForm(t, a)
	f.Set("name", hostileName)
	f.Set("subject", hostileName)
	f.Set("body", hostileName)
	f.Set("email", "victim@example.com")
	wantStatus(t, a.post(t, "/en/support", f), 200)

	mails := sentMails(t, a)
	if len(mails) != 4 {
		t.Fatalf("%d mails, want 4", len(mails))
	}
	for _, m := range mails {
		for _, p := range []string{"URGENT", "evil.example"} {
			if strings.Contains(m, p) {
				t.Errorf("a mail carries %q:\n%s", p, m)
			}
		}
	}
}

// Security 10: an address with letters outside ASCII before the @ gets its
// own localized refusal and keeps what was typed; one with an IDN domain is
// accepted.
func TestMail_NonASCIIBeforeTheAtIsRefusedClearly(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.post(t, "/en/register", url.Values{"name": {"Zoë"}, "email": {"zoë@example.com"}, "language": {"en"}, "type": {"basic"}})
	wantStatus(t, w, 400)
	d := doc(t, w)
	wantText(t, d.Find("main"), "only Latin letters (a–z)")
	if v := d.Find(`input[name="email"]`).AttrOr("value", ""); v != "zoë@example.com" {
		t.Errorf("the typed address is lost: %q", v)
	}
	w = a.post(t, "/ar/register", url.Values{"name": {"Zoë"}, "email": {"zoë@example.com"}, "language": {"ar"}, "type": {"basic"}})
	wantStatus(t, w, 400)
	wantText(t, doc(t, w).Find("main"), "حروف لاتينية")

	f := ticketForm(t, a)
	f.Set("email", "zoë@example.com")
	w = a.post(t, "/en/support", f)
	wantStatus(t, w, 400)
	wantText(t, doc(t, w).Find("main"), "only Latin letters (a–z)")

	// An IDN domain is fine; the mail goes to its ASCII form.
	f = ticketForm(t, a)
	f.Set("email", "zoe@exämple.com")
	wantStatus(t, a.post(t, "/en/support", f), 200)
	mails := sentMails(t, a)
	if len(mails) != 1 || !strings.Contains(mails[0], "To: <zoe@xn--exmple-cua.com>") {
		t.Fatalf("mail: %q", mails)
	}
}
