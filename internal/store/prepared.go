package store

import (
	"context"
	"database/sql"
)

// Querier is what reads need: a *sql.DB or a *sql.Tx.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var (
	_ Querier = (*sql.DB)(nil)
	_ Querier = (*sql.Tx)(nil)
)

// Prepared holds statements prepared once on the writer pool and reused in
// every write transaction. SQLite spends more time parsing a short INSERT
// than running it; under group commit (tickets) parsing was a third of the
// CPU time of a submission.
//
// A statement is prepared at start, while nobody holds the writer's single
// connection; Tx.StmtContext then finds it on that connection, or prepares it
// there once more if the connection was replaced. A query not in the set
// runs unprepared.
type Prepared struct {
	m map[string]*sql.Stmt
}

// Prepare prepares queries on db (the writer pool). Under PostgreSQL the same
// type serves: database/sql prepares per connection there too.
func Prepare(ctx context.Context, db *sql.DB, queries ...string) (*Prepared, error) {
	p := &Prepared{m: make(map[string]*sql.Stmt, len(queries))}
	for _, q := range queries {
		if _, ok := p.m[q]; ok {
			continue
		}
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			p.Close()
			return nil, err
		}
		p.m[q] = st
	}
	return p, nil
}

// Close closes every statement.
func (p *Prepared) Close() {
	for _, st := range p.m {
		st.Close()
	}
}

// Exec runs query in tx.
func (p *Prepared) Exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st, ok := p.m[query]; ok {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// QueryRow runs query in tx for one row.
func (p *Prepared) QueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st, ok := p.m[query]; ok {
		return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}
