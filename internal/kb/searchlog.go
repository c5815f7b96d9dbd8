package kb

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
	"zerodesk/internal/usercode"
)

// The search log tells editors what visitors look for and do not find. It
// holds no personal data:
//
//   - words that look like an e-mail address, a long number, a usercode in any
//     spelling login accepts (usercode.Normalize), or a random token are
//     replaced before the query is even kept in memory;
//   - a query's text reaches the database only once minVisitors different
//     visitors have searched it. Until then the database holds a keyed hash
//     of the query, keyed hashes of its visitors (address and day, never the
//     address) and counts, so a password typed into search once is never
//     stored as text. Hashes older than hiddenDays are dropped.

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

	// minVisitors is how many different visitors (address and day) must
	// search a query before its text is kept.
	minVisitors = 3
	// maxVisitorsHeld bounds the visitor hashes one query holds in memory
	// between flushes: past minVisitors, more tell nothing.
	maxVisitorsHeld = minVisitors
	// hiddenDays is how long the hashes of a query too few visitors searched
	// are kept.
	hiddenDays = 30
)

type searchKey struct{ lang, query string }

type searchCount struct {
	searches, zeroHits int64
	lastHits           int
	visitors           map[string]struct{} // keyed hashes of address and day
}

type searchLog struct {
	mu      sync.Mutex
	pending map[searchKey]*searchCount
}

// RecordSearch notes a search by the visitor at address and how many hits it
// had; Flush writes it. The address is only ever hashed with the day.
func (k *KB) RecordSearch(lang, query string, hits int, address string) {
	q := redactQuery(query)
	lang = truncateRunes(strings.ToValidUTF8(lang, ""), 35)
	if q == "" || lang == "" {
		return
	}
	day := strconv.FormatInt(unixDay(k.now()), 10)
	visitor := string(crypt.KeyedHash(k.searchVisitorKey, address, day)[:16])
	k.searchLog.add(searchKey{lang, q}, &searchCount{searches: 1, zeroHits: b2i(hits == 0), lastHits: max(hits, 0),
		visitors: map[string]struct{}{visitor: {}}})
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
	p.addVisitors(c.visitors)
}

func (c *searchCount) addVisitors(vs map[string]struct{}) {
	if c.visitors == nil {
		c.visitors = map[string]struct{}{}
	}
	for v := range vs {
		if len(c.visitors) >= maxVisitorsHeld {
			return
		}
		c.visitors[v] = struct{}{}
	}
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
			p.addVisitors(c.visitors)
		} else {
			l.pending[key] = c
		}
	}
}

// writeSearches writes a flush's searches: to search_queries for a text
// already kept, else as hashes, promoted to text once enough visitors
// searched it.
func (k *KB) writeSearches(ctx context.Context, tx *sql.Tx, searches map[searchKey]*searchCount, day int64) error {
	if len(searches) == 0 {
		return nil
	}
	for key, c := range searches {
		var kept int
		err := tx.QueryRowContext(ctx, sqlSearchKept, key.lang, key.query).Scan(&kept)
		switch {
		case err == nil:
			if _, err := tx.ExecContext(ctx, sqlLogSearch, key.lang, key.query, c.searches, c.zeroHits, c.lastHits, day); err != nil {
				return err
			}
			continue
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		qh := crypt.KeyedHash(k.searchQueryKey, key.lang, key.query)
		for v := range c.visitors {
			if _, err := tx.ExecContext(ctx, sqlAddSearchVisitor, key.lang, qh, []byte(v), day); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, sqlLogHiddenSearch, key.lang, qh, c.searches, c.zeroHits, c.lastHits, day); err != nil {
			return err
		}
		var visitors int
		if err := tx.QueryRowContext(ctx, sqlCountSearchVisitors, key.lang, qh).Scan(&visitors); err != nil {
			return err
		}
		if visitors < minVisitors {
			continue
		}
		var n searchCount
		if err := tx.QueryRowContext(ctx, sqlHiddenSearch, key.lang, qh).Scan(&n.searches, &n.zeroHits, &n.lastHits); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, sqlLogSearch, key.lang, key.query, n.searches, n.zeroHits, n.lastHits, day); err != nil {
			return err
		}
		for _, q := range []string{sqlDeleteHiddenSearch, sqlDeleteSearchVisitors} {
			if _, err := tx.ExecContext(ctx, q, key.lang, qh); err != nil {
				return err
			}
		}
	}
	for _, q := range []string{sqlPruneHiddenSearches, sqlPruneSearchVisitors} {
		if _, err := tx.ExecContext(ctx, q, day-hiddenDays); err != nil {
			return err
		}
	}
	return nil
}

// HiddenSearches counts, in lang, the queries still too few visitors searched
// for their text to be kept, and how many of their searches found nothing.
func (k *KB) HiddenSearches(ctx context.Context, lang string) (queries, zeroHitSearches int64, err error) {
	err = k.db.Read.QueryRowContext(ctx, sqlCountHiddenSearches, lang).Scan(&queries, &zeroHitSearches)
	if err != nil {
		return 0, 0, errs.Wrap(err, "kb: hidden searches")
	}
	return queries, zeroHitSearches, nil
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
	raw := strings.Fields(q)
	words := make([]string, len(raw))
	hide := make([]bool, len(raw))
	for i, w := range raw {
		words[i] = strings.ToLower(w)
		hide[i] = strings.Contains(w, "@") || digitRun(w) >= 4 || looksLikeUsercode(words[i]) || looksRandom(w)
	}
	hideUsercodes(words, hide)
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

// hideUsercodes marks every run of words holding a usercode in any spelling
// login accepts, and more: the letters and digits of whole words, whatever
// separates them (hyphens, spaces, dots, none), that usercode.Normalize reads
// as a valid usercode (any case, O for 0, I or L for 1).
func hideUsercodes(words []string, hide []bool) {
	type chunk struct {
		word int
		text string
	}
	var chunks []chunk
	for i, w := range words {
		for _, c := range strings.FieldsFunc(w, func(r rune) bool {
			return !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)))
		}) {
			chunks = append(chunks, chunk{i, c})
		}
	}
	for i := range chunks {
		n := 0
		var b strings.Builder
		for j := i; j < len(chunks) && n < usercode.Len; j++ {
			n += len(chunks[j].text)
			b.WriteString(chunks[j].text)
			if n != usercode.Len {
				continue
			}
			if _, ok := usercode.Normalize(b.String()); ok {
				for x := chunks[i].word; x <= chunks[j].word; x++ {
					hide[x] = true
				}
			}
		}
	}
}

// looksRandom reports whether a word (as typed, case kept) looks like a
// token, a key or a password rather than a word: letters and digits mixed
// back and forth in six characters or more ("k7qx4mpd", not "windows10"),
// case changing inside it again and again ("aBcDeF", not "YouTube"), or a run
// of 32 characters or more.
func looksRandom(w string) bool {
	letters, digits, mixes, changes, n := 0, 0, 0, 0, 0
	prevUpper, prevDigit, started := false, false, false
	for _, r := range w {
		n++
		isDigit, isLetter := unicode.IsDigit(r), unicode.IsLetter(r)
		if !isDigit && !isLetter {
			continue
		}
		if started && isDigit != prevDigit {
			mixes++
		}
		if isDigit {
			digits++
		} else {
			letters++
			up := unicode.IsUpper(r)
			if letters > 1 && up != prevUpper {
				changes++
			}
			prevUpper = up
		}
		prevDigit, started = isDigit, true
	}
	return (letters+digits >= 6 && mixes >= 2) || changes >= 4 || n >= 32
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
