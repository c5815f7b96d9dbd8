package kb

// RenderSnapshot is what a KB's last catalog build rendered, frozen. A KB
// opened with it (Options.Renders) over a copy of the same database starts
// its render cache from it, so its first build renders only what differs:
// the test suites open hundreds of portals on copies of one seeded
// database, and rendering the whole demo catalog again for each was most of
// the time of opening one (about three quarters, more under -race).
//
// Nothing is trusted blindly: an entry is reused only under the rules of
// every later build (renderCache.render): the same translation on a page in
// the same language, the same Markdown (by its SHA-256) and every article:
// link leading where it led. Anything else is rendered afresh.
//
// A snapshot is read-only and safe to share between goroutines: each KB
// takes its own copy of every entry (whose plain text and terms it may
// fill in later), and the link maps, written only while an entry is
// rendered, are only read afterwards.
type RenderSnapshot struct {
	entries map[renderKey]rendered
}

// RenderSnapshot freezes what the last catalog build rendered.
func (k *KB) RenderSnapshot() *RenderSnapshot {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := &RenderSnapshot{entries: make(map[renderKey]rendered, len(k.renders.prev))}
	for key, e := range k.renders.prev {
		e.plainText() // filled once here, not by every KB that starts from it
		s.entries[key] = *e
	}
	return s
}

// Len is how many rendered bodies the snapshot holds.
func (s *RenderSnapshot) Len() int { return len(s.entries) }

// seed makes the snapshot's entries the previous build of rc: the next
// build reuses those that still fit.
func (s *RenderSnapshot) seed(rc *renderCache) {
	if s == nil {
		return
	}
	rc.prev = make(map[renderKey]*rendered, len(s.entries))
	for key, e := range s.entries {
		rc.prev[key] = &e
	}
}
