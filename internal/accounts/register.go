package accounts

import (
	"context"
	"database/sql"
	"errors"

	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
	"zerodesk/internal/mail"
)

// Registration is what a visitor fills in to get an account.
type Registration struct {
	Name  string
	Email string
	Lang  string
	Type  Role   // Basic or Premium
	Addr  string // the client address (rate limit), never stored
}

// Register creates a pending account and e-mails its usercode. The answer is
// the same whether or not the address already has accounts (several may share
// one), and above RegistrationsPerMail a day for one address nothing is sent,
// silently: registration tells nobody which addresses are known, and cannot be
// used to flood someone's mailbox. Too many registrations from one client
// address is a rate_limited error.
func (a *Accounts) Register(ctx context.Context, r Registration) error {
	if r.Type != Basic && r.Type != Premium {
		return errs.E(errs.Invalid, MsgTypeInvalid)
	}
	name, email, emailKey, err := a.cleanPerson(r.Name, r.Email)
	if err != nil {
		return err
	}
	if err := a.checkLang(r.Lang); err != nil {
		return err
	}
	var addrLimited, mailLimited bool
	var id int64
	var u Usercode
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		now := a.now()
		ok, err := a.hit(ctx, tx, scopeRegAddress, a.addressKey(r.Addr), now)
		if err != nil || !ok {
			addrLimited = !ok
			return err
		}
		ok, err = a.hit(ctx, tx, scopeRegEmail, emailKey, now)
		if err != nil || !ok {
			mailLimited = !ok
			return err
		}
		u, id, err = a.insertPending(ctx, tx, r.Type, r.Lang, name, email, emailKey)
		if err != nil {
			return err
		}
		days := strconv.Itoa(int(a.lim.PendingLifetime / (24 * time.Hour)))
		msg := a.message(email, r.Lang, MailWelcomeSubject, MailWelcomeBody,
			map[string]string{"Usercode": u.Display(), "Days": days})
		return a.outbox.Enqueue(ctx, tx, msg)
	})
	switch {
	case err != nil:
		return errs.Pass(err, "accounts: register")
	case addrLimited:
		return errs.E(errs.RateLimited, MsgTooManyRegistrations)
	case mailLimited:
		a.log.Warn("accounts: registration dropped: too many for one e-mail address")
		return nil
	}
	a.outbox.Wake()
	a.log.Info("accounts: registered", "account", id, "role", r.Type)
	return nil
}

// CreateStaff creates a pending agent, admin, editor or account manager account
// (zerodesk admin create) and returns its usercode, to be shown once. No mail
// is sent: the operator hands the usercode over; the first login sets password
// and phrase. A manager is a user account of the Manager type (the members
// pages), not staff.
func (a *Accounts) CreateStaff(ctx context.Context, role Role, name, email string) (Usercode, error) {
	if role != Agent && role != Admin && role != Editor && role != Manager {
		return "", errs.E(errs.Invalid, MsgRoleInvalid)
	}
	name, email, emailKey, err := a.cleanPerson(name, email)
	if err != nil {
		return "", err
	}
	lang := "en"
	if len(a.opts.Languages) > 0 {
		lang = a.opts.Languages[0]
	}
	var u Usercode
	var id int64
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		u, id, err = a.insertPending(ctx, tx, role, lang, name, email, emailKey)
		return err
	})
	if err != nil {
		return "", errs.Pass(err, "accounts: create staff")
	}
	a.log.Info("accounts: staff account created", "account", id, "role", role)
	return u, nil
}

// insertPending stores a new pending account: the name sealed under the
// usercode key (so only the usercode's holder can move it under the data key at
// the first login), the e-mail address under the desk key.
func (a *Accounts) insertPending(ctx context.Context, tx *sql.Tx, role Role, lang, name, email string, emailKey []byte) (Usercode, int64, error) {
	var u Usercode
	var id int64
	for try := 0; ; try++ {
		u = NewUsercode()
		// A lookup collision (60 random bits) needs about a billion accounts to
		// become likely; draw again rather than fail.
		row, err := loadAccount(ctx, tx, sqlAccountByLookup, a.lookupOf(u))
		if err != nil {
			return "", 0, err
		}
		if row != nil && try < 3 {
			continue
		}
		if err := tx.QueryRowContext(ctx, sqlInsertAccount, a.lookupOf(u), string(role), lang, emailKey, a.unix(), noBlob).Scan(&id); err != nil {
			return "", 0, err
		}
		break
	}
	sealedEmail, err := crypt.Seal(a.keys.email, []byte(email), ad("email", id))
	if err != nil {
		return "", 0, err
	}
	sealedName, err := crypt.Seal(a.usercodeKeyOf(u), []byte(name), ad("pending-name", id))
	if err != nil {
		return "", 0, err
	}
	_, err = tx.ExecContext(ctx, sqlSealPending, id, sealedEmail, sealedName)
	return u, id, err
}

// cleanPerson validates a name and an e-mail address and returns them cleaned,
// with the e-mail's lookup hash.
func (a *Accounts) cleanPerson(name, email string) (string, string, []byte, error) {
	name, err := cleanName(name)
	if err != nil {
		return "", "", nil, err
	}
	email, key, err := a.cleanEmail(email)
	return name, email, key, err
}

func cleanName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	n := utf8.RuneCountInString(name)
	if !utf8.ValidString(name) || n < 1 || n > 100 || strings.ContainsFunc(name, unicode.IsControl) {
		return "", errs.E(errs.Invalid, MsgNameInvalid)
	}
	return name, nil
}

// MsgEmailNotASCII: the part of the address before the @ is not ASCII (see
// mail.ErrLocalNotASCII).
const MsgEmailNotASCII = "accounts.email_not_ascii"

func (a *Accounts) cleanEmail(email string) (string, []byte, error) {
	email, err := mail.CheckAddress(email)
	if errors.Is(err, mail.ErrLocalNotASCII) {
		return "", nil, errs.E(errs.Invalid, MsgEmailNotASCII)
	}
	if err != nil {
		return "", nil, errs.E(errs.Invalid, MsgEmailInvalid)
	}
	return email, crypt.KeyedHash(a.keys.emailLookup, strings.ToLower(email)), nil
}

var langTag = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

func (a *Accounts) checkLang(lang string) error {
	if len(a.opts.Languages) > 0 && !slices.Contains(a.opts.Languages, lang) || len(lang) > 35 || !langTag.MatchString(lang) {
		return errs.E(errs.Invalid, MsgLanguageInvalid)
	}
	return nil
}
