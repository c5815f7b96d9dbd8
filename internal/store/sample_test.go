package store_test

import (
	"context"
	"errors"
	"testing"

	"zerodesk/internal/store"
	"zerodesk/internal/store/storetest"
)

// The sample is the newest n rows, each opened once after the rows are
// closed (open may query the read pool again, even when it has one
// connection); the counts say how many were tried and how many did not open.
func TestCheckSample_CountsTriedAndFailedAndOpenMayQuery(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	db.Read.SetMaxOpenConns(1) // open's query would wait forever on rows still open
	ctx := context.Background()
	const query = `SELECT version, name FROM schema_migrations ORDER BY version DESC LIMIT $1`

	var versions []int64
	checked, failed, err := store.CheckSealed(ctx, db, query, 5, func(v int64, name []byte) bool {
		versions = append(versions, v)
		return v%2 == 0 && len(name) > 0
	})
	if err != nil || checked != 5 || len(versions) != 5 {
		t.Fatalf("CheckSealed = %d, %d, %v (versions %v); want 5 checked", checked, failed, err, versions)
	}
	odd := 0
	for i, v := range versions {
		if i > 0 && v >= versions[i-1] {
			t.Errorf("versions %v: not the newest first", versions)
		}
		odd += int(v % 2)
	}
	if failed != odd {
		t.Errorf("failed = %d, want the %d odd versions", failed, odd)
	}

	type row struct {
		version int64
		name    string
	}
	checked, failed, err = store.CheckSample(ctx, db, query, 3,
		func(r *row, scan func(...any) error) error { return scan(&r.version, &r.name) },
		func(r row) (bool, error) {
			var name string
			err := db.Read.QueryRowContext(ctx, `SELECT name FROM schema_migrations WHERE version = $1`, r.version).Scan(&name)
			return name == r.name, err
		})
	if err != nil || checked != 3 || failed != 0 {
		t.Errorf("CheckSample with a query in open = %d, %d, %v; want 3, 0, nil", checked, failed, err)
	}

	broken := errors.New("the database went away")
	checked, failed, err = store.CheckSample(ctx, db, query, 3,
		func(r *row, scan func(...any) error) error { return scan(&r.version, &r.name) },
		func(row) (bool, error) { return false, broken })
	if !errors.Is(err, broken) || checked != 0 || failed != 0 {
		t.Errorf("open's database error = %d, %d, %v; want it returned", checked, failed, err)
	}
	if _, _, err := store.CheckSealed(ctx, db, `SELECT nope FROM nowhere LIMIT $1`, 3, func(int64, []byte) bool { return true }); err == nil {
		t.Error("a query that fails gave no error")
	}
}
