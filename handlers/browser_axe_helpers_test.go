package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// axe-core

var axeSource struct {
	once sync.Once
	text string
	path string
	err  error
}

// repoRoot is the directory of go.mod above the working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// loadAxe reads axe.min.js once; a missing file skips, or fails in CI.
func loadAxe(t *testing.T) string {
	t.Helper()
	axeSource.once.Do(func() {
		root, err := repoRoot()
		if err != nil {
			axeSource.err = err
			return
		}
		axeSource.path = filepath.Join(root, axeRelPath)
		b, err := os.ReadFile(axeSource.path)
		axeSource.text, axeSource.err = string(b), err
	})
	if errors.Is(axeSource.err, os.ErrNotExist) {
		missingTool(t, "axe-core is not installed at %s (run: bash scripts/test-setup.sh)", axeSource.path)
	}
	if axeSource.err != nil {
		t.Fatalf("reading axe-core: %v", axeSource.err)
	}
	return axeSource.text
}

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	URL    string `json:"helpUrl"`
	Nodes  []struct {
		Target  string `json:"target"`
		HTML    string `json:"html"`
		Summary string `json:"summary"`
	} `json:"nodes"`
	Count int `json:"count"`
}

// axeRun is the check: every rule axe runs by default (WCAG A/AA and best
// practices), violations only, at most three nodes of each.
const axeRun = `axe.run(document, {resultTypes: ["violations"]}).then(function (r) {
	return r.violations.map(function (v) {
		return {
			id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl, count: v.nodes.length,
			nodes: v.nodes.slice(0, 3).map(function (n) {
				return {target: n.target.map(String).join(" "), html: n.html.slice(0, 160), summary: n.failureSummary || ""};
			})
		};
	});
})`

// checkAccessibility runs axe-core on the page as it is now and fails the test
// with each violation.
func (b *browserTab) checkAccessibility(page string) {
	b.t.Helper()
	src := loadAxe(b.t)
	if b.noJS {
		// axe needs timers, which do not run while scripts are off. Turning
		// them on after the load runs none of the page's own scripts (they
		// were skipped while it was parsed): axe sees the page exactly as a
		// browser without JavaScript shows it, <noscript> included.
		b.scriptsOff(false)
		defer b.scriptsOff(true)
	}
	if !evalJS[bool](b, `typeof window.axe === "object"`) {
		evalJS[chromedp.Void](b, src)
	}
	raw := evalJS[[]byte](b, axeRun)
	var violations []axeViolation
	if err := json.Unmarshal(raw, &violations); err != nil {
		b.t.Fatalf("axe results: %v", err)
	}
	if len(violations) == 0 {
		return
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s: %d accessibility violation(s):", page, len(violations))
	for _, v := range violations {
		fmt.Fprintf(&sb, "\n- %s (%s): %s [%d node(s)] %s", v.ID, v.Impact, v.Help, v.Count, v.URL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&sb, "\n    at %s: %s", n.Target, n.HTML)
			if n.Summary != "" {
				fmt.Fprintf(&sb, "\n      %s", strings.ReplaceAll(n.Summary, "\n", "\n      "))
			}
		}
	}
	b.t.Error(sb.String())
}
