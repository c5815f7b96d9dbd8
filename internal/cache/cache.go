// Package cache holds the one cache shape of zerodesk: values kept per
// version of what they were built from, bounded, optionally for a while.
package cache

import (
	"sync"
	"time"
)

// Versioned keeps values that hold for one version of what they were built
// from (the articles' catalog, the tickets) and, with a TTL, for that long at
// most. It is the one cache shape of zerodesk: the rendered pages, the
// sitemap and the desk's pages and lists (handlers), recent search results
// (kb).
//
// A version is compared for equality only: a put under another version than
// the cache's starts it over, so a change drops every stale value at once.
// Past max entries it starts over too: a bound on memory whatever keys the
// requests make up, not an eviction policy. Version 0 serves what has no
// version (the values of a key never go stale). The zero value is ready,
// bounded at DefaultMax; it must not be copied after first use.
type Versioned[K comparable, V any] struct {
	Max int           // entries at most; 0: DefaultMax
	TTL time.Duration // how long an entry holds; 0: as long as its version

	mu      sync.Mutex
	version uint64
	entries map[K]entry[V]
	now     func() time.Time // time.Now; tests set it
}

type entry[V any] struct {
	v  V
	at time.Time
}

// DefaultMax bounds a cache that was given no bound.
const DefaultMax = 1024

func (c *Versioned[K, V]) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

// Get returns the value kept for key under version, if it is still fresh.
func (c *Versioned[K, V]) Get(version uint64, key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || c.version != version || (c.TTL > 0 && c.clock().Sub(e.at) >= c.TTL) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// Put keeps v for key under version.
func (c *Versioned[K, V]) Put(version uint64, key K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	limit := c.Max
	if limit <= 0 {
		limit = DefaultMax
	}
	_, replaces := c.entries[key]
	if c.entries == nil || c.version != version || (len(c.entries) >= limit && !replaces) {
		c.version, c.entries = version, map[K]entry[V]{}
	}
	e := entry[V]{v: v}
	if c.TTL > 0 { // reading the clock is for entries that can expire
		e.at = c.clock()
	}
	c.entries[key] = e
}

// Reset empties the cache.
func (c *Versioned[K, V]) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
}
