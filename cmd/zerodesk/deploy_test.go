package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The systemd unit passes systemd-analyze verify (when the machine has it),
// with ExecStart pointed at an executable that exists here.
func TestDeploy_SystemdUnitVerifies(t *testing.T) {
	t.Parallel()
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze on this machine")
	}
	unit, err := os.ReadFile("../../deploy/zerodesk.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DynamicUser=yes", "ProtectSystem=strict", "ReadWritePaths=/var/lib/zerodesk", "NoNewPrivileges=yes",
		"PrivateTmp=yes", "RestrictAddressFamilies=", "SystemCallFilter=@system-service", "MemoryDenyWriteExecute=yes", "CapabilityBoundingSet=\n"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("the unit lacks %q", want)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "zerodesk.service")
	text := strings.Replace(string(unit), "ExecStart=/usr/local/bin/zerodesk serve", "ExecStart="+self+" serve", 1)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", "--man=no", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// The Containerfile's promises hold together: the port it exposes is the one
// it listens on and the one its health check asks, the health check is a
// command of this binary, and the user is a number other than 0.
func TestDeploy_ContainerfileIsConsistent(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../deploy/Containerfile")
	if err != nil {
		t.Fatal(err)
	}
	cf := string(raw)
	find := func(re string) string {
		m := regexp.MustCompile(re).FindStringSubmatch(cf)
		if m == nil {
			t.Fatalf("the Containerfile has no match for %s", re)
		}
		return m[1]
	}
	port := find(`(?m)^EXPOSE (\d+)$`)
	if addr := find(`ZERODESK_ADDR=(\S+)`); addr != "0.0.0.0:"+port {
		t.Errorf("listens on %s, exposes %s", addr, port)
	}
	if hc := find(`(?m)CMD \["/zerodesk", "probe", .*"(http://[^"]+)"\]`); hc != "http://127.0.0.1:"+port+"/readyz" {
		t.Errorf("the health check asks %s", hc)
	}
	if user := find(`(?m)^USER (\S+)$`); !regexp.MustCompile(`^[1-9]\d*:[1-9]\d*$`).MatchString(user) {
		t.Errorf("USER %s, want a numeric non-root user:group", user)
	}
	for _, want := range []string{"FROM scratch", "VOLUME /data", `ENTRYPOINT ["/zerodesk"]`, "ZERODESK_DATA=/data"} {
		if !strings.Contains(cf, want) {
			t.Errorf("the Containerfile lacks %q", want)
		}
	}
	if !strings.Contains(usage, "zerodesk probe URL") {
		t.Error("the health check's probe is not a command of the binary")
	}
}
