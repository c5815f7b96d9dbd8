// Package static embeds the stylesheets, scripts and images, and serves them
// under content-hashed URLs with immutable caching and precompressed bodies.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

//go:embed css js img
var files embed.FS

// Prefix is where the assets are served.
const Prefix = "/static/"

type asset struct {
	body, gzipped []byte
	contentType   string
	etag          string
}

// Assets maps logical names ("css/app.css") to hashed URLs and serves them.
type Assets struct {
	urls   map[string]string // logical name → hashed URL
	byPath map[string]*asset // hashed path (without Prefix) → asset
}

// Load reads and hashes every embedded asset once at start.
func Load() (*Assets, error) { return LoadFS(files) }

// LoadFS builds Assets from any file system (tests use a small one).
func LoadFS(fsys fs.FS) (*Assets, error) {
	a := &Assets{urls: map[string]string{}, byPath: map[string]*asset{}}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(name, ".go") {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])[:12]
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hash + ext
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		item := &asset{body: body, contentType: ct, etag: `"` + hash + `"`}
		if compressible(ct) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(body)
			zw.Close()
			if buf.Len() < len(body) {
				item.gzipped = buf.Bytes()
			}
		}
		a.urls[name] = Prefix + hashed
		a.byPath[hashed] = item
		return nil
	})
	return a, err
}

func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "javascript") || strings.Contains(ct, "svg") || strings.Contains(ct, "json")
}

// URL returns the hashed URL of a logical asset name. An unknown name panics in
// tests and templates alike, so a typo never ships.
func (a *Assets) URL(name string) string {
	u, ok := a.urls[name]
	if !ok {
		panic("static: no asset " + name)
	}
	return u
}

// ServeHTTP serves a hashed asset; anything else is a 404. Hashed URLs never
// change content, so they are cached for a year.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	item, ok := a.byPath[strings.TrimPrefix(r.URL.Path, Prefix)]
	if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", item.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", item.etag)
	h.Add("Vary", "Accept-Encoding")
	if r.Header.Get("If-None-Match") == item.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := item.body
	if item.gzipped != nil && AcceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = item.gzipped
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(body)
	}
}

// AcceptsGzip reports whether the client takes gzip-encoded responses.
func AcceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			q, _ = strconv.ParseFloat(v, 64)
		}
		return q > 0
	}
	return false
}
