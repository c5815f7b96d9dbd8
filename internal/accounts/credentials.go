package accounts

import (
	"context"
	"crypto/hmac"
	"strconv"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
)

// One Argon2id output gives two things: the verifier, stored to recognise the
// password, and the key-encryption key (KEK), never stored, that wraps the data
// key. Both mix in the server secret, so a stolen database alone cannot even
// test a password guess (neither against the verifier nor by unwrapping).

func (a *Accounts) verifierOf(out []byte) []byte {
	return crypt.KeyedHash(a.keys.verifier, string(out))
}

func (a *Accounts) kekOf(out []byte, id int64) []byte {
	return crypt.DeriveKey(out, a.keys.kek, "accounts.kek|"+strconv.FormatInt(id, 10))
}

type credentials struct {
	params         string
	verifier       []byte
	dataKeyWrapped []byte
}

// newCredentials hashes password with a fresh salt and wraps dataKey under it.
func (a *Accounts) newCredentials(ctx context.Context, id int64, password string, dataKey []byte) (credentials, error) {
	p := a.hasher.NewParams()
	out, err := a.hasher.Hash(ctx, []byte(password), p)
	if err != nil {
		return credentials{}, errs.Wrap(err, "accounts: hash password")
	}
	text, _ := p.MarshalText()
	wrapped, err := crypt.WrapKey(a.kekOf(out, id), dataKey, ad("data-key", id))
	if err != nil {
		return credentials{}, errs.Wrap(err, "accounts: wrap data key")
	}
	return credentials{params: string(text), verifier: a.verifierOf(out), dataKeyWrapped: wrapped}, nil
}

// dummyParams are what an unknown usercode is hashed with: today's cost and a
// salt derived from the lookup hash, so the same usercode costs the same each
// time and timing matches a real account hashed at today's cost.
func (a *Accounts) dummyParams(lookup []byte) crypt.Argon2Params {
	p := a.hasher.Params()
	p.Salt = crypt.KeyedHash(a.keys.dummySalt, string(lookup))[:crypt.SaltSize]
	return p
}

// verifyPassword always runs Argon2id once: with row's parameters when row can
// log in (usable), otherwise with the dummy parameters. It returns the data key
// and whether the password matched; stale reports whether the hash should be
// redone at today's cost.
func (a *Accounts) verifyPassword(ctx context.Context, row *accountRow, lookup []byte, password string, usable bool) (dataKey []byte, stale bool, err error) {
	var p crypt.Argon2Params
	own := usable && row != nil && row.pwParams.Valid && p.UnmarshalText([]byte(row.pwParams.String)) == nil
	if !own {
		p = a.dummyParams(lookup)
	}
	if a.verifying != nil {
		a.verifying(own)
	}
	out, err := a.hasher.Hash(ctx, []byte(password), p)
	if err != nil {
		return nil, false, errs.Wrap(err, "accounts: hash password")
	}
	v := a.verifierOf(out)
	if !own || !hmac.Equal(v, row.pwVerifier) {
		return nil, false, nil
	}
	dk, err := crypt.UnwrapKey(a.kekOf(out, row.id), row.dataKeyWrapped, ad("data-key", row.id))
	if err != nil {
		return nil, false, errs.Wrap(err, "accounts: unwrap data key")
	}
	return dk, !p.SameCost(a.hasher.Params()), nil
}
