package tickets

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/binary"
	"errors"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
	"zerodesk/internal/links"
	mailpkg "zerodesk/internal/mail"
	"zerodesk/internal/messaging"
	"zerodesk/internal/store"
	"zerodesk/internal/words"
)

// alphabet is Crockford's base 32: no I, L, O or U, so nothing is misread;
// input is forgiving (O → 0, I and L → 1, any case, any separators).
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func randomCode(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[b[i]&31]
	}
	return string(b)
}

// newReference is ZD-XXXX-XXXX: 40 random bits (a UNIQUE column catches the
// rare collision, and Submit draws again).
func newReference() string {
	c := randomCode(8)
	return "ZD-" + c[:4] + "-" + c[4:]
}

// newAccessKey is 20 characters (100 random bits) in five groups of four.
func newAccessKey() string {
	c := randomCode(20)
	var b strings.Builder
	for i := 0; i < 20; i += 4 {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(c[i : i+4])
	}
	return b.String()
}

// canonical keeps the code characters of s, upper-cased, with the misreadable
// letters mapped to their digits. ok is false when another character appears.
func canonical(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ' || r == '\t':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		}
		if r > unicode.MaxASCII || !strings.ContainsRune(alphabet, r) {
			return "", false
		}
		b.WriteRune(r)
	}
	return b.String(), true
}

// NormalizeReference turns what a person typed ("zd 7k3p q9xm") into the
// stored form ZD-7K3P-Q9XM; ok is false when it cannot be a reference.
func NormalizeReference(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 40 {
		return "", false
	}
	up := strings.ToUpper(s)
	if strings.HasPrefix(up, "ZD") {
		s = s[2:]
	}
	c, ok := canonical(s)
	if !ok || len(c) != 8 {
		return "", false
	}
	return "ZD-" + c[:4] + "-" + c[4:], true
}

// normalizeAccessKey is the canonical form of an access key ("" if malformed).
func normalizeAccessKey(s string) string {
	if len(s) > 80 {
		return ""
	}
	c, ok := canonical(s)
	if !ok || len(c) != 20 {
		return ""
	}
	return c
}

func (s *Service) accessHash(ref, key string) []byte {
	return crypt.KeyedHash(s.keys.access, ref, normalizeAccessKey(key))
}

// guestKeyring wraps a thread key under a key derived (HKDF) from the access
// key and a subkey of the server secret: neither alone opens the thread.
func (s *Service) guestKeyring(ref, key string) messaging.Keyring {
	return messaging.KeyringOf(crypt.DeriveKey([]byte(normalizeAccessKey(key)), s.keys.guest, "tickets.guest|"+ref))
}

func (s *Service) accessKeyMatches(stored []byte, ref, key string) bool {
	if normalizeAccessKey(key) == "" || stored == nil {
		return false
	}
	return subtle.ConstantTimeCompare(stored, s.accessHash(ref, key)) == 1
}

// cleanText checks a free text: valid UTF-8, no control characters but line
// breaks and tabs, trimmed, at most max characters.
func cleanText(text string, max int, required, tooLong string) (string, error) {
	if !utf8.ValidString(text) {
		return "", errs.E(errs.Invalid, MsgNotText)
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	for _, r := range text {
		if r == '\n' || r == '\t' {
			continue
		}
		if unicode.IsControl(r) || r == utf8.RuneError {
			return "", errs.E(errs.Invalid, MsgNotText)
		}
	}
	text = strings.TrimSpace(text)
	if text == "" && required != "" {
		return "", errs.E(errs.Invalid, required)
	}
	if utf8.RuneCountInString(text) > max {
		e := errs.E(errs.Invalid, tooLong)
		e.Data = map[string]any{"Max": max}
		return "", e
	}
	return text, nil
}

// cleanLine is cleanText for one line: line breaks and tabs become spaces.
func cleanLine(text string, max int, required, tooLong string) (string, error) {
	text, err := cleanText(text, max, required, tooLong)
	if err != nil {
		return "", err
	}
	return strings.Join(strings.Fields(text), " "), nil
}

// cleanName checks a person's name: one line, 1 to max characters. Its
// error always says the maximum.
func cleanName(name string, max int) (string, error) {
	name, err := cleanLine(name, max, MsgNameInvalid, MsgNameInvalid)
	var e *errs.Error
	if errors.As(err, &e) && e.MessageID == MsgNameInvalid {
		e.Data = map[string]any{"Max": max}
	}
	return name, err
}

func cleanEmail(email string) (string, error) {
	email, err := mailpkg.CheckAddress(email)
	if errors.Is(err, mailpkg.ErrLocalNotASCII) {
		return "", errs.E(errs.Invalid, MsgEmailNotASCII)
	}
	if err != nil {
		return "", errs.E(errs.Invalid, MsgEmailInvalid)
	}
	return email, nil
}

func (s *Service) emailLookup(email string) []byte {
	return crypt.KeyedHash(s.keys.emailLookup, strings.ToLower(email))
}

func adEmail(ref string) []byte { return []byte("tickets.email|" + ref) }

func fileErr(msg, name string, extra map[string]any) error {
	e := errs.E(errs.Invalid, msg)
	e.Data = map[string]any{"Name": name}
	for k, v := range extra {
		e.Data[k] = v
	}
	return e
}

// cleanUploads checks the files of a message: how many, how large, and
// their sniffed type. Uploads with neither name nor content are skipped (an
// empty file input).
func (s *Service) cleanUploads(ups []Upload) ([]messaging.File, error) {
	var out []messaging.File
	for _, u := range ups {
		if u.Name == "" && len(u.Data) == 0 {
			continue
		}
		name := path.Base(strings.ReplaceAll(u.Name, "\\", "/"))
		if !utf8.ValidString(name) {
			return nil, errs.E(errs.Invalid, MsgNotText)
		}
		name = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) || r == '"' || r == '/' {
				return '_'
			}
			return r
		}, strings.TrimSpace(name))
		if name == "" || name == "." || name == ".." || name == "/" {
			name = "attachment"
		}
		if utf8.RuneCountInString(name) > 120 {
			name = string([]rune(name)[:120])
		}
		if len(out) == s.lim.MaxAttachments {
			e := errs.E(errs.Invalid, MsgTooManyFiles)
			e.Data = map[string]any{"Max": s.lim.MaxAttachments}
			return nil, e
		}
		if len(u.Data) == 0 {
			return nil, fileErr(MsgFileEmpty, name, nil)
		}
		if int64(len(u.Data)) > s.lim.MaxAttachmentBytes {
			return nil, fileErr(MsgFileTooLarge, name, map[string]any{"MaxMB": strconv.FormatFloat(float64(s.lim.MaxAttachmentBytes)/(1<<20), 'f', -1, 64)})
		}
		typ, ok := sniff(u.Data)
		if !ok {
			return nil, fileErr(MsgFileType, name, nil)
		}
		out = append(out, messaging.File{Name: name, Type: typ, Data: u.Data})
	}
	return out, nil
}

// sniff returns the allowed type of data, from its content alone.
func sniff(data []byte) (string, bool) {
	t := http.DetectContentType(data)
	base, _, _ := strings.Cut(t, ";")
	for _, a := range AllowedTypes {
		if base == a {
			if a == "text/plain" {
				if !utf8.Valid(data) {
					return "", false
				}
				return "text/plain; charset=utf-8", true
			}
			return a, true
		}
	}
	return "", false
}

// --- rate limits (the approach of accounts/limits.go: keyed-hash keys,
// counted inside the write transaction that acts, so concurrent requests
// cannot slip past the limit) ---

const (
	scopeAddress  = "address"
	scopeEmail    = "email"
	scopeWrongKey = "wrong-key"
	// scopeWrongKeyAddress counts one address's wrong keys over every
	// reference (a guesser walking references).
	scopeWrongKeyAddress = "wrong-key-address"
)

// tryCount counts one more event for (scope, key) in a window and reports
// whether it was within max. One statement: the caller's job fails when it
// was not, and its savepoint takes the count back.
func (s *Service) tryCount(ctx context.Context, tx *sql.Tx, scope string, key []byte, window time.Duration, max int, now int64) (bool, error) {
	var n int64
	err := s.st.QueryRow(ctx, tx, sqlLimitCount, scope, key, now, int64(window/time.Second)).Scan(&n)
	return err == nil && n <= int64(max), err
}

// counted reads a counter without changing it.
func counted(ctx context.Context, q store.Querier, scope string, key []byte, window time.Duration, now int64) (int, error) {
	var start, n int64
	err := q.QueryRowContext(ctx, sqlLimitRead, scope, key).Scan(&start, &n)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && now-start >= int64(window/time.Second)) {
		return 0, nil
	}
	return int(n), err
}

// --- blind index ---

// maxWords caps the index entries of one text.
const maxWords = 400

// wordHashes are the keyed hashes of the distinct words of texts: NFKC, then
// the search index's own tokenizer (lower case, folded, CJK bigrams). For CJK
// every character alone is indexed too, so a query's last character (which
// words.Tokens emits alone) matches wherever it stands in the text.
func (s *Service) wordHashes(texts ...string) []int64 {
	seen := map[string]bool{}
	var out []int64
	add := func(tok string) {
		if seen[tok] || len(out) >= maxWords {
			return
		}
		seen[tok] = true
		out = append(out, s.wordHash(tok))
	}
	for _, t := range texts {
		for _, tok := range words.Tokens(norm.NFKC.String(t)) {
			add(tok)
			if r, size := utf8.DecodeRuneInString(tok); size < len(tok) && indexedAlone(r) {
				add(string(r))
			}
		}
	}
	return out
}

// queryHashes are the hashes a query's words must all have.
func (s *Service) queryHashes(q string) []int64 {
	seen := map[string]bool{}
	var out []int64
	for _, tok := range words.Tokens(norm.NFKC.String(q)) {
		if !seen[tok] && len(out) < 16 {
			seen[tok] = true
			out = append(out, s.wordHash(tok))
		}
	}
	return out
}

func (s *Service) wordHash(tok string) int64 {
	return int64(binary.BigEndian.Uint64(crypt.KeyedHash(s.keys.search, tok)[:8]))
}

// indexedAlone reports whether the first character of a CJK bigram is
// indexed alone too: Han and kana only. It is narrower than words.IsCJK (no
// prolonged sound mark, no half-width voicing marks) on purpose: it is the
// rule the tickets already in the database were indexed by.
func indexedAlone(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}

func (s *Service) indexWords(ctx context.Context, tx *sql.Tx, ticketID int64, words []int64) error {
	for _, n := range wordChunks {
		for len(words) >= n {
			args := make([]any, 0, n+1)
			args = append(args, ticketID)
			for _, w := range words[:n] {
				args = append(args, w)
			}
			if _, err := s.st.Exec(ctx, tx, sqlWords(n), args...); err != nil {
				return err
			}
			words = words[n:]
		}
	}
	return nil
}

// --- mail ---

const portal = "zerodesk"

// text is a mail text from the catalog in lang (English when lang is not
// shipped), the way accounts' mail is built (handlers.MailText).
func (s *Service) text(lang, id string, data map[string]string) string {
	if !s.cat.Supported(lang) {
		lang = "en"
	}
	return s.cat.Text(lang, id, data)
}

// Link is the absolute address of page p (below the language) of the
// portal, as the service's mail links it.
func (s *Service) Link(lang, p string) string { return s.link(lang, p) }

func (s *Service) link(lang, p string) string {
	return links.Portal(s.opts.BaseURL).Page(lang, p)
}

// noticeMessage is a "a secure message is waiting" mail. It goes to an
// address nobody proved (a guest's), so it carries only our fixed text, the
// reference and our link: never the customer's name, the subject or a body,
// which anyone could fill with a phishing text for someone else's address.
// Only the creation notice carries the access key.
func (s *Service) noticeMessage(to, lang, ref, subjectID, bodyID, link string) mailpkg.Message {
	data := map[string]string{"Portal": portal, "Reference": ref, "Link": link}
	return mailpkg.Message{To: to, Subject: s.text(lang, subjectID, data), TextBody: s.text(lang, bodyID, data)}
}

// notice queues a noticeMessage in tx.
func (s *Service) notice(ctx context.Context, tx *sql.Tx, to, lang, ref, subjectID, bodyID, link string) error {
	return s.outbox.Enqueue(ctx, tx, s.noticeMessage(to, lang, ref, subjectID, bodyID, link))
}
