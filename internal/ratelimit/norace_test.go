//go:build !race

package ratelimit

// underRace: see race_test.go.
const underRace = false
