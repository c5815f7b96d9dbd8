// Command gostatic is bench/scale.sh's second reference: the least a Go
// server can do for the home page. It sends one precompressed copy of the
// page from memory with net/http alone (no router, no middleware, no
// template), with the headers nginx's gzip_static sends, so that
//
//	zerodesk home / gostatic   is what zerodesk's own code costs, and
//	gostatic / nginx           is what the Go runtime and net/http cost
//
// on the same machine in the same run. A measurement tool, never served.
//
//	go run ./bench/gostatic -addr 127.0.0.1:18099 -gz page.html.gz
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
	"strconv"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18099", "address to listen on")
	gz := flag.String("gz", "", "the gzip-compressed page to send")
	flag.Parse()
	body, err := os.ReadFile(*gz)
	if err != nil {
		log.Fatal(err)
	}
	length := strconv.Itoa(len(body))
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Encoding", "gzip")
		h.Set("Vary", "Accept-Encoding")
		h.Set("Cache-Control", "no-cache")
		h.Set("Content-Length", length)
		w.Write(body)
	})))
}
