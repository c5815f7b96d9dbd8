package accounts

import (
	"strings"

	"zerodesk/internal/mail"
)

// Mail message IDs. Their texts, English included, live only in the locale
// files; Options.Texts gives them.
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

// text returns the text of id in lang (in English when lang is not shipped).
func (a *Accounts) text(lang, id string, data map[string]string) string {
	if !a.opts.Texts.Supported(lang) {
		lang = "en"
	}
	return a.opts.Texts.Text(lang, id, data)
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
