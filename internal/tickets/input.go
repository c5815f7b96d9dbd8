// What a customer or agent types: free text, one-line fields, names and
// e-mail addresses, checked and cleaned before anything is stored.

package tickets

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
	mailpkg "zerodesk/internal/mail"
)

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
