// References and access keys: how they are drawn, read back from what a
// person typed, and checked.

package tickets

import (
	"crypto/rand"
	"crypto/subtle"
	"strings"
	"unicode"

	"zerodesk/internal/crypt"
	"zerodesk/internal/messaging"
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
