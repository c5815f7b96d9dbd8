// Rate limits, the approach of accounts/limits.go: keyed-hash keys, counted
// inside the write transaction that acts, so concurrent requests cannot slip
// past the limit.

package tickets

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"zerodesk/internal/store"
)

const (
	scopeAddress  = "address"
	scopeEmail    = "email"
	scopeWrongKey = "wrong-key"
	// scopeWrongKeyAddress counts one address's wrong keys over every
	// reference (a guesser walking references).
	scopeWrongKeyAddress = "wrong-key-address"
)

// tryCount counts one more event for (scope, key) in a window and reports
// whether it was within max. One statement: the caller's job fails when it
// was not, and its savepoint takes the count back.
func (s *Service) tryCount(ctx context.Context, tx *sql.Tx, scope string, key []byte, window time.Duration, max int, now int64) (bool, error) {
	var n int64
	err := s.st.QueryRow(ctx, tx, sqlLimitCount, scope, key, now, int64(window/time.Second)).Scan(&n)
	return err == nil && n <= int64(max), err
}

// counted reads a counter without changing it.
func counted(ctx context.Context, q store.Querier, scope string, key []byte, window time.Duration, now int64) (int, error) {
	var start, n int64
	err := q.QueryRowContext(ctx, sqlLimitRead, scope, key).Scan(&start, &n)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && now-start >= int64(window/time.Second)) {
		return 0, nil
	}
	return int(n), err
}
