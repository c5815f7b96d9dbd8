package views

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A time of day written in UTC reads wrong to everyone outside UTC. Every
// <time> that carries a time of day is marked data-local-time, so
// static/js/app.js shows it in the reader's zone (the UTC text stays as its
// title, and is what readers without JavaScript see). Only whole dates
// (datetime="2006-01-02") need no mark.
func TestEveryTimeOfDayIsShownInTheReadersZone(t *testing.T) {
	timeTag := regexp.MustCompile(`<time\b[^>]*>`)
	dateOnly := regexp.MustCompile(`datetime=\{[^}]*"2006-01-02"\)`)
	files, err := filepath.Glob("*.templ")
	if err != nil || len(files) == 0 {
		t.Fatalf("no templ files: %v", err)
	}
	seen := 0
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range timeTag.FindAllString(string(src), -1) {
			seen++
			if dateOnly.MatchString(tag) {
				continue
			}
			if !strings.Contains(tag, "data-local-time") {
				t.Errorf("%s: %s shows a time of day in UTC only; add data-local-time", name, tag)
			}
		}
	}
	if seen < 10 {
		t.Errorf("found only %d <time> tags: the pattern no longer matches the views", seen)
	}
}
