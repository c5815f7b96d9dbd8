package kb

import (
	"maps"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
)

// A chunked map edited from another holds what a plain map given the same
// changes holds, leaves the one it was made from as it was, and is
// reflect.DeepEqual to one built from nothing with the same entries (empty
// parts are nil), which TestPatchedCatalog_SameAsBuiltWhole relies on.
func TestChunked_EditsACopyAndEqualsOneBuiltWhole(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(20, 13))
	var cur *chunked[string, int]
	want := map[string]int{}
	for round := range 60 {
		before, beforeWant := cur, maps.Clone(want)
		snapshot := map[string]int{}
		for k, v := range before.all() {
			snapshot[k] = v
		}
		e := edit(cur)
		for range r.IntN(400) {
			k := strconv.Itoa(r.IntN(600))
			if r.IntN(3) == 0 {
				e.delete(k)
				delete(want, k)
			} else {
				e.set(k, round)
				want[k] = round
			}
		}
		cur = e.done()
		got := map[string]int{}
		for k, v := range cur.all() {
			got[k] = v
		}
		if !reflect.DeepEqual(got, want) || cur.len() != len(want) {
			t.Fatalf("round %d: %d entries, want %d", round, cur.len(), len(want))
		}
		for k, v := range want {
			if g, ok := cur.lookup(k); !ok || g != v {
				t.Fatalf("round %d: %s = %d, %v; want %d", round, k, g, ok, v)
			}
		}
		after := map[string]int{}
		for k, v := range before.all() {
			after[k] = v
		}
		if !reflect.DeepEqual(after, snapshot) || !reflect.DeepEqual(snapshot, beforeWant) {
			t.Fatalf("round %d: editing a copy changed the map it was made from", round)
		}
		whole := edit[string, int](nil)
		for k, v := range want {
			whole.set(k, v)
		}
		if !reflect.DeepEqual(whole.done(), cur) {
			t.Fatalf("round %d: not DeepEqual to the map built whole", round)
		}
	}
	var none *chunked[int64, string]
	if _, ok := none.lookup(1); ok || none.len() != 0 {
		t.Fatal("a nil chunked map is not empty")
	}
}
