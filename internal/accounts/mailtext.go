package accounts

import (
	"zerodesk/internal/links"
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

// pageURL links a portal page (links.Login, …) in lang from a mail.
func (a *Accounts) pageURL(lang, path string) string {
	return links.Portal(a.opts.PortalURL).Page(lang, path)
}

// message builds a mail from a subject and body ID pair.
func (a *Accounts) message(to, lang, subjectID, bodyID string, data map[string]string) mail.Message {
	if data == nil {
		data = map[string]string{}
	}
	data["Portal"] = a.portalName()
	data["LoginURL"] = a.pageURL(lang, links.Login)
	data["ResetURL"] = a.pageURL(lang, links.Reset)
	data["SupportURL"] = a.pageURL(lang, links.Support)
	return mail.Message{To: to, Subject: a.text(lang, subjectID, data), TextBody: a.text(lang, bodyID, data)}
}
