// Package mail sends the portal's e-mail: a durable outbox in the database
// (sealed at rest, retried with back-off) and the senders that deliver it (SMTP,
// or .eml files for development and tests). Logs never hold a message's content.
package mail

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Texts is what a room that sends mail needs of the message catalog (the
// wiring passes *locales.Catalog; the domain imports no go-i18n): the
// languages that ship, the default first, and the text of a mail message ID
// in one of them with its placeholders filled. The texts live only in the
// locale files.
type Texts interface {
	Languages() []string
	Supported(lang string) bool
	Text(lang, id string, data map[string]string) string
}

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
	case strings.ContainsFunc(m.Subject, unicode.IsControl), !utf8.ValidString(m.Subject), utf8.RuneCountInString(m.Subject) > 200:
		return errors.New("mail: subject must be one line of at most 200 characters, without control characters")
	case !utf8.ValidString(m.TextBody), len(m.TextBody) > 256<<10:
		return errors.New("mail: body must be UTF-8 and at most 256 KiB")
	}
	return nil
}

// ErrLocalNotASCII: the part of an address before the @ has characters
// outside ASCII. Such an address needs SMTPUTF8 (RFC 6531) from every server
// on the way, has no standard ASCII fallback (RFC 6530 defines no downgrade),
// and would fail long after the form said "sent"; so forms refuse it at once,
// with their own message. A non-ASCII domain is fine: IDNA gives it an ASCII
// form (RFC 5890), which is what goes on the wire.
var ErrLocalNotASCII = errors.New("mail: only ASCII characters before the @")

// errAddress is any other refusal of CheckAddress.
var errAddress = errors.New("mail: not one e-mail address")

// CleanAddress checks an e-mail address a person typed into a form (see
// CheckAddress) and returns it cleaned, and false when it is not one.
func CleanAddress(s string) (string, bool) {
	a, err := CheckAddress(s)
	return a, err == nil
}

// CheckAddress checks an e-mail address a person typed into a form: one bare
// address (no display name), valid UTF-8, at most 254 bytes (in its ASCII
// form too), an ASCII part before the @ (else ErrLocalNotASCII), a domain
// with a dot that IDNA accepts, no spaces, angle brackets or control
// characters. It returns the address trimmed, a non-ASCII domain in its
// canonical Unicode form (so one address has one spelling and one lookup
// hash). Every form of the portal (accounts, tickets) checks addresses with
// it, so one address is good everywhere or nowhere.
func CheckAddress(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || len(s) > 254 || strings.ContainsAny(s, "<> ") || strings.ContainsFunc(s, unicode.IsControl) {
		return "", errAddress
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return "", errAddress
	}
	local, domain := s[:at], s[at+1:]
	if !isASCII(local) {
		return "", ErrLocalNotASCII
	}
	ascii, err := asciiDomain(domain)
	if err != nil || !strings.Contains(ascii, ".") {
		return "", errAddress
	}
	if a, err := mail.ParseAddress(local + "@" + ascii); err != nil || a.Address != local+"@"+ascii || len(a.Address) > 254 {
		return "", errAddress
	}
	if !isASCII(domain) {
		if domain, err = idna.Lookup.ToUnicode(ascii); err != nil {
			return "", errAddress
		}
	}
	return local + "@" + domain, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// asciiDomain is a domain's ASCII form, checked by IDNA (the lookup profile:
// mapped, normalized, validated): an ASCII domain as it is, any other as IDNA
// writes it.
func asciiDomain(domain string) (string, error) {
	a, err := idna.Lookup.ToASCII(domain)
	if err != nil || a == "" || !isASCII(a) {
		return "", errAddress
	}
	if isASCII(domain) {
		return domain, nil // as typed: IDNA would only lower its case
	}
	return a, nil
}

// wireAddress is addr as it goes on the wire (headers, SMTP envelope): the
// domain in its ASCII (IDNA) form. A non-ASCII part before the @ has none:
// an error (it cannot pass CheckAddress; only older rows may hold one).
func wireAddress(addr string) (string, error) {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || !isASCII(addr[:at]) {
		return "", ErrLocalNotASCII
	}
	d, err := asciiDomain(addr[at+1:])
	if err != nil {
		return "", err
	}
	return addr[:at] + "@" + d, nil
}

// parseAddress accepts a bare address or "Name <address>" and returns the bare
// address. Line breaks are refused so no header can be injected.
func parseAddress(s string) (string, error) {
	a, err := parseFull(s)
	if err != nil {
		return "", err
	}
	return a.Address, nil
}

func parseFull(s string) (*mail.Address, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("line break in address")
	}
	return mail.ParseAddress(s)
}

// wireHeaderAddress is a for a header: the address in its wire form, the
// display name RFC 2047-encoded when it is not ASCII (net/mail does that).
func wireHeaderAddress(s string) (string, string, error) {
	a, err := parseFull(s)
	if err != nil {
		return "", "", err
	}
	w, err := wireAddress(a.Address)
	if err != nil {
		return "", "", err
	}
	return (&mail.Address{Name: a.Name, Address: w}).String(), w, nil
}

// Render writes e as an RFC 5322 message: UTF-8 text, quoted-printable, CRLF
// line ends, non-ASCII display names and subject RFC 2047-encoded, domains in
// their IDNA form. Every header value is checked to be printable ASCII before
// it is written (and folded at spaces), so no input, whatever it holds, can
// add a line to the header.
func Render(e Envelope) ([]byte, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	from, fromWire, err := wireHeaderAddress(e.From)
	if err != nil {
		return nil, fmt.Errorf("mail: sender %q: invalid", e.From)
	}
	to, _, err := wireHeaderAddress(e.To)
	if err != nil {
		return nil, fmt.Errorf("mail: recipient: %w", err)
	}
	if e.ID == "" || strings.ContainsFunc(e.ID, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '-')
	}) {
		return nil, errors.New("mail: the message ID must be letters, digits, dots and hyphens")
	}
	_, domain, _ := strings.Cut(fromWire, "@")
	var b bytes.Buffer
	for _, h := range [][2]string{
		{"From", from},
		{"To", to},
		{"Subject", encodeSubject(e.Subject)},
		{"Date", e.Date.UTC().Format(time.RFC1123Z)},
		{"Message-ID", "<" + e.ID + "@" + domain + ">"},
		{"MIME-Version", "1.0"},
		{"Content-Type", "text/plain; charset=utf-8"},
		{"Content-Transfer-Encoding", "quoted-printable"},
		{"Auto-Submitted", "auto-generated"},
	} {
		if err := writeHeader(&b, h[0], h[1]); err != nil {
			return nil, err
		}
	}
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

// encodeSubject RFC 2047-encodes a subject that needs it. A subject holding
// "=?" is always encoded, even when plain ASCII: written raw, a mail reader
// would take it for an encoded word and show something else than was typed
// (or nothing: "=??B??=" names no charset).
func encodeSubject(s string) string {
	if !strings.Contains(s, "=?") {
		return mime.QEncoding.Encode("utf-8", s)
	}
	// Whole runes, at most 45 bytes a word: 60 base64 characters plus the
	// 12 of "=?utf-8?b?" and "?=" stay within RFC 2047's 75.
	const maxBytes = 45
	var words []string
	for len(s) > 0 {
		n := 0
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			if n+size > maxBytes {
				break
			}
			n += size
		}
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, " ")
}

// writeHeader writes "Key: value" folded at spaces to lines of about 78
// characters. It refuses a value with anything but printable ASCII and
// spaces: the one place a header line is made, so the one check against
// injected lines.
func writeHeader(b *bytes.Buffer, key, value string) error {
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < 0x20 || c > 0x7e {
			return fmt.Errorf("mail: header %s: byte %#x is not printable ASCII", key, c)
		}
	}
	line := key + ":"
	for _, word := range strings.Split(value, " ") {
		if word != "" && len(line)+1+len(word) > 78 && strings.TrimSpace(line) != "" {
			b.WriteString(line + "\r\n")
			line = ""
		}
		line += " " + word
	}
	b.WriteString(line + "\r\n")
	return nil
}
