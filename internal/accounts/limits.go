package accounts

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Attempt counters. Every attempt is counted before its outcome is known, in a
// write transaction (one writer), so N concurrent attempts can never get more
// than the limit through to the password check. A success gives the attempt
// back. Counters live in auth_limits and survive restarts.
type scope string

const (
	scopeUsercode    scope = "usercode" // key: the usercode's lookup hash (unknown usercodes too)
	scopeAddress     scope = "address"  // key: keyed hash of the client address
	scopeRegAddress  scope = "register-address"
	scopeRegEmail    scope = "register-email"
	scopeEmailChange scope = "email-change" // key: account lookup; codes sent per hour
	scopeMemberAdd   scope = "member-add"   // key: the manager's lookup; members added per hour (members.go)
)

type limit struct {
	max    int
	window time.Duration
	lock   time.Duration
}

func (a *Accounts) limitOf(s scope) limit {
	// Reset and Recover Account keep their numbers in reset.go and recover.go.
	if l, ok := a.resetLimit(s); ok {
		return l
	}
	if l, ok := a.recoverLimit(s); ok {
		return l
	}
	if l, ok := a.usercodeLimit(s); ok {
		return l
	}
	switch s {
	case scopeUsercode:
		return limit{a.lim.UsercodeFailures, a.lim.Window, a.lim.Lock}
	case scopeAddress:
		return limit{a.lim.AddressFailures, a.lim.Window, a.lim.Lock}
	case scopeRegAddress:
		return limit{a.lim.RegistrationsPerAdr, time.Hour, time.Hour}
	case scopeRegEmail:
		return limit{a.lim.RegistrationsPerMail, 24 * time.Hour, 24 * time.Hour}
	case scopeMemberAdd:
		return limit{a.lim.MembersPerHour, time.Hour, time.Hour}
	default:
		return limit{5, time.Hour, time.Hour}
	}
}

// hit counts one attempt and reports whether it may proceed (false: locked).
// The attempt that reaches the limit proceeds but sets the lock, which a
// success lifts again.
func (a *Accounts) hit(ctx context.Context, tx *sql.Tx, s scope, key []byte, now time.Time) (bool, error) {
	l := a.limitOf(s)
	t := now.Unix()
	var start, attempts, lockedUntil int64
	err := tx.QueryRowContext(ctx, sqlLimit, string(s), key).Scan(&start, &attempts, &lockedUntil)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		start = t
	case err != nil:
		return false, err
	case lockedUntil > t:
		return false, nil
	case lockedUntil != 0 || t-start >= int64(l.window/time.Second):
		start, attempts, lockedUntil = t, 0, 0
	}
	attempts++
	if attempts >= int64(l.max) {
		lockedUntil = t + int64(l.lock/time.Second)
		if s == scopeUsercode || s == scopeAddress {
			a.lockouts.Add(1)
		}
	}
	_, err = tx.ExecContext(ctx, sqlUpsertLimit, string(s), key, start, attempts, lockedUntil)
	return err == nil, err
}

// clear forgets a counter (a usercode after its right password).
func (a *Accounts) clear(ctx context.Context, s scope, key []byte) error {
	_, err := a.db.Write.ExecContext(ctx, sqlClearLimit, string(s), key)
	return err
}

// giveBack returns one attempt (an address after a success: many people may
// share one address).
func (a *Accounts) giveBack(ctx context.Context, s scope, key []byte) error {
	_, err := a.db.Write.ExecContext(ctx, sqlGiveBack, string(s), key, a.limitOf(s).max)
	return err
}

// Lockouts is how many usercodes and addresses were locked after too many
// failed logins since the start: a plain counter for metrics.
func (a *Accounts) Lockouts() uint64 { return a.lockouts.Load() }
