package audit

import (
	"context"
	"database/sql"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"zerodesk/internal/errs"
)

// Reader is who asks to read the log or set its retention: only an
// administrator may (the web side passes the signed-in session's role).
type Reader struct {
	AccountID int64
	Admin     bool
}

func (r Reader) check() error {
	if !r.Admin || r.AccountID <= 0 {
		return errs.E(errs.Forbidden, MsgAdminOnly)
	}
	return nil
}

// Filter narrows the log. Zero values match everything; Until is exclusive.
type Filter struct {
	Actor    int64
	Action   Action
	Ticket   string
	Since    time.Time
	Until    time.Time
	Page     int // 0 = the newest
	PageSize int // 0 = PageSize
}

// PageSize is how many lines one page shows.
const PageSize = 50

// maxExport bounds one CSV export.
const maxExport = 100_000

func (f Filter) args() ([]any, error) {
	if f.Actor < 0 || (f.Action != "" && !action.MatchString(string(f.Action))) || !tokenRe.MatchString(f.Ticket) || f.Page < 0 {
		return nil, errs.E(errs.Invalid, MsgFilterInvalid)
	}
	since, until := int64(0), int64(1<<62)
	if !f.Since.IsZero() {
		since = f.Since.Unix()
	}
	if !f.Until.IsZero() {
		until = f.Until.Unix()
	}
	return []any{f.Actor, string(f.Action), strings.ToUpper(f.Ticket), since, until}, nil
}

// Page is one page of the log, newest first.
type Page struct {
	Entries []Entry
	Total   int // lines matching the filter
	Page    int
	More    bool // older lines follow
}

// Entries returns one page of the lines matching f.
func (l *Log) Entries(ctx context.Context, r Reader, f Filter) (*Page, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	args, err := f.args()
	if err != nil {
		return nil, err
	}
	size := f.PageSize
	if size <= 0 {
		size = PageSize
	}
	p := &Page{Page: f.Page}
	if err := l.db.Read.QueryRowContext(ctx, sqlCount, args...).Scan(&p.Total); err != nil {
		return nil, errs.Wrap(err, "audit: count")
	}
	if p.Entries, err = l.query(ctx, append(args, size, f.Page*size)); err != nil {
		return nil, err
	}
	p.More = (f.Page+1)*size < p.Total
	return p, nil
}

func (l *Log) query(ctx context.Context, args []any) ([]Entry, error) {
	rows, err := l.db.Read.QueryContext(ctx, sqlPage, args...)
	if err != nil {
		return nil, errs.Wrap(err, "audit: read")
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Ticket, &e.Subject, &e.Field, &e.From, &e.To); err != nil {
			return nil, errs.Wrap(err, "audit: read")
		}
		e.At = time.Unix(at, 0).UTC()
		out = append(out, e)
	}
	return out, errs.Wrap(rows.Err(), "audit: read")
}

// CSVHeader is the first line of an export.
var CSVHeader = []string{"id", "time_utc", "actor_id", "action", "ticket", "subject_id", "field", "old_value", "new_value"}

// WriteCSV writes every line matching f (up to 100,000, newest first) as CSV
// (RFC 4180). No cell starts with what a spreadsheet reads as a formula (=,
// +, -, @, a tab or a carriage return): such a cell gets a leading
// apostrophe.
func (l *Log) WriteCSV(ctx context.Context, r Reader, f Filter, w io.Writer) error {
	if err := r.check(); err != nil {
		return err
	}
	args, err := f.args()
	if err != nil {
		return err
	}
	list, err := l.query(ctx, append(args, maxExport, 0))
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, e := range list {
		rec := []string{strconv.FormatInt(e.ID, 10), e.At.Format(time.RFC3339), strconv.FormatInt(e.Actor, 10), string(e.Action),
			e.Ticket, strconv.FormatInt(e.Subject, 10), e.Field, e.From, e.To}
		for i := range rec {
			rec[i] = SafeCell(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// SafeCell defuses a CSV cell a spreadsheet would run as a formula.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Retention is how many days the log keeps a line.
func (l *Log) Retention(ctx context.Context) (int, error) {
	var days int
	err := l.db.Read.QueryRowContext(ctx, sqlRetention).Scan(&days)
	return days, errs.Wrap(err, "audit: retention")
}

// Retention bounds, in days.
const (
	MinRetention = 1
	MaxRetention = 3650
)

// SetRetention sets how many days the log keeps a line (administrators),
// and records that it did.
func (l *Log) SetRetention(ctx context.Context, r Reader, days int) error {
	if err := r.check(); err != nil {
		return err
	}
	if days < MinRetention || days > MaxRetention {
		return errs.E(errs.Invalid, MsgRetentionInvalid)
	}
	err := l.db.Tx(ctx, func(tx *sql.Tx) error {
		var old int
		if err := tx.QueryRowContext(ctx, sqlRetention).Scan(&old); err != nil {
			return err
		}
		if old == days {
			return nil
		}
		if _, err := tx.ExecContext(ctx, sqlSetRetention, days); err != nil {
			return err
		}
		return l.Record(ctx, tx, Entry{Actor: r.AccountID, Action: LogRetention, Field: "retention_days",
			From: strconv.Itoa(old), To: strconv.Itoa(days)})
	})
	return errs.Pass(err, "audit: set retention")
}

// Sweep deletes the lines older than the retention, and returns how many.
func (l *Log) Sweep(ctx context.Context) (int64, error) {
	days, err := l.Retention(ctx)
	if err != nil {
		return 0, err
	}
	cut := l.now().Add(-time.Duration(days) * 24 * time.Hour).Unix()
	res, err := l.db.Write.ExecContext(ctx, sqlSweep, cut)
	if err != nil {
		return 0, errs.Wrap(err, "audit: sweep")
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// Run sweeps once an hour until ctx ends.
func (l *Log) Run(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := l.Sweep(ctx); err != nil && ctx.Err() == nil {
			l.log.Error("audit: sweep", "err", err)
		} else if n > 0 {
			l.log.Info("audit: expired lines removed", "lines", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
