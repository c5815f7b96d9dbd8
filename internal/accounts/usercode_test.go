package accounts

import (
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"zerodesk/internal/errs"
)

var displayShape = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$`)

func TestUsercode_NewIsValidReadableAndRandom(t *testing.T) {
	t.Parallel()
	seen := map[Usercode]bool{}
	for range 2000 {
		u := NewUsercode()
		if !displayShape.MatchString(u.Display()) {
			t.Fatalf("Display = %q", u.Display())
		}
		back, err := NormalizeUsercode(u.Display())
		if err != nil || back != u {
			t.Fatalf("NormalizeUsercode(%q) = %q, %v", u.Display(), back, err)
		}
		if seen[u] {
			t.Fatalf("%s drawn twice", u.Display())
		}
		seen[u] = true
	}
}

func TestNormalizeUsercode_AcceptsHowPeopleType(t *testing.T) {
	t.Parallel()
	u := NewUsercode()
	d := u.Display()
	for _, typed := range []string{
		d,
		strings.ToLower(d),
		string(u),
		strings.ToLower(string(u)),
		strings.ReplaceAll(d, "-", " "),
		"  " + d[:7] + d[7:] + " \n",
		strings.ReplaceAll(d, "-", "–"), // an en dash pasted from a mail
	} {
		got, err := NormalizeUsercode(typed)
		if err != nil || got != u {
			t.Errorf("NormalizeUsercode(%q) = %q, %v; want %q", typed, got, err, u)
		}
	}
	// Crockford: I and L read as 1, O as 0.
	for {
		u = NewUsercode()
		if strings.ContainsAny(string(u[:11]), "10") {
			break
		}
	}
	typo := strings.NewReplacer("1", "l", "0", "O").Replace(string(u))
	if got, err := NormalizeUsercode(typo); err != nil || got != u {
		t.Errorf("NormalizeUsercode(%q) = %q, %v; want %q", typo, got, err, u)
	}
	typo = strings.NewReplacer("1", "I", "0", "o").Replace(string(u))
	if got, err := NormalizeUsercode(typo); err != nil || got != u {
		t.Errorf("NormalizeUsercode(%q) = %q, %v; want %q", typo, got, err, u)
	}
}

func TestNormalizeUsercode_CatchesEveryWrongCharacterAndSwap(t *testing.T) {
	t.Parallel()
	for range 20 {
		u := []byte(NewUsercode())
		for i := range u {
			for _, c := range []byte(crockford) {
				if c == u[i] {
					continue
				}
				bad := append([]byte(nil), u...)
				bad[i] = c
				if _, err := NormalizeUsercode(string(bad)); err == nil {
					t.Fatalf("%s with position %d changed to %c passed the check", u, i, c)
				}
			}
			for j := i + 1; j < len(u); j++ {
				if u[i] == u[j] {
					continue
				}
				bad := append([]byte(nil), u...)
				bad[i], bad[j] = bad[j], bad[i]
				if _, err := NormalizeUsercode(string(bad)); err == nil {
					t.Fatalf("%s with positions %d and %d swapped passed the check", u, i, j)
				}
			}
		}
	}
}

func TestNormalizeUsercode_RefusesMalformed(t *testing.T) {
	t.Parallel()
	u := string(NewUsercode())
	for _, bad := range []string{"", u[:11], u + "0", u[:11] + "U", "K7QX-4MPD-9TZR-WX", u[:5] + "é" + u[6:], u[:5] + "*" + u[6:]} {
		_, err := NormalizeUsercode(bad)
		if errs.CodeOf(err) != errs.Invalid || errs.MessageIDOf(err) != MsgUsercodeInvalid {
			t.Errorf("NormalizeUsercode(%q) err = %v", bad, err)
		}
	}
}

func TestUsercode_NeverPrintedByAccident(t *testing.T) {
	t.Parallel()
	u := NewUsercode()
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("x", "u", u)
	out := b.String() + fmt.Sprint(u) + fmt.Sprintf("%v %s", u, u)
	if strings.Contains(out, string(u)) || strings.Contains(out, u.Display()) {
		t.Fatalf("a usercode was printed: %s", out)
	}
}
