package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
)

// SQLite's side of verify.go: the read-only open and the file's integrity check.

// readOnlyDSN opens a file read only: no WAL switch, no file created.
func readOnlyDSN(path string) string {
	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", "query_only(1)")
	q.Add("_pragma", "busy_timeout(5000)")
	return "file:" + path + "?" + q.Encode()
}

func openSQLiteReadOnly(path string) (*DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no database at %s", path)
	}
	ro, err := sql.Open("sqlite", readOnlyDSN(path))
	if err != nil {
		return nil, err
	}
	ro.SetMaxOpenConns(1)
	return &DB{Read: ro, Write: ro, Path: path, Engine: SQLite}, nil
}

const sqlIntegrityCheck = `PRAGMA integrity_check(20)`

func (db *DB) integritySQLite(ctx context.Context) ([]string, error) {
	rows, err := db.Read.QueryContext(ctx, sqlIntegrityCheck)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, err
		}
		if line != "ok" {
			out = append(out, line)
		}
	}
	return out, rows.Err()
}
