package handlers

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"zerodesk/internal/store/testengine"
	"zerodesk/internal/tickets"
)

// uploadMemoryBound is the peak resident memory (VmHWM) the whole test
// process may reach while 40 maximal uploads arrive at once (issue 10,
// security 3; the figure is in bench/RESULTS.md).
const uploadMemoryBound = 200 << 20

// TestUploads_MemoryStaysBoundedUnder40ParallelMaximalUploads sends 40
// replies at once, each with 5 files of 5 MiB (the production limits), to a
// real server, and measures the peak heap and the peak RSS of the process
// (server and clients; the clients stream their bodies). Heavy (1 GB through
// loopback): it runs only with ZERODESK_UPLOAD_MEMTEST=1 (or =all: every
// upload waits for a slot, none is refused as busy) and without -race:
//
//	ZERODESK_UPLOAD_MEMTEST=1 go test ./handlers -run TestUploads_MemoryStaysBounded -count=1 -v
func TestUploads_MemoryStaysBoundedUnder40ParallelMaximalUploads(t *testing.T) {
	if os.Getenv("ZERODESK_UPLOAD_MEMTEST") == "" {
		t.Skip("set ZERODESK_UPLOAD_MEMTEST=1 to measure memory under 40 parallel maximal uploads")
	}
	dir := t.TempDir()
	a := wireTestApp(t, dir, seededAppDB(t, testengine.Name(), dir), tickets.Limits{PerAddress: 1000, PerEmail: 1000}) // 5 files of 5 MiB
	a.h.TicketLimit = 100000
	if os.Getenv("ZERODESK_UPLOAD_MEMTEST") == "all" {
		a.h.UploadWait = 10 * time.Minute // every upload waits for its slot: none is refused
	}
	a.e = a.h.Echo()
	ref, key := sendTicket(t, a, ticketForm(t, a))
	srv := httptest.NewServer(a.e)
	defer srv.Close()

	lim := a.tickets.Limits()
	const clients = 40
	line := []byte("zerodesk upload memory test 0123456789 abcdefghij\n")
	chunk := bytes.Repeat(line, 64<<10/len(line))

	runtime.GC()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets VmHWM (Linux)
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peakHeap, peakSys atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peakHeap.Load() {
				peakHeap.Store(m.HeapInuse)
			}
			if m.Sys > peakSys.Load() {
				peakSys.Store(m.Sys)
			}
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()

	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	var sent atomic.Int64
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pr, pw := io.Pipe()
			mw := multipart.NewWriter(pw)
			go func() {
				mw.WriteField("key", key)
				mw.WriteField("form_id", "mem-"+strconv.Itoa(i))
				mw.WriteField("body", "Reply with five files, number "+strconv.Itoa(i))
				for f := range lim.MaxAttachments {
					h := textproto.MIMEHeader{}
					h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="files"; filename="log-%d.txt"`, f))
					h.Set("Content-Type", "text/plain")
					part, err := mw.CreatePart(h)
					if err != nil {
						pw.CloseWithError(err)
						return
					}
					for n := int64(0); n < lim.MaxAttachmentBytes; n += int64(len(chunk)) {
						c := chunk[:min(int64(len(chunk)), lim.MaxAttachmentBytes-n)]
						if _, err := part.Write(c); err != nil {
							pw.CloseWithError(err)
							return
						}
						sent.Add(int64(len(c)))
					}
				}
				pw.CloseWithError(mw.Close())
			}()
			r, _ := http.NewRequest(http.MethodPost, srv.URL+"/en/support/tickets/"+ref+"/reply", pr)
			r.Header.Set("Content-Type", mw.FormDataContentType())
			r.Header.Set("Sec-Fetch-Site", "same-origin")
			resp, err := srv.Client().Do(r)
			code := 0
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				code = resp.StatusCode
			}
			pr.CloseWithError(io.ErrClosedPipe)
			mu.Lock()
			statuses[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(stop)
	<-sampled
	elapsed := time.Since(start)
	hwm := vmHWM(t)
	t.Logf("40 parallel replies of %d files × %d MiB in %v: statuses %v; file bytes sent %d MiB",
		lim.MaxAttachments, lim.MaxAttachmentBytes>>20, elapsed.Round(time.Millisecond), statuses, sent.Load()>>20)
	t.Logf("heap in use before %d MiB, peak %d MiB; Go Sys peak %d MiB; process peak RSS (VmHWM) %d MiB; bound %d MiB",
		before.HeapInuse>>20, peakHeap.Load()>>20, peakSys.Load()>>20, hwm>>20, uploadMemoryBound>>20)
	if statuses[http.StatusOK] == 0 {
		t.Errorf("no upload went through: %v", statuses)
	}
	for code := range statuses {
		if code != http.StatusOK && code != http.StatusServiceUnavailable {
			t.Errorf("status %d: every upload is either taken or refused as busy (%v)", code, statuses)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(os.TempDir(), "zerodesk-upload-*")); len(left) > 0 {
		t.Errorf("%d temporary upload files left behind", len(left))
	}
	if hwm > uploadMemoryBound {
		t.Errorf("peak RSS %d MiB is over the bound of %d MiB", hwm>>20, uploadMemoryBound>>20)
	}
}

// vmHWM is the process's peak resident set size, from /proc/self/status.
func vmHWM(t *testing.T) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status:", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	t.Skip("no VmHWM")
	return 0
}
