package store

import "context"

// CheckSample is the loop behind every room's CheckSealed (zerodesk verify,
// zerodesk copy: does this secret open this database?). It reads the rows
// query returns from the read pool (query's one parameter is n, the sample's
// size), each with scan, closes them, and then opens each row with open (so
// open may query again: messaging reads a thread's newest message). It
// returns how many rows it checked and how many did not open (open said
// false); err is a database error, of the query, a scan or open's own
// queries, returned with the counts so far.
func CheckSample[T any](ctx context.Context, db *DB, query string, n int,
	scan func(row *T, scan func(dest ...any) error) error,
	open func(row T) (opened bool, err error)) (checked, failed int, err error) {
	rows, err := db.Read.QueryContext(ctx, query, n)
	if err != nil {
		return 0, 0, err
	}
	var sample []T
	for rows.Next() {
		var row T
		if err := scan(&row, rows.Scan); err != nil {
			rows.Close()
			return 0, 0, err
		}
		sample = append(sample, row)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	for _, row := range sample {
		opened, err := open(row)
		if err != nil {
			return checked, failed, err
		}
		checked++
		if !opened {
			failed++
		}
	}
	return checked, failed, nil
}

// Sealed is a sampled row of the usual shape: what the sealed value's
// associated data names (an id, a reference) and the sealed bytes.
type Sealed[K any] struct {
	Key    K
	Sealed []byte
}

// CheckSealed is CheckSample for queries that return rows (key, sealed):
// open says whether the sealed bytes open with what key names.
func CheckSealed[K any](ctx context.Context, db *DB, query string, n int, open func(key K, sealed []byte) bool) (checked, failed int, err error) {
	return CheckSample(ctx, db, query, n,
		func(r *Sealed[K], scan func(...any) error) error { return scan(&r.Key, &r.Sealed) },
		func(r Sealed[K]) (bool, error) { return open(r.Key, r.Sealed), nil })
}
