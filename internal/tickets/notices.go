// Mail: the notices a ticket's changes send, and the portal links they carry.

package tickets

import (
	"context"
	"database/sql"

	"zerodesk/internal/links"
	mailpkg "zerodesk/internal/mail"
)

const portal = "zerodesk"

// text is a mail text from the catalog in lang (English when lang is not
// shipped), the way accounts' mail is built (handlers.MailText).
func (s *Service) text(lang, id string, data map[string]string) string {
	if !s.cat.Supported(lang) {
		lang = "en"
	}
	return s.cat.Text(lang, id, data)
}

// Link is the absolute address of page p (below the language) of the
// portal, as the service's mail links it.
func (s *Service) Link(lang, p string) string { return s.link(lang, p) }

func (s *Service) link(lang, p string) string {
	return links.Portal(s.opts.PortalURL).Page(lang, p)
}

// noticeMessage is a "a secure message is waiting" mail. It goes to an
// address nobody proved (a guest's), so it carries only our fixed text, the
// reference and our link: never the customer's name, the subject or a body,
// which anyone could fill with a phishing text for someone else's address.
// Only the creation notice carries the access key.
func (s *Service) noticeMessage(to, lang, ref, subjectID, bodyID, link string) mailpkg.Message {
	data := map[string]string{"Portal": portal, "Reference": ref, "Link": link}
	return mailpkg.Message{To: to, Subject: s.text(lang, subjectID, data), TextBody: s.text(lang, bodyID, data)}
}

// notice queues a noticeMessage in tx.
func (s *Service) notice(ctx context.Context, tx *sql.Tx, to, lang, ref, subjectID, bodyID, link string) error {
	return s.outbox.Enqueue(ctx, tx, s.noticeMessage(to, lang, ref, subjectID, bodyID, link))
}
