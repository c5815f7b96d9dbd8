package accounts

import (
	"crypto/rand"
	"embed"
	"encoding/binary"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
)

// The anti-phishing phrase is mutual authentication, not a second factor: it
// shows the user they reached the real portal before they type the password.
//
// Phrases are "adjective noun verb" ("copper heron drifts": 124 x 207 x 54,
// about 1.4 million phrases). An unknown usercode is shown a phrase from the
// same set, chosen by a keyed hash of the usercode: stable across restarts,
// unpredictable without the server secret. A real phrase comes from the same
// generator: the user picks one of a few random suggestions (and may ask for
// others), and cleanPhrase refuses anything the generator cannot produce. So
// a phrase on the login page cannot tell a real account from a decoy by its
// shape, as a free-text phrase ("Ada's blue cat") would (docs/SECURITY.md).
// The decoy set must never depend on the request (language, time): a real
// phrase stays the same when the visitor switches language, so a decoy that
// changed would mark the usercode unknown. Localized word lists therefore mean
// one fixed list per portal, not per visit.

//go:embed words/*.txt
var wordFiles embed.FS

type phraseWords struct{ adjectives, nouns, verbs []string }

// defaultWords are the embedded lists, read once.
var defaultWords = sync.OnceValue(loadPhraseWords)

func loadPhraseWords() *phraseWords {
	read := func(name string) []string {
		b, err := wordFiles.ReadFile("words/" + name)
		if err != nil {
			panic(err) // embedded at compile time
		}
		return strings.Fields(string(b))
	}
	return &phraseWords{read("adjectives.txt"), read("nouns.txt"), read("verbs.txt")}
}

// generated reports whether the generator can produce p (already cleaned).
func (w *phraseWords) generated(p string) bool {
	f := strings.Fields(p)
	return len(f) == 3 && slices.Contains(w.adjectives, f[0]) && slices.Contains(w.nouns, f[1]) && slices.Contains(w.verbs, f[2])
}

// phraseFrom picks a phrase with 12 bytes of randomness (4 per word; the
// modulo bias of a 32-bit draw over a few hundred words is below 1e-7).
func (w *phraseWords) phraseFrom(b []byte) string {
	pick := func(list []string, i int) string {
		return list[binary.BigEndian.Uint32(b[4*i:])%uint32(len(list))]
	}
	return pick(w.adjectives, 0) + " " + pick(w.nouns, 1) + " " + pick(w.verbs, 2)
}

// SuggestPhrases returns n random phrases to offer at the first login.
func (a *Accounts) SuggestPhrases(n int) []string {
	out := make([]string, 0, n)
	for range n {
		var b [12]byte
		rand.Read(b[:])
		out = append(out, a.words.phraseFrom(b[:]))
	}
	return out
}

// decoyPhrase is what step 1 shows for a usercode that has no account.
func (a *Accounts) decoyPhrase(u Usercode) string {
	return a.words.phraseFrom(crypt.KeyedHash(a.keys.decoy, string(u)))
}

const (
	phraseMin = 3
	phraseMax = 64
)

// cleanPhrase trims and validates a phrase the user picked: it must be one
// the generator makes (any case and spacing), so real phrases and decoys come
// from one distribution.
func cleanPhrase(p string) (string, error) {
	p = strings.ToLower(strings.Join(strings.Fields(p), " "))
	n := utf8.RuneCountInString(p)
	if !utf8.ValidString(p) || n < phraseMin || n > phraseMax || !defaultWords().generated(p) {
		e := errs.E(errs.Invalid, MsgPhraseInvalid)
		e.Data = map[string]any{"Min": phraseMin, "Max": phraseMax}
		return "", e
	}
	return p, nil
}

// GeneratedPhrase reports whether p is a phrase the generator makes (a picked
// suggestion): the pages use it to keep a pick across a refused form.
func GeneratedPhrase(p string) bool {
	_, err := cleanPhrase(p)
	return err == nil
}
