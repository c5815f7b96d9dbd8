package handlers

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"
)

// Issue 13: a repeated search was rendered and compressed again on every
// request. A visitor's search page is now kept, plain and compressed, per
// catalog version; what it shows still follows the query as typed, the page,
// the language and the fragment.
func TestSearch_RepeatedPageIsKeptPlainAndCompressed(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	first := search(t, a, "password", "Accept-Encoding", "gzip")
	wantStatus(t, first, http.StatusOK)
	etag := first.Header().Get("ETag")
	if etag == "" || first.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("ETag %q, Content-Encoding %q: the page was not kept compressed", etag, first.Header().Get("Content-Encoding"))
	}
	again := search(t, a, "password", "Accept-Encoding", "gzip")
	if again.Header().Get("ETag") != etag || !bytes.Equal(again.Body.Bytes(), first.Body.Bytes()) {
		t.Fatal("the same search gave other bytes")
	}
	wantStatus(t, search(t, a, "password", "If-None-Match", etag), http.StatusNotModified)

	// The compressed copy is the plain page.
	zr, err := gzip.NewReader(bytes.NewReader(first.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if plain := search(t, a, "password"); !bytes.Equal(unzipped, plain.Body.Bytes()) {
		t.Fatal("the compressed and the plain page differ")
	}

	// What the page shows still follows the request: the query as typed
	// (the one search box holds it), the page, the fragment, the language.
	if v := doc(t, search(t, a, "Password")).Find(`input[type=search]`).AttrOr("value", ""); v != "Password" {
		t.Fatalf("the search box holds %q after a search for %q", v, "Password")
	}
	if search(t, a, "password", "Accept-Encoding", "gzip").Header().Get("ETag") != etag {
		t.Fatal("a search for another spelling replaced the kept page")
	}
	if w := a.get(t, "/en/search?q=password&page=2"); w.Header().Get("ETag") == etag {
		t.Fatal("page 2 is page 1")
	}
	if w := search(t, a, "password", "HX-Request", "true"); w.Header().Get("ETag") == etag || bytes.Contains(w.Body.Bytes(), []byte("<html")) {
		t.Fatal("the as-you-type fragment got the page")
	}
	if w := a.get(t, "/es/search?q=password"); w.Header().Get("ETag") == etag {
		t.Fatal("the Spanish page is the English one")
	}
	// A refused query is answered, never kept.
	long := search(t, a, string(bytes.Repeat([]byte("a "), 150)))
	wantStatus(t, long, http.StatusBadRequest)
	if long.Header().Get("ETag") != "" {
		t.Fatal("a refused search was kept")
	}
}

// The kept pages follow the catalog: a new version (here a publication) is
// never answered from the old one. A vote keeps the version (issue 13,
// "Scale": the tally is on no kept page) and so the kept pages.
func TestSearch_KeptPagesFollowTheCatalogVersion(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	wantStatus(t, search(t, a, "password"), http.StatusOK)
	before := a.h.KB.Version()
	key := pageKey{key: "search|1|password", lang: "en", size: 1, fragment: false}
	if _, ok := a.h.searchPages.Get(before, key); !ok {
		t.Fatalf("the search page was not kept under %+v", key)
	}
	a.post(t, "/en/articles/reset-account/feedback", map[string][]string{"helpful": {"yes"}})
	if a.h.KB.Version() != before {
		t.Fatal("a vote changed the catalog version")
	}
	if _, ok := a.h.searchPages.Get(before, key); !ok {
		t.Fatal("a vote threw the kept search page away")
	}
	publishEdit(t, a, "reset-account")
	after := a.h.KB.Version()
	if after == before {
		t.Fatal("a publication did not change the catalog version")
	}
	if _, ok := a.h.searchPages.Get(after, key); ok {
		t.Fatal("a page of the old catalog is served under the new one")
	}
	wantStatus(t, search(t, a, "password"), http.StatusOK)
	if _, ok := a.h.searchPages.Get(after, key); !ok {
		t.Fatal("the page was not kept again under the new version")
	}
}
