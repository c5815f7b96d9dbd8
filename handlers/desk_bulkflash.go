package handlers

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"time"

	"zerodesk/internal/accounts"
	"zerodesk/internal/tickets"
)

// A bulk action's result, shown once after its redirect (redirect after
// POST: a reload of the queue sends nothing again). The result is kept in
// the agent's session data (accounts.PutOnce: scs's row in the database), so
// the GET after the redirect finds it on whichever instance the proxy sends
// it to (issue 15, no sticky sessions). The address carries only a random
// one-time id; the result holds counts, references and refusal message IDs,
// never ticket content, and is never in the URL, a cookie or a log.

// bulkFlashTTL is how long a result waits for its redirect to be followed.
const bulkFlashTTL = 2 * time.Minute

// bulkOnce is the name of the result in the session's one-time values: one
// at a time (a newer bulk action's result replaces an unseen older one).
const bulkOnce = "desk.bulk"

type bulkFlash struct {
	ID      string
	At      time.Time
	Res     *tickets.BulkResult
	ErrID   string
	ErrArgs []any
}

// putBulkFlash keeps f in s's session and returns its one-time id.
func (h *Handlers) putBulkFlash(ctx context.Context, s *accounts.Session, f bulkFlash) (string, error) {
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	f.ID, f.At = hex.EncodeToString(raw[:]), time.Now()
	f.ErrArgs = plainValues(f.ErrArgs)
	if f.Res != nil {
		res := *f.Res
		res.Refused = make([]tickets.BulkRefusal, len(f.Res.Refused))
		for i, r := range f.Res.Refused {
			if r.Data != nil {
				data := make(map[string]any, len(r.Data))
				for k, v := range r.Data {
					data[k] = plainValues([]any{v})[0]
				}
				r.Data = data
			}
			res.Refused[i] = r
		}
		f.Res = &res
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(f); err != nil {
		return "", err
	}
	return f.ID, h.Accounts.PutOnce(ctx, s, bulkOnce, b.Bytes())
}

// takeBulkFlash returns s's result of id, once: a second take, another
// session's id or one past its life finds nothing.
func (h *Handlers) takeBulkFlash(ctx context.Context, s *accounts.Session, id string) (bulkFlash, bool) {
	raw, err := h.Accounts.TakeOnce(ctx, s, bulkOnce)
	if err != nil || raw == nil {
		return bulkFlash{}, false
	}
	var f bulkFlash
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&f); err != nil || f.ID != id {
		return bulkFlash{}, false
	}
	return f, time.Since(f.At) < bulkFlashTTL
}

// plainValues are a message's placeholders as gob carries them in an
// interface: numbers, strings and booleans as they are, anything else as its
// text (which is how the message would print it).
func plainValues(vs []any) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		switch v.(type) {
		case int, int64, float64, string, bool:
			out[i] = v
		default:
			out[i] = fmt.Sprint(v)
		}
	}
	return out
}
