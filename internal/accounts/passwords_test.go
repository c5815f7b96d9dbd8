package accounts

import (
	"strings"
	"testing"

	"zerodesk/internal/errs"
)

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		pw, id   string
		personal []string
	}{
		{"violet harbor 71 lanterns", "", nil},
		{"Tr0ub4dor&3-staple-rain", "", nil},
		{"ünïcödé wörds zählen", "", nil},
		{"short", MsgPasswordTooShort, nil},
		{"elevenchars", MsgPasswordTooShort, nil},
		{"ñandú-ñandú", MsgPasswordTooShort, nil}, // 11 characters, more bytes
		{strings.Repeat("ab1", 400), MsgPasswordTooLong, nil},
		{"password1234", MsgPasswordCommon, nil},
		{"Password2026!", MsgPasswordCommon, nil},
		{"P@ssw0rd12345", MsgPasswordCommon, nil},
		{"!!Dragon!!1234", MsgPasswordCommon, nil},
		{"iloveyouforever", MsgPasswordCommon, nil},
		{"SummerSummer2025", MsgPasswordCommon, nil},
		{"qwertyuiopasdf", MsgPasswordCommon, nil},
		{"1qaz2wsx3edc4rfv", MsgPasswordCommon, nil},
		{"123456789012", MsgPasswordCommon, nil},
		{"0987654321098", MsgPasswordCommon, nil},
		{"zyxwvutsrqponm", MsgPasswordCommon, nil},
		{"aaaaaaaaaaaaaaaa", MsgPasswordCommon, nil},
		{"abababababab1", MsgPasswordCommon, nil},
		{"xyzxyzxyzxyzxyz", MsgPasswordCommon, nil},
		{"zerodesk2026!!", MsgPasswordCommon, nil},
		{"my name is Zoë Tester!", MsgPasswordPersonal, []string{"Zoë Tester"}},
		{"tester rules the world", MsgPasswordPersonal, []string{"Zoë Tester"}},
		{"zoe.mail is my thing", MsgPasswordPersonal, []string{"zoe.mail@example.org"}},
		{"k7qx4mpd9tzr and more", MsgPasswordPersonal, []string{"K7QX-4MPD-9TZR"}},
	} {
		err := CheckPassword(c.pw, c.personal...)
		if c.id == "" {
			if err != nil {
				t.Errorf("%q refused: %v", c.pw, err)
			}
			continue
		}
		if errs.MessageIDOf(err) != c.id || errs.CodeOf(err) != errs.Invalid {
			t.Errorf("%q: err = %v, want %s", c.pw, err, c.id)
		}
	}
}

func TestCheckPassword_EveryListedPasswordIsRefused(t *testing.T) {
	t.Parallel()
	loadCommon()
	if len(commonPasswords) < 900 {
		t.Fatalf("only %d common passwords embedded", len(commonPasswords))
	}
	for pw := range commonPasswords {
		if CheckPassword(pw) == nil || CheckPassword(strings.ToUpper(pw)) == nil {
			t.Fatalf("%q accepted", pw)
		}
	}
}

func TestStrength_GrowsWithLengthAndVariety(t *testing.T) {
	t.Parallel()
	if s := Strength("password1234"); s != 0 {
		t.Errorf("a refused password scored %d", s)
	}
	weak, strong := Strength("violetharbor"), Strength("Violet harbor, 71 lanterns & a heron!")
	if weak < 1 || strong != 4 || weak >= strong {
		t.Errorf("Strength: weak %d, strong %d", weak, strong)
	}
}
