package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The binary serves /readyz on the portal and /metrics only on
// --metrics-addr; probe (the image's health check) succeeds on the one and
// fails on a refusal.
func TestBinary_MetricsApartFromThePortalAndProbe(t *testing.T) {
	bin := buildBinary(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	var logs bytes.Buffer
	srv := exec.Command(bin, "serve", "--data", dataDir, "--addr", addr)
	srv.Env = append(os.Environ(), "ZERODESK_METRICS_ADDR="+metricsAddr)
	srv.Stderr = &logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Process.Kill()
	base := "http://" + addr
	waitHealthy(t, base)

	out, err := exec.Command(bin, "probe", base+"/readyz").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ready" {
		t.Fatalf("probe /readyz: %v\n%s\n%s", err, out, logs.String())
	}
	out, err = exec.Command(bin, "probe", base+"/en/articles/no-such-article").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "answered 404") {
		t.Errorf("probe of a 404: %v\n%s", err, out)
	}
	get := func(url string) (int, string) {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, _ := get(base + "/metrics"); code != http.StatusNotFound {
		t.Errorf("the portal serves /metrics: %d", code)
	}
	code, body := get("http://" + metricsAddr + "/metrics")
	if code != http.StatusOK || !strings.Contains(body, `zerodesk_http_requests_total{method="GET",route="/readyz",status="200"} 1`) ||
		!strings.Contains(body, `go_sql_max_open_connections{db_name="write"} 1`) {
		t.Errorf("metrics address: %d\n%s", code, body)
	}
}

func TestFlags_MetricsAddrAndOutboxBoundAreServeFlags(t *testing.T) {
	t.Setenv("ZERODESK_METRICS_ADDR", "127.0.0.1:9191")
	t.Setenv("ZERODESK_OUTBOX_STUCK_AFTER", "30m")
	cfg, err := parseFlags("serve", nil, io.Discard, nil)
	if err != nil || cfg.MetricsAddr != "127.0.0.1:9191" || cfg.OutboxStuck.String() != "30m0s" {
		t.Fatalf("from the environment: %+v, %v", cfg, err)
	}
	cfg, err = parseFlags("serve", []string{"--metrics-addr", "", "--outbox-stuck-after", "-1s"}, io.Discard, nil)
	if err != nil || cfg.MetricsAddr != "" || cfg.OutboxStuck >= 0 {
		t.Fatalf("flags over the environment: %+v, %v", cfg, err)
	}
	if _, err := parseFlags("backup", []string{"--metrics-addr", "x"}, io.Discard, nil); err == nil {
		t.Error("--metrics-addr accepted by backup")
	}
}
