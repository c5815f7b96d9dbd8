package handlers

import (
	"sync"
	"time"
)

// versionedCache keeps values that hold for one version of what they were
// built from (the articles' catalog, the tickets) and, with a ttl, for that
// long at most. It is the one cache shape of the HTTP layer: the rendered
// pages, the sitemap and the desk's pages and lists.
//
// A version is compared for equality only: a put under another version than
// the cache's starts it over, so a change drops every stale value at once.
// Past max entries it starts over too: a bound on memory whatever keys the
// requests make up, not an eviction policy. Version 0 serves what has no
// version (the values of a key never go stale). The zero value is ready,
// bounded at defaultCacheMax; it must not be copied after first use.
type versionedCache[K comparable, V any] struct {
	max int           // entries at most; 0: defaultCacheMax
	ttl time.Duration // how long an entry holds; 0: as long as its version

	mu      sync.Mutex
	version uint64
	entries map[K]cacheEntry[V]
	now     func() time.Time // time.Now; tests set it
}

type cacheEntry[V any] struct {
	v  V
	at time.Time
}

// defaultCacheMax bounds a cache that was given no bound.
const defaultCacheMax = 1024

func (c *versionedCache[K, V]) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

// get returns the value kept for key under version, if it is still fresh.
func (c *versionedCache[K, V]) get(version uint64, key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || c.version != version || (c.ttl > 0 && c.clock().Sub(e.at) >= c.ttl) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// put keeps v for key under version.
func (c *versionedCache[K, V]) put(version uint64, key K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	limit := c.max
	if limit <= 0 {
		limit = defaultCacheMax
	}
	_, replaces := c.entries[key]
	if c.entries == nil || c.version != version || (len(c.entries) >= limit && !replaces) {
		c.version, c.entries = version, map[K]cacheEntry[V]{}
	}
	c.entries[key] = cacheEntry[V]{v: v, at: c.clock()}
}

// reset empties the cache.
func (c *versionedCache[K, V]) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
}
