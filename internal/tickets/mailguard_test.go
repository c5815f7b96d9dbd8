package tickets

import (
	"context"
	"strings"
	"testing"
	"time"

	"zerodesk/internal/accounts"
)

// hostileText is what an attacker types as a name, subject or message to
// phish someone else's address through our mail (Security 8).
const hostileText = "Bob. URGENT your account is locked: log in at http://evil.example/login"

// Every ticket mail (the guest's confirmation, the reply notices, now or
// released later, for guests and account users), in every language, carries
// only our text, the reference and our link.
func TestMail_NoTicketMailCarriesTypedText(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{PerAddress: 100, PerEmail: 100})
	ctx := context.Background()
	ana := e.agent(accounts.Agent, "Ana", "ana@desk.example")
	langs := catalog().Languages()
	for _, lang := range langs {
		sub := guestSubmission()
		sub.Lang, sub.Name, sub.Subject, sub.Body = lang, hostileText, hostileText, hostileText
		sub.Email = "victim-" + strings.ToLower(lang) + "@example.org"
		rc := e.submit(sub)
		must(t, e.svc.Reply(ctx, staff(ana), rc.Reference, Reply{Body: "Answer now."}))
		must(t, e.svc.Reply(ctx, staff(ana), rc.Reference, Reply{Body: "Answer later.", ReleaseAt: e.clk.Now().Add(time.Hour)}))
	}
	ben := e.user(accounts.Basic, hostileText, "ben@example.org")
	sub := guestSubmission()
	sub.Session, sub.Subject, sub.Body = ben, hostileText, hostileText
	rc := e.submit(sub)
	must(t, e.svc.Reply(ctx, staff(ana), rc.Reference, Reply{Body: "Answer now."}))
	e.clk.Add(2 * time.Hour)
	must(t, e.svc.Tick(ctx))
	e.deliver()

	if want := 3*len(langs) + 2; e.box.Len() < want {
		t.Fatalf("%d mails sent, want at least %d", e.box.Len(), want)
	}
	for _, m := range e.box.Sent() {
		for _, p := range []string{"URGENT", "evil.example"} {
			if strings.Contains(m.Subject, p) || strings.Contains(m.TextBody, p) {
				t.Errorf("the mail %q carries %q:\n%s", m.Subject, p, m.TextBody)
			}
		}
	}
}
