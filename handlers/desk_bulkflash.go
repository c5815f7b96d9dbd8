package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"zerodesk/internal/tickets"
)

// A bulk action's result, shown once after its redirect (redirect after
// POST: a reload of the queue sends nothing again). The result stays in
// memory, bound to the agent who acted, under a random one-time id that is
// all the address carries: counts, references and refusal message IDs,
// never ticket content, and never in the URL, a cookie or a log.

// bulkFlashTTL is how long a result waits for its redirect to be followed.
const bulkFlashTTL = 2 * time.Minute

// maxBulkFlashes bounds the results waiting at once.
const maxBulkFlashes = 1000

type bulkFlash struct {
	account int64
	at      time.Time
	res     *tickets.BulkResult
	errID   string
	errArgs []any
}

// bulkFlashes are the results waiting, by id (the zero value is ready).
type bulkFlashes struct {
	mu sync.Mutex
	m  map[string]bulkFlash
}

// put keeps f and returns its one-time id.
func (b *bulkFlashes) put(f bulkFlash) string {
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	id := hex.EncodeToString(raw[:])
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[string]bulkFlash{}
	}
	if len(b.m) >= maxBulkFlashes {
		for k, old := range b.m {
			if time.Since(old.at) >= bulkFlashTTL {
				delete(b.m, k)
			}
		}
		if len(b.m) >= maxBulkFlashes {
			b.m = map[string]bulkFlash{} // a bound on memory: the oldest results go unseen
		}
	}
	f.at = time.Now()
	b.m[id] = f
	return id
}

// take returns the result id of account's, once: a second take, another
// agent's id or one past its life finds nothing.
func (b *bulkFlashes) take(account int64, id string) (bulkFlash, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f, ok := b.m[id]
	if !ok || f.account != account {
		return bulkFlash{}, false
	}
	delete(b.m, id)
	return f, time.Since(f.at) < bulkFlashTTL
}
