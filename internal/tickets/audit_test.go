package tickets

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"zerodesk/internal/accounts"
	"zerodesk/internal/audit"
	"zerodesk/internal/crypt"
	"zerodesk/internal/mail"
	"zerodesk/internal/store/storetest"
	"zerodesk/internal/testsupport"
	"zerodesk/internal/testsupport/testmail"
)

// newAuditEnv is newEnv with an audit log wired in.
func newAuditEnv(t *testing.T) (*env, *audit.Log) {
	t.Helper()
	e := &env{t: t, db: storetest.Open(t), clk: testsupport.NewClock(time.Unix(1_800_000_000, 0).UTC()), box: &testmail.Mailbox{}, logs: &testsupport.SyncBuffer{}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := context.Background()
	al, err := audit.New(ctx, e.db, audit.Options{Now: e.clk.Now})
	must(t, err)
	t.Cleanup(al.Close)
	e.outbox, err = mail.NewOutbox(e.db, mail.OutboxOptions{Secret: testsupport.SecretA, Sender: e.box, Now: e.clk.Now, Log: log})
	must(t, err)
	e.acc, err = accounts.New(e.db, accounts.Options{Secret: testsupport.SecretA, Hasher: crypt.NewHasher(testsupport.TinyArgon, 4), Outbox: e.outbox,
		Now: e.clk.Now, Log: log, PortalURL: "https://desk.example", Texts: catalog(), Audit: al})
	must(t, err)
	e.svc, err = New(ctx, e.db, testsupport.SecretA, e.acc, e.outbox, catalog(), Options{Now: e.clk.Now,
		PortalURL: "https://desk.example", Log: log, Audit: al})
	must(t, err)
	t.Cleanup(e.svc.Close)
	return e, al
}

// Every staff action on a ticket, topic or canned reply is one line of the
// audit log, in the change's transaction, with references and enumerated
// values only; the customer's own actions are not staff actions; the log
// holds no subject, body, note, name or address.
func TestAudit_StaffActionsAreOnTheRecordWithoutContent(t *testing.T) {
	t.Parallel()
	e, al := newAuditEnv(t)
	ctx := context.Background()
	admin := e.agent(accounts.Admin, "Ada Admin", "ada@example.com")
	agent := e.agent(accounts.Agent, "Abe Agent", "abe@example.com")
	sub := guestSubmission()
	rc := e.submit(sub)
	must(t, e.svc.Reply(ctx, guest(rc), rc.Reference, Reply{Body: "Still empty this morning, sadly."}))
	v := staff(agent)
	must(t, e.svc.RecordRead(ctx, v, rc.Reference))
	must(t, e.svc.Reply(ctx, v, rc.Reference, Reply{Body: "Please clear the cache of your browser."}))
	must(t, e.svc.Note(ctx, v, rc.Reference, "Customer Grace seems upset; check billing."))
	must(t, e.svc.SetStatus(ctx, v, rc.Reference, StatusPending))
	must(t, e.svc.SetPriority(ctx, v, rc.Reference, PriorityHigh))
	must(t, e.svc.Assign(ctx, v, rc.Reference, agent.AccountID))
	must(t, e.svc.AddTags(ctx, v, rc.Reference, []string{"vip"}))
	must(t, e.svc.RemoveTags(ctx, v, rc.Reference, []string{"vip"}))
	rc2 := e.submit(sub) // the same customer again: merged into the first
	must(t, e.svc.Merge(ctx, v, rc2.Reference, rc.Reference))
	must(t, e.svc.SaveTopic(ctx, staff(admin), Topic{Key: "billing-extra", Names: map[string]string{"en": "Billing secrets"}, Active: true}))
	must(t, e.svc.SaveCanned(ctx, staff(admin), Canned{Lang: "en", Title: "Cache advice", Body: "Clear the cache, dear customer."}))

	p, err := al.Entries(ctx, audit.Reader{AccountID: admin.AccountID, Admin: true}, audit.Filter{PageSize: 100})
	must(t, err)
	var got []string
	for _, l := range p.Entries {
		got = append(got, string(l.Action)+" "+l.Ticket+" "+l.Field+" "+l.From+" "+l.To)
	}
	slices.Reverse(got)
	want := []string{
		"ticket.read " + rc.Reference + "   ",
		"ticket.replied " + rc.Reference + "   ",
		"ticket.status " + rc.Reference + " status new open", // the agent's first reply opens it
		"ticket.noted " + rc.Reference + "   ",
		"ticket.status " + rc.Reference + " status open pending",
		"ticket.priority " + rc.Reference + " priority normal high",
		"ticket.assigned " + rc.Reference + " assignee 0 " + itoa(agent.AccountID),
		"ticket.tagged " + rc.Reference + " tag  vip",
		"ticket.untagged " + rc.Reference + " tag vip ",
		"ticket.status " + rc2.Reference + " status new closed",
		"ticket.merged " + rc2.Reference + " into  " + rc.Reference,
		"ticket.merged_in " + rc.Reference + " from " + rc2.Reference + " ",
		"topic.saved  topic  billing-extra",
		"canned.saved  lang  en",
	}
	if !slices.Equal(got, want) {
		t.Errorf("the log:\n%q\nwant\n%q", got, want)
	}
	for _, l := range p.Entries {
		if want := map[bool]int64{true: agent.AccountID, false: admin.AccountID}[l.Ticket != ""]; l.Actor != want {
			t.Errorf("%s by %d", l.Action, l.Actor)
		}
	}
	// A customer's reply is no staff action; neither is an agent's event
	// in auditEntry's eyes without the agent prefix.
	if _, ok := auditEntry("customer", EventReply, "", ""); ok {
		t.Error("a customer's event was recorded")
	}
	if e, _ := auditEntry("agent:7", "merged into", "ZD-A", "ZD-B"); e.Action != "ticket.changed" || e.From != "" || e.To != "" {
		t.Errorf("an unknown kind: %+v", e)
	}
	rows, err := e.db.Read.QueryContext(ctx, `SELECT ticket || field || old_value || new_value || action FROM audit_log`)
	must(t, err)
	defer rows.Close()
	for rows.Next() {
		var s string
		must(t, rows.Scan(&s))
		for _, content := range []string{sub.Subject, sub.Body, sub.Name, sub.Email, "Grace", "cache", "Billing secrets", "Cache advice", "upset"} {
			if strings.Contains(strings.ToLower(s), strings.ToLower(content)) {
				t.Errorf("audit line %q holds %q", s, content)
			}
		}
	}
}
