package locales

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// mailData are the only values a mail text may show: our fixed portal name,
// codes and links we make, and numbers. Mail goes to addresses nobody may have
// proved yet (a registration, a guest's ticket, a new address), so no text a
// visitor or a manager typed (a name, a ticket's subject) may reach it: it
// could say "URGENT: your account is locked, log in at http://evil…" in our
// name to anyone. A new mail placeholder belongs here only if nobody but the
// portal chooses its value.
var mailData = []string{"Portal", "Usercode", "Days", "LoginURL", "ResetURL", "SupportURL", "Code", "Minutes",
	"Reference", "Link"}

// isMailID: the mail texts are the IDs with a "mail" segment
// (accounts.mail.welcome.body, tickets.mail.reply.subject).
func isMailID(id string) bool { return slices.Contains(strings.Split(id, "."), "mail") }

var anyAction = regexp.MustCompile(`\{\{.*?\}\}`)

func TestMailTextsCarryNoTextSomeoneElseChose(t *testing.T) {
	names, _ := fs.Glob(files, "*.toml")
	seen := 0
	for _, name := range names {
		for id, forms := range readMessageFile(t, name) {
			if !isMailID(id) {
				continue
			}
			seen++
			for form, text := range forms {
				for _, action := range anyAction.FindAllString(text, -1) {
					m := placeholder.FindStringSubmatch(action)
					if m == nil || m[0] != action {
						t.Errorf("%s %s (%s): template action %s: a mail text has plain placeholders only", name, id, form, action)
						continue
					}
					if !slices.Contains(mailData, m[1]) {
						t.Errorf("%s %s (%s) shows {{.%s}}: mail may show only %v", name, id, form, m[1], mailData)
					}
				}
			}
		}
	}
	if seen < 8*10 {
		t.Fatalf("only %d mail texts found: is the mail ID pattern still right?", seen)
	}
}
