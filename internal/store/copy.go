package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Copy moves a whole installation from one database to a PostgreSQL one
// (issue 15, `zerodesk copy`): table by table in the order the destination's
// foreign keys need (which is the migrations' order), every value as it is
// stored, so sealed columns are copied as their bytes and open with the same
// secret. It is mechanics only: what the rows mean stays the rooms'.

// ErrNotEmpty is Copy's refusal to write into a database that holds data.
var ErrNotEmpty = errors.New("the destination database is not empty")

// CopyOptions tune Copy.
type CopyOptions struct {
	// After are statements run on the destination in the copy's transaction,
	// after the rows (a room's derived state to rebuild at start, such as a
	// search index the source keeps in a virtual table).
	After []string
	// Progress, when set, is told each table as it is copied.
	Progress func(table string, rows int64)
}

// TableCount is a table's row count on both sides after a copy.
type TableCount struct {
	Table        string
	Source, Dest int64
}

// CopyReport is what Copy did.
type CopyReport struct {
	Tables []TableCount // copied, in order
	// Derived are the destination's tables left to be rebuilt: on the source
	// they are virtual tables (SQLite FTS5), an index of other tables' rows.
	Derived []string
}

// Copy copies every row of from into to, which must be a PostgreSQL
// database holding no data: no table but those the migrations themselves
// fill has a row (a database on which zerodesk only ran its migrations
// counts as empty). to is migrated with migrations first, and both must then
// be at the same migration versions. Everything is written in one
// transaction holding the write lock (WriteLockKey): a failure leaves the
// destination as it was, and no instance writes while it runs. After the
// rows, the identity sequences are set past the highest id copied, and the
// row counts of every table are compared.
func Copy(ctx context.Context, from, to *DB, migrations fs.FS, opts CopyOptions) (CopyReport, error) {
	var rep CopyReport
	if to.Engine != Postgres {
		return rep, errors.New("copy: the destination must be a PostgreSQL database (postgres://…)")
	}
	seeded, err := seededTables(migrations)
	if err != nil {
		return rep, err
	}
	if err := checkEmpty(ctx, to.Read, seeded); err != nil {
		return rep, err
	}
	if _, err := to.Migrate(ctx, migrations); err != nil {
		return rep, fmt.Errorf("copy: migrate the destination: %w", err)
	}
	srcV, err := appliedVersions(ctx, from.Read)
	if err != nil {
		return rep, fmt.Errorf("copy: the source: %w", err)
	}
	dstV, err := appliedVersions(ctx, to.Read)
	if err != nil {
		return rep, fmt.Errorf("copy: the destination: %w", err)
	}
	if fmt.Sprint(srcV) != fmt.Sprint(dstV) {
		return rep, fmt.Errorf("copy: the source is at migrations %v, the destination at %v: run `zerodesk migrate` on the source with this zerodesk first", srcV, dstV)
	}

	conn, err := pgx.Connect(ctx, to.url)
	if err != nil {
		return rep, fmt.Errorf("copy: connect to the destination: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.Begin(ctx)
	if err != nil {
		return rep, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, sqlWriteLock); err != nil {
		return rep, err
	}
	tables, err := pgTables(ctx, tx)
	if err != nil {
		return rep, err
	}
	// Checked again under the lock: an instance may have started meanwhile.
	for _, t := range tables {
		if t.name == "schema_migrations" || seeded[t.name] {
			continue
		}
		var any bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+quoteIdent(t.name)+`)`).Scan(&any); err != nil {
			return rep, err
		}
		if any {
			return rep, fmt.Errorf("%w: table %s has rows; copy writes only into a new database", ErrNotEmpty, t.name)
		}
	}
	src, err := sqliteTables(ctx, from)
	if err != nil {
		return rep, err
	}
	known := map[string]bool{}
	for _, t := range tables {
		known[t.name] = true
	}
	for name, virtual := range src {
		if !virtual && !known[name] && !src.shadow(name) {
			return rep, fmt.Errorf("copy: the source's table %s has no place on the destination: its rows would be lost", name)
		}
	}

	for _, t := range tables {
		if t.name == "schema_migrations" {
			continue
		}
		virtual, ok := src[t.name]
		switch {
		case !ok:
			return rep, fmt.Errorf("copy: the source has no table %s", t.name)
		case virtual:
			rep.Derived = append(rep.Derived, t.name)
			continue
		}
		n, err := copyTable(ctx, from, tx, t, seeded[t.name])
		if err != nil {
			return rep, fmt.Errorf("copy: table %s: %w", t.name, err)
		}
		rep.Tables = append(rep.Tables, TableCount{Table: t.name, Source: n})
		if opts.Progress != nil {
			opts.Progress(t.name, n)
		}
	}
	if _, err := tx.Exec(ctx, sqlSyncIdentities); err != nil {
		return rep, fmt.Errorf("copy: identity sequences: %w", err)
	}
	for _, q := range opts.After {
		if _, err := tx.Exec(ctx, q); err != nil {
			return rep, fmt.Errorf("copy: %s: %w", q, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return rep, err
	}

	var bad []string
	for i, t := range rep.Tables {
		q := `SELECT count(*) FROM ` + quoteIdent(t.Table)
		if err := from.Read.QueryRowContext(ctx, q).Scan(&rep.Tables[i].Source); err != nil {
			return rep, err
		}
		if err := to.Read.QueryRowContext(ctx, q).Scan(&rep.Tables[i].Dest); err != nil {
			return rep, err
		}
		if rep.Tables[i].Source != rep.Tables[i].Dest {
			bad = append(bad, fmt.Sprintf("%s: %d rows on the source, %d on the destination", t.Table, rep.Tables[i].Source, rep.Tables[i].Dest))
		}
	}
	if len(bad) > 0 {
		return rep, fmt.Errorf("copy: the counts differ: %s", strings.Join(bad, "; "))
	}
	return rep, nil
}

var insertInto = regexp.MustCompile(`(?i)\bINSERT\s+INTO\s+([a-z_][a-z0-9_]*)`)

// seededTables are the tables the migrations fill themselves (settings'
// single rows, the default categories): a database with rows only there is
// one on which only the migrations ran. The copy replaces their rows with
// the source's.
func seededTables(migrations fs.FS) (map[string]bool, error) {
	out := map[string]bool{}
	err := fs.WalkDir(migrations, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".sql") || strings.Contains(p, "/") {
			return err
		}
		b, err := fs.ReadFile(migrations, p)
		for _, m := range insertInto.FindAllStringSubmatch(string(b), -1) {
			out[strings.ToLower(m[1])] = true
		}
		return err
	})
	return out, err
}

// checkEmpty refuses a destination with rows outside the seeded tables.
func checkEmpty(ctx context.Context, db *sql.DB, seeded map[string]bool) error {
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`)
	if err != nil {
		return fmt.Errorf("copy: the destination: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, n := range names {
		if n == "schema_migrations" || seeded[n] {
			continue
		}
		var any bool
		if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+quoteIdent(n)+`)`).Scan(&any); err != nil {
			return err
		}
		if any {
			return fmt.Errorf("%w: table %s has rows; copy writes only into a new database (create an empty one, or drop this one's tables)", ErrNotEmpty, n)
		}
	}
	return nil
}

func appliedVersions(ctx context.Context, db *sql.DB) ([]int, error) {
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

type pgTable struct {
	name  string
	cols  []string // copied columns: not generated
	types []string // their data_type
}

// pgTables are the destination's tables, each after the tables its foreign
// keys reference, else in the order they were created (the migrations').
func pgTables(ctx context.Context, tx pgx.Tx) ([]pgTable, error) {
	rows, err := tx.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.oid`)
	if err != nil {
		return nil, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT a.relname, b.relname FROM pg_constraint k
		JOIN pg_class a ON a.oid = k.conrelid JOIN pg_class b ON b.oid = k.confrelid
		JOIN pg_namespace n ON n.oid = a.relnamespace
		WHERE k.contype = 'f' AND n.nspname = current_schema() AND k.conrelid <> k.confrelid`)
	if err != nil {
		return nil, err
	}
	deps := map[string][]string{}
	var from, to string
	if _, err := pgx.ForEachRow(rows, []any{&from, &to}, func() error {
		deps[from] = append(deps[from], to)
		return nil
	}); err != nil {
		return nil, err
	}
	var order []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(string) error
	visit = func(n string) error {
		switch state[n] {
		case 1:
			return fmt.Errorf("copy: the foreign keys of %s form a cycle", n)
		case 2:
			return nil
		}
		state[n] = 1
		for _, d := range deps[n] {
			if err := visit(d); err != nil {
				return err
			}
		}
		state[n] = 2
		order = append(order, n)
		return nil
	}
	for _, n := range names {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	out := make([]pgTable, 0, len(order))
	for _, n := range order {
		t := pgTable{name: n}
		rows, err := tx.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER'
			ORDER BY ordinal_position`, n)
		if err != nil {
			return nil, err
		}
		var c, typ string
		if _, err := pgx.ForEachRow(rows, []any{&c, &typ}, func() error {
			t.cols = append(t.cols, c)
			t.types = append(t.types, typ)
			return nil
		}); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// sourceTables are the source's tables, each true when virtual.
type sourceTables map[string]bool

// shadow reports whether name is a virtual table's shadow table (FTS5's
// NAME_data, NAME_idx, …): the virtual table's storage.
func (s sourceTables) shadow(name string) bool {
	for v, virtual := range s {
		if virtual && strings.HasPrefix(name, v+"_") {
			return true
		}
	}
	return false
}

func sqliteTables(ctx context.Context, db *DB) (sourceTables, error) {
	if db.Engine != SQLite {
		return nil, errors.New("copy: the source must be a SQLite database file")
	}
	rows, err := db.Read.QueryContext(ctx, `SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := sourceTables{}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return nil, err
		}
		out[strings.ToLower(name)] = strings.HasPrefix(strings.ToUpper(strings.TrimSpace(def)), "CREATE VIRTUAL TABLE")
	}
	return out, rows.Err()
}

// copyTable streams the source's rows of t into the destination (COPY),
// replacing the rows the migrations put into a seeded table.
func copyTable(ctx context.Context, from *DB, tx pgx.Tx, t pgTable, seeded bool) (int64, error) {
	if seeded {
		if _, err := tx.Exec(ctx, `DELETE FROM `+quoteIdent(t.name)); err != nil {
			return 0, err
		}
	}
	probe, err := from.Read.QueryContext(ctx, `SELECT * FROM `+quoteIdent(t.name)+` LIMIT 0`)
	if err != nil {
		return 0, err
	}
	srcCols, err := probe.Columns()
	probe.Close()
	if err != nil {
		return 0, err
	}
	has := map[string]bool{}
	for _, c := range srcCols {
		has[strings.ToLower(c)] = true
	}
	dest := map[string]bool{}
	var cols, types []string
	for i, c := range t.cols {
		dest[c] = true
		if has[c] { // a column only the destination has keeps its default
			cols, types = append(cols, c), append(types, t.types[i])
		}
	}
	for _, c := range srcCols {
		if !dest[strings.ToLower(c)] {
			return 0, fmt.Errorf("the source's column %s has no place on the destination", c)
		}
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = quoteIdent(c)
	}
	rows, err := from.Read.QueryContext(ctx, `SELECT `+strings.Join(quoted, ", ")+` FROM `+quoteIdent(t.name))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	src := &copySource{rows: rows, types: types, vals: make([]any, len(cols))}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, cols, src)
	if err == nil {
		err = rows.Err()
	}
	return n, err
}

// copySource feeds COPY from the source's rows, each value converted to
// what the destination column's type takes (SQLite keeps a value's own type
// whatever the column says).
type copySource struct {
	rows  *sql.Rows
	types []string
	vals  []any
	err   error
}

func (s *copySource) Next() bool {
	if s.err != nil || !s.rows.Next() {
		return false
	}
	ptrs := make([]any, len(s.vals))
	for i := range s.vals {
		ptrs[i] = &s.vals[i]
	}
	if s.err = s.rows.Scan(ptrs...); s.err != nil {
		return false
	}
	for i, v := range s.vals {
		if s.vals[i], s.err = convert(v, s.types[i]); s.err != nil {
			return false
		}
	}
	return true
}

func (s *copySource) Values() ([]any, error) { return s.vals, s.err }
func (s *copySource) Err() error             { return s.err }

func convert(v any, typ string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch typ {
	case "bytea":
		if s, ok := v.(string); ok {
			return []byte(s), nil
		}
	case "text", "character varying", "character":
		switch x := v.(type) {
		case []byte:
			return string(x), nil
		case int64, float64:
			return fmt.Sprint(x), nil
		}
	case "bigint", "integer", "smallint":
		if f, ok := v.(float64); ok && f == float64(int64(f)) {
			return int64(f), nil
		}
	case "double precision", "real", "numeric":
		if i, ok := v.(int64); ok {
			return float64(i), nil
		}
	case "boolean":
		if i, ok := v.(int64); ok {
			return i != 0, nil
		}
	}
	return v, nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
