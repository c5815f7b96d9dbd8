package mail

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"zerodesk/internal/store"
	"zerodesk/internal/store/storetest"
	"zerodesk/internal/testsupport"
)

func openDB(t testing.TB) *store.DB { return storetest.Open(t) }

var welcome = Message{
	To:       "Zoë Tester <zoe@example.org>",
	Subject:  "Willkommen — your zerodesk usercode",
	TextBody: "Hello Zoë,\n\nyour usercode is K7QX-4MPD-9TZR-W.\nA long line " + strings.Repeat("abc ", 40) + "\n= sign stays.\n",
}

func readEML(t *testing.T, raw []byte) (*mail.Message, string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not RFC 5322: %v\n%s", err, raw)
	}
	if m.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
		t.Fatalf("Content-Transfer-Encoding = %q", m.Header.Get("Content-Transfer-Encoding"))
	}
	body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatal(err)
	}
	return m, strings.ReplaceAll(string(body), "\r\n", "\n")
}

func TestFileSink_WritesAParseableEML(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail")
	e := Envelope{ID: "abc123", From: "zerodesk <no-reply@desk.example>", Date: time.Unix(1_800_000_000, 0), Message: welcome}
	if err := (FileSink{Dir: dir}).Send(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 1 || !strings.HasSuffix(files[0], "-abc123.eml") {
		t.Fatalf("files = %v, want one .eml", files)
	}
	info, _ := os.Stat(files[0])
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", info.Mode().Perm())
	}
	raw, _ := os.ReadFile(files[0])
	for _, line := range bytes.SplitAfter(raw, []byte("\n")) {
		if len(line) > 78+2 || (len(line) > 0 && !bytes.HasSuffix(line, []byte("\r\n"))) {
			t.Fatalf("line not CRLF-terminated or over 78 characters: %q", line)
		}
	}
	m, body := readEML(t, raw)
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil || subject != welcome.Subject {
		t.Errorf("Subject = %q, %v", subject, err)
	}
	to, err := m.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "zoe@example.org" || to[0].Name != "Zoë Tester" {
		t.Errorf("To = %v, %v", to, err)
	}
	if got := m.Header.Get("Message-ID"); got != "<abc123@desk.example>" {
		t.Errorf("Message-ID = %q", got)
	}
	if d, err := m.Header.Date(); err != nil || !d.Equal(e.Date) {
		t.Errorf("Date = %v, %v", d, err)
	}
	if body != welcome.TextBody {
		t.Errorf("body = %q\nwant %q", body, welcome.TextBody)
	}
}

func TestMessage_RefusesHeaderInjection(t *testing.T) {
	for _, m := range []Message{
		{To: "a@example.org\r\nBcc: b@example.org", Subject: "x"},
		{To: "a@example.org", Subject: "x\r\nBcc: b@example.org"},
		{To: "not an address", Subject: "x"},
		{To: "", Subject: "x"},
	} {
		if err := m.Validate(); err == nil {
			t.Errorf("%q accepted", m)
		}
	}
}

// flaky fails its first n sends, then records what it sends.
type flaky struct {
	mu    sync.Mutex
	fails int
	sent  []Envelope
	calls int
}

func (f *flaky) Send(_ context.Context, e Envelope) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fails > 0 {
		f.fails--
		return errors.New("451 4.3.0 try again later for <zoe@EXAMPLE.org>")
	}
	f.sent = append(f.sent, e)
	return nil
}

func TestOutbox_RetriesWithBackoffAndSurvivesRestart(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	clk := testsupport.NewClock(time.Unix(1_800_000_000, 0))
	var logs bytes.Buffer
	sender := &flaky{fails: 3}
	opts := OutboxOptions{Secret: testsupport.SecretA, Sender: sender, Now: clk.Now, Log: slog.New(slog.NewTextHandler(&logs, nil)),
		FirstRetry: time.Minute, MaxRetry: 3 * time.Minute}
	o, err := NewOutbox(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Enqueue(ctx, nil, welcome); err != nil {
		t.Fatal(err)
	}

	// 1st failure: wait 1 min; 2nd: 2 min; 3rd: 3 min (capped).
	for i, wait := range []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute} {
		if n, err := o.Deliver(ctx); n != 0 || err != nil {
			t.Fatalf("attempt %d: Deliver = %d, %v", i+1, n, err)
		}
		q, _ := o.List(ctx)
		if len(q) != 1 || q[0].Attempts != i+1 || !q[0].NextAttemptAt.Equal(clk.Now().Add(wait)) {
			t.Fatalf("after failure %d: %+v, want next attempt in %v", i+1, q, wait)
		}
		if strings.Contains(q[0].LastError, "zoe@") || !strings.Contains(q[0].LastError, "<recipient>") {
			t.Fatalf("last error keeps the address: %q", q[0].LastError)
		}
		clk.Add(wait - time.Second)
		if n, _ := o.Deliver(ctx); n != 0 || sender.calls != i+1 {
			t.Fatalf("sent before its back-off ended (calls %d)", sender.calls)
		}
		clk.Add(time.Second)
		if i == 1 {
			// A restart: a new Outbox on the same database finds the message.
			if o, err = NewOutbox(db, opts); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n, err := o.Deliver(ctx); n != 1 || err != nil {
		t.Fatalf("Deliver after back-off = %d, %v", n, err)
	}
	if len(sender.sent) != 1 || sender.sent[0].Message != welcome {
		t.Fatalf("sent = %+v", sender.sent)
	}
	if q, _ := o.List(ctx); len(q) != 0 {
		t.Fatalf("a sent message stays in the outbox: %+v", q)
	}
	for _, secret := range []string{"K7QX", "Hello", "Willkommen", "zoe@"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds %q:\n%s", secret, logs.String())
		}
	}
	if !strings.Contains(logs.String(), "mail: sent") {
		t.Errorf("delivery not logged:\n%s", logs.String())
	}
}

func TestOutbox_GivesUpAfterMaxAttempts(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	clk := testsupport.NewClock(time.Unix(1_800_000_000, 0))
	o, _ := NewOutbox(db, OutboxOptions{Secret: testsupport.SecretA, Sender: &flaky{fails: 100}, Now: clk.Now,
		Log: slog.New(slog.DiscardHandler), MaxAttempts: 3})
	o.Enqueue(ctx, nil, welcome)
	for range 5 {
		o.Deliver(ctx)
		clk.Add(time.Hour)
	}
	q, _ := o.List(ctx)
	if len(q) != 1 || !q[0].Failed || q[0].Attempts != 3 {
		t.Fatalf("outbox = %+v, want one failed message after 3 attempts", q)
	}
}

func TestOutbox_JoinsTheCallersTransaction(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	o, _ := NewOutbox(db, OutboxOptions{Secret: testsupport.SecretA, Sender: &flaky{}})
	rollback := errors.New("rollback")
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		if err := o.Enqueue(ctx, tx, welcome); err != nil {
			return err
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	if q, _ := o.List(ctx); len(q) != 0 {
		t.Fatalf("a rolled-back message was queued: %+v", q)
	}
}

func TestOutbox_SealedAtRest(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	o, _ := NewOutbox(db, OutboxOptions{Secret: testsupport.SecretA})
	// Secrets of this run alone: on PostgreSQL the byte scan reads the
	// cluster's WAL, which the databases of tests running at the same time
	// share (another package's test wrote this file's fixed usercode there).
	tag := strings.ToUpper(rand.Text()[:8])
	code, address, word := tag[:4]+"-"+tag[4:], "zoe-"+strings.ToLower(tag)+"@example.org", "Willkommen"+tag
	msg := welcome
	msg.To = "Zoë Tester <" + address + ">"
	msg.Subject = word + " — your zerodesk usercode"
	msg.TextBody = strings.Replace(welcome.TextBody, "K7QX-4MPD-9TZR-W", code, 1)
	if err := o.Enqueue(ctx, nil, msg); err != nil {
		t.Fatal(err)
	}
	if found := storetest.FindSecrets(t, db, nil, map[string]string{"usercode": code, "address": address, "text": word}); len(found) > 0 {
		t.Errorf("the database holds what is sealed: %v", found)
	}
	// Without a sender, messages wait.
	if n, err := o.Deliver(ctx); n != 0 || err != nil {
		t.Fatalf("Deliver without a sender = %d, %v", n, err)
	}
}

// fakeSMTP is just enough of an SMTP server to receive one message.
func fakeSMTP(t *testing.T) (addr string, got <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		say := func(s string) { io.WriteString(c, s+"\r\n") }
		say("220 fake ESMTP")
		var data strings.Builder
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			cmd := strings.ToUpper(strings.TrimSpace(line))
			switch {
			case strings.HasPrefix(cmd, "EHLO"):
				say("250-fake")
				say("250 8BITMIME")
			case strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"):
				data.WriteString(strings.TrimSpace(line) + "\n")
				say("250 OK")
			case cmd == "DATA":
				say("354 go ahead")
				for {
					l, err := r.ReadString('\n')
					if err != nil || l == ".\r\n" {
						break
					}
					data.WriteString(l)
				}
				say("250 queued")
			case cmd == "QUIT":
				say("221 bye")
				ch <- data.String()
				return
			default:
				say("502 no")
			}
		}
	}()
	return ln.Addr().String(), ch
}

func TestSMTP_DeliversTheRenderedMessage(t *testing.T) {
	addr, got := fakeSMTP(t)
	s, err := NewSMTP("smtp+insecure://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	e := Envelope{ID: "id1", From: "zerodesk <no-reply@desk.example>", Date: time.Unix(1_800_000_000, 0), Message: welcome}
	if err := s.Send(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	transcript := <-got
	if !strings.Contains(transcript, "MAIL FROM:<no-reply@desk.example>") || !strings.Contains(transcript, "RCPT TO:<zoe@example.org>") {
		t.Fatalf("envelope wrong:\n%s", transcript)
	}
	_, data, _ := strings.Cut(transcript, "RCPT TO:<zoe@example.org>\n")
	raw, _ := Render(e)
	if data != string(raw) {
		t.Fatalf("SMTP DATA differs from the rendered message:\n%q\n%q", data, raw)
	}
}

func TestNewSMTP_URLs(t *testing.T) {
	for _, ok := range []string{"smtps://u:p@mail.example:465", "smtp://u:p@mail.example", "smtp+insecure://localhost:25"} {
		if _, err := NewSMTP(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://mail.example", "smtp://", "smtp+insecure://u:p@localhost", "smtp://u:secret@[::1"} {
		_, err := NewSMTP(bad)
		if err == nil {
			t.Errorf("%s accepted", bad)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

func TestCleanAddress_OneRuleForEveryForm(t *testing.T) {
	for in, want := range map[string]string{"  zoe@example.org ": "zoe@example.org", "ZOE@exämple.org": "ZOE@exämple.org",
		"zoe@EXÄMPLE.org": "zoe@exämple.org", "zoe@xn--exmple-cua.org": "zoe@xn--exmple-cua.org"} {
		if got, ok := CleanAddress(in); !ok || got != want {
			t.Errorf("CleanAddress(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "zoe", "zoe@localhost", "Zoë <zoe@example.org>", "zoe @example.org",
		"zoe@example.org\r\nBcc: x@example.org", "zoe@exa\xffmple.org", strings.Repeat("a", 250) + "@example.org"} {
		if got, ok := CleanAddress(bad); ok {
			t.Errorf("CleanAddress(%q) accepted %q", bad, got)
		}
	}
}
