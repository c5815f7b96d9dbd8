package accounts

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
)

// Recover Account (premium users and managers). A signed-in user sets up a
// private recovery record: the account's data key, sealed under
//
//	K = HKDF(Argon2id(normalized answer or recovery key, salt), server secret)
//
// Only the salt and parameters are stored beside it. The record is kept in the
// database (default) or handed to the user as a file and not kept. Recovery
// opens the data key again with the answer (or key, and the file), so nothing
// sealed is lost: the account gets a new password and phrase, and every
// session ends.
//
// Security questions are weak secrets (ASVS 5.0 6.4.2), hence: the server
// secret in the derivation (a stolen database alone cannot be guessed
// offline), Argon2id per guess, RecoverAttempts per account per
// RecoverWindow counted before the hashing (unknown usercodes alike), a
// per-address limit, and a generated recovery key offered as the recommended
// choice. The question shown for a usercode without a record is a decoy
// chosen by a keyed hash of the usercode: stable across visits and restarts.

// Message IDs of the recovery errors.
const (
	MsgRecoverNotAllowed = "accounts.recover.not_allowed"      // forbidden: only premium users and managers
	MsgRecoverQuestion   = "accounts.recover.question_invalid" // invalid: not one of Questions
	MsgRecoverAnswer     = "accounts.recover.answer_invalid"   // invalid: answer too short or too long
	MsgRecoverMethod     = "accounts.recover.method_invalid"   // invalid: neither question nor key
	MsgRecoverFailed     = "accounts.recover.failed"           // forbidden: wrong answer, key or file, unknown usercode, no record: alike
	MsgRecoverLocked     = "accounts.recover.locked"           // rate_limited: Data["Until"] is a time.Time
	MsgRecoverNone       = "accounts.recover.none"             // conflict: removing a record that is not there
)

// The security questions a user may choose, by message ID.
const (
	MsgQuestionPet     = "accounts.recover.question.pet"
	MsgQuestionStreet  = "accounts.recover.question.street"
	MsgQuestionConcert = "accounts.recover.question.concert"
	MsgQuestionTeacher = "accounts.recover.question.teacher"
	MsgQuestionBook    = "accounts.recover.question.book"
	MsgQuestionCity    = "accounts.recover.question.city"
)

// Questions lists the security questions, in the order the form shows them.
var Questions = []string{MsgQuestionPet, MsgQuestionStreet, MsgQuestionConcert, MsgQuestionTeacher, MsgQuestionBook, MsgQuestionCity}

// Mail of the recovery.
const (
	MailRecoveredSubject       = "accounts.mail.recovered.subject"
	MailRecoveredBody          = "accounts.mail.recovered.body"
	MailRecoveryChangedSubject = "accounts.mail.recovery_changed.subject"
	MailRecoveryChangedBody    = "accounts.mail.recovery_changed.body"
)

// RecoveryMethod is what opens a recovery record.
type RecoveryMethod string

// The methods.
const (
	RecoveryByQuestion RecoveryMethod = "question"
	RecoveryByKey      RecoveryMethod = "key" // recommended
)

const (
	// RecoverAttempts in RecoverWindow per account (unknown usercodes too).
	RecoverAttempts = 5
	RecoverWindow   = 24 * time.Hour
	// recoverPerAddress: recovery attempts one client address may make per hour.
	recoverPerAddress = 20
	answerMin         = 2   // runes, after normalization (two CJK characters are a name)
	answerMax         = 200 // runes
	recoveryKeyLen    = 28  // Crockford characters: 140 bits
	recoveryFileMax   = 4096
	recoveryFormat    = "zerodesk-recovery/1"
)

const (
	scopeRecover        scope = "recover"         // key: the usercode's lookup hash
	scopeRecoverAddress scope = "recover-address" // key: keyed hash of the client address
)

func (a *Accounts) recoverLimit(s scope) (limit, bool) {
	switch s {
	case scopeRecover:
		return limit{RecoverAttempts, RecoverWindow, RecoverWindow}, true
	case scopeRecoverAddress:
		return limit{recoverPerAddress, time.Hour, time.Hour}, true
	}
	return limit{}, false
}

// RecoveryAllowed reports whether the role may keep a recovery record.
func (r Role) RecoveryAllowed() bool { return r == Premium || r == Manager }

// NormalizeAnswer is how an answer is compared: Unicode NFKC, lower case,
// letters and digits only, words separated by one space ("  Rue de la Paix!"
// and "rue de la paix" match).
func NormalizeAnswer(s string) string {
	s = strings.ToLower(norm.NFKC.String(s))
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) && !unicode.Is(unicode.Mc, r)
	}), " ")
}

// normalizeRecoveryKey reads a recovery key like a usercode: any case,
// separators ignored, I and L for 1, O for 0. Anything else is kept, so a
// mistyped key simply does not match.
func normalizeRecoveryKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '-' || unicode.IsSpace(r) {
			continue
		}
		if r < 0x80 {
			if v := crockfordValue[unicode.ToUpper(r)]; v >= 0 {
				b.WriteByte(crockford[v])
				continue
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

func newRecoveryKey() string {
	var raw [recoveryKeyLen]byte
	if _, err := rand.Read(raw[:]); err != nil {
		panic(err)
	}
	var b strings.Builder
	for i, x := range raw {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(crockford[x&31])
	}
	return b.String()
}

// normalizeSecret is the form of an answer or key that is hashed.
func normalizeSecret(m RecoveryMethod, s string) string {
	if m == RecoveryByKey {
		return normalizeRecoveryKey(s)
	}
	return NormalizeAnswer(s)
}

func (a *Accounts) recordKey(out []byte, id int64) []byte {
	return crypt.DeriveKey(out, a.opts.Secret.Subkey("accounts.recovery-record"), "accounts.recovery-record|"+strconv.FormatInt(id, 10))
}

func recordAD(id int64, recordID []byte) []byte {
	return []byte("recovery-record|" + strconv.FormatInt(id, 10) + "|" + hex.EncodeToString(recordID))
}

// RecoverySetup is what the set-up form sends.
type RecoverySetup struct {
	Password string // the current password (ASVS 7.5.1)
	Method   RecoveryMethod
	Question string // one of Questions, for RecoveryByQuestion
	Answer   string
	Keep     bool // keep the record here (default); false: download it
}

// RecoveryIssued is what the set-up shows once.
type RecoveryIssued struct {
	Key  string // the recovery key (RecoveryByKey), in groups of four
	File []byte // the recovery file when the record is not kept here
}

// recoveryRow is a stored recovery record, still sealed.
type recoveryRow struct {
	methodSealed []byte
	params       string
	recordID     []byte
	recordSealed []byte
	createdAt    int64
}

func (a *Accounts) loadRecovery(ctx context.Context, id int64) (*recoveryRow, error) {
	var r recoveryRow
	err := a.db.Read.QueryRowContext(ctx, sqlRecoveryByAccount, id).Scan(&r.methodSealed, &r.params, &r.recordID, &r.recordSealed, &r.createdAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.Wrap(err, "accounts: load recovery record")
	}
	return &r, nil
}

// openMethod reads which method (and question) opens the record.
func openMethod(ucKey []byte, id int64, sealed []byte) (RecoveryMethod, string, error) {
	m, err := crypt.Open(ucKey, sealed, ad("recovery-method", id))
	if err != nil {
		return "", "", errs.Wrap(err, "accounts: open recovery method")
	}
	method, question, _ := strings.Cut(string(m), "|")
	return RecoveryMethod(method), question, nil
}

// SetUpRecovery creates (or replaces) the signed-in account's recovery record
// after checking the password. For RecoveryByKey it generates the key to show
// once; when Keep is false the record is returned as a file and not stored.
func (a *Accounts) SetUpRecovery(ctx context.Context, s *Session, r RecoverySetup) (*RecoveryIssued, error) {
	row, _, err := a.sessionAccount(ctx, s)
	if err != nil {
		return nil, err
	}
	if !row.role.RecoveryAllowed() {
		return nil, errs.E(errs.Forbidden, MsgRecoverNotAllowed)
	}
	issued := &RecoveryIssued{}
	var secret, method string
	switch r.Method {
	case RecoveryByQuestion:
		if !slices.Contains(Questions, r.Question) {
			return nil, errs.E(errs.Invalid, MsgRecoverQuestion)
		}
		secret = NormalizeAnswer(r.Answer)
		if n := utf8.RuneCountInString(secret); n < answerMin || n > answerMax {
			return nil, errs.E(errs.Invalid, MsgRecoverAnswer)
		}
		method = string(RecoveryByQuestion) + "|" + r.Question
	case RecoveryByKey:
		issued.Key = newRecoveryKey()
		secret = normalizeRecoveryKey(issued.Key)
		method = string(RecoveryByKey)
	default:
		return nil, errs.E(errs.Invalid, MsgRecoverMethod)
	}
	row, dk, err := a.reauth(ctx, s, r.Password)
	if err != nil {
		return nil, err
	}
	ucKey, err := crypt.UnwrapKey(dk, row.usercodeKeyWrapped, ad("usercode-key", row.id))
	if err != nil {
		return nil, errs.Wrap(err, "accounts: unwrap usercode key")
	}
	p := a.hasher.NewParams()
	out, err := a.hasher.Hash(ctx, []byte(secret), p)
	if err != nil {
		return nil, errs.Wrap(err, "accounts: hash recovery secret")
	}
	params, _ := p.MarshalText()
	recordID := crypt.NewKey()[:16]
	sealed, err1 := crypt.Seal(a.recordKey(out, row.id), dk, recordAD(row.id, recordID))
	methodSealed, err2 := crypt.Seal(ucKey, []byte(method), ad("recovery-method", row.id))
	if err := firstErr(err1, err2); err != nil {
		return nil, errs.Wrap(err, "accounts: seal recovery record")
	}
	kept := sealed
	if !r.Keep {
		kept = nil
		issued.File = RecoveryFile(sealed)
	}
	_, email, err := a.person(row, dk)
	if err != nil {
		return nil, err
	}
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, sqlUpsertRecord, row.id, methodSealed, string(params), recordID, kept, a.unix()); err != nil {
			return err
		}
		return a.outbox.Enqueue(ctx, tx, a.message(email, row.lang, MailRecoveryChangedSubject, MailRecoveryChangedBody, nil))
	})
	if err != nil {
		return nil, errs.Pass(err, "accounts: store recovery record")
	}
	a.outbox.Wake()
	a.log.Info("accounts: recovery record set up", "account", row.id, "method", r.Method, "kept", r.Keep)
	return issued, nil
}

// recoveryFile is the downloaded form of a record that is not kept here.
type recoveryFile struct {
	Format string `json:"format"`
	About  string `json:"about"`
	Record string `json:"record"`
}

// RecoveryFile is the file a user downloads: JSON holding the sealed record.
// It opens nothing without the answer or key, this portal's database (salt,
// set-up id) and its server secret.
func RecoveryFile(sealed []byte) []byte {
	b, _ := json.MarshalIndent(recoveryFile{
		Format: recoveryFormat,
		About:  "zerodesk recovery record: upload it on the Recover Account page with your answer or recovery key.",
		Record: base64.RawURLEncoding.EncodeToString(sealed),
	}, "", "  ")
	return append(b, '\n')
}

// ParseRecoveryFile returns the sealed record a recovery file holds.
func ParseRecoveryFile(b []byte) ([]byte, bool) {
	if len(b) == 0 || len(b) > recoveryFileMax {
		return nil, false
	}
	var f recoveryFile
	if err := json.Unmarshal(b, &f); err != nil || f.Format != recoveryFormat {
		return nil, false
	}
	sealed, err := base64.RawURLEncoding.DecodeString(f.Record)
	if err != nil || len(sealed) == 0 || len(sealed) > recoveryFileMax {
		return nil, false
	}
	return sealed, true
}

// RecoveryInfo is what My account shows of the recovery record.
type RecoveryInfo struct {
	Allowed   bool // the role may keep one (premium, manager)
	Set       bool
	Method    RecoveryMethod
	Question  string // message ID, for RecoveryByQuestion
	Kept      bool   // the record is kept here (not only in a downloaded file)
	CreatedAt time.Time
}

// Recovery returns the signed-in account's recovery set-up.
func (a *Accounts) Recovery(ctx context.Context, s *Session) (RecoveryInfo, error) {
	row, dk, err := a.sessionAccount(ctx, s)
	if err != nil {
		return RecoveryInfo{}, err
	}
	info := RecoveryInfo{Allowed: row.role.RecoveryAllowed()}
	rec, err := a.loadRecovery(ctx, row.id)
	if err != nil || rec == nil {
		return info, err
	}
	ucKey, err := crypt.UnwrapKey(dk, row.usercodeKeyWrapped, ad("usercode-key", row.id))
	if err != nil {
		return info, errs.Wrap(err, "accounts: unwrap usercode key")
	}
	if info.Method, info.Question, err = openMethod(ucKey, row.id, rec.methodSealed); err != nil {
		return info, err
	}
	info.Set, info.Kept, info.CreatedAt = true, rec.recordSealed != nil, time.Unix(rec.createdAt, 0)
	return info, nil
}

// RemoveRecovery deletes the recovery record after checking the password; a
// downloaded file becomes useless with it.
func (a *Accounts) RemoveRecovery(ctx context.Context, s *Session, password string) error {
	row, dk, err := a.reauth(ctx, s, password)
	if err != nil {
		return err
	}
	_, email, err := a.person(row, dk)
	if err != nil {
		return err
	}
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, sqlDeleteRecord, row.id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, MsgRecoverNone)
		}
		return a.outbox.Enqueue(ctx, tx, a.message(email, row.lang, MailRecoveryChangedSubject, MailRecoveryChangedBody, nil))
	})
	if err != nil {
		return errs.Pass(err, "accounts: remove recovery record")
	}
	a.outbox.Wake()
	a.log.Info("accounts: recovery record removed", "account", row.id)
	return nil
}

// RecoverPrompt is what the recovery asks for after the usercode.
type RecoverPrompt struct {
	Method   RecoveryMethod
	Question string // message ID, for RecoveryByQuestion
}

// decoyMethod is the stable made-up method of a usercode without a record:
// one of the questions, or (one time in four) the recovery key.
func (a *Accounts) decoyMethod(u Usercode) RecoverPrompt {
	h := crypt.KeyedHash(a.keys.decoy, "recovery-method", string(u))
	n := int(h[0]) % (len(Questions) + 2)
	if n >= len(Questions) {
		return RecoverPrompt{Method: RecoveryByKey}
	}
	return RecoverPrompt{Method: RecoveryByQuestion, Question: Questions[n]}
}

// errLocked is MsgRecoverLocked with the time the lock ends.
func (a *Accounts) errLocked(ctx context.Context, lookup []byte) error {
	var start, attempts, until int64
	err := a.db.Read.QueryRowContext(ctx, sqlLimit, string(scopeRecover), lookup).Scan(&start, &attempts, &until)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return errs.Wrap(err, "accounts: read recovery lock")
	}
	e := errs.E(errs.RateLimited, MsgRecoverLocked)
	e.Data = map[string]any{"Until": time.Unix(until, 0).UTC()}
	return e
}

// recoverLocked reports whether the usercode's recovery is locked now.
func (a *Accounts) recoverLocked(ctx context.Context, lookup []byte) (bool, error) {
	var start, attempts, until int64
	err := a.db.Read.QueryRowContext(ctx, sqlLimit, string(scopeRecover), lookup).Scan(&start, &attempts, &until)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, errs.Wrap(err, "accounts: read recovery lock")
	}
	return until > a.unix(), nil
}

// RecoverStart is step 1 of Recover Account: what to ask for the usercode.
// A usercode without an active account or without a record gets a decoy,
// the same on every visit. A locked usercode (real or not) is
// MsgRecoverLocked with the time the lock ends.
func (a *Accounts) RecoverStart(ctx context.Context, usercode string) (RecoverPrompt, error) {
	u, err := NormalizeUsercode(usercode)
	if err != nil {
		return RecoverPrompt{}, err
	}
	lookup := a.lookupOf(u)
	if locked, err := a.recoverLocked(ctx, lookup); err != nil || locked {
		if err != nil {
			return RecoverPrompt{}, err
		}
		return RecoverPrompt{}, a.errLocked(ctx, lookup)
	}
	row, rec, err := a.recoverable(ctx, lookup)
	if err != nil {
		return RecoverPrompt{}, err
	}
	if rec == nil {
		return a.decoyMethod(u), nil
	}
	m, q, err := openMethod(a.usercodeKeyOf(u), row.id, rec.methodSealed)
	if err != nil {
		return RecoverPrompt{}, err
	}
	return RecoverPrompt{Method: m, Question: q}, nil
}

// recoverable loads the account of lookup and its record; rec is nil unless
// the account is active and has one.
func (a *Accounts) recoverable(ctx context.Context, lookup []byte) (*accountRow, *recoveryRow, error) {
	row, err := loadAccount(ctx, a.db.Read, sqlAccountByLookup, lookup)
	if err != nil {
		return nil, nil, errs.Wrap(err, "accounts: recover")
	}
	if row == nil || row.state != Active {
		return row, nil, nil
	}
	rec, err := a.loadRecovery(ctx, row.id)
	return row, rec, err
}

// RecoverRequest is step 2 of Recover Account.
type RecoverRequest struct {
	Usercode string
	Secret   string // the answer or the recovery key
	File     []byte // the recovery file, when the record was not kept here
	Password string // the new password
	Phrase   string // the new anti-phishing phrase
	Addr     string
}

// Recover opens the recovery record with the answer or key (and the file
// when the record is not kept) and sets a new password and phrase on the
// same data key: the account keeps its data. Every session ends and the
// address on file is told. The attempt is counted for the usercode
// (RecoverAttempts per RecoverWindow, MsgRecoverLocked beyond) and the
// address before any hashing; a wrong answer, key or file, an unknown usercode
// and a usercode without a record all cost one Argon2id and give
// MsgRecoverFailed.
func (a *Accounts) Recover(ctx context.Context, r RecoverRequest) error {
	u, err := NormalizeUsercode(r.Usercode)
	if err != nil {
		return err
	}
	phrase, err := cleanPhrase(r.Phrase)
	if err != nil {
		return err
	}
	if err := CheckPassword(r.Password, string(u), u.Display()); err != nil {
		return err
	}
	lookup, addrKey := a.lookupOf(u), a.addressKey(r.Addr)
	var addrOK, accountOK bool
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		now := a.now()
		var err error
		if addrOK, err = a.hit(ctx, tx, scopeRecoverAddress, addrKey, now); err != nil || !addrOK {
			return err
		}
		accountOK, err = a.hit(ctx, tx, scopeRecover, lookup, now)
		return err
	})
	if err != nil {
		return errs.Pass(err, "accounts: count recovery attempt")
	}
	if !addrOK {
		return errs.E(errs.RateLimited, MsgTooManyAttempts)
	}
	if !accountOK {
		return a.errLocked(ctx, lookup)
	}
	row, rec, err := a.recoverable(ctx, lookup)
	if err != nil {
		return err
	}
	prompt := a.decoyMethod(u)
	var p crypt.Argon2Params
	usable := rec != nil && p.UnmarshalText([]byte(rec.params)) == nil
	if usable {
		if prompt.Method, prompt.Question, err = openMethod(a.usercodeKeyOf(u), row.id, rec.methodSealed); err != nil {
			return err
		}
	} else {
		p = a.dummyParams(lookup)
	}
	out, err := a.hasher.Hash(ctx, []byte(normalizeSecret(prompt.Method, r.Secret)), p)
	if err != nil {
		return errs.Wrap(err, "accounts: hash recovery secret")
	}
	if !usable {
		return errs.E(errs.Forbidden, MsgRecoverFailed)
	}
	sealed := rec.recordSealed
	if sealed == nil {
		var ok bool
		if sealed, ok = ParseRecoveryFile(r.File); !ok {
			return errs.E(errs.Forbidden, MsgRecoverFailed)
		}
	}
	dk, err := crypt.Open(a.recordKey(out, row.id), sealed, recordAD(row.id, rec.recordID))
	if err != nil {
		return errs.E(errs.Forbidden, MsgRecoverFailed)
	}
	// The record opened: this attempt does not count.
	if err := a.clear(ctx, scopeRecover, lookup); err != nil {
		return errs.Wrap(err, "accounts: clear counter")
	}
	if err := a.giveBack(ctx, scopeRecoverAddress, addrKey); err != nil {
		return errs.Wrap(err, "accounts: give back attempt")
	}
	name, email, err := a.person(row, dk)
	if err != nil {
		return err
	}
	if err := CheckPassword(r.Password, string(u), u.Display(), name, email); err != nil {
		return err
	}
	creds, err := a.newCredentials(ctx, row.id, r.Password, dk)
	if err != nil {
		return err
	}
	sealedPhrase, err := crypt.Seal(a.usercodeKeyOf(u), []byte(phrase), ad("phrase", row.id))
	if err != nil {
		return errs.Wrap(err, "accounts: seal phrase")
	}
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		now := a.unix()
		if _, err := tx.ExecContext(ctx, sqlSetPassword, row.id, creds.params, creds.verifier, creds.dataKeyWrapped, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, sqlSetPhrase, row.id, sealedPhrase, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, sqlEndAll, row.id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, sqlClearLimit, string(scopeUsercode), lookup); err != nil {
			return err
		}
		return a.outbox.Enqueue(ctx, tx, a.message(email, row.lang, MailRecoveredSubject, MailRecoveredBody, nil))
	})
	if err != nil {
		return errs.Pass(err, "accounts: recover")
	}
	a.outbox.Wake()
	a.log.Info("accounts: recovered; every session ended", "account", row.id)
	return nil
}
