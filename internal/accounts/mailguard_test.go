package accounts

import (
	"context"
	"strings"
	"testing"
)

// hostileText is what an attacker types as a name to phish someone else's
// address through our mail.
const hostileText = "Bob. URGENT your account is locked: log in at http://evil.example/login"

// hostileParts are the pieces of hostileText no mail may carry.
var hostileParts = []string{"URGENT", "evil.example"}

// checkMailClean fails for every sent mail that carries a hostile part, and
// unless at least want mails went out.
func checkMailClean(t *testing.T, e *env, want int) {
	t.Helper()
	e.delivered()
	if e.box.Len() < want {
		t.Fatalf("%d mails sent, want at least %d", e.box.Len(), want)
	}
	for _, m := range e.box.Sent() {
		for _, p := range hostileParts {
			if strings.Contains(m.Subject, p) || strings.Contains(m.TextBody, p) || strings.Contains(m.To, p) {
				t.Errorf("the mail %q to %s carries %q:\n%s", m.Subject, m.To, p, m.TextBody)
			}
		}
	}
}

// Security 8: every mail of the account room, through every path that sends
// one, with a hostile name wherever a name can be typed.
func TestMail_NoAccountMailCarriesATypedName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	// Registration: the welcome mail to an address nobody proved.
	u := e.register(hostileText, "bob@example.org")
	l, err := e.acc.Activate(ctx, FirstLogin{Credentials: Credentials{Usercode: u.Display(), Password: goodPassword,
		Addr: "192.0.2.1"}, Phrase: goodPhrase})
	mustOK(t, err)
	s := e.session(l.Token)
	mustOK(t, e.acc.UpdateProfile(ctx, s, hostileText, "en"))
	// Password changed; e-mail change (a code to the new address, a notice to the old).
	mustOK(t, e.acc.ChangePassword(ctx, s, goodPassword, resetPassword))
	mustOK(t, e.acc.RequestEmailChange(ctx, s, resetPassword, "bob.new@example.org"))
	e.delivered()
	code := sixDigitCode.FindString(e.box.Last(t).TextBody)
	mustOK(t, e.acc.ConfirmEmailChange(ctx, s, code))
	// Reset: a code, then the notice; the name is typed again.
	flow, err := e.acc.StartReset(ctx, ResetRequest{Usercode: u.Display(), Email: "bob.new@example.org", Addr: "192.0.2.9"})
	mustOK(t, err)
	f := finish(u, flow, e.resetCode())
	f.Name = hostileText
	mustOK(t, e.acc.FinishReset(ctx, f))
	// A manager's member: the welcome mail with a manager-chosen label.
	_, ms := e.manager("Mia Manager", "mia@example.org")
	_, err = e.acc.AddMember(ctx, ms, NewMember{Name: hostileText, Email: "victim@example.org", Lang: "en", Type: Basic})
	mustOK(t, err)
	checkMailClean(t, e, 8)
}

// The English mail texts show only the values the portal chooses: a name
// passed to any account mail does not reach it.
func TestMail_EnglishFallbackShowsNoName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, ids := range [][2]string{{MailWelcomeSubject, MailWelcomeBody}, {MailPasswordChangedSubject, MailPasswordChangedBody},
		{MailEmailCodeSubject, MailEmailCodeBody}, {MailEmailChangedSubject, MailEmailChangedBody},
		{MailRecoveredSubject, MailRecoveredBody}, {MailRecoveryChangedSubject, MailRecoveryChangedBody},
		{MailResetCodeSubject, MailResetCodeBody}, {MailResetDoneSubject, MailResetDoneBody},
		{MailUsercodeCodeSubject, MailUsercodeCodeBody}, {MailUsercodeDoneSubject, MailUsercodeDoneBody}} {
		m := e.acc.message("x@example.org", "en", ids[0], ids[1], map[string]string{"Name": hostileText})
		if strings.Contains(m.Subject+m.TextBody, "evil.example") {
			t.Errorf("%s shows a name passed to it", ids[1])
		}
	}
}
