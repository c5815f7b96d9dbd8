package ratelimit

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"zerodesk/internal/testsupport"
)

// floodAddress is the i-th distinct address of a flood: IPv4 for the first
// 2^24, IPv6 past them, as a misconfigured proxy's X-Forwarded-For hands them
// over (a new string per request, kept by the bucket that counts it).
func floodAddress(i int) string {
	if i < 1<<24 {
		return "10." + strconv.Itoa(i>>16&255) + "." + strconv.Itoa(i>>8&255) + "." + strconv.Itoa(i&255)
	}
	return "2001:db8::" + strconv.FormatInt(int64(i), 16)
}

// heapAfterGC is the live heap after a full collection.
func heapAfterGC() uint64 {
	runtime.GC()
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	return s.HeapAlloc
}

// floodHeap is the live heap that n requests from n distinct addresses, at
// one request per step of the clock, leave in m.
func floodHeap(m *Memory, clock *testsupport.Clock, b Budget, n int, step time.Duration) uint64 {
	ctx := context.Background()
	before := heapAfterGC()
	for i := range n {
		m.Allow(ctx, b, floodAddress(i))
		clock.Add(step)
	}
	after := heapAfterGC()
	runtime.KeepAlive(m)
	if after < before {
		return 0
	}
	return after - before
}

// TestMemory_AFloodOfAddressesCostsBoundedHeap: requests from distinct
// addresses, all within the same instant (no bucket is full again yet), leave
// the memory buckets' heap under a fixed bound, however many: just below
// MaxBuckets (the largest table) and 200,000 (past it). The figures are
// logged (bench/RESULTS.md, issue 15, session 21), and how long the request
// that sweeps a minute later takes. Not parallel: it reads the process's
// heap.
func TestMemory_AFloodOfAddressesCostsBoundedHeap(t *testing.T) {
	if underRace {
		t.Skip("the race detector's shadow memory is no measure of the heap")
	}
	search := Budget{Name: "search", PerMinute: 60}
	for _, n := range []int{MaxBuckets - 1, 200_000} {
		clock := testsupport.NewClock(start)
		m := NewMemory(clock.Now)
		heap := floodHeap(m, clock, search, n, 0)
		buckets := m.Len()
		clock.Add(61 * time.Second) // every bucket full again: this request sweeps them
		began := time.Now()
		m.Allow(context.Background(), search, "203.0.113.9")
		t.Logf("%d distinct addresses: %d buckets, heap %.1f MB, %.0f B a bucket; the request a minute later took %v",
			n, buckets, float64(heap)/1e6, float64(heap)/float64(max(1, buckets)), time.Since(began))
		if limit := uint64(8 << 20); heap > limit || buckets > MaxBuckets {
			t.Errorf("%d distinct addresses left %d buckets in %.1f MB, want at most %d in %d MB",
				n, buckets, float64(heap)/1e6, MaxBuckets, limit>>20)
		}
	}
}

// BenchmarkMemory_DistinctAddresses is one request from a new address each
// time (a flood of addresses): ns per request and the live heap per request
// it leaves (B/address; -benchtime 200000x for the figure of the test above).
func BenchmarkMemory_DistinctAddresses(b *testing.B) {
	clock := testsupport.NewClock(start)
	m := NewMemory(clock.Now)
	b.ReportAllocs()
	b.ResetTimer()
	heap := floodHeap(m, clock, Budget{Name: "search", PerMinute: 60}, b.N, 0)
	b.StopTimer()
	b.ReportMetric(float64(heap)/float64(b.N), "B/address")
	b.ReportMetric(float64(heap)/float64(max(1, m.Len())), "B/bucket")
	b.ReportMetric(float64(m.Len()), "buckets")
}

// TestMemory_AFloodOfNewAddressesDoesNotFreeALimitedOne: an address that has
// spent its budget stays refused while a flood of new addresses, 100 times
// the table's cap (10 under the race detector), each spends a request; and while just under half the cap
// of other addresses spend their whole budgets besides (the bound: only half
// the cap of buckets as far from full as its own can push it out).
func TestMemory_AFloodOfNewAddressesDoesNotFreeALimitedOne(t *testing.T) {
	t.Parallel()
	clock := testsupport.NewClock(start)
	m := NewMemory(clock.Now)
	m.max = 1 << 10
	ctx := context.Background()
	search, vote := Budget{Name: "search", PerMinute: 60}, Budget{Name: "vote", PerMinute: 20}
	limited := "203.0.113.9"
	for range search.PerMinute {
		m.Allow(ctx, search, limited)
	}
	if m.Allow(ctx, search, limited) {
		t.Fatal("the budget did not run out")
	}
	flood := 100 * m.max
	if underRace {
		flood = 10 * m.max
	}
	for i := range flood {
		if !m.Allow(ctx, search, floodAddress(i)) || !m.Allow(ctx, vote, floodAddress(i)) {
			t.Fatalf("new address %d refused: the table being full refuses no one", i)
		}
		clock.Add(5 * time.Microsecond) // 1 s in all: a token back is 1 s
		if i%1000 == 0 && m.Allow(ctx, search, limited) {
			t.Fatalf("after %d new addresses, the limited address got a request through", i)
		}
	}
	if m.Len() > m.max {
		t.Errorf("%d buckets, want at most %d", m.Len(), m.max)
	}
	for i := range m.max/2 - 1 {
		for range vote.PerMinute {
			m.Allow(ctx, vote, floodAddress(1<<20+i))
		}
		m.Allow(ctx, search, floodAddress(1<<21+i))
	}
	if m.Allow(ctx, search, limited) {
		t.Error("half the cap less one of spent budgets pushed the limited address out")
	}
}

// TestMemory_FullBucketsGoAtOnce: a bucket is dropped as soon as it is full
// again (one request of 60 a minute: after a second), not a minute after its
// last request; an emptied one stays until it has refilled, a minute.
func TestMemory_FullBucketsGoAtOnce(t *testing.T) {
	t.Parallel()
	clock := testsupport.NewClock(start)
	m := NewMemory(clock.Now)
	ctx := context.Background()
	b := Budget{Name: "search", PerMinute: 60}
	m.Allow(ctx, b, "203.0.113.1")
	for range b.PerMinute {
		m.Allow(ctx, b, "203.0.113.2")
	}
	clock.Add(1001 * time.Millisecond)
	m.prune()
	if n := m.Len(); n != 1 {
		t.Errorf("%d buckets a second after one request and a spent budget, want the spent one", n)
	}
	clock.Add(59 * time.Second)
	m.prune()
	if n := m.Len(); n != 0 {
		t.Errorf("%d buckets a minute after a spent budget, want none", n)
	}
}

// TestMemory_SweepsCostAFewBucketsARequest: however the flood goes (new
// addresses at once, or spread over minutes so the sweeps drop full
// buckets), the sweeps walk at most a few buckets per new address: their
// cost is amortised, never the whole table on every request.
func TestMemory_SweepsCostAFewBucketsARequest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, step := range []time.Duration{0, 100 * time.Microsecond, 10 * time.Millisecond} {
		clock := testsupport.NewClock(start)
		m := NewMemory(clock.Now)
		m.max = 1 << 12
		n := 100_000
		if underRace {
			n = 20_000
		}
		for i := range n {
			m.Allow(ctx, Budget{Name: "search", PerMinute: 60 + i%600}, floodAddress(i))
			clock.Add(step)
		}
		if per := float64(m.visited) / float64(n); per > 4 {
			t.Errorf("a request every %v: the sweeps walked %.1f buckets per new address, want at most 4", step, per)
		}
		if m.Len() > m.max {
			t.Errorf("a request every %v: %d buckets, want at most %d", step, m.Len(), m.max)
		}
	}
}
