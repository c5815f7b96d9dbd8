// The blind index: keyed hashes of a ticket's words, so the desk can search
// texts the database holds only encrypted.

package tickets

import (
	"context"
	"database/sql"
	"encoding/binary"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"zerodesk/internal/crypt"
	"zerodesk/internal/words"
)

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
