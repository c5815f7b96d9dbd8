package kb

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"

	"zerodesk/internal/store/storetest"
	"zerodesk/internal/usercode"
)

// randomUsercode is a fresh valid usercode (canonical form), made with the
// same arithmetic login checks.
func randomUsercode(t *testing.T) string {
	t.Helper()
	var raw [usercode.Random]byte
	rand.Read(raw[:])
	var vals [usercode.Random]byte
	var b strings.Builder
	for i, x := range raw {
		vals[i] = x & 31
		b.WriteByte(usercode.Alphabet[vals[i]])
	}
	b.WriteByte(usercode.Alphabet[usercode.CheckValue(vals[:])])
	c := b.String()
	if _, ok := usercode.Normalize(c); !ok {
		t.Fatalf("made an invalid usercode %s", c)
	}
	return c
}

// spellings are the ways login accepts a usercode to be typed, and a few more.
func spellings(c string) []string {
	g1, g2, g3 := c[:4], c[4:8], c[8:]
	lookalike := strings.NewReplacer("0", "O", "1", "I").Replace(c)
	lookalikeL := strings.NewReplacer("0", "o", "1", "l").Replace(c)
	var out []string
	for _, s := range []string{
		g1 + "-" + g2 + "-" + g3, c, g1 + g2 + "-" + g3, g1 + "-" + g2 + g3, g1 + " " + g2 + " " + g3,
		g1 + "–" + g2 + "–" + g3, g1 + "." + g2 + "." + g3, g1 + g2 + " " + g3, lookalike, lookalikeL,
		lookalike[:4] + "-" + lookalike[4:8] + "-" + lookalike[8:],
	} {
		out = append(out, s, strings.ToLower(s))
	}
	return out
}

// Issue 10: 20 of 20 random usercodes typed without hyphens were stored
// verbatim. Every spelling login accepts, searched by many visitors, never
// reaches the database file or its WAL in any encoding.
func TestSearchLog_UsercodesInEverySpellingNeverReachTheDatabase(t *testing.T) {
	t.Parallel()
	k, db, _ := seeded(t, demoFS())
	ctx := context.Background()
	secrets := map[string]string{}
	for i := range 20 {
		c := randomUsercode(t)
		for j, s := range spellings(c) {
			if _, ok := usercode.Normalize(strings.NewReplacer(".", "").Replace(s)); !ok {
				t.Fatalf("spelling %q of %s is not one login accepts", s, c)
			}
			for v := range 4 {
				addr := "198.51.100." + string(rune('1'+v))
				k.RecordSearch("en", s, 0, addr)
				k.RecordSearch("en", "my usercode "+s+" does not work", 0, addr)
				k.RecordSearch("en", "login "+s, 0, addr)
			}
			secrets["usercode "+string(rune('a'+i))+" spelling "+string(rune('a'+j))] = strings.ToLower(s)
			secrets["usercode "+string(rune('a'+i))+" spelling "+string(rune('a'+j))+" as typed"] = s
		}
		secrets["usercode "+string(rune('a'+i))] = c
		secrets["usercode "+string(rune('a'+i))+" lower"] = strings.ToLower(c)
	}
	if err := k.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if found := storetest.FindSecrets(t, db, nil, secrets); len(found) > 0 {
		t.Fatalf("usercodes stored:\n%s", strings.Join(found, "\n"))
	}
	// What was kept is the sentence around them.
	got, err := k.MissingSearches(ctx, "en", 100)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, s := range got {
		texts = append(texts, s.Query)
	}
	if all := strings.Join(texts, "|"); !strings.Contains(all, "my usercode [redacted] does not work") {
		t.Fatalf("kept %q", all)
	}
}

// A password typed into search once (no rule recognises it) is stored only
// as hashes; the same text searched by three different visitors is kept.
func TestSearchLog_TextKeptOnlyOnceThreeVisitorsSearchedIt(t *testing.T) {
	t.Parallel()
	k, db, clk := seeded(t, demoFS())
	ctx := context.Background()
	// What the byte scans look for is this run's own: on PostgreSQL they read
	// the cluster's WAL, which every test running at the same time writes.
	password := strings.ToLower(storetest.Secret(t, "correcthorsebattery"))
	// Words, as the log keeps them: no random-looking token, and no run of
	// letters the log reads as a usercode typed with spaces (two random
	// words sometimes spell a valid one: CI run 36 redacted "… lemon [redacted]").
	query := "printer offline " + randomWords(3)
	for redactQuery(query) != query {
		query = "printer offline " + randomWords(3)
	}
	addr, otherAddr := randomAddress(), randomAddress()
	k.RecordSearch("en", password, 0, addr)
	k.RecordSearch("en", query, 0, addr)
	k.RecordSearch("en", query, 0, addr) // the same visitor again
	k.RecordSearch("en", query, 0, otherAddr)
	if err := k.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{"password": password, "query of two visitors": query,
		"address": addr, "other address": otherAddr}
	if found := storetest.FindSecrets(t, db, nil, secrets); len(found) > 0 {
		t.Fatalf("before three visitors:\n%s", strings.Join(found, "\n"))
	}
	if got, _ := k.MissingSearches(ctx, "en", 10); len(got) != 0 {
		t.Fatalf("missing searches before three visitors: %+v", got)
	}
	if n, zero, err := k.HiddenSearches(ctx, "en"); err != nil || n != 2 || zero != 4 {
		t.Fatalf("hidden = %d queries, %d zero-hit searches, %v; want 2, 4", n, zero, err)
	}
	// The next day the first visitor counts again (the hash is of address and
	// day); a third address the same day would do too.
	clk.AddDate(0, 0, 1)
	k.RecordSearch("en", "Printer  "+query[len("printer "):], 0, addr)
	if err := k.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := k.MissingSearches(ctx, "en", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != (QueryStat{Query: query, Searches: 4, ZeroHitSearches: 4}) {
		t.Fatalf("missing = %+v, want the query with all 4 searches", got)
	}
	if n, _, _ := k.HiddenSearches(ctx, "en"); n != 1 {
		t.Fatalf("hidden = %d queries, want the password's only", n)
	}
	if found := storetest.FindSecrets(t, db, nil, map[string]string{"password": password}); len(found) > 0 {
		t.Fatalf("password stored:\n%s", strings.Join(found, "\n"))
	}
	// A month later the password's hashes are gone too.
	clk.AddDate(0, 0, hiddenDays+1)
	k.RecordSearch("en", query, 0, addr)
	if err := k.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := k.HiddenSearches(ctx, "en"); n != 0 {
		t.Fatalf("hidden = %d after %d days", n, hiddenDays+1)
	}
}

// randomAddress is a visitor's address of this run alone (documentation
// prefix 2001:db8::/32).
func randomAddress() string {
	var b [6]byte
	rand.Read(b[:])
	return fmt.Sprintf("2001:db8:%x:%x:%x::1", b[0:2], b[2:4], b[4:6])
}

// randomWords are n words of a small vocabulary, picked at random: a query of
// this run alone that reads as words (the log hides random-looking tokens).
func randomWords(n int) string {
	vocabulary := strings.Fields(`after again amber anchor apple autumn basket beacon border branch breeze bridge
		candle canvas carbon castle cellar cherry cotton copper desert dinner donkey dragon engine falcon
		feather forest garden ginger golden harbor helmet island jacket jungle kettle ladder lantern lemon
		marble meadow mirror monkey narrow orange oyster paddle pepper pillow planet pocket rabbit ribbon
		saddle salmon silver spider summer tunnel velvet violet walnut window winter yellow`)
	words := make([]string, n)
	for i := range words {
		var b [1]byte
		rand.Read(b[:])
		words[i] = vocabulary[int(b[0])%len(vocabulary)]
	}
	return strings.Join(words, " ")
}
