package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/url"
	"time"
)

// SMTP delivers through an SMTP server (the standard library's client: the
// message is rendered once by Render, so SMTP and FileSink send the same bytes).
//
// The URL says how:
//
//	smtps://user:pass@host:465          TLS from the first byte (port 465 by default)
//	smtp://user:pass@host:587           STARTTLS required (port 587 by default)
//	smtp+insecure://host:25             no TLS: only for a relay on the same machine
//
// User and password are optional; credentials are never sent without TLS.
type SMTP struct {
	host, addr string
	mode       string // "tls", "starttls" or "plain"
	user, pass string
	helo       string
	timeout    time.Duration
	tlsConfig  *tls.Config // nil = verify the server's certificate for host
}

// NewSMTP parses an SMTP URL (see SMTP).
func NewSMTP(rawURL string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("mail: the SMTP URL does not parse") // err would echo the password
	}
	s := &SMTP{host: u.Hostname(), helo: "localhost", timeout: time.Minute}
	port := u.Port()
	switch u.Scheme {
	case "smtps":
		s.mode, port = "tls", cmpOr(port, "465")
	case "smtp":
		s.mode, port = "starttls", cmpOr(port, "587")
	case "smtp+insecure":
		s.mode, port = "plain", cmpOr(port, "25")
	default:
		return nil, fmt.Errorf("mail: SMTP URL scheme %q: want smtps, smtp or smtp+insecure", u.Scheme)
	}
	if s.host == "" {
		return nil, errors.New("mail: the SMTP URL has no host")
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
		if s.mode == "plain" {
			return nil, errors.New("mail: smtp+insecure cannot carry credentials")
		}
	}
	s.addr = net.JoinHostPort(s.host, port)
	return s, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Send delivers e in one SMTP session.
func (s *SMTP) Send(ctx context.Context, e Envelope) error {
	raw, err := Render(e)
	if err != nil {
		return err
	}
	// The envelope in wire form (Render checked both): IDNA domains, no line
	// breaks.
	_, from, err := wireHeaderAddress(e.From)
	if err != nil {
		return err
	}
	_, to, err := wireHeaderAddress(e.To)
	if err != nil {
		return err
	}
	d := net.Dialer{Timeout: s.timeout}
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(s.timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	conn.SetDeadline(deadline)
	tc := s.tlsConfig
	if tc == nil {
		tc = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
	}
	if s.mode == "tls" {
		conn = tls.Client(conn, tc)
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello(s.helo); err != nil {
		return err
	}
	if s.mode == "starttls" {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("mail: the SMTP server offers no STARTTLS")
		}
		if err := c.StartTLS(tc); err != nil {
			return err
		}
	}
	if s.user != "" {
		if err := c.Auth(smtp.PlainAuth("", s.user, s.pass, s.host)); err != nil {
			return err
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}
