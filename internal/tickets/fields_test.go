package tickets

import (
	"context"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/internal/store/storetest"
)

func TestCheckFieldValue_KindsAndHostileInput(t *testing.T) {
	t.Parallel()
	choice := Field{Kind: FieldChoice, Options: []string{"Windows", "macOS"}}
	for _, c := range []struct {
		f        Field
		in, want string
	}{
		{Field{Kind: FieldText}, "  Order   4711 ", "Order 4711"},
		{Field{Kind: FieldText}, "ｆｕｌｌ", "full"},
		{Field{Kind: FieldText}, "", ""},
		{choice, "macOS", "macOS"},
		{Field{Kind: FieldNumber}, "42", "42"},
		{Field{Kind: FieldNumber}, "3,50", "3.5"},
		{Field{Kind: FieldNumber}, "-0.25", "-0.25"},
		{Field{Kind: FieldDate}, "2026-12-07", "2026-12-07"},
	} {
		got, err := CheckFieldValue(c.f, c.in)
		if err != nil || got != c.want {
			t.Errorf("CheckFieldValue(%s, %q) = %q, %v; want %q", c.f.Kind, c.in, got, err, c.want)
		}
	}
	for _, c := range []struct {
		f   Field
		in  string
		msg string
	}{
		{Field{Kind: FieldText, Required: true}, "  ", MsgFieldRequired},
		{Field{Kind: FieldText}, strings.Repeat("a", MaxFieldText+1), MsgFieldTooLong},
		{Field{Kind: FieldText}, "evil\u202etxt", MsgFieldInvalid},
		{Field{Kind: FieldText}, "zero\u200bwidth", MsgFieldInvalid},
		{Field{Kind: FieldText}, "bell\a", MsgFieldInvalid},
		{Field{Kind: FieldText}, "\xff", MsgFieldInvalid},
		{choice, "Linux", MsgFieldInvalid},
		{Field{Kind: FieldNumber}, "NaN", MsgFieldInvalid},
		{Field{Kind: FieldNumber}, "1e400", MsgFieldInvalid},
		{Field{Kind: FieldNumber}, "twelve", MsgFieldInvalid},
		{Field{Kind: FieldNumber}, "1,000", MsgFieldInvalid}, // a thousands separator or a decimal comma?
		{Field{Kind: FieldNumber}, "1,5.2", MsgFieldInvalid},
		{Field{Kind: FieldDate}, "2026-02-30", MsgFieldInvalid},
		{Field{Kind: FieldDate}, "07/12/2026", MsgFieldInvalid},
	} {
		_, err := CheckFieldValue(c.f, c.in)
		wantErr(t, err, errs.Invalid, c.msg)
	}
}

// fieldEnv is an env with an admin, an agent and three fields on the
// "account" topic.
func fieldEnv(t *testing.T) (*env, *accounts.Session, *accounts.Session, map[string]int64) {
	return fieldEnvOn(t, newEnv(t, Limits{PerAddress: 100, PerEmail: 100}))
}

// fieldEnvOn is fieldEnv on e (newEnvSQLite for the query plan tests).
func fieldEnvOn(t *testing.T, e *env) (*env, *accounts.Session, *accounts.Session, map[string]int64) {
	ctx := context.Background()
	adm := e.agent(accounts.Admin, "Ada", "ada@desk.example")
	ana := e.agent(accounts.Agent, "Ana", "ana@desk.example")
	ids := map[string]int64{}
	for _, f := range []Field{
		{Topic: "account", Kind: FieldText, Labels: map[string]string{"en": "Order number", "de": "Bestellnummer"}, Required: true, Position: 1},
		{Topic: "account", Kind: FieldChoice, Labels: map[string]string{"en": "System"}, Options: []string{"Windows", "macOS"}, Position: 2},
		{Topic: "account", Kind: FieldDate, Labels: map[string]string{"en": "Since"}, Position: 3},
	} {
		id, err := e.svc.SaveField(ctx, staff(adm), f)
		must(t, err)
		ids[string(f.Kind)] = id
	}
	return e, adm, ana, ids
}

func TestFields_DefineRolesAndLabels(t *testing.T) {
	t.Parallel()
	e, adm, ana, ids := fieldEnv(t)
	ctx := context.Background()
	for _, v := range []Viewer{staff(ana), staff(e.editor()), {}} {
		_, err := e.svc.SaveField(ctx, v, Field{Topic: "account", Kind: FieldText, Labels: map[string]string{"en": "X"}})
		wantErr(t, err, errs.Forbidden, MsgNotAllowed)
		wantErr(t, e.svc.RemoveField(ctx, v, ids["text"]), errs.Forbidden, MsgNotAllowed)
	}
	for _, bad := range []Field{
		{Topic: "account", Kind: FieldText, Labels: map[string]string{"de": "Nur Deutsch"}},
		{Topic: "account", Kind: "colour", Labels: map[string]string{"en": "X"}},
		{Topic: "account", Kind: FieldChoice, Labels: map[string]string{"en": "No options"}},
		{Topic: "account", Kind: FieldText, Labels: map[string]string{"en": "Bidi\u202e"}},
	} {
		_, err := e.svc.SaveField(ctx, staff(adm), bad)
		wantErr(t, err, errs.Invalid, MsgFieldDefinition)
	}
	_, err := e.svc.SaveField(ctx, staff(adm), Field{Topic: "no-such", Kind: FieldText, Labels: map[string]string{"en": "X"}})
	wantErr(t, err, errs.Invalid, MsgTopicInvalid)
	list, err := e.svc.Fields(ctx, "account", false)
	must(t, err)
	if len(list) != 3 || list[0].Label("de") != "Bestellnummer" || list[1].Label("de") != "System" || list[1].Options[1] != "macOS" {
		t.Fatalf("fields = %+v", list)
	}
}

func TestFields_SubmitSealedIndexedFilteredEditedRemoved(t *testing.T) {
	t.Parallel()
	e, adm, ana, ids := fieldEnv(t)
	ctx := context.Background()
	sub := guestSubmission()
	// A required field left empty is refused, and nothing is written.
	sub.Fields = map[int64]string{ids["choice"]: "macOS"}
	_, err := e.svc.Submit(ctx, sub)
	wantErr(t, err, errs.Invalid, MsgFieldRequired)
	_, bad, err := e.svc.CheckFields(ctx, "account", map[int64]string{ids["choice"]: "Linux", ids["date"]: "soon"})
	must(t, err)
	if len(bad) != 3 {
		t.Fatalf("CheckFields errors = %+v, want 3", bad)
	}

	// Values of this run alone: on PostgreSQL the byte scan reads the
	// cluster's WAL, which every test running at the same time writes.
	zebra, quokka, date := storetest.Secret(t, "ORD-98765-"), storetest.Secret(t, "ORD-11111-"), secretDate()
	sub.Fields = map[int64]string{ids["text"]: zebra, ids["choice"]: "macOS", ids["date"]: date}
	a := e.submit(sub)
	sub.Fields = map[int64]string{ids["text"]: strings.ToLower(zebra), ids["choice"]: "Windows"}
	b := e.submit(sub)
	sub.Fields = map[int64]string{ids["text"]: quokka, ids["choice"]: "macOS"}
	e.submit(sub)

	// Sealed: no value is anywhere in the database in plain.
	if found := storetest.FindSecrets(t, e.db, e.logs.Bytes(), map[string]string{
		"text value": zebra, "text value (stored)": strings.ToLower(zebra), "other text": quokka, "date": date,
	}); len(found) > 0 {
		t.Fatalf("field values in plain: %v", found)
	}

	// The blind index filters, combined with the other filters.
	filter := func(f QueueFilter) []string {
		t.Helper()
		q, err := e.svc.Queue(ctx, staff(ana), f)
		must(t, err)
		var refs []string
		for _, s := range q.Tickets {
			refs = append(refs, s.Reference)
		}
		if q.Total != len(refs) {
			t.Fatalf("total %d, listed %d", q.Total, len(refs))
		}
		return refs
	}
	if got := filter(QueueFilter{Field: ids["text"], FieldValue: "  Ord" + zebra[3:] + " "}); len(got) != 2 {
		t.Fatalf("text filter = %v, want 2 (exact, normalized)", got)
	}
	if got := filter(QueueFilter{Field: ids["choice"], FieldValue: "Windows"}); len(got) != 1 || got[0] != b.Reference {
		t.Fatalf("choice filter = %v, want %s", got, b.Reference)
	}
	if got := filter(QueueFilter{Field: ids["date"], FieldValue: date, Priority: PriorityNormal}); len(got) != 1 || got[0] != a.Reference {
		t.Fatalf("date+priority filter = %v, want %s", got, a.Reference)
	}
	must(t, e.svc.AddTags(ctx, staff(ana), b.Reference, []string{"vip"}))
	if got := filter(QueueFilter{Field: ids["text"], FieldValue: strings.ToLower(zebra), Tag: "vip"}); len(got) != 1 || got[0] != b.Reference {
		t.Fatalf("text+tag filter = %v, want %s", got, b.Reference)
	}
	if got := filter(QueueFilter{Field: ids["text"], FieldValue: "ord-98765"}); len(got) != 0 {
		t.Fatalf("a part of a value matched: %v", got)
	}
	_, err = e.svc.Queue(ctx, staff(ana), QueueFilter{Field: ids["date"], FieldValue: "tomorrow"})
	wantErr(t, err, errs.Invalid, MsgFieldInvalid)

	// An agent sees and edits; the history and the audit name the field, never the value.
	tk, err := e.svc.Open(ctx, staff(ana), a.Reference)
	must(t, err)
	if len(tk.Fields) != 3 || tk.Fields[0].Value != zebra || tk.Fields[1].Value != "macOS" {
		t.Fatalf("ticket fields = %+v", tk.Fields)
	}
	must(t, e.svc.SetField(ctx, staff(ana), a.Reference, ids["choice"], "Windows"))
	if got := filter(QueueFilter{Field: ids["choice"], FieldValue: "Windows"}); len(got) != 2 {
		t.Fatalf("after the edit, choice filter = %v, want 2", got)
	}
	wantErr(t, e.svc.SetField(ctx, staff(ana), a.Reference, ids["choice"], "Linux"), errs.Invalid, MsgFieldInvalid)
	wantErr(t, e.svc.SetField(ctx, guest(a), a.Reference, ids["choice"], "macOS"), errs.Forbidden, MsgNotAllowed)
	wantErr(t, e.svc.SetField(ctx, staff(e.editor()), a.Reference, ids["choice"], "macOS"), errs.Forbidden, MsgNotAllowed)
	tk, err = e.svc.Open(ctx, staff(ana), a.Reference)
	must(t, err)
	last := tk.History[len(tk.History)-1]
	if last.Kind != EventField || last.To != "f"+strconv.FormatInt(ids["choice"], 10) || last.From != "" {
		t.Fatalf("history = %+v", last)
	}
	entry, ok := auditEntry("agent:7", EventField, "", "f3")
	if !ok || entry.Action != "ticket.field" || entry.Field != "f3" || entry.From != "" || entry.To != "" {
		t.Fatalf("audit entry = %+v", entry)
	}

	// A removed field: no longer asked, still shown where it has a value.
	must(t, e.svc.RemoveField(ctx, staff(adm), ids["date"]))
	wantErr(t, e.svc.RemoveField(ctx, staff(adm), ids["date"]), errs.NotFound, MsgFieldNotFound)
	if list, _ := e.svc.Fields(ctx, "account", false); len(list) != 2 {
		t.Fatalf("fields after removal = %+v", list)
	}
	tk, err = e.svc.Open(ctx, staff(ana), a.Reference)
	must(t, err)
	if len(tk.Fields) != 3 || !tk.Fields[2].Field.Removed || tk.Fields[2].Value != date {
		t.Fatalf("removed field on the ticket = %+v", tk.Fields)
	}
	tb, err := e.svc.Open(ctx, staff(ana), b.Reference)
	must(t, err)
	if len(tb.Fields) != 2 {
		t.Fatalf("a removed field without value is shown: %+v", tb.Fields)
	}
	wantErr(t, e.svc.SetField(ctx, staff(ana), a.Reference, ids["date"], "2026-12-01"), errs.NotFound, MsgFieldNotFound)
	// The customer does not see the fields list (agents only).
	tg, err := e.svc.Open(ctx, guest(a), a.Reference)
	must(t, err)
	if len(tg.Fields) != 0 {
		t.Fatalf("customer sees fields: %+v", tg.Fields)
	}
}

// TestMerge_FieldsSurvivorKeepsItsOwnAndTakesTheOthers: merging gives the
// survivor the merged ticket's field values where it has none (sealed,
// blind-indexed, a history and audit line naming the field); the survivor
// keeps its own values and the merged ticket keeps all of its own.
func TestMerge_FieldsSurvivorKeepsItsOwnAndTakesTheOthers(t *testing.T) {
	e, _, ana, ids := fieldEnv(t)
	ctx := context.Background()
	sub := guestSubmission()
	merged, survivor := storetest.Secret(t, "ORD-1-"), storetest.Secret(t, "ORD-2-")
	sub.Fields = map[int64]string{ids["text"]: merged, ids["choice"]: "macOS"}
	a := e.submit(sub)
	sub.Fields = map[int64]string{ids["text"]: survivor, ids["date"]: "2026-11-30"}
	sub.FormID = "second"
	b := e.submit(sub)
	must(t, e.svc.Merge(ctx, staff(ana), a.Reference, b.Reference))

	values := func(ref string) map[string]string {
		t.Helper()
		tk, err := e.svc.Open(ctx, staff(ana), ref)
		must(t, err)
		out := map[string]string{}
		for _, fv := range tk.Fields {
			out[string(fv.Field.Kind)] = fv.Value
		}
		return out
	}
	if got := values(b.Reference); got["text"] != survivor || got["choice"] != "macOS" || got["date"] != "2026-11-30" {
		t.Fatalf("survivor's fields = %v, want its own text and date and the merged ticket's choice", got)
	}
	if got := values(a.Reference); got["text"] != merged || got["choice"] != "macOS" || got["date"] != "" {
		t.Fatalf("merged ticket's fields = %v, want all of its own", got)
	}
	q, err := e.svc.Queue(ctx, staff(ana), QueueFilter{Field: ids["choice"], FieldValue: "macOS"})
	must(t, err)
	if len(q.Tickets) != 1 || q.Tickets[0].Reference != b.Reference {
		t.Fatalf("choice filter after the merge = %+v, want the survivor", q.Tickets)
	}
	tk, err := e.svc.Open(ctx, staff(ana), b.Reference)
	must(t, err)
	var lines []string
	for _, h := range tk.History {
		if h.Kind == EventField {
			lines = append(lines, h.To)
		}
	}
	if want := "f" + strconv.FormatInt(ids["choice"], 10); len(lines) != 1 || lines[0] != want {
		t.Fatalf("survivor's field history = %v, want one line for %s", lines, want)
	}
	if entry, ok := auditEntry("agent:7", EventField, "", "f"+strconv.FormatInt(ids["choice"], 10)); !ok || entry.Action != "ticket.field" {
		t.Fatalf("audit entry = %+v", entry)
	}
	if found := storetest.FindSecrets(t, e.db, e.logs.Bytes(), map[string]string{"merged text": merged, "survivor text": survivor}); len(found) > 0 {
		t.Fatalf("field values in plain: %v", found)
	}
}

// secretDate is a date field's value of this run alone (a byte scan looks
// for it): a random day of the 22nd to 29th centuries.
func secretDate() string {
	return time.Date(2100+mrand.IntN(800), time.Month(1+mrand.IntN(12)), 1+mrand.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}
