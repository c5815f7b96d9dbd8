package storetest

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// containedNeedles must find exactly what a needle-by-needle bytes.Contains
// finds: at the start, the end, overlapping, short needles and absent ones.
func TestContainedNeedles_SameAsOneByOne(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	content := make([]byte, 1<<16)
	for i := range content {
		content[i] = byte('a' + r.IntN(4))
	}
	var needles []needle
	for i := 0; i < 400; i++ {
		n := 3 + r.IntN(14)
		at := r.IntN(len(content) - n)
		b := append([]byte(nil), content[at:at+n]...)
		if i%3 == 0 {
			b[r.IntN(n)] = 'z' // mostly absent
		}
		needles = append(needles, needle{what: string(rune('A' + i%26)), enc: "plain", bytes: b})
	}
	needles = append(needles, needle{bytes: content[:12]}, needle{bytes: content[len(content)-9:]})
	got := map[string]bool{}
	for _, n := range containedNeedles(content, needles) {
		got[string(n.bytes)] = true
	}
	for _, n := range needles {
		if want := bytes.Contains(content, n.bytes); got[string(n.bytes)] != want {
			t.Errorf("%q: found %v, contained %v", n.bytes, got[string(n.bytes)], want)
		}
	}
}
