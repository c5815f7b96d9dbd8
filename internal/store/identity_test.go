package store_test

import (
	"context"
	"testing"

	"zerodesk/internal/store/storetest"
)

// After rows written with their own ids (a copy), the next row without an id
// gets a new one, on both engines.
func TestSyncIdentities_TheNextIDFollowsCopiedRows(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	const insert = `INSERT INTO ticket_views (owner_id, name, shared, filter, created_at) VALUES (1, 'v', 0, '{}', 0) RETURNING id`
	if _, err := db.Write.ExecContext(ctx, `INSERT INTO ticket_views (id, owner_id, name, shared, filter, created_at) VALUES (41, 1, 'copied', 0, '{}', 0)`); err != nil {
		t.Fatal(err)
	}
	if err := db.SyncIdentities(ctx); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := db.Write.QueryRowContext(ctx, insert).Scan(&id); err != nil || id != 42 {
		t.Fatalf("next id = %d (%v), want 42", id, err)
	}
}
