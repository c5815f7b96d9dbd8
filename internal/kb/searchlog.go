package kb

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"unicode"

	"zerodesk/internal/errs"
)

// The search log tells editors what visitors look for and do not find. It
// holds no personal data: no address, no time of day, and words that look
// like an e-mail address, a number or a usercode are replaced before the
// query is even kept in memory.

// QueryStat is one logged query.
type QueryStat struct {
	Query           string
	Searches        int64
	ZeroHitSearches int64
	LastHits        int
}

const (
	maxLoggedRunes    = 100
	maxPendingQueries = 10000 // distinct queries held between flushes; more are dropped
	redacted          = "[redacted]"
)

type searchKey struct{ lang, query string }

type searchCount struct {
	searches, zeroHits int64
	lastHits           int
}

type searchLog struct {
	mu      sync.Mutex
	pending map[searchKey]*searchCount
}

// RecordSearch notes a search and how many hits it had; Flush writes it.
func (k *KB) RecordSearch(lang, query string, hits int) {
	q := redactQuery(query)
	lang = truncateRunes(strings.ToValidUTF8(lang, ""), 35)
	if q == "" || lang == "" {
		return
	}
	k.searchLog.add(searchKey{lang, q}, &searchCount{searches: 1, zeroHits: b2i(hits == 0), lastHits: max(hits, 0)})
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func (l *searchLog) add(key searchKey, c *searchCount) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.pending[key]
	if p == nil {
		if len(l.pending) >= maxPendingQueries {
			return
		}
		l.pending[key] = c
		return
	}
	p.searches += c.searches
	p.zeroHits += c.zeroHits
	p.lastHits = c.lastHits
}

// take empties the log and returns what it held.
func (l *searchLog) take() map[searchKey]*searchCount {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.pending) == 0 {
		return nil
	}
	out := l.pending
	l.pending = map[searchKey]*searchCount{}
	return out
}

// putBack returns entries a failed flush could not write; searches recorded
// meanwhile are newer and keep their last hit count.
func (l *searchLog) putBack(m map[searchKey]*searchCount) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for key, c := range m {
		if p := l.pending[key]; p != nil {
			p.searches += c.searches
			p.zeroHits += c.zeroHits
		} else {
			l.pending[key] = c
		}
	}
}

// MissingSearches lists the queries in lang that most often found nothing
// and still found nothing the last time, for editors to write articles for.
func (k *KB) MissingSearches(ctx context.Context, lang string, n int) ([]QueryStat, error) {
	if n <= 0 {
		n = 20
	}
	rows, err := k.db.Read.QueryContext(ctx, sqlMissingSearches, lang, min(n, 1000))
	if err != nil {
		return nil, errs.Wrap(err, "kb: missing searches")
	}
	var out []QueryStat
	for rows.Next() {
		var s QueryStat
		if err := rows.Scan(&s.Query, &s.Searches, &s.ZeroHitSearches, &s.LastHits); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "kb: missing searches")
		}
		out = append(out, s)
	}
	if err := closeRows(rows); err != nil {
		return nil, errs.Wrap(err, "kb: missing searches")
	}
	return out, nil
}

// Crockford base32, as usercodes are written: no i, l, o, u.
const crockford = `[0-9a-hjkmnp-tv-z]`

var (
	// K7QX-4MPD-9TZR: three or more groups, or two with a digit (plain
	// hyphenated words like "fast-sync" survive).
	usercodeShape  = regexp.MustCompile(`(^|[^0-9a-z])(` + crockford + `{4}(?:-` + crockford + `{4})+)($|[^0-9a-z])`)
	crockfordGroup = regexp.MustCompile(`^` + crockford + `{4}$`)
)

// redactQuery lower-cases and trims a query, replaces personal-looking words
// with [redacted] and caps the result at 100 characters.
func redactQuery(q string) string {
	q = truncateRunes(strings.ToValidUTF8(q, ""), 4*maxLoggedRunes)
	words := strings.Fields(strings.ToLower(q))
	hide := make([]bool, len(words))
	for i, w := range words {
		hide[i] = strings.Contains(w, "@") || digitRun(w) >= 4 || looksLikeUsercode(w)
	}
	// Numbers and usercodes typed with spaces: "+41 79 123 45 67", "k7qx 4mpd 9tzr".
	for i := 0; i < len(words); {
		j, digits := i, 0
		for j < len(words) && isNumberish(words[j]) {
			digits += digitRun(words[j])
			j++
		}
		if digits >= 4 && j-i > 1 {
			for x := i; x < j; x++ {
				hide[x] = true
			}
		}
		j2, hasDigit := i, false
		for j2 < len(words) && crockfordGroup.MatchString(words[j2]) {
			hasDigit = hasDigit || strings.ContainsAny(words[j2], "0123456789")
			j2++
		}
		if j2-i >= 2 && hasDigit {
			for x := i; x < j2; x++ {
				hide[x] = true
			}
		}
		i = max(j, j2, i+1)
	}
	var b strings.Builder
	for i, w := range words {
		if hide[i] {
			if i > 0 && hide[i-1] {
				continue
			}
			w = redacted
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	return strings.TrimSpace(truncateRunes(b.String(), maxLoggedRunes))
}

// digitRun counts the digits of a word's longest run of digits, where single
// dots, dashes, slashes and brackets inside the run do not break it
// (1.2.3.4, 079-123-45-67, (079)1234).
func digitRun(w string) int {
	best, run := 0, 0
	prevSep := false
	for _, r := range w {
		switch {
		case unicode.IsDigit(r):
			run++
			prevSep = false
		case strings.ContainsRune(".-/()+", r) && !prevSep:
			prevSep = true
		default:
			run, prevSep = 0, false
		}
		best = max(best, run)
	}
	return best
}

// isNumberish: a word made of digits and number punctuation only.
func isNumberish(w string) bool {
	digits := false
	for _, r := range w {
		switch {
		case unicode.IsDigit(r):
			digits = true
		case strings.ContainsRune(".-/()+", r):
		default:
			return false
		}
	}
	return digits
}

func looksLikeUsercode(w string) bool {
	m := usercodeShape.FindStringSubmatch(w)
	if m == nil {
		return false
	}
	code := m[2]
	return strings.Count(code, "-") >= 2 || strings.ContainsAny(code, "0123456789")
}
