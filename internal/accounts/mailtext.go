package accounts

import (
	"strings"
	"text/template"

	"zerodesk/internal/mail"
)

// Mail message IDs. Their English text below is the fallback when
// Options.Text has no translation; the same text, in go-i18n template syntax,
// belongs in the locale files.
const (
	MailWelcomeSubject         = "accounts.mail.welcome.subject"
	MailWelcomeBody            = "accounts.mail.welcome.body"
	MailPasswordChangedSubject = "accounts.mail.password_changed.subject"
	MailPasswordChangedBody    = "accounts.mail.password_changed.body"
	MailEmailCodeSubject       = "accounts.mail.email_code.subject"
	MailEmailCodeBody          = "accounts.mail.email_code.body"
	MailEmailChangedSubject    = "accounts.mail.email_changed.subject"
	MailEmailChangedBody       = "accounts.mail.email_changed.body"
)

var englishMail = map[string]string{
	MailWelcomeSubject: "Your {{.Portal}} usercode",
	// The one mail that carries a usercode: the product's design (logging in
	// with it proves the address). Neither the database nor the logs hold it.
	MailWelcomeBody: `Hello,

your usercode for {{.Portal}} is:

    {{.Usercode}}

Log in with it at {{.LoginURL}} to choose your password and your
anti-phishing phrase. This first login proves that this e-mail address is
yours. If nobody logs in within {{.Days}} days, the registration is deleted.

Keep your usercode private. We do not store it, so we cannot tell it to you
again. We will never ask for your password: not by e-mail, not by phone, not
in a support ticket.

If you did not register, ignore this message.
`,
	MailPasswordChangedSubject: "Your {{.Portal}} password was changed",
	MailPasswordChangedBody: `Hello,

the password of your {{.Portal}} account was changed, and every other session
was signed out.

If this was not you, reset your account at {{.ResetURL}} or open a support
ticket at {{.SupportURL}}.
`,
	MailEmailCodeSubject: "Confirm your new e-mail address for {{.Portal}}",
	MailEmailCodeBody: `Hello,

to make this the e-mail address of your {{.Portal}} account, enter this code
on the page where you asked for the change:

    {{.Code}}

The code works once, for {{.Minutes}} minutes. If you did not ask for this,
ignore this message.
`,
	MailEmailChangedSubject: "The e-mail address of your {{.Portal}} account was changed",
	MailEmailChangedBody: `Hello,

the e-mail address of your {{.Portal}} account was changed; mail now goes to
the new address.

If this was not you, open a support ticket at {{.SupportURL}}.
`,
}

// text returns the localized text of id, falling back to English.
func (a *Accounts) text(lang, id string, data map[string]string) string {
	if a.opts.Text != nil {
		if s := a.opts.Text(lang, id, data); s != "" {
			return s
		}
	}
	t, err := template.New(id).Option("missingkey=zero").Parse(englishMail[id])
	if err != nil {
		panic(err) // the English texts are constants
	}
	var b strings.Builder
	t.Execute(&b, data)
	return b.String()
}

func (a *Accounts) portalName() string { return a.opts.Issuer }

// pageURL links a portal page from a mail: Options.PageURL, or PortalURL +
// /LANG/PAGE (the routes of handlers/routes.go).
func (a *Accounts) pageURL(lang, page string) string {
	if a.opts.PageURL != nil {
		return a.opts.PageURL(lang, page)
	}
	return strings.TrimRight(a.opts.PortalURL, "/") + "/" + lang + "/" + page
}

// message builds a mail from a subject and body ID pair.
func (a *Accounts) message(to, lang, subjectID, bodyID string, data map[string]string) mail.Message {
	if data == nil {
		data = map[string]string{}
	}
	data["Portal"] = a.portalName()
	data["LoginURL"] = a.pageURL(lang, "login")
	data["ResetURL"] = a.pageURL(lang, "reset")
	data["SupportURL"] = a.pageURL(lang, "support")
	return mail.Message{To: to, Subject: a.text(lang, subjectID, data), TextBody: a.text(lang, bodyID, data)}
}
