//go:build race

package ratelimit

// underRace: the race detector runs the tests (make test) about 10 times
// slower, with shadow memory: the floods are smaller there, and the heap is
// measured without it.
const underRace = true
