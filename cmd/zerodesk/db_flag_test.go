package main

import (
	"io"
	"path/filepath"
	"testing"
)

// --db (ZERODESK_DB) names the database: a PostgreSQL URL or a SQLite file;
// without it, the SQLite file in the data directory. A missing SQLite file is
// an error for the commands that read; a URL is the server's to answer.
func TestDBFlag_PicksTheDatabase(t *testing.T) {
	const url = "postgres://zd@db.example/zerodesk"
	for _, c := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"--data", "/srv/zd"}, "", filepath.Join("/srv/zd", "zerodesk.db")},
		{[]string{"--data", "/srv/zd", "--db", url}, "", url},
		{[]string{"--data", "/srv/zd"}, url, url},
		{[]string{"--db", "/var/lib/zd.db"}, url, "/var/lib/zd.db"},
	} {
		t.Setenv("ZERODESK_DB", c.env)
		cfg, err := parseFlags("serve", c.args, io.Discard, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.dbPath(); got != c.want {
			t.Errorf("%v with ZERODESK_DB=%q: database %q, want %q", c.args, c.env, got, c.want)
		}
	}
	t.Setenv("ZERODESK_DB", "")
	cfg, _ := parseFlags("backup", []string{"--data", t.TempDir()}, io.Discard, nil)
	if err := cfg.checkDB(); err == nil {
		t.Error("a missing SQLite file passed the check")
	}
	cfg, _ = parseFlags("backup", []string{"--db", url}, io.Discard, nil)
	if err := cfg.checkDB(); err != nil {
		t.Errorf("a PostgreSQL URL failed the file check: %v", err)
	}
}
