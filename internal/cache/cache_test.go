package cache

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestVersionedCache(t *testing.T) {
	t.Parallel()
	type step struct {
		put     bool
		version uint64
		key     string
		value   int
		advance time.Duration // the clock moves first
		want    int           // for a get: the value, or -1 for a miss
	}
	put := func(version uint64, key string, value int) step {
		return step{put: true, version: version, key: key, value: value}
	}
	get := func(version uint64, key string, want int) step { return step{version: version, key: key, want: want} }
	later := func(d time.Duration, s step) step { s.advance = d; return s }
	const miss = -1
	for _, tc := range []struct {
		name  string
		max   int
		ttl   time.Duration
		steps []step
	}{
		{"empty: a miss", 0, 0, []step{get(1, "a", miss)}},
		{"a value holds for its version", 0, 0, []step{put(1, "a", 10), get(1, "a", 10), get(1, "b", miss)}},
		{"another version misses", 0, 0, []step{put(1, "a", 10), get(2, "a", miss)}},
		{"a new version starts over", 0, 0, []step{put(1, "a", 10), put(1, "b", 11), put(2, "a", 20),
			get(2, "a", 20), get(2, "b", miss), get(1, "b", miss)}},
		{"a put replaces", 0, 0, []step{put(1, "a", 10), put(1, "a", 11), get(1, "a", 11)}},
		{"past the bound: start over", 2, 0, []step{put(1, "a", 10), put(1, "b", 11), put(1, "c", 12),
			get(1, "c", 12), get(1, "a", miss), get(1, "b", miss)}},
		{"at the bound a replacement keeps the rest", 2, 0, []step{put(1, "a", 10), put(1, "b", 11), put(1, "b", 13),
			get(1, "a", 10), get(1, "b", 13)}},
		{"no ttl: a value lasts", 0, 0, []step{put(1, "a", 10), later(24*time.Hour, get(1, "a", 10))}},
		{"within the ttl", 0, time.Minute, []step{put(1, "a", 10), later(59*time.Second, get(1, "a", 10))}},
		{"past the ttl: a miss", 0, time.Minute, []step{put(1, "a", 10), later(time.Minute, get(1, "a", miss))}},
		{"a new put restarts the ttl", 0, time.Minute, []step{put(1, "a", 10), later(50*time.Second, put(1, "a", 11)),
			later(50*time.Second, get(1, "a", 11))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
			c := Versioned[string, int]{Max: tc.max, TTL: tc.ttl, now: func() time.Time { return now }}
			for i, s := range tc.steps {
				now = now.Add(s.advance)
				if s.put {
					c.Put(s.version, s.key, s.value)
					continue
				}
				got, ok := c.Get(s.version, s.key)
				if !ok {
					got = miss
				}
				if got != s.want {
					t.Errorf("step %d: get(%d, %q) = %d, want %d", i, s.version, s.key, got, s.want)
				}
			}
		})
	}
}

func TestVersionedCache_ZeroValueIsBoundedAndResets(t *testing.T) {
	t.Parallel()
	var c Versioned[int, int]
	for i := range DefaultMax + 1 {
		c.Put(0, i, i)
	}
	if n := len(c.entries); n > DefaultMax {
		t.Fatalf("%d entries kept, bound %d", n, DefaultMax)
	}
	c.Put(0, 1, 1)
	c.Reset()
	if _, ok := c.Get(0, 1); ok {
		t.Fatal("a value outlived reset")
	}
}

func TestVersionedCache_SafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	c := Versioned[string, int]{Max: 8}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				key := fmt.Sprint(i % 16)
				c.Put(uint64(i%3), key, g)
				c.Get(uint64(i%3), key)
			}
		}()
	}
	wg.Wait()
}
