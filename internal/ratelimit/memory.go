package ratelimit

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

// MaxBuckets is how many buckets one process's memory keeps at most (Memory):
// past it, a new address's bucket first makes room, dropping the buckets full
// again and then, down to half of MaxBuckets, the ones closest to full. A
// bucket is 16 bytes of map slot (a 64-bit key and a time), about 40 bytes
// with the map's own overhead, so the table stays under about 5 MB, however
// many addresses flood it (TestMemory_AFloodOfAddressesCostsBoundedHeap), and
// a sweep walks at most this many buckets (about 5 ms here).
const MaxBuckets = 1 << 17

// minSweep is the fewest buckets at which a new address makes Allow sweep.
const minSweep = 1 << 10

// fullBins is how finely a sweep past MaxBuckets orders the buckets by how
// far they are from full (a minute at most): 1024 steps of about 59 ms.
const fullBins = 1 << 10

// Memory is one process's buckets, by budget and address: a bucket is the
// moment it is full again (the token bucket of the shared statement written
// as its "theoretical arrival time": a request spends one token by moving
// that moment 60/n seconds later, and fits while it stays within a minute
// from now), keyed by a seeded 64-bit hash of the budget and the address. So
// a bucket costs the same whatever the address (a misconfigured proxy's
// X-Forwarded-For is any string), the address is not kept, and a bucket full
// again is the same as none and can be dropped at any time. Two addresses
// share a bucket only if their hashes collide: with MaxBuckets buckets, a
// chance below 1 in 10⁹ per new address, and the seed is random per process,
// so no one can aim for it.
type Memory struct {
	now  func() time.Time
	seed maphash.Seed
	// max is MaxBuckets (smaller in the tests).
	max int
	mu  sync.Mutex
	// m is when each bucket is full again (unix nanoseconds).
	m map[uint64]int64
	// next is the size at which a new bucket makes Allow sweep: twice what
	// the last sweep kept (so a sweep's walk is paid by as many new buckets
	// as it walks), at most max.
	next int
	// swept is when the buckets were last swept (unix nanoseconds): at least
	// once a minute while requests come.
	swept int64
	// visited counts the buckets the sweeps walked (the tests' measure of
	// their cost).
	visited int
}

// NewMemory returns empty buckets on the clock now (nil: time.Now).
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{now: now, seed: maphash.MakeSeed(), max: MaxBuckets, m: map[uint64]int64{},
		next: minSweep, swept: now().UnixNano()}
}

// interval is how long b takes to give one token back (nanoseconds): a
// minute's worth of tokens is b.PerMinute.
func (b Budget) interval() int64 { return max(1, int64(time.Minute)/int64(b.PerMinute)) }

// Allow is the token bucket of the shared statement, in memory: a new
// address (or one whose bucket is full again) has the whole budget; a
// request fits when the bucket has a token, and spends it; a refused one
// changes nothing.
func (m *Memory) Allow(_ context.Context, b Budget, address string) bool {
	if b.PerMinute <= 0 {
		return false
	}
	var h maphash.Hash
	h.SetSeed(m.seed)
	h.WriteString(b.Name)
	h.WriteByte(0)
	h.WriteString(address)
	k := h.Sum64()
	now := m.now().UnixNano()
	m.mu.Lock()
	defer m.mu.Unlock()
	full, ok := m.m[k]
	spent := max(full, now) + b.interval()
	if spent-now > int64(time.Minute) {
		return false // less than one token left
	}
	if (!ok && len(m.m) >= m.next) || now-m.swept >= int64(time.Minute) {
		m.sweepLocked(now)
	}
	m.m[k] = spent
	return true
}

// prune drops the buckets full again.
func (m *Memory) prune() {
	now := m.now().UnixNano()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweepLocked(now)
}

// sweepLocked drops the buckets full again (the same as none) and, when
// more than half of max are left, the ones closest to full (they lose least:
// a bucket dropped gives its address back what it spent in the last
// moments), down to half of max. An address being refused has its bucket
// about a minute from full, so it goes last: a flood of new addresses
// drops it only with half of max other buckets as far from full, each of
// them nearly a whole budget spent within the last minute (docs/SECURITY.md).
// The survivors move to a new map, so what a flood made the table grow to is
// given back to the heap.
func (m *Memory) sweepLocked(now int64) {
	m.visited += len(m.m)
	keep := m.max / 2
	var bins [fullBins]int
	live := 0
	for _, full := range m.m {
		if full > now {
			bins[min(fullBins-1, (full-now)*fullBins/int64(time.Minute))]++
			live++
		}
	}
	cut := now // a bucket full at or before cut goes
	if live > keep {
		drop := live - keep
		for i, n := range bins {
			drop -= n
			live -= n
			if drop <= 0 {
				cut = now + int64(i+1)*int64(time.Minute)/fullBins
				break
			}
		}
	}
	kept := make(map[uint64]int64, live)
	for k, full := range m.m {
		if full > cut {
			kept[k] = full
		}
	}
	m.m = kept
	m.next = min(m.max, max(minSweep, 2*len(kept)))
	m.swept = now
}

// Len is how many buckets m holds.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.m)
}
