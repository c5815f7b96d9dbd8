package tickets

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"zerodesk/internal/accounts"
)

// told is one call of the Notifier.
type told struct {
	kind, topic string
	actor       int64
	agents      []int64
}

type recorder struct {
	mu    sync.Mutex
	calls []told
	fail  error
}

func (r *recorder) TicketEvent(_ context.Context, tx *sql.Tx, kind string, ticketID int64, topic string, actor int64, agents []int64) error {
	if tx == nil || ticketID <= 0 {
		return fmt.Errorf("told %s outside a transaction or without a ticket", kind)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, told{kind: kind, topic: topic, actor: actor, agents: slices.Clone(agents)})
	return r.fail
}

func (r *recorder) take() []told {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.calls
	r.calls = nil
	return out
}

// Each ticket event tells the Notifier, in its transaction, who it names:
// the ticket's topic for a new ticket, the assignee for a customer's reply,
// the new assignee, the mentioned agents; never an agent's own reply.
func TestNotifier_EachEventNamesTheAgentsItConcerns(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{})
	rec := &recorder{}
	e.svc.opts.Notifier = rec
	ctx := context.Background()
	ana := e.agent(accounts.Agent, "Ana Lima", "ana@staff.example")
	bo := e.agent(accounts.Agent, "Bo Berg", "bo@staff.example")
	cy := e.agent(accounts.Agent, "Cy Ana", "cy@staff.example")

	rc := e.submit(guestSubmission())
	ref := rc.Reference
	want := func(step string, w ...told) {
		t.Helper()
		got := rec.take()
		if fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("%s: told %+v, want %+v", step, got, w)
		}
	}
	want("submit", told{kind: NotifyNewTicket, topic: "account"})

	must(t, e.svc.Reply(ctx, guest(rc), ref, Reply{Body: "Still empty."}))
	want("a reply on an unassigned ticket", told{kind: NotifyCustomerReply, topic: "account", agents: []int64{0}})

	must(t, e.svc.Assign(ctx, staff(ana), ref, bo.AccountID))
	want("assign", told{kind: NotifyAssigned, topic: "account", actor: ana.AccountID, agents: []int64{bo.AccountID}})
	must(t, e.svc.Assign(ctx, staff(ana), ref, bo.AccountID))
	want("the same assignee again")

	must(t, e.svc.Reply(ctx, guest(rc), ref, Reply{Body: "Any news?"}))
	want("customer reply", told{kind: NotifyCustomerReply, topic: "account", agents: []int64{bo.AccountID}})

	must(t, e.svc.Reply(ctx, staff(bo), ref, Reply{Body: "Looking into it."}))
	want("an agent's reply")

	must(t, e.svc.Note(ctx, staff(bo), ref, "Asked @ana.lima and @Cy about it; mail me at bo@ana.example, @nobody."))
	want("note", told{kind: NotifyMention, topic: "account", actor: bo.AccountID, agents: slices.Sorted(slices.Values([]int64{ana.AccountID, cy.AccountID}))})

	must(t, e.svc.Note(ctx, staff(bo), ref, "No mention here."))
	want("a note without a mention")

	rec.fail = fmt.Errorf("notifier down")
	if err := e.svc.Assign(ctx, staff(ana), ref, ana.AccountID); err == nil {
		t.Error("an assignment whose notification failed was kept: they are one transaction")
	}
	rec.fail = nil
	rec.take()
	tk, err := e.svc.Open(ctx, staff(ana), ref)
	must(t, err)
	if tk.AssigneeID != bo.AccountID {
		t.Errorf("assignee %d after the failed assignment, want Bo still", tk.AssigneeID)
	}
}

func TestMentions_ByHandleOrUniqueFirstName(t *testing.T) {
	t.Parallel()
	names := map[int64]string{1: "Ana Lima", 2: "Ana Souza", 3: "Bo Berg", 4: "Zoë Ng", 5: "李 明"}
	for _, tc := range []struct {
		body string
		want []int64
	}{
		{"@analima please", []int64{1}},
		{"cc @Ana.Lima, @ana_souza.", []int64{1, 2}},
		{"@ana is two people", nil},
		{"@bo and @BO and @boberg", []int64{3}},
		{"@zoë look", []int64{4}},
		{"@李明 看一下", []int64{5}},
		{"write to bo@example.org", nil},
		{"@ alone, @nobody", nil},
		{"no at sign", nil},
	} {
		got := mentions(tc.body, names)
		if !slices.Equal(got, tc.want) {
			t.Errorf("mentions(%q) = %v, want %v", tc.body, got, tc.want)
		}
	}
	if h := MentionHandle("Ana Lima"); h != "analima" {
		t.Errorf("MentionHandle = %q", h)
	}
	if strings.Contains(MentionHandle("A-b c"), " ") {
		t.Error("a handle holds a space")
	}
}
