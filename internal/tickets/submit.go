package tickets

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
	"zerodesk/internal/links"
	"zerodesk/internal/messaging"
)

// Submit opens a ticket. Everything is checked before anything is written;
// the rate limits (per address and per e-mail, Limits.PerAddress and
// PerEmail per hour), the replay check and the ticket itself are one durable
// transaction (group commit, synchronous=FULL), with the customer's notice
// queued in it. The receipt's access key exists nowhere else.
func (s *Service) Submit(ctx context.Context, sub Submission) (*Receipt, error) {
	lang := sub.Lang
	if !s.cat.Supported(lang) {
		lang = "en"
	}
	subject, err := cleanLine(sub.Subject, s.lim.MaxSubject, MsgSubjectRequired, MsgSubjectTooLong)
	if err != nil {
		return nil, err
	}
	body, err := cleanText(sub.Body, s.lim.MaxBody, MsgBodyRequired, MsgBodyTooLong)
	if err != nil {
		return nil, err
	}
	topic := strings.TrimSpace(sub.Topic)
	if topic != "" || !sub.Comment {
		if ok, err := s.topicActive(ctx, topic); err != nil {
			return nil, errs.Wrap(err, "tickets: topic")
		} else if !ok {
			return nil, errs.E(errs.Invalid, MsgTopicInvalid)
		}
	}
	article, _ := cleanLine(sub.Article, 200, "", MsgNotText)
	files, err := s.cleanUploads(sub.Attachments)
	if err != nil {
		return nil, err
	}
	var name, email string
	var accountID sql.NullInt64
	if sub.Session != nil {
		if s.acc == nil {
			return nil, errNotAllowed()
		}
		p, err := s.acc.Profile(ctx, sub.Session)
		if err != nil {
			return nil, err
		}
		name, email = p.Name, p.Email
		accountID = sql.NullInt64{Int64: sub.Session.AccountID, Valid: true}
	} else {
		if name, err = cleanName(sub.Name, s.lim.MaxName); err != nil {
			return nil, err
		}
		if email, err = cleanEmail(sub.Email); err != nil {
			return nil, err
		}
	}
	formID := strings.TrimSpace(sub.FormID)
	if len(formID) > 200 {
		formID = formID[:200]
	}
	metaJSON, err := json.Marshal(meta{Subject: subject, Name: name, Article: article})
	if err != nil {
		return nil, errs.Wrap(err, "tickets: meta")
	}
	words := s.wordHashes(subject, body)
	emailKey := s.emailLookup(email)
	addrKey := crypt.KeyedHash(s.keys.address, sub.Address)
	key := newAccessKey()
	rc := &Receipt{AccessKey: key}
	// Everything that does not need the transaction is done before it, on
	// the caller's goroutine: the group committer's one goroutine does only
	// SQL and the seals that need row ids.
	for attempt := 0; ; attempt++ {
		ref := newReference()
		guestKeys := s.guestKeyring(ref, key)
		accessHash := s.accessHash(ref, key)
		var sealedEmail []byte
		if sealedEmail, err = crypt.Seal(s.keys.email, []byte(email), adEmail(ref)); err != nil {
			return nil, errs.Wrap(err, "tickets: seal e-mail")
		}
		notice := s.noticeMessage(email, lang, ref, MailCreatedSubject, MailCreatedBody,
			s.link(lang, links.SupportTicket+ref+"?key="+key))
		err = s.write(ctx, func(tx *sql.Tx) error {
			now := s.now()
			t := now.Unix()
			if formID != "" {
				var prior string
				err := s.st.QueryRow(ctx, tx, sqlFormSeen, crypt.KeyedHash(s.keys.form, "submit", formID)).Scan(&prior)
				if err == nil {
					e := errs.E(errs.Conflict, MsgAlreadySent)
					e.Data = map[string]any{"Reference": prior}
					return e
				}
				if !errors.Is(err, sql.ErrNoRows) {
					return err
				}
			}
			if sub.Address != "" {
				if ok, err := s.tryCount(ctx, tx, scopeAddress, addrKey, time.Hour, s.lim.PerAddress, t); err != nil || !ok {
					return firstErr(err, errs.E(errs.RateLimited, MsgTooManyTickets))
				}
			}
			if ok, err := s.tryCount(ctx, tx, scopeEmail, emailKey, time.Hour, s.lim.PerEmail, t); err != nil || !ok {
				return firstErr(err, errs.E(errs.RateLimited, MsgTooManyTickets))
			}
			var taken int
			if err := s.st.QueryRow(ctx, tx, sqlRefTaken, ref).Scan(&taken); err != nil || taken > 0 {
				return firstErr(err, errRefTaken)
			}
			parts := map[string]messaging.Keyring{partGuest: guestKeys}
			if accountID.Valid {
				parts[partAccount(accountID.Int64)] = s.accountKeyring(sub.Session)
			}
			th, err := s.msg.CreateThread(ctx, tx, metaJSON, parts)
			if err != nil {
				return err
			}
			if _, err := s.msg.Post(ctx, tx, th, messaging.Post{Author: authorCustomer, Kind: kindReply, Body: []byte(body), Files: files}); err != nil {
				return err
			}
			r := &row{status: StatusNew, priority: PriorityNormal}
			tg := s.targets[r.priority]
			r.frDue, r.resDue = now.Add(tg.FirstResponse).Unix(), now.Add(tg.Resolution).Unix()
			err = s.st.QueryRow(ctx, tx, sqlInsertTicket, ref, th.ID, lang, topic, sub.Comment, r.status, r.priority, accountID,
				emailKey, sealedEmail, accessHash, t, r.frDue, r.resDue, nextDue(r)).Scan(&rc.ID)
			if err != nil {
				return err
			}
			if err := s.moveCount(ctx, tx, "", StatusNew); err != nil {
				return err
			}
			if err := s.indexWords(ctx, tx, rc.ID, words); err != nil {
				return err
			}
			if err := s.event(ctx, tx, rc.ID, authorCustomer, EventCreated, "", string(StatusNew)); err != nil {
				return err
			}
			if formID != "" {
				if _, err := s.st.Exec(ctx, tx, sqlFormInsert, crypt.KeyedHash(s.keys.form, "submit", formID), ref, t); err != nil {
					return err
				}
			}
			rc.Reference = ref
			return s.outbox.Enqueue(ctx, tx, notice)
		})
		if !errors.Is(err, errRefTaken) || attempt == 3 {
			break
		}
	}
	if err != nil {
		return nil, errs.Pass(err, "tickets: submit")
	}
	return rc, nil
}

// CheckSubmit reports, without counting anything, whether a ticket from
// address (and e-mail address, "" for a signed-in user) would be refused by
// the hourly limits now: the form's files need not be read then. Submit
// still counts and decides, in its transaction.
func (s *Service) CheckSubmit(ctx context.Context, address, email string) error {
	now := s.now().Unix()
	if address != "" {
		n, err := counted(ctx, s.db.Read, scopeAddress, crypt.KeyedHash(s.keys.address, address), time.Hour, now)
		if err != nil {
			return errs.Wrap(err, "tickets: address counter")
		}
		if n >= s.lim.PerAddress {
			return errs.E(errs.RateLimited, MsgTooManyTickets)
		}
	}
	if email == "" {
		return nil
	}
	clean, err := cleanEmail(email)
	if err != nil {
		return nil // Submit says why
	}
	n, err := counted(ctx, s.db.Read, scopeEmail, s.emailLookup(clean), time.Hour, now)
	if err != nil {
		return errs.Wrap(err, "tickets: e-mail counter")
	}
	if n >= s.lim.PerEmail {
		return errs.E(errs.RateLimited, MsgTooManyTickets)
	}
	return nil
}

// errRefTaken: the drawn reference exists (40 random bits: rare); Submit
// draws another.
var errRefTaken = errors.New("tickets: reference taken")

func firstErr(err error, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}
