package tickets

import (
	"cmp"
	"context"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"zerodesk/data"
	"zerodesk/internal/store"
	"zerodesk/internal/store/storetest"
	"zerodesk/internal/store/testengine"
)

// The queue filtered by a custom field reads ticket_field_index's copies of
// the queue's columns (0027_field_queue.sql). These tests hold the copies to
// the tickets: after every change the queue sorts or filters on, the
// filtered queue is what a slow query over the tickets themselves says.

// fieldRef is one ticket as the slow reference sees it: its own columns.
type fieldRef struct {
	id, nextDue, updated int64
	closed               bool
	status, priority     string
	assignee             int64
}

// referenceQueue is the queue of filter f (whose field value has blind
// index hash) computed the slow way: every ticket carrying the hash, read
// from tickets, filtered and ordered in Go.
func referenceQueue(t *testing.T, e *env, hash int64, f QueueFilter) []fieldRef {
	t.Helper()
	rows, err := e.db.Read.Query(`SELECT t.id, t.next_due, t.updated_at, t.closed, t.status, t.priority, t.assignee_id
		FROM tickets t WHERE t.id IN (SELECT ticket_id FROM ticket_field_index WHERE hash = $1)`, hash)
	must(t, err)
	defer rows.Close()
	var out []fieldRef
	for rows.Next() {
		var r fieldRef
		must(t, rows.Scan(&r.id, &r.nextDue, &r.updated, &r.closed, &r.status, &r.priority, &r.assignee))
		switch {
		case f.Status == "" && r.closed, f.Status != "" && r.status != string(f.Status),
			f.Priority != "" && r.priority != string(f.Priority),
			f.Assignee < 0 && r.assignee != 0, f.Assignee > 0 && r.assignee != f.Assignee:
			continue
		}
		out = append(out, r)
	}
	must(t, rows.Err())
	slices.SortFunc(out, func(a, b fieldRef) int {
		if f.Sort == SortUpdated {
			return cmp.Or(cmp.Compare(b.updated, a.updated), cmp.Compare(b.id, a.id))
		}
		return cmp.Or(cmp.Compare(a.nextDue, b.nextDue), cmp.Compare(b.updated, a.updated), cmp.Compare(a.id, b.id))
	})
	return out
}

// checkFieldQueue compares the queue of field id = value under every filter
// with the reference, and every entry's copy with its ticket.
func checkFieldQueue(t *testing.T, e *env, v Viewer, id int64, value, step string) {
	t.Helper()
	ctx := context.Background()
	var stale int
	must(t, e.db.Read.QueryRow(`SELECT count(*) FROM ticket_field_index f JOIN tickets t ON t.id = f.ticket_id
		WHERE f.closed <> t.closed OR f.next_due <> t.next_due OR f.updated_at <> t.updated_at OR f.status <> t.status
		OR f.priority <> t.priority OR f.topic <> t.topic OR f.assignee_id <> t.assignee_id`).Scan(&stale))
	if stale != 0 {
		t.Errorf("%s: %d blind index entries whose copy differs from their ticket", step, stale)
	}
	// The counts per value and status are the entries', with no row left
	// at zero.
	if counts, entries := fieldCounts(t, e.db, `SELECT hash, status, n FROM ticket_field_counts`),
		fieldCounts(t, e.db, `SELECT hash, status, count(*) FROM ticket_field_index GROUP BY hash, status`); !maps.Equal(counts, entries) {
		t.Errorf("%s: ticket_field_counts %v, the entries say %v", step, counts, entries)
	}
	fd, err := e.svc.Field(ctx, id)
	must(t, err)
	hash := e.svc.fieldHash(fd, value)
	filters := []QueueFilter{{}, {Sort: SortUpdated}, {Priority: PriorityUrgent}, {Priority: PriorityNormal}, {Assignee: -1},
		{Assignee: v.Session.AccountID}, {Topic: "account"}, {Status: StatusClosed, Sort: SortUpdated}}
	for _, st := range Statuses {
		filters = append(filters, QueueFilter{Status: st})
	}
	for _, f := range filters {
		f.Field, f.FieldValue, f.PageSize = id, value, 100
		q, err := e.svc.Queue(ctx, v, f)
		must(t, err)
		want := referenceQueue(t, e, hash, f)
		var got, wantIDs []int64
		for _, sm := range q.Tickets {
			got = append(got, sm.ID)
		}
		for _, r := range want {
			wantIDs = append(wantIDs, r.id)
		}
		// Equal keys may come in either order: compare the keys in order
		// and the tickets as sets.
		key := func(ids []int64) []string {
			byID := map[int64]fieldRef{}
			for _, r := range want {
				byID[r.id] = r
			}
			var out []string
			for _, id := range ids {
				r := byID[id]
				if f.Sort == SortUpdated {
					out = append(out, strconv.FormatInt(r.updated, 10)+"/"+strconv.FormatInt(r.id, 10))
				} else {
					out = append(out, strconv.FormatInt(r.nextDue, 10)+"/"+strconv.FormatInt(r.updated, 10))
				}
			}
			return out
		}
		sortedGot := slices.Sorted(slices.Values(got))
		sortedWant := slices.Sorted(slices.Values(wantIDs))
		if q.Total != len(want) || !slices.Equal(sortedGot, sortedWant) || !slices.Equal(key(got), key(wantIDs)) {
			t.Errorf("%s, filter %+v: queue total %d, tickets %v; the tickets themselves say %d, %v",
				step, f, q.Total, got, len(want), wantIDs)
		}
	}
}

// fieldCounts reads rows of (hash, status, n).
func fieldCounts(t *testing.T, db *store.DB, query string) map[string]int64 {
	t.Helper()
	rows, err := db.Read.Query(query)
	must(t, err)
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var hash, n int64
		var status string
		must(t, rows.Scan(&hash, &status, &n))
		out[strconv.FormatInt(hash, 10)+"/"+status] = n
	}
	must(t, rows.Err())
	return out
}

// TestQueue_FieldCopiesFollowEveryTicketChange: the copies beside the blind
// index follow status, priority, assignment, the last change, the SLA's due
// times (a new priority, a first answer, a wait, a new policy), a merge, a
// close and a bulk action; a value set later copies the ticket as it is.
func TestQueue_FieldCopiesFollowEveryTicketChange(t *testing.T) {
	t.Parallel()
	pol := dayShift()
	e := newEnvWith(t, Limits{PerAddress: 100, PerEmail: 100}, func(o *Options) { o.SLA = pol })
	e, _, ana, ids := fieldEnvOn(t, e)
	ctx := context.Background()
	v := staff(ana)
	var refs []string
	for i, sys := range []string{"macOS", "macOS", "Windows", "macOS", "macOS", "", "macOS"} {
		sub := guestSubmission()
		sub.FormID = "f" + strconv.Itoa(i)
		sub.Fields = map[int64]string{ids["text"]: "ORD-" + strconv.Itoa(i)}
		if sys != "" {
			sub.Fields[ids["choice"]] = sys
		}
		refs = append(refs, e.submit(sub).Reference)
		e.clk.Add(time.Minute)
	}
	check := func(step string) {
		t.Helper()
		checkFieldQueue(t, e, v, ids["choice"], "macOS", step)
	}
	check("submitted")
	must(t, e.svc.SetStatus(ctx, v, refs[0], StatusOpen))
	check("status open")
	must(t, e.svc.SetPriority(ctx, v, refs[1], PriorityUrgent)) // new due times
	check("priority urgent")
	must(t, e.svc.Assign(ctx, v, refs[3], ana.AccountID))
	check("assigned")
	e.clk.Add(time.Hour)
	must(t, e.svc.Note(ctx, v, refs[4], "Looked at it."))
	check("last change (a note)")
	must(t, e.svc.Reply(ctx, v, refs[3], Reply{Body: "We are on it."})) // first response: the next due is the resolution's
	check("first answer")
	must(t, e.svc.SetStatus(ctx, v, refs[4], StatusPending)) // the clock stands
	check("waiting for the customer")
	pol.change(func(p *shiftPolicy) { p.normal = [2]time.Duration{time.Hour, 3 * time.Hour} })
	_, err := e.svc.SweepSLA(ctx) // retimes the running tickets
	must(t, err)
	check("new SLA policy")
	must(t, e.svc.Merge(ctx, v, refs[6], refs[5])) // the merged one closes; the survivor takes its value
	check("merge")
	must(t, e.svc.SetStatus(ctx, v, refs[1], StatusClosed))
	check("closed")
	must(t, e.svc.SetStatus(ctx, v, refs[1], StatusOpen))
	check("reopened")
	must(t, e.svc.SetField(ctx, v, refs[2], ids["choice"], "macOS")) // a value set later
	check("value set later")
	_, err = e.svc.Bulk(ctx, v, refs[:3], BulkAction{Kind: BulkPriority, Value: string(PriorityHigh)})
	must(t, err)
	_, err = e.svc.Bulk(ctx, v, refs[2:5], BulkAction{Kind: BulkClose})
	must(t, err)
	check("bulk priority and close")
	q, err := e.svc.Queue(ctx, v, QueueFilter{Field: ids["choice"], FieldValue: "macOS"})
	must(t, err)
	if q.Total != 3 { // refs 0, 1 and the merge's survivor 5
		t.Errorf("open macOS tickets at the end: %d, want 3", q.Total)
	}
}

// TestQueue_FieldFilterReadsItsIndexInQueueOrder: a value many tickets share
// is filtered by reading its range of ticket_field_index's queue indexes in
// order: no scan, no read of tickets, no sort of the matches; with a tag
// or a text search, those drive and the field is one primary-key probe per
// ticket they visit.
// A SQLite test (its query plans).
func TestQueue_FieldFilterReadsItsIndexInQueueOrder(t *testing.T) {
	t.Parallel()
	e, _, ana, ids := fieldEnvOn(t, newEnvSQLite(t, Limits{PerAddress: 100, PerEmail: 100}))
	ctx := context.Background()
	for i := range 12 {
		sub := guestSubmission()
		sub.FormID = "f" + strconv.Itoa(i)
		sub.Fields = map[int64]string{ids["text"]: "ORD-" + strconv.Itoa(i), ids["choice"]: map[bool]string{true: "Windows", false: "macOS"}[i%6 == 0]}
		rc := e.submit(sub)
		if i%2 == 0 {
			must(t, e.svc.AddTags(ctx, staff(ana), rc.Reference, []string{"vip"}))
		}
	}
	var plan []string
	e.svc.explain = func(q string, args []any) {
		rows, err := e.db.Read.Query(`EXPLAIN QUERY PLAN `+q, args...)
		must(t, err)
		defer rows.Close()
		for rows.Next() {
			var id, parent, unused int
			var detail string
			must(t, rows.Scan(&id, &parent, &unused, &detail))
			plan = append(plan, detail)
		}
	}
	defer func() { e.svc.explain = nil }()
	for _, f := range []QueueFilter{{}, {Status: StatusNew}, {Priority: PriorityNormal}, {Assignee: -1}, {Assignee: ana.AccountID},
		{Topic: "account"}, {Sort: SortUpdated}, {Status: StatusNew, Sort: SortUpdated}, {Page: 2, PageSize: 5}} {
		f.Field, f.FieldValue = ids["choice"], "macOS"
		plan = nil
		q, err := e.svc.Queue(ctx, staff(ana), f)
		must(t, err)
		all := strings.Join(plan, "; ")
		if strings.Contains(all, "SCAN") || strings.Contains(all, "tickets") || !strings.Contains(all, "INDEX ticket_field_index_") ||
			strings.Contains(all, "TEMP B-TREE") {
			t.Errorf("%+v: plan %s", f, all)
		}
		if want := map[bool]int{true: 10, false: 0}[f.Assignee <= 0]; q.Total != want {
			t.Errorf("%+v: total %d, want %d", f, q.Total, want)
		}
	}
	var ref string
	must(t, e.db.Read.QueryRow(`SELECT reference FROM tickets ORDER BY id LIMIT 1 OFFSET 1`).Scan(&ref))
	for _, f := range []QueueFilter{{Tag: "vip"}, {Tag: "vip", Status: StatusNew}, {Text: "tuesday invoice"}, {Text: ref}} {
		f.Field, f.FieldValue = ids["choice"], "macOS"
		plan = nil
		q, err := e.svc.Queue(ctx, staff(ana), f)
		must(t, err)
		all := strings.Join(plan, "; ")
		if !strings.Contains(all, "SEARCH fv ") || !strings.Contains(all, "USING PRIMARY KEY (hash=? AND ticket_id=?)") || strings.Contains(all, "SCAN t") {
			t.Errorf("%+v: plan %s", f, all)
		}
		want := map[bool]int{true: 4, false: 10}[f.Tag != ""]
		if f.Text == ref {
			want = 1
		}
		if q.Total != want {
			t.Errorf("%+v: total %d, want %d", f, q.Total, want)
		}
	}
}

// TestMigration0027_CopiesTheQueueColumnsOfExistingEntries: a database
// whose blind index entries predate 0027 (every other migration applied, 0027 not)
// gets them filled with their tickets' columns, and the trigger keeps them;
// on SQLite the table ends as a new database's.
func TestMigration0027_CopiesTheQueueColumnsOfExistingEntries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var db *store.DB
	var err error
	if testengine.Name() == testengine.Postgres {
		db, err = store.Open(testengine.Database(t, "", nil))
	} else {
		db, err = store.Open(filepath.Join(t.TempDir(), "old.db"))
	}
	must(t, err)
	t.Cleanup(func() { db.Close() })
	all := data.MigrationsFor(string(db.Engine))
	before := fstest.MapFS{}
	entries, err := fs.ReadDir(all, ".")
	must(t, err)
	for _, en := range entries {
		if en.IsDir() || strings.HasPrefix(en.Name(), "0027_") {
			continue
		}
		b, err := fs.ReadFile(all, en.Name())
		must(t, err)
		before[en.Name()] = &fstest.MapFile{Data: b}
	}
	_, err = db.Migrate(ctx, before)
	must(t, err)
	ticket := func(ref, status, priority string, closed bool, assignee, due, updated int64) int64 {
		t.Helper()
		var thread, id int64
		must(t, db.Write.QueryRow(`INSERT INTO msg_threads (desk_wrapped, meta_sealed, created_at) VALUES ($1, $1, 1) RETURNING id`, []byte{1}).Scan(&thread))
		must(t, db.Write.QueryRow(`INSERT INTO tickets (reference, thread_id, lang, topic, status, priority, assignee_id, email_lookup,
			email_sealed, created_at, updated_at, first_response_due, resolution_due, next_due, closed)
			VALUES ($1, $2, 'en', 'billing', $3, $4, $5, $6, $6, 1, $7, $8, $8, $8, $9) RETURNING id`,
			ref, thread, status, priority, assignee, []byte(ref), updated, due, closed).Scan(&id))
		return id
	}
	a := ticket("ZD-AAAA-AAAA", "open", "urgent", false, 7, 500, 40)
	b := ticket("ZD-BBBB-BBBB", "closed", "low", true, 0, 1<<40, 60)
	for _, en := range [][3]int64{{11, a, 1}, {12, a, 2}, {11, b, 1}} {
		_, err := db.Write.Exec(`INSERT INTO ticket_field_index (hash, ticket_id, field_id) VALUES ($1, $2, $3)`, en[0], en[1], en[2])
		must(t, err)
	}
	applied, err := db.Migrate(ctx, all)
	must(t, err)
	if !slices.Equal(applied, []int{27}) {
		t.Fatalf("applied %v, want [27]", applied)
	}
	type entry struct {
		hash, ticket, field, closed, due, updated, assignee int64
		status, priority, topic                             string
	}
	read := func() []entry {
		t.Helper()
		rows, err := db.Read.Query(`SELECT hash, ticket_id, field_id, closed, next_due, updated_at, assignee_id, status, priority, topic
			FROM ticket_field_index ORDER BY hash, ticket_id`)
		must(t, err)
		defer rows.Close()
		var out []entry
		for rows.Next() {
			var x entry
			must(t, rows.Scan(&x.hash, &x.ticket, &x.field, &x.closed, &x.due, &x.updated, &x.assignee, &x.status, &x.priority, &x.topic))
			out = append(out, x)
		}
		must(t, rows.Err())
		return out
	}
	want := []entry{
		{11, a, 1, 0, 500, 40, 7, "open", "urgent", "billing"},
		{11, b, 1, 1, 1 << 40, 60, 0, "closed", "low", "billing"},
		{12, a, 2, 0, 500, 40, 7, "open", "urgent", "billing"},
	}
	if got := read(); !slices.Equal(got, want) {
		t.Fatalf("after 0027:\n%v\nwant\n%v", got, want)
	}
	if got := fieldCounts(t, db, `SELECT hash, status, n FROM ticket_field_counts`); !maps.Equal(got, map[string]int64{"11/open": 1, "11/closed": 1, "12/open": 1}) {
		t.Errorf("counts after 0027: %v", got)
	}
	_, err = db.Write.Exec(`UPDATE tickets SET status = 'pending', priority = 'high', assignee_id = 9, updated_at = 70, next_due = 900 WHERE id = $1`, a)
	must(t, err)
	want[0] = entry{11, a, 1, 0, 900, 70, 9, "pending", "high", "billing"}
	want[2] = entry{12, a, 2, 0, 900, 70, 9, "pending", "high", "billing"}
	if got := read(); !slices.Equal(got, want) {
		t.Fatalf("after a change of the ticket:\n%v\nwant\n%v", got, want)
	}
	counts := func(step string, want map[string]int64) {
		t.Helper()
		if got := fieldCounts(t, db, `SELECT hash, status, n FROM ticket_field_counts`); !maps.Equal(got, want) {
			t.Errorf("%s: counts %v, want %v", step, got, want)
		}
	}
	counts("after a change of the ticket", map[string]int64{"11/pending": 1, "11/closed": 1, "12/pending": 1})
	_, err = db.Write.Exec(`DELETE FROM tickets WHERE id = $1`, b) // its entries go with it (ON DELETE CASCADE)
	must(t, err)
	counts("after the closed ticket's deletion", map[string]int64{"11/pending": 1, "12/pending": 1})
	if db.Engine == store.SQLite {
		schema := func(db *store.DB) string {
			t.Helper()
			rows, err := db.Read.Query(`SELECT name, sql FROM sqlite_schema WHERE tbl_name IN ('ticket_field_index', 'ticket_field_counts')
				OR name = 'ticket_field_index_follow' ORDER BY name`)
			must(t, err)
			defer rows.Close()
			var b strings.Builder
			for rows.Next() {
				var name, sql string
				must(t, rows.Scan(&name, &sql))
				b.WriteString(name + ": " + sql + "\n")
			}
			must(t, rows.Err())
			return b.String()
		}
		if got, fresh := schema(db), schema(storetest.OpenSQLite(t)); got != fresh {
			t.Errorf("upgraded schema:\n%s\na new database's:\n%s", got, fresh)
		}
	}
}
