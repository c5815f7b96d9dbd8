package kb

import (
	"iter"
	"maps"
)

// chunked is a map kept in chunkParts parts by key, for the catalog's maps
// that hold one entry per article (issue 13, "Scale"): a patched catalog
// (library_patch.go) copies only the parts holding the keys it changes and
// shares the others with the catalog it was made from, where copying whole
// maps of 50,000 entries per shelf and per language grew with the catalog.
// A catalog's chunked maps never change once it is installed; they are
// changed only through a chunkEdit, by the build or patch making them.
//
// A part holding nothing is nil, so two chunked maps with the same entries
// are reflect.DeepEqual (TestPatchedCatalog_SameAsBuiltWhole compares the
// patched catalog with one built whole).
type chunked[K int64 | string, V any] struct {
	parts [chunkParts]map[K]V
	n     int
}

// chunkParts: at 50,000 articles about 200 entries a part.
const chunkParts = 256

func chunkOf[K int64 | string](k K) int {
	switch k := any(k).(type) {
	case int64:
		return int(uint64(k) % chunkParts)
	case string: // FNV-1a
		h := uint32(2166136261)
		for i := 0; i < len(k); i++ {
			h = (h ^ uint32(k[i])) * 16777619
		}
		return int(h % chunkParts)
	}
	panic("unreachable")
}

// get, lookup and len read a nil map as an empty one.
func (m *chunked[K, V]) get(k K) V {
	v, _ := m.lookup(k)
	return v
}

func (m *chunked[K, V]) lookup(k K) (V, bool) {
	if m == nil {
		var zero V
		return zero, false
	}
	v, ok := m.parts[chunkOf(k)][k]
	return v, ok
}

func (m *chunked[K, V]) len() int {
	if m == nil {
		return 0
	}
	return m.n
}

// all yields every entry, in no order.
func (m *chunked[K, V]) all() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		if m == nil {
			return
		}
		for _, p := range m.parts {
			for k, v := range p {
				if !yield(k, v) {
					return
				}
			}
		}
	}
}

// chunkEdit changes a chunked map that no reader holds yet: a copy of
// another (edit), whose parts it copies before it first changes them.
type chunkEdit[K int64 | string, V any] struct {
	m     *chunked[K, V]
	owned [chunkParts]bool
}

// edit returns a copy of m to change, sharing m's parts until changed. m
// may be nil (an empty map).
func edit[K int64 | string, V any](m *chunked[K, V]) *chunkEdit[K, V] {
	e := &chunkEdit[K, V]{m: &chunked[K, V]{}}
	if m != nil {
		*e.m = *m
	}
	return e
}

func (e *chunkEdit[K, V]) own(i int) map[K]V {
	if !e.owned[i] {
		e.owned[i] = true
		if p := e.m.parts[i]; p != nil {
			e.m.parts[i] = maps.Clone(p)
		} else {
			e.m.parts[i] = map[K]V{}
		}
	}
	return e.m.parts[i]
}

func (e *chunkEdit[K, V]) set(k K, v V) {
	i := chunkOf(k)
	p := e.own(i)
	if _, had := p[k]; !had {
		e.m.n++
	}
	p[k] = v
}

func (e *chunkEdit[K, V]) delete(k K) {
	i := chunkOf(k)
	if _, had := e.m.parts[i][k]; !had {
		return
	}
	p := e.own(i)
	delete(p, k)
	e.m.n--
	if len(p) == 0 {
		e.m.parts[i] = nil
		e.owned[i] = false
	}
}

// done returns the map edited; e is not used afterwards. A part created
// and left empty is nil again.
func (e *chunkEdit[K, V]) done() *chunked[K, V] {
	for i, p := range e.m.parts {
		if p != nil && len(p) == 0 {
			e.m.parts[i] = nil
		}
	}
	return e.m
}
