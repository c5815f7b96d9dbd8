package store

import (
	"context"
	"database/sql"
	"testing"

	"zerodesk/internal/errs"
)

// A refusal decided inside a transaction leaves it with its code, whichever
// code it is, and the transaction's writes are undone.
func TestTx_DomainErrorKeepsItsCode(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	if _, err := db.Write.ExecContext(ctx, `CREATE TABLE t (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	for _, code := range []errs.Code{errs.Invalid, errs.Conflict, errs.NotFound, errs.Forbidden, errs.RateLimited} {
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO t VALUES (1)`); err != nil {
				return err
			}
			return errs.E(code, "test.refused")
		})
		err = errs.Pass(err, "test: write")
		if errs.CodeOf(err) != code || errs.MessageIDOf(err) != "test.refused" {
			t.Errorf("%s out of Tx = %v, want its code and message", code, err)
		}
	}
	var n int
	if err := db.Read.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("rows after refused transactions = %d, %v; want 0", n, err)
	}
}
