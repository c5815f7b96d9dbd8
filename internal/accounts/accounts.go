// Package accounts is the account room: usercodes, key derivation, two-step
// login with anti-phishing phrases, lockouts, sessions, second factor, roles.
//
// What is stored, and under which key (the "server secret" lives in the key
// file, never in the database):
//
//   - usercode: never stored. Rows are found by HMAC(secret, usercode).
//   - password: never stored. Argon2id(password, salt) → out;
//     verifier = HMAC(secret, out) is stored; KEK = HKDF(out, secret) is not,
//     and wraps the account's random 32-byte data key.
//   - name, TOTP secrets: sealed under the data key (a pending account's name
//     under the usercode key until the first login).
//   - phrase: sealed under the usercode key = HKDF(usercode, secret), so the
//     database alone cannot show it, yet step 1 of the login can.
//   - e-mail address: sealed under a key derived from the server secret (the
//     "desk key"), because notices and resets must reach the user without the
//     password; a keyed hash of it serves lookups.
//   - sessions: SHA-256 of the token; the data key wrapped by a key derived
//     from the token, so the database gives no live keys.
package accounts

import (
	"context"
	"database/sql"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/v2"

	"zerodesk/internal/audit"
	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
	"zerodesk/internal/mail"
	"zerodesk/internal/store"
)

// Role is what an account may do. Registration gives Basic or Premium; the
// others are granted (Manager) or created from the command line (Agent,
// Admin, Editor).
type Role string

// The roles.
const (
	Basic   Role = "basic"
	Premium Role = "premium"
	Manager Role = "manager"
	Agent   Role = "agent"
	Admin   Role = "admin"
	// Editor writes and publishes the help articles (the editor's room), and
	// nothing else: not the desk, not the accounts.
	Editor Role = "editor"
)

// Staff reports whether r works the help desk (agents and admins).
func (r Role) Staff() bool { return r == Agent || r == Admin }

// Edits reports whether r writes the help articles (editors and admins).
func (r Role) Edits() bool { return r == Editor || r == Admin }

func (r Role) valid() bool {
	switch r {
	case Basic, Premium, Manager, Agent, Admin, Editor:
		return true
	}
	return false
}

// State is where an account is in its life.
type State string

// The states: pending until the first login proves the e-mail address.
const (
	Pending   State = "pending"
	Active    State = "active"
	Suspended State = "suspended"
)

// Message IDs of the errors this package returns (the views translate them).
const (
	MsgUsercodeInvalid      = "accounts.usercode_invalid"       // invalid: malformed or wrong check character
	MsgLoginFailed          = "accounts.login_failed"           // forbidden: wrong password, unknown usercode or locked, alike
	MsgTooManyAttempts      = "accounts.too_many_attempts"      // rate_limited: this address tried too often
	MsgTooManyRegistrations = "accounts.too_many_registrations" // rate_limited: this address registered too often
	MsgSuspended            = "accounts.suspended"              // forbidden: right password, suspended account
	MsgSessionExpired       = "accounts.session_expired"        // forbidden: no such session, ended or timed out
	MsgNameInvalid          = "accounts.name_invalid"           // invalid
	MsgEmailInvalid         = "accounts.email_invalid"          // invalid
	MsgLanguageInvalid      = "accounts.language_invalid"       // invalid
	MsgTypeInvalid          = "accounts.type_invalid"           // invalid: registration type other than basic/premium
	MsgRoleInvalid          = "accounts.role_invalid"           // invalid: staff role other than agent/admin/manager
	MsgPasswordTooShort     = "accounts.password_too_short"     // invalid; Data["Min"] = 12
	MsgPasswordTooLong      = "accounts.password_too_long"      // invalid; Data["Max"] = 1024 (bytes)
	MsgPasswordCommon       = "accounts.password_common"        // invalid: on the list, a pattern or a sequence
	MsgPasswordPersonal     = "accounts.password_personal"      // invalid: contains the usercode, name or e-mail
	MsgPhraseInvalid        = "accounts.phrase_invalid"         // invalid; Data["Min"], Data["Max"]
	MsgPasswordWrong        = "accounts.password_wrong"         // forbidden: re-authentication in a session failed
	MsgSecondFactorWrong    = "accounts.second_factor_wrong"    // invalid: wrong or used TOTP / recovery code
	MsgTOTPAlreadyOn        = "accounts.totp_already_enabled"   // conflict
	MsgTOTPNotStarted       = "accounts.totp_not_started"       // conflict: confirm without a set-up
	MsgTOTPOff              = "accounts.totp_not_enabled"       // conflict
	MsgCodeWrong            = "accounts.code_wrong"             // invalid: e-mailed code wrong, used, expired or tried 5 times
	MsgEmailSame            = "accounts.email_unchanged"        // invalid: the new address is the current one
	MsgStateInvalid         = "accounts.state_invalid"          // invalid: SetState to other than active/suspended
	MsgNotFound             = "accounts.not_found"              // not_found: SetState on a missing or pending account
)

// Limits are the numbers of the security policy. The zero value of each field
// means its default (in brackets).
type Limits struct {
	UsercodeFailures int           // failed passwords per usercode in a window before a lock [5]
	AddressFailures  int           // failed logins per client address in a window before a lock [20]
	Window           time.Duration // counting window [15 min]
	Lock             time.Duration // how long a lock lasts [15 min]

	IdleTimeout     time.Duration // a session ends after this long unused [30 min]
	AbsoluteTimeout time.Duration // a session ends this long after login [12 h]
	SecondFactorTTL time.Duration // time to enter the TOTP / recovery code [5 min]
	SecondFactorTry int           // wrong codes before the half-open session ends [5]

	PendingLifetime      time.Duration // an unused registration expires [7 days]
	RegistrationsPerAdr  int           // registrations per client address per hour [10]
	RegistrationsPerMail int           // registrations per e-mail address per day [3] (silently dropped above)

	CodeTTL time.Duration // e-mailed one-time codes live [10 min]

	MembersPerHour int // users one account manager may add per hour [20]

	// Step1Floor: step 1 of the login answers no sooner than this after it
	// began, on top of doing equal work for known and unknown usercodes, so
	// what is left of a difference hides under it [1 ms]; negative: none.
	Step1Floor time.Duration
	// UsercodeFloor: asking for a new usercode answers no sooner than this,
	// so a known address (a mail queued) and an unknown one take alike [250
	// ms]; negative: none.
	UsercodeFloor time.Duration
}

func (l *Limits) defaults() {
	set := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	setD := func(p *time.Duration, v time.Duration) {
		if *p <= 0 {
			*p = v
		}
	}
	set(&l.UsercodeFailures, 5)
	set(&l.AddressFailures, 20)
	setD(&l.Window, 15*time.Minute)
	setD(&l.Lock, 15*time.Minute)
	setD(&l.IdleTimeout, 30*time.Minute)
	setD(&l.AbsoluteTimeout, 12*time.Hour)
	setD(&l.SecondFactorTTL, 5*time.Minute)
	set(&l.SecondFactorTry, 5)
	setD(&l.PendingLifetime, 7*24*time.Hour)
	set(&l.RegistrationsPerAdr, 10)
	set(&l.RegistrationsPerMail, 3)
	setD(&l.CodeTTL, 10*time.Minute)
	set(&l.MembersPerHour, 20)
	if l.Step1Floor == 0 {
		l.Step1Floor = time.Millisecond
	}
	if l.UsercodeFloor == 0 {
		l.UsercodeFloor = 250 * time.Millisecond
	}
}

// Options configure Accounts.
type Options struct {
	Secret crypt.Secret
	Hasher *crypt.Hasher // nil = crypt.NewHasher(crypt.DefaultArgon2, 0)
	Outbox *mail.Outbox  // where account mail goes; required
	Now    func() time.Time
	Log    *slog.Logger
	// PortalURL is the portal's address as mails show it ("https://desk.example");
	// links.Portal builds the pages' links below it.
	PortalURL string
	// Texts gives the mail texts (the message catalog); required.
	Texts mail.Texts
	// Issuer names the service in authenticator apps [zerodesk].
	Issuer string
	// Languages, when set, lists the languages an account may choose.
	Languages []string
	Limits    Limits
	// Audit records staff changes (staff.go) in their transactions; nil:
	// not recorded (tests of other things).
	Audit *audit.Log
	// OnSecondFactorChange is called after the staff policy or an account's
	// second factor changed (issue 15): the web side keeps the policy's
	// answer per account a few seconds, and serve announces the change to
	// the other instances (store.Changes) so theirs drop it too. nil: none.
	OnSecondFactorChange func()
}

// Accounts is the account service.
type Accounts struct {
	db     *store.DB
	store  *store.SessionStore // scs's store (sessions.go)
	sm     *scs.SessionManager // the one session manager
	byHash *sql.Stmt           // sqlSessionByHash on the read pool: every signed-in request runs it
	opts   Options
	now    func() time.Time
	log    *slog.Logger
	hasher *crypt.Hasher
	outbox *mail.Outbox
	lim    Limits
	keys   keys
	words  *phraseWords
	// standIn is what step 1 opens for a usercode without an account, so both
	// paths open one sealed phrase of the usual size.
	standIn struct{ key, sealed []byte }

	// lockouts counts the login locks set since the start (Lockouts).
	lockouts atomic.Uint64

	// verifying, set by tests only, sees every password check: true when it
	// runs against a real hash, false for the dummy.
	verifying func(real bool)
	// beforeTouch, set by tests only, runs between loading a session and
	// recording its use: where another request of the session may change
	// its data.
	beforeTouch func()
}

// keys are the purpose-bound subkeys of the server secret.
type keys struct {
	lookup, decoy, dummySalt, usercodeKey, verifier, kek, session,
	email, emailLookup, address, recovery, code []byte
}

// New returns the account service on db (migrated).
func New(db *store.DB, opts Options) (*Accounts, error) {
	if opts.Outbox == nil {
		return nil, errs.Wrap(errNoOutbox, "accounts: new")
	}
	if opts.Texts == nil {
		return nil, errs.Wrap(errNoTexts, "accounts: new")
	}
	a := &Accounts{db: db, opts: opts, now: opts.Now, log: opts.Log, hasher: opts.Hasher, outbox: opts.Outbox, lim: opts.Limits}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.hasher == nil {
		a.hasher = crypt.NewHasher(crypt.DefaultArgon2, 0)
	}
	if a.opts.Issuer == "" {
		a.opts.Issuer = "zerodesk"
	}
	a.lim.defaults()
	a.store = store.NewSessionStore(db, a.now)
	a.sm = newManager(a.store, a.lim)
	var err error
	if a.byHash, err = db.Read.PrepareContext(context.Background(), sqlSessionByHash); err != nil {
		return nil, errs.Wrap(err, "accounts: new")
	}
	s := opts.Secret
	a.keys = keys{
		lookup:      s.Subkey("accounts.usercode"),
		decoy:       s.Subkey("accounts.decoy"),
		dummySalt:   s.Subkey("accounts.dummy-salt"),
		usercodeKey: s.Subkey("accounts.usercode-key"),
		verifier:    s.Subkey("accounts.verifier"),
		kek:         s.Subkey("accounts.kek"),
		session:     s.Subkey("accounts.session"),
		email:       s.Subkey("accounts.email"),
		emailLookup: s.Subkey("accounts.email-lookup"),
		address:     s.Subkey("accounts.address"),
		recovery:    s.Subkey("accounts.recovery"),
		code:        s.Subkey("accounts.code"),
	}
	a.words = defaultWords()
	a.standIn.key = s.Subkey("accounts.step1-stand-in")
	sealed, err := crypt.Seal(a.standIn.key, []byte(a.words.phraseFrom(crypt.KeyedHash(a.standIn.key, "phrase"))), ad("phrase", 0))
	if err != nil {
		return nil, errs.Wrap(err, "accounts: new")
	}
	a.standIn.sealed = sealed
	return a, nil
}

type constError string

func (e constError) Error() string { return string(e) }

const (
	errNoOutbox = constError("Options.Outbox is required")
	errNoTexts  = constError("Options.Texts is required")
)

// ad is the additional data that binds a sealed value to its purpose and row.
func ad(purpose string, id int64) []byte {
	return []byte(purpose + "|" + strconv.FormatInt(id, 10))
}

// lookupOf is the keyed hash that finds an account by its usercode.
func (a *Accounts) lookupOf(u Usercode) []byte { return crypt.KeyedHash(a.keys.lookup, string(u)) }

// usercodeKeyOf derives the key that seals the phrase (and a pending name).
func (a *Accounts) usercodeKeyOf(u Usercode) []byte {
	return crypt.DeriveKey([]byte(u), a.keys.usercodeKey, "accounts.usercode-key")
}

func (a *Accounts) addressKey(addr string) []byte { return crypt.KeyedHash(a.keys.address, addr) }

func (a *Accounts) unix() int64 { return a.now().Unix() }

// Run prunes expired sessions, counters, codes and registrations every few
// minutes until ctx ends.
func (a *Accounts) Run(ctx context.Context) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		if err := a.Prune(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("accounts: prune", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
