package kb

import (
	"runtime"
	"testing"
	"time"
)

// BenchmarkCatalogHeap is what the garbage collector has to mark for the
// catalog ZD_CATALOG names, kept for the life of the process (issue 13,
// "Scale": at 50,000 articles one cycle marked 1.5 GB for 2.3 s on a busy
// machine, and article pages' p99 queued behind it). It reports the live
// heap and its objects after a collection and the time of one forced
// collection (the mark of the live heap): the numbers to keep down.
//
//	ZD_CATALOG=/tmp/kb1/zerodesk.db go test ./internal/kb -run '^$' -bench CatalogHeap -benchtime 3x
func BenchmarkCatalogHeap(b *testing.B) {
	k := openCatalog(b)
	runtime.GC()
	var gc time.Duration
	for b.Loop() {
		start := time.Now()
		runtime.GC()
		gc += time.Since(start)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
	b.ReportMetric(float64(ms.HeapObjects), "heap-objects")
	b.ReportMetric(float64(gc.Milliseconds())/float64(b.N), "gc-ms")
	runtime.KeepAlive(k)
}
