package crypt

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the Argon2id parameters of one hash. They are stored beside
// the hash (the package has no PHC encoder), so defaults can grow without
// breaking old hashes: an old hash is checked with its own parameters and
// re-hashed with the new defaults at the next successful login.
type Argon2Params struct {
	Version   int    // argon2.Version (0x13 = 19)
	MemoryKiB uint32 // memory per hash in KiB
	Time      uint32 // passes over the memory
	Threads   uint8  // lanes
	Salt      []byte // random, SaltSize bytes for new hashes
}

// SaltSize is the salt length of new hashes.
const SaltSize = 16

// DefaultArgon2 is the production cost: 32 MiB, 3 passes, 1 lane, above the
// OWASP / ASVS floor (19 MiB, t=2). Measured on 2 cores (2026-11, a machine
// shared with other work): a whole login (BenchmarkLogin in package accounts)
// 70-90 ms; with the pool full, 4 hashes (2 cores x 2) hold 128 MiB and the
// machine sustains about 12 logins a second. 64 MiB with t=2 took ~120 ms per
// hash, over the 100 ms budget of a login; lanes above 1 bought no latency on
// 2 cores and cost throughput when several logins run at once.
var DefaultArgon2 = Argon2Params{Version: argon2.Version, MemoryKiB: 32 * 1024, Time: 3, Threads: 1}

// maxMemoryKiB caps what stored parameters may ask for (1 GiB), so a tampered
// row cannot make one login allocate without bound.
const maxMemoryKiB = 1 << 20

// Validate reports whether p can be hashed with.
func (p Argon2Params) Validate() error {
	switch {
	case p.Version != argon2.Version:
		return fmt.Errorf("argon2: unsupported version %d", p.Version)
	case p.Threads < 1 || p.Time < 1:
		return errors.New("argon2: time and threads must be at least 1")
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxMemoryKiB:
		return fmt.Errorf("argon2: memory %d KiB out of range", p.MemoryKiB)
	case len(p.Salt) < 8:
		return errors.New("argon2: salt shorter than 8 bytes")
	}
	return nil
}

// SameCost reports whether p and q cost the same (salts aside).
func (p Argon2Params) SameCost(q Argon2Params) bool {
	return p.Version == q.Version && p.MemoryKiB == q.MemoryKiB && p.Time == q.Time && p.Threads == q.Threads
}

// MarshalText writes p in the PHC string style without the hash:
// $argon2id$v=19$m=32768,t=3,p=1$SALT (SALT in unpadded standard base64).
func (p Argon2Params) MarshalText() ([]byte, error) {
	return fmt.Appendf(nil, "$argon2id$v=%d$m=%d,t=%d,p=%d$%s",
		p.Version, p.MemoryKiB, p.Time, p.Threads, base64.RawStdEncoding.EncodeToString(p.Salt)), nil
}

// UnmarshalText reads what MarshalText wrote.
func (p *Argon2Params) UnmarshalText(text []byte) error {
	var q Argon2Params
	var salt string
	n, err := fmt.Sscanf(string(text), "$argon2id$v=%d$m=%d,t=%d,p=%d$%s", &q.Version, &q.MemoryKiB, &q.Time, &q.Threads, &salt)
	if err != nil || n != 5 {
		return errors.New("argon2: malformed parameters")
	}
	if q.Salt, err = base64.RawStdEncoding.DecodeString(salt); err != nil {
		return errors.New("argon2: malformed salt")
	}
	if err := q.Validate(); err != nil {
		return err
	}
	*p = q
	return nil
}

// Hasher runs Argon2id on a bounded pool: each hash allocates its full memory,
// so at most maxConcurrent hashes may run at once and the rest wait their turn
// (or give up when their context ends). Peak hashing memory is therefore
// maxConcurrent x MemoryKiB, whatever the number of concurrent logins.
type Hasher struct {
	params Argon2Params
	slots  chan struct{}

	inFlight atomic.Int64
	peak     atomic.Int64
	total    atomic.Int64

	// idKey is argon2.IDKey; tests swap it to observe the pool.
	idKey func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte
}

// NewHasher returns a pool hashing new passwords with params (their Salt is
// ignored) and running at most maxConcurrent hashes at once; maxConcurrent <= 0
// means twice the number of CPUs.
func NewHasher(params Argon2Params, maxConcurrent int) *Hasher {
	if maxConcurrent <= 0 {
		maxConcurrent = 2 * runtime.NumCPU()
	}
	params.Salt = nil
	return &Hasher{params: params, slots: make(chan struct{}, maxConcurrent), idKey: argon2.IDKey}
}

// Params returns the cost of new hashes (without a salt).
func (h *Hasher) Params() Argon2Params { return h.params }

// NewParams returns the cost of new hashes with a fresh random salt.
func (h *Hasher) NewParams() Argon2Params {
	p := h.params
	p.Salt = make([]byte, SaltSize)
	if _, err := rand.Read(p.Salt); err != nil {
		panic(err)
	}
	return p
}

// HashSize is the length of what Hash returns.
const HashSize = 32

// Hash runs Argon2id over password with p (usually stored beside an earlier
// hash, or NewParams for a new one). It waits for a free slot; when ctx ends
// first it returns ctx's error without hashing.
func (h *Hasher) Hash(ctx context.Context, password []byte, p Argon2Params) ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-h.slots }()
	n := h.inFlight.Add(1)
	for {
		old := h.peak.Load()
		if n <= old || h.peak.CompareAndSwap(old, n) {
			break
		}
	}
	defer h.inFlight.Add(-1)
	h.total.Add(1)
	return h.idKey(password, p.Salt, p.Time, p.MemoryKiB, p.Threads, HashSize), nil
}

// HasherStats describes the pool: hashes running now, the most ever running
// at once, the bound, and how many hashes ran in all.
type HasherStats struct {
	InFlight, Peak, Max int
	Total               int64
}

// Stats reports the pool's state (for tests and the benchmark report).
func (h *Hasher) Stats() HasherStats {
	return HasherStats{InFlight: int(h.inFlight.Load()), Peak: int(h.peak.Load()), Max: cap(h.slots), Total: h.total.Load()}
}
