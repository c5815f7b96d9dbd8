package audit

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"zerodesk/internal/errs"
	"zerodesk/internal/store/storetest"
	"zerodesk/internal/testsupport"
)

var admin = Reader{AccountID: 1, Admin: true}

func newLog(t *testing.T) (*Log, *testsupport.Clock) {
	t.Helper()
	clk := testsupport.NewClock(time.Unix(1_800_000_000, 0))
	l, err := New(context.Background(), storetest.OpenMigrated(t), Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l, clk
}

func record(t *testing.T, l *Log, e Entry) {
	t.Helper()
	err := l.db.Tx(context.Background(), func(tx *sql.Tx) error { return l.Record(context.Background(), tx, e) })
	if err != nil {
		t.Fatal(err)
	}
}

func TestRecord_FiltersPagesAndCounts(t *testing.T) {
	l, clk := newLog(t)
	ctx := context.Background()
	for i := range 7 {
		if err := l.Add(ctx, Entry{Actor: 2, Action: TicketRead, Ticket: "ZD-AAAA-BBB" + strconv.Itoa(i%2)}); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Hour)
	}
	record(t, l, Entry{Actor: 3, Action: TicketStatus, Ticket: "ZD-AAAA-BBB0", Field: "status", From: "new", To: "open"})
	for _, c := range []struct {
		name string
		f    Filter
		want int
	}{
		{"all", Filter{}, 8},
		{"actor", Filter{Actor: 2}, 7},
		{"action", Filter{Action: TicketStatus}, 1},
		{"ticket", Filter{Ticket: "zd-aaaa-bbb0"}, 5},
		{"since", Filter{Since: time.Unix(1_800_000_000+5*3600, 0)}, 3},
		{"until", Filter{Until: time.Unix(1_800_000_000+2*3600, 0)}, 2},
	} {
		p, err := l.Entries(ctx, admin, c.f)
		if err != nil {
			t.Fatal(c.name, err)
		}
		if p.Total != c.want || len(p.Entries) != c.want {
			t.Errorf("%s: total %d, %d lines; want %d", c.name, p.Total, len(p.Entries), c.want)
		}
	}
	p, err := l.Entries(ctx, admin, Filter{PageSize: 3, Page: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Entries) != 3 || !p.More || p.Total != 8 {
		t.Errorf("page 1: %d lines, more %v, total %d", len(p.Entries), p.More, p.Total)
	}
	first, _ := l.Entries(ctx, admin, Filter{})
	if e := first.Entries[0]; e.Action != TicketStatus || e.From != "new" || e.To != "open" || e.Actor != 3 {
		t.Errorf("newest line: %+v", e)
	}
}

// Only administrators read the log or set its retention.
func TestEntries_OnlyAdministratorsRead(t *testing.T) {
	l, _ := newLog(t)
	ctx := context.Background()
	for _, r := range []Reader{{}, {AccountID: 5}, {Admin: true}} {
		if _, err := l.Entries(ctx, r, Filter{}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("%+v read the log: %v", r, err)
		}
		if err := l.WriteCSV(ctx, r, Filter{}, &bytes.Buffer{}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("%+v exported the log: %v", r, err)
		}
		if err := l.SetRetention(ctx, r, 30); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("%+v set the retention: %v", r, err)
		}
	}
}

// The guard against content: a value that is not a short token (a sentence,
// a name, an address) is refused, and nothing is written.
func TestRecord_RefusesContent(t *testing.T) {
	l, _ := newLog(t)
	ctx := context.Background()
	for _, e := range []Entry{
		{Actor: 1, Action: TicketStatus, Ticket: "My printer is on fire"},
		{Actor: 1, Action: StaffInvited, To: "ada@example.org"},
		{Actor: 1, Action: TicketNoted, To: "Ada Lovelace"},
		{Actor: 1, Action: "Ticket read"},
		{Actor: 1, Action: TicketRead, Field: strings.Repeat("x", 65)},
		{Actor: -1, Action: TicketRead},
	} {
		if err := l.Add(ctx, e); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("%+v: %v", e, err)
		}
	}
	p, _ := l.Entries(ctx, admin, Filter{})
	if p.Total != 0 {
		t.Errorf("%d lines written", p.Total)
	}
}

// The sweep removes exactly the lines older than the retention, on the
// injected clock.
func TestSweep_RemovesLinesOlderThanTheRetention(t *testing.T) {
	l, clk := newLog(t)
	ctx := context.Background()
	if err := l.SetRetention(ctx, admin, 30); err != nil {
		t.Fatal(err)
	}
	if err := l.SetRetention(ctx, admin, 0); errs.MessageIDOf(err) != MsgRetentionInvalid {
		t.Errorf("0 days: %v", err)
	}
	if err := l.SetRetention(ctx, admin, 3651); errs.MessageIDOf(err) != MsgRetentionInvalid {
		t.Errorf("3651 days: %v", err)
	}
	record(t, l, Entry{Actor: 2, Action: TicketRead, Ticket: "ZD-OLD0-0000"})
	clk.AddDate(0, 0, 20)
	record(t, l, Entry{Actor: 2, Action: TicketRead, Ticket: "ZD-NEW0-0000"})
	clk.AddDate(0, 0, 11) // the first read is 31 days old, the second 11
	n, err := l.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The retention change (day 0) and the first read go; the second stays.
	if n != 2 {
		t.Errorf("swept %d lines, want 2", n)
	}
	p, _ := l.Entries(ctx, admin, Filter{})
	if p.Total != 1 || p.Entries[0].Ticket != "ZD-NEW0-0000" {
		t.Errorf("left: %+v", p.Entries)
	}
	if days, _ := l.Retention(ctx); days != 30 {
		t.Errorf("retention %d", days)
	}
}

// The CSV export: text/csv-ready RFC 4180 with a header, and no cell a
// spreadsheet would run as a formula.
func TestWriteCSV_IsSafeAgainstFormulaInjection(t *testing.T) {
	l, _ := newLog(t)
	ctx := context.Background()
	record(t, l, Entry{Actor: 2, Action: TicketAssigned, Ticket: "ZD-AAAA-BBBB", Field: "assignee", From: "-1", To: "-2"})
	var buf bytes.Buffer
	if err := l.WriteCSV(ctx, admin, Filter{}, &buf); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || !slices.Equal(recs[0], CSVHeader) {
		t.Fatalf("records: %q", recs)
	}
	for _, rec := range recs[1:] {
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q starts a formula", cell)
			}
		}
	}
	if recs[1][7] != "'-1" || recs[1][8] != "'-2" {
		t.Errorf("defused cells: %q %q", recs[1][7], recs[1][8])
	}
	for _, s := range []string{"=HYPERLINK(1)", "+1", "-1", "@SUM(1)", "\tx", "\rx"} {
		if got := SafeCell(s); got != "'"+s {
			t.Errorf("SafeCell(%q) = %q", s, got)
		}
	}
	if got := SafeCell("ZD-AAAA-BBBB"); got != "ZD-AAAA-BBBB" {
		t.Errorf("SafeCell changed a plain cell: %q", got)
	}
}

// Append-only: the package's API has no way to change or remove a line
// but the retention sweep, and its SQL no UPDATE of audit_log and no DELETE
// but the sweep's.
func TestLog_IsAppendOnly(t *testing.T) {
	allowed := []string{"Add", "Close", "Entries", "Record", "Retention", "Run", "SetRetention", "Sweep", "WriteCSV"}
	typ := reflect.TypeOf(&Log{})
	for i := range typ.NumMethod() {
		if m := typ.Method(i).Name; !slices.Contains(allowed, m) {
			t.Errorf("(*Log).%s: a new method on the log; if it edits lines, the log is no longer append-only", m)
		}
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "sql.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	update := regexp.MustCompile(`(?is)\bUPDATE\s+audit_log\b`)
	del := regexp.MustCompile(`(?is)\bDELETE\s+FROM\s+audit_log\b`)
	deletes := 0
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		s, _ := strconv.Unquote(lit.Value)
		if update.MatchString(s) {
			t.Errorf("%s: an UPDATE of audit_log", fset.Position(lit.Pos()))
		}
		if del.MatchString(s) {
			deletes++
			if s != sqlSweep {
				t.Errorf("%s: a DELETE of audit_log other than the sweep's", fset.Position(lit.Pos()))
			}
		}
		return true
	})
	if deletes != 1 {
		t.Errorf("%d DELETE statements, want the sweep's alone", deletes)
	}
}
