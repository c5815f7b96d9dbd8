package handlers

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"sync"
	"testing"
)

// A page rendered per request (not from the page cache) is compressed from
// the shared buffer pool; requests at once each get their own whole page.
// The browser journeys reach this path too, but they run without -race
// (Makefile): this keeps it under the detector.
func TestHTML_UncachedPagesCompressedAtOnce(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	paths := []string{"/en/register", "/en/login/user", "/en/support", "/es/register"}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			path := paths[i%len(paths)]
			w := a.get(t, path, "Accept-Encoding", "gzip")
			if w.Code != http.StatusOK || w.Header().Get("Content-Encoding") != "gzip" {
				t.Errorf("%s: status %d, Content-Encoding %q", path, w.Code, w.Header().Get("Content-Encoding"))
				return
			}
			zr, err := gzip.NewReader(bytes.NewReader(w.Body.Bytes()))
			if err != nil {
				t.Errorf("%s: %v", path, err)
				return
			}
			html, err := io.ReadAll(zr)
			if err != nil || !bytes.Contains(html, []byte("</html>")) {
				t.Errorf("%s: the compressed page is cut short (%v)", path, err)
			}
		})
	}
	wg.Wait()
}
