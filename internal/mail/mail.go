// Package mail sends the portal's e-mail: a durable outbox in the database
// (sealed at rest, retried with back-off) and the senders that deliver it (SMTP,
// or .eml files for development and tests). Logs never hold a message's content.
package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Message is one plain-text e-mail to one recipient. Bodies never carry a
// password; the registration mail carries the usercode, the one place a usercode
// ever leaves the server (see package accounts).
type Message struct {
	To       string `json:"to"`
	Subject  string `json:"subject"`
	TextBody string `json:"text"`
}

// Envelope is a message on its way out: the outbox gives it a stable ID (the
// Message-ID, the same on every retry), the sender address and the date it was
// queued.
type Envelope struct {
	ID   string
	From string
	Date time.Time
	Message
}

// Sender delivers one message. It must be safe for concurrent use. A message
// may be sent more than once when a process dies mid-send (at-least-once).
type Sender interface {
	Send(ctx context.Context, e Envelope) error
}

// Validate checks that m can be sent: one plain address, a one-line subject
// and a UTF-8 body.
func (m Message) Validate() error {
	if _, err := parseAddress(m.To); err != nil {
		return fmt.Errorf("mail: recipient: %w", err)
	}
	switch {
	case strings.ContainsAny(m.Subject, "\r\n"), !utf8.ValidString(m.Subject), utf8.RuneCountInString(m.Subject) > 200:
		return errors.New("mail: subject must be one line of at most 200 characters")
	case !utf8.ValidString(m.TextBody), len(m.TextBody) > 256<<10:
		return errors.New("mail: body must be UTF-8 and at most 256 KiB")
	}
	return nil
}

// CleanAddress checks an e-mail address a person typed into a form: one bare
// address (no display name), valid UTF-8, at most 254 bytes, a dot in its
// domain, no spaces, angle brackets or line breaks. It returns the address
// trimmed, and false when it is not one. Every form of the portal (accounts,
// tickets) checks addresses with it, so one address is good everywhere or
// nowhere.
func CleanAddress(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || len(s) > 254 || strings.ContainsAny(s, "\r\n<> ") {
		return "", false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", false
	}
	return s, true
}

// parseAddress accepts a bare address or "Name <address>" and returns the bare
// address. Line breaks are refused so no header can be injected.
func parseAddress(s string) (string, error) {
	if strings.ContainsAny(s, "\r\n") {
		return "", errors.New("line break in address")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", err
	}
	return a.Address, nil
}

// Render writes e as an RFC 5322 message: UTF-8 text, quoted-printable, CRLF
// line ends, non-ASCII headers RFC 2047-encoded.
func Render(e Envelope) ([]byte, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	from, err := mail.ParseAddress(e.From)
	if err != nil || strings.ContainsAny(e.From, "\r\n") {
		return nil, fmt.Errorf("mail: sender %q: invalid", e.From)
	}
	to, _ := mail.ParseAddress(e.To)
	_, domain, _ := strings.Cut(from.Address, "@")
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", e.Subject))
	header("Date", e.Date.UTC().Format(time.RFC1123Z))
	header("Message-ID", "<"+e.ID+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	body := strings.ReplaceAll(e.TextBody, "\r\n", "\n")
	if _, err := qp.Write([]byte(body)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}
