package tickets

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
)

func TestNormalizeTag_TableOfInputs(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"VIP":                             "vip",
		"  refund  ":                      "refund",
		"bug 1234":                        "bug-1234",
		"ｆｕｌｌ":                            "full", // NFKC: full-width letters
		"facturación":                     "facturación",
		"請求":                              "請求",
		"a.b_c-d":                         "a.b_c-d",
		"x":                               "x",
		strings.Repeat("a", MaxTagLength): strings.Repeat("a", MaxTagLength),
	} {
		got, err := NormalizeTag(in)
		if err != nil || got != want {
			t.Errorf("NormalizeTag(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "   ", strings.Repeat("a", MaxTagLength+1), "vip\u202e", "v\u200bip", "a<b", "a\"b", "tab\there",
		"-lead", ".dot", "emoji😀", "new\nline", "\xff", "a/b", "a,b", "\u2066x\u2069"} {
		if got, err := NormalizeTag(in); err == nil {
			t.Errorf("NormalizeTag(%q) = %q, want refused", in, got)
		} else {
			wantErr(t, err, errs.Invalid, MsgTagInvalid)
		}
	}
}

func TestTags_AddRemoveFilterHistoryAndRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{PerAddress: 100, PerEmail: 100})
	ctx := context.Background()
	ana := e.agent(accounts.Agent, "Ana", "ana@desk.example")
	ed := e.editor()
	a, b, c := e.submit(guestSubmission()), e.submit(guestSubmission()), e.submit(guestSubmission())

	must(t, e.svc.AddTags(ctx, staff(ana), a.Reference, []string{"VIP", "refund"}))
	must(t, e.svc.AddTags(ctx, staff(ana), b.Reference, []string{"vip"}))
	must(t, e.svc.AddTags(ctx, staff(ana), a.Reference, []string{"vip"})) // no change
	// Who may not: a customer (guest), an editor, nobody.
	for _, v := range []Viewer{guest(c), staff(ed), {}} {
		wantErr(t, e.svc.AddTags(ctx, v, c.Reference, []string{"x"}), errs.Forbidden, MsgNotAllowed)
	}
	wantErr(t, e.svc.AddTags(ctx, staff(ana), c.Reference, []string{"bad\u202etag"}), errs.Invalid, MsgTagInvalid)

	q, err := e.svc.Queue(ctx, staff(ana), QueueFilter{Tag: "VIP"})
	must(t, err)
	if q.Total != 2 || len(q.Tickets) != 2 {
		t.Fatalf("vip: total %d, %d tickets", q.Total, len(q.Tickets))
	}
	for _, sm := range q.Tickets {
		if !slices.Contains(sm.Tags, "vip") {
			t.Errorf("%s tags %v", sm.Reference, sm.Tags)
		}
	}
	q, err = e.svc.Queue(ctx, staff(ana), QueueFilter{Tag: "refund", Text: "page tuesday"})
	must(t, err)
	if q.Total != 1 || q.Tickets[0].Reference != a.Reference {
		t.Fatalf("refund + text: %+v", q)
	}
	if _, err := e.svc.Queue(ctx, staff(ana), QueueFilter{Tag: "a<b"}); errs.MessageIDOf(err) != MsgTagInvalid {
		t.Errorf("invalid tag filter: %v", err)
	}

	must(t, e.svc.RemoveTags(ctx, staff(ana), a.Reference, []string{"vip"}))
	tk, err := e.svc.Open(ctx, staff(ana), a.Reference)
	must(t, err)
	if !slices.Equal(tk.Tags, []string{"refund"}) {
		t.Errorf("tags after removal: %v", tk.Tags)
	}
	var kinds []string
	for _, ev := range tk.History {
		kinds = append(kinds, ev.Kind+":"+ev.From+ev.To)
	}
	if got := strings.Join(kinds, " "); !strings.Contains(got, "tagged:vip tagged:refund") || !strings.Contains(got, "untagged:vip") {
		t.Errorf("history %s", got)
	}
	// The customer never sees tags.
	if tk, err := e.svc.Open(ctx, guest(a), a.Reference); err != nil || tk.Tags != nil {
		t.Errorf("guest sees tags %v (%v)", tk.Tags, err)
	}
	tags, err := e.svc.Tags(ctx, staff(ana))
	must(t, err)
	if len(tags) != 2 || tags[0] != (TagCount{"refund", 1}) || tags[1] != (TagCount{"vip", 1}) {
		t.Errorf("tags in use %v", tags)
	}
	// At most MaxTags.
	var many []string
	for i := range MaxTags + 1 {
		many = append(many, "t"+strings.Repeat("x", i))
	}
	wantErr(t, e.svc.AddTags(ctx, staff(ana), c.Reference, many), errs.Invalid, MsgTagTooMany)
}

func TestBulk_ChangesEachAsByHandAndReportsRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{PerAddress: 100, PerEmail: 100})
	ctx := context.Background()
	ana := e.agent(accounts.Agent, "Ana", "ana@desk.example")
	bo := e.agent(accounts.Admin, "Bo", "bo@desk.example")
	ed := e.editor()
	var refs []string
	for range 4 {
		refs = append(refs, e.submit(guestSubmission()).Reference)
	}
	for _, tc := range []struct {
		name    string
		act     BulkAction
		refs    []string
		changed int
		refused []string // message IDs
		check   func(*Ticket) bool
	}{
		{"tag", BulkAction{BulkTag, "urgent-fix, vip"}, refs, 4, nil, func(t *Ticket) bool { return slices.Contains(t.Tags, "vip") }},
		{"assign", BulkAction{BulkAssign, itoa(bo.AccountID)}, refs, 4, nil, func(t *Ticket) bool { return t.AssigneeID == bo.AccountID }},
		{"priority", BulkAction{BulkPriority, "high"}, refs[:2], 2, nil, func(t *Ticket) bool { return true }},
		{"unknown ticket refused, others changed", BulkAction{BulkStatus, "pending"}, append([]string{"ZD-0000-0000"}, refs...), 4,
			[]string{MsgAccessDenied}, func(t *Ticket) bool { return t.Status == StatusPending }},
		{"close", BulkAction{BulkClose, ""}, refs, 4, nil, func(t *Ticket) bool { return t.Status == StatusClosed }},
		{"untag", BulkAction{BulkUntag, "vip"}, refs, 4, nil, func(t *Ticket) bool { return !slices.Contains(t.Tags, "vip") }},
	} {
		res, err := e.svc.Bulk(ctx, staff(ana), tc.refs, tc.act)
		must(t, err)
		var refused []string
		for _, r := range res.Refused {
			refused = append(refused, r.MessageID)
		}
		if res.Changed != tc.changed || !slices.Equal(refused, tc.refused) {
			t.Errorf("%s: changed %d refused %v", tc.name, res.Changed, refused)
		}
		for _, ref := range refs {
			tk, err := e.svc.Open(ctx, staff(ana), ref)
			must(t, err)
			if !tc.check(tk) {
				t.Errorf("%s: %s not changed: %+v", tc.name, ref, tk)
			}
		}
	}
	// The history says each change, as by hand.
	tk, _ := e.svc.Open(ctx, staff(ana), refs[0])
	var kinds []string
	for _, ev := range tk.History {
		kinds = append(kinds, ev.Kind)
	}
	for _, k := range []string{EventTagged, EventAssigned, EventPriority, EventStatus, EventUntagged} {
		if !slices.Contains(kinds, k) {
			t.Errorf("history lacks %s: %v", k, kinds)
		}
	}
	// A merged ticket refuses a tag: reported, the others changed.
	must(t, e.svc.Merge(ctx, staff(ana), refs[3], refs[2]))
	res, err := e.svc.Bulk(ctx, staff(ana), refs, BulkAction{BulkTag, "later"})
	must(t, err)
	if res.Changed != 3 || len(res.Refused) != 1 || res.Refused[0].Reference != refs[3] || res.Refused[0].MessageID != MsgMerged {
		t.Errorf("merged in bulk: %+v", res)
	}
	// Refused as a whole: roles, nothing selected, too many, unknown action or value.
	for _, v := range []Viewer{staff(ed), guest(&Receipt{Reference: refs[0]}), {}} {
		_, err := e.svc.Bulk(ctx, v, refs, BulkAction{BulkClose, ""})
		wantErr(t, err, errs.Forbidden, MsgNotAllowed)
	}
	_, err = e.svc.Bulk(ctx, staff(ana), nil, BulkAction{BulkClose, ""})
	wantErr(t, err, errs.Invalid, MsgBulkNone)
	_, err = e.svc.Bulk(ctx, staff(ana), make([]string, MaxBulk+1), BulkAction{BulkClose, ""})
	wantErr(t, err, errs.Invalid, MsgBulkTooMany)
	for _, act := range []BulkAction{{"explode", ""}, {BulkStatus, "gone"}, {BulkPriority, "meh"}, {BulkAssign, "x"}, {BulkTag, " , "}} {
		_, err := e.svc.Bulk(ctx, staff(ana), refs, act)
		wantErr(t, err, errs.Invalid, MsgBulkAction)
	}
	_, err = e.svc.Bulk(ctx, staff(ana), refs, BulkAction{BulkAssign, "999999"})
	must(t, err) // each refused: not an agent
}

func TestMerge_SameCustomerOnlyAndNothingLost(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{PerAddress: 100, PerEmail: 100})
	ctx := context.Background()
	ana := e.agent(accounts.Agent, "Ana", "ana@desk.example")
	ed := e.editor()
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	first := guestSubmission()
	first.Subject, first.Body = "Printer on fire", "The quarterly invoice printer is on fire."
	first.Attachments = []Upload{{Name: "fire.png", Data: png}}
	merged := e.submit(first)
	e.clk.Add(time.Minute)
	survivor := e.submit(guestSubmission())
	other := guestSubmission()
	other.Email = "someone.else@example.org"
	stranger := e.submit(other)
	must(t, e.svc.Note(ctx, staff(ana), merged.Reference, "Internal: replaced the toner."))
	must(t, e.svc.AddTags(ctx, staff(ana), merged.Reference, []string{"hardware"}))

	// Refused: different customers, into itself, by a non-agent.
	wantErr(t, e.svc.Merge(ctx, staff(ana), stranger.Reference, survivor.Reference), errs.Invalid, MsgMergeOtherPerson)
	wantErr(t, e.svc.Merge(ctx, staff(ana), survivor.Reference, survivor.Reference), errs.Invalid, MsgMergeSame)
	for _, v := range []Viewer{staff(ed), guest(merged), {}} {
		wantErr(t, e.svc.Merge(ctx, v, merged.Reference, survivor.Reference), errs.Forbidden, MsgNotAllowed)
	}

	must(t, e.svc.Merge(ctx, staff(ana), merged.Reference, survivor.Reference))
	wantErr(t, e.svc.Merge(ctx, staff(ana), merged.Reference, survivor.Reference), errs.Conflict, MsgMergeMerged)

	// The merged ticket: closed, points to the survivor, keeps everything.
	m, err := e.svc.Open(ctx, staff(ana), merged.Reference)
	must(t, err)
	if m.MergedInto != survivor.Reference || m.Status != StatusClosed || len(m.Messages) != 2 || m.CanReply {
		t.Errorf("merged: into %q status %s %d messages", m.MergedInto, m.Status, len(m.Messages))
	}
	// The survivor's thread shows both, in time order, the merged files too.
	for name, v := range map[string]Viewer{"desk": staff(ana), "guest with the survivor's key": guest(survivor)} {
		s, err := e.svc.Open(ctx, v, survivor.Reference)
		must(t, err)
		var bodies []string
		var fileID int64
		for _, msg := range s.Messages {
			bodies = append(bodies, msg.FromReference+"|"+msg.Body)
			for _, f := range msg.Attachments {
				fileID = f.ID
			}
		}
		want := []string{merged.Reference + "|The quarterly invoice printer is on fire.", "|Since Tuesday the invoice page stays empty."}
		if name == "desk" {
			want = slices.Insert(want, 2, merged.Reference+"|Internal: replaced the toner.")
			if !slices.Equal(s.Merged, []string{merged.Reference}) || !slices.Contains(s.Tags, "hardware") {
				t.Errorf("survivor: merged %v tags %v", s.Merged, s.Tags)
			}
		}
		if !slices.Equal(bodies, want) {
			t.Errorf("%s: survivor's thread %q, want %q", name, bodies, want)
		}
		f, err := e.svc.Attachment(ctx, v, survivor.Reference, fileID)
		if err != nil || f.Name != "fire.png" {
			t.Errorf("%s: merged file through the survivor: %v %v", name, f, err)
		}
	}
	// The customer still opens the merged reference with its own key, and
	// is told where it went.
	if g, err := e.svc.Open(ctx, guest(merged), merged.Reference); err != nil || g.MergedInto != survivor.Reference {
		t.Errorf("guest on the merged ticket: %v, %v", g, err)
	}
	// The queue search finds the survivor by the merged ticket's words.
	q, err := e.svc.Queue(ctx, staff(ana), QueueFilter{Text: "printer fire"})
	must(t, err)
	if q.Total != 1 || q.Tickets[0].Reference != survivor.Reference {
		t.Errorf("search after merge: %+v", q.Tickets)
	}
	// Merging the survivor on takes what was merged into it along.
	third := e.submit(guestSubmission())
	must(t, e.svc.Merge(ctx, staff(ana), survivor.Reference, third.Reference))
	th, err := e.svc.Open(ctx, guest(third), third.Reference)
	must(t, err)
	if len(th.Messages) != 3 {
		t.Errorf("after a second merge the survivor shows %d messages, want 3", len(th.Messages))
	}
}

func TestSavedViews_OwnSharedAndRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{})
	ctx := context.Background()
	ana := e.agent(accounts.Agent, "Ana", "ana@desk.example")
	bo := e.agent(accounts.Agent, "Bo", "bo@desk.example")
	admin := e.agent(accounts.Admin, "Ad", "ad@desk.example")
	ed := e.editor()
	mine, err := e.svc.SaveView(ctx, staff(ana), SavedView{Name: " My  urgent ", Settings: ViewSettings{Priority: "urgent", Tag: "VIP",
		Sort: SortUpdated, Columns: []string{"tags", "customer"}}})
	must(t, err)
	shared, err := e.svc.SaveView(ctx, staff(ana), SavedView{Name: "Team refunds", Shared: true, Settings: ViewSettings{Tag: "refund"}})
	must(t, err)
	sv, err := e.svc.View(ctx, staff(ana), mine)
	must(t, err)
	if sv.Name != "My urgent" || sv.Settings.Tag != "vip" || !slices.Equal(sv.Settings.Columns, []string{"customer", "tags"}) {
		t.Errorf("saved %+v", sv)
	}
	list, err := e.svc.Views(ctx, staff(bo))
	must(t, err)
	if len(list) != 1 || list[0].ID != shared {
		t.Errorf("Bo sees %+v", list)
	}
	_, err = e.svc.View(ctx, staff(bo), mine)
	wantErr(t, err, errs.NotFound, MsgViewNotFound)
	wantErr(t, e.svc.DeleteView(ctx, staff(bo), shared), errs.NotFound, MsgViewNotFound)
	_, err = e.svc.SaveView(ctx, staff(bo), SavedView{ID: mine, Name: "stolen"})
	wantErr(t, err, errs.NotFound, MsgViewNotFound)
	for _, bad := range []SavedView{{Name: ""}, {Name: strings.Repeat("n", MaxViewName+1)}, {Name: "x", Settings: ViewSettings{Status: "gone"}},
		{Name: "x", Settings: ViewSettings{Sort: "random"}}, {Name: "x", Settings: ViewSettings{Columns: []string{"secret"}}}} {
		_, err := e.svc.SaveView(ctx, staff(ana), bad)
		wantErr(t, err, errs.Invalid, MsgViewInvalid)
	}
	_, err = e.svc.Views(ctx, staff(ed))
	wantErr(t, err, errs.Forbidden, MsgNotAllowed)
	must(t, e.svc.DeleteView(ctx, staff(admin), shared)) // an admin tidies the team's views
	must(t, e.svc.DeleteView(ctx, staff(ana), mine))
	if list, _ := e.svc.Views(ctx, staff(ana)); len(list) != 0 {
		t.Errorf("left %+v", list)
	}
}

func TestHere_OtherAgentsOnTheTicketUntilTheyLeave(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{})
	ctx := context.Background()
	ana := e.agent(accounts.Agent, "Ana", "ana@desk.example")
	bo := e.agent(accounts.Agent, "Bo", "bo@desk.example")
	rc := e.submit(guestSubmission())
	if o, err := e.svc.Here(ctx, staff(ana), rc.Reference, false); err != nil || len(o) != 0 {
		t.Fatalf("alone: %v %v", o, err)
	}
	o, err := e.svc.Here(ctx, staff(bo), strings.ToLower(rc.Reference), true)
	must(t, err)
	if len(o) != 1 || o[0].Name != "Ana" || o[0].Writing {
		t.Errorf("Bo sees %+v", o)
	}
	o, _ = e.svc.Here(ctx, staff(ana), rc.Reference, false)
	if len(o) != 1 || o[0].Name != "Bo" || !o[0].Writing {
		t.Errorf("Ana sees %+v", o)
	}
	e.clk.Add(PresenceTTL + time.Second)
	if o, _ := e.svc.Here(ctx, staff(ana), rc.Reference, false); len(o) != 0 {
		t.Errorf("stale presence: %+v", o)
	}
	_, _ = e.svc.Here(ctx, staff(bo), rc.Reference, false)
	must(t, e.svc.Leave(ctx, staff(bo), rc.Reference))
	if o, _ := e.svc.Here(ctx, staff(ana), rc.Reference, false); len(o) != 0 {
		t.Errorf("after leaving: %+v", o)
	}
	if _, err := e.svc.Here(ctx, guest(rc), rc.Reference, false); errs.MessageIDOf(err) != MsgNotAllowed {
		t.Errorf("a customer's presence: %v", err)
	}
}

// editor makes an editor's session (staff of the articles, not of the desk).
func (e *env) editor() *accounts.Session {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.acc.CreateStaff(ctx, accounts.Editor, "Eddie", "eddie@desk.example")
	must(e.t, err)
	l, err := e.acc.Activate(ctx, accounts.FirstLogin{Credentials: accounts.Credentials{Usercode: u.Display(), Password: password,
		Addr: "192.0.2.1"}, Phrase: "copper heron drifts"})
	must(e.t, err)
	s, err := e.acc.Session(ctx, l.Token)
	must(e.t, err)
	return s
}

// The tag filter is index-backed: its plans read ticket_tags' indexes in
// queue order (no table scan, no sort of the queue), and the copies of the
// queue columns follow every change of the ticket.
// A SQLite test (SQLite's query plans).
func TestQueue_TagFilterReadsTheTagIndexInQueueOrder(t *testing.T) {
	t.Parallel()
	e := newEnvSQLite(t, Limits{PerAddress: 100, PerEmail: 100})
	ctx := context.Background()
	ana := e.agent(accounts.Agent, "Ana", "ana@desk.example")
	var refs []string
	for range 4 {
		rc := e.submit(guestSubmission())
		refs = append(refs, rc.Reference)
		must(t, e.svc.AddTags(ctx, staff(ana), rc.Reference, []string{"vip"}))
	}
	for _, f := range []QueueFilter{{Tag: "vip"}, {Tag: "vip", Page: 2}, {Tag: "vip", Status: StatusOpen}, {Tag: "vip", Priority: PriorityUrgent},
		{Tag: "vip", Assignee: -1}, {Tag: "vip", Sort: SortUpdated}, {Tag: "vip", Status: StatusNew, Sort: SortUpdated}} {
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
		if _, err := e.svc.Queue(ctx, staff(ana), f); err != nil {
			t.Fatal(err)
		}
		all := strings.Join(plan, "; ")
		if strings.Contains(all, "SCAN") || strings.Contains(all, "tickets") || !strings.Contains(all, "ticket_tags_") ||
			(f.Sort == "" && strings.Contains(all, "TEMP B-TREE")) {
			t.Errorf("%+v: plan %s", f, all)
		}
	}
	e.svc.explain = nil
	// The copies follow: closed leaves the default view, urgent shows in its filter.
	must(t, e.svc.SetStatus(ctx, staff(ana), refs[0], StatusClosed))
	must(t, e.svc.SetPriority(ctx, staff(ana), refs[1], PriorityUrgent))
	must(t, e.svc.Assign(ctx, staff(ana), refs[2], ana.AccountID))
	for f, want := range map[*QueueFilter]int{
		{Tag: "vip"}: 3, {Tag: "vip", Status: StatusClosed}: 1, {Tag: "vip", Priority: PriorityUrgent}: 1,
		{Tag: "vip", Assignee: ana.AccountID}: 1, {Tag: "vip", Assignee: -1}: 2, {Tag: "vip", Sort: SortUpdated}: 3,
	} {
		q, err := e.svc.Queue(ctx, staff(ana), *f)
		must(t, err)
		if q.Total != want || len(q.Tickets) != want {
			t.Errorf("%+v: total %d, %d listed, want %d", *f, q.Total, len(q.Tickets), want)
		}
	}
	// Most recently changed first.
	e.clk.Add(time.Minute)
	must(t, e.svc.Note(ctx, staff(ana), refs[3], "Looked at it."))
	q, _ := e.svc.Queue(ctx, staff(ana), QueueFilter{Tag: "vip", Sort: SortUpdated})
	if q.Tickets[0].Reference != refs[3] {
		t.Errorf("sort updated: first %s, want %s", q.Tickets[0].Reference, refs[3])
	}
}
