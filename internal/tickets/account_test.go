package tickets

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/internal/store/storetest"
)

// benWithATicket makes an account user with one ticket (an attachment, an
// agent's reply, an agents' note) and returns the session and receipt.
func benWithATicket(t *testing.T, e *env) (*accounts.Session, *accounts.Session, *Receipt) {
	t.Helper()
	ctx := context.Background()
	ben := e.user(accounts.Basic, "Ben Basic", "ben@example.org")
	ana := e.agent(accounts.Agent, "Ana Agentova", "ana@desk.example")
	sub := guestSubmission()
	sub.Session = ben
	sub.Subject, sub.Body = "Marmalade teleporter misfires", "The xylophone quasar stopped on Monday."
	sub.Attachments = []Upload{{Name: "octarine-report.txt", Data: []byte("octarine flux readings 42, quite unique bytes")}}
	rc := e.submit(sub)
	must(t, e.svc.Reply(ctx, staff(ana), rc.Reference, Reply{Body: "Recalibrate the zanzibar coil."}))
	must(t, e.svc.Note(ctx, staff(ana), rc.Reference, "Suspect the borogove relay."))
	return ben, ana, rc
}

func TestExportForAccount_HoldsTheTicketsOpenedWithoutNotes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{})
	ctx := context.Background()
	ben, ana, rc := benWithATicket(t, e)
	x, err := e.svc.ExportForAccount(ctx, ben)
	must(t, err)
	if len(x) != 1 {
		t.Fatalf("export holds %d tickets", len(x))
	}
	tk := x[0]
	if tk.Reference != rc.Reference || tk.Subject != "Marmalade teleporter misfires" || tk.Sealed || len(tk.Messages) != 2 {
		t.Fatalf("exported ticket = %+v", tk)
	}
	first, reply := tk.Messages[0], tk.Messages[1]
	if first.From != "you" || first.Body != "The xylophone quasar stopped on Monday." || first.Author != "Ben Basic" ||
		len(first.Attachments) != 1 || first.Attachments[0] != (ExportedAttachment{Name: "octarine-report.txt", Type: "text/plain; charset=utf-8", Size: 45}) {
		t.Errorf("first message = %+v", first)
	}
	if reply.From != "support" || reply.Body != "Recalibrate the zanzibar coil." || reply.Author != "Ana Agentova" {
		t.Errorf("reply = %+v", reply)
	}
	raw, _ := json.Marshal(x)
	if strings.Contains(string(raw), "borogove") {
		t.Error("the export holds the agents' note")
	}
	// Exporting marks nothing read.
	list, _ := e.svc.ForAccount(ctx, ben)
	if len(list) != 1 || !list[0].Unread {
		t.Errorf("after the export: %+v", list)
	}
	// Others' exports hold nothing of it; staff sessions export their own only.
	eve := e.user(accounts.Basic, "Eve Other", "eve@example.org")
	if x, _ := e.svc.ExportForAccount(ctx, eve); len(x) != 0 {
		t.Errorf("Eve's export holds %d tickets", len(x))
	}
	if x, _ := e.svc.ExportForAccount(ctx, ana); len(x) != 0 {
		t.Errorf("the agent's export holds %d tickets", len(x))
	}
	_, err = e.svc.ExportForAccount(ctx, nil)
	wantErr(t, err, errs.Forbidden, MsgAccessDenied)
}

// sealedBytes are a ticket's ciphertexts and wrapped keys as stored: what a
// byte scan must not find after the erasure (the plain text never is there).
func sealedBytes(t *testing.T, e *env, ref string) map[string]string {
	t.Helper()
	out := map[string]string{}
	add := func(what string, query string) {
		rows, err := e.db.Read.Query(query, ref)
		must(t, err)
		defer rows.Close()
		for i := 0; rows.Next(); i++ {
			var b []byte
			must(t, rows.Scan(&b))
			if len(b) > 0 {
				out[what+" "+string(rune('a'+i))] = string(b)
			}
		}
	}
	const tk = `(SELECT thread_id FROM tickets WHERE reference = $1)`
	add("sealed e-mail", `SELECT email_sealed FROM tickets WHERE reference = $1`)
	add("thread meta", `SELECT meta_sealed FROM msg_threads WHERE id = `+tk)
	add("desk-wrapped thread key", `SELECT desk_wrapped FROM msg_threads WHERE id = `+tk)
	add("participant key", `SELECT key_wrapped FROM msg_participants WHERE thread_id = `+tk)
	add("message key", `SELECT key_wrapped FROM msg_messages WHERE thread_id = `+tk)
	add("message body", `SELECT body_sealed FROM msg_messages WHERE thread_id = `+tk)
	add("attachment meta", `SELECT a.meta_sealed FROM msg_attachments a JOIN msg_messages m ON m.id = a.message_id WHERE m.thread_id = `+tk)
	add("attachment data", `SELECT a.data_sealed FROM msg_attachments a JOIN msg_messages m ON m.id = a.message_id WHERE m.thread_id = `+tk)
	if len(out) < 9 {
		t.Fatalf("only %d sealed values found", len(out))
	}
	return out
}

func count(t *testing.T, e *env, query string, args ...any) int {
	t.Helper()
	var n int
	must(t, e.db.Read.QueryRow(query, args...).Scan(&n))
	return n
}

// A SQLite test (its bytes gone from the file and WAL: secure_delete).
func TestEraseAccountData_DeletingTheAccountErasesItsTicketsFromTheFiles(t *testing.T) {
	t.Parallel()
	e := newEnvSQLite(t, Limits{})
	ctx := context.Background()
	ben, ana, rc := benWithATicket(t, e)
	g := e.submit(guestSubmission()) // someone else's: it stays
	sealed := sealedBytes(t, e, rc.Reference)
	var ticketID, threadID int64
	var status string
	must(t, e.db.Read.QueryRow(`SELECT id, thread_id, status FROM tickets WHERE reference = $1`, rc.Reference).Scan(&ticketID, &threadID, &status))
	if count(t, e, `SELECT count(*) FROM ticket_words WHERE ticket_id = $1`, ticketID) == 0 {
		t.Fatal("the ticket has no blind-index words to erase")
	}
	before := count(t, e, `SELECT n FROM ticket_counts WHERE status = $1`, status)
	// A wrong password erases nothing.
	if err := e.acc.Delete(ctx, ben, "not the password at all", e.svc); err == nil {
		t.Fatal("deleted with a wrong password")
	}
	if n := count(t, e, `SELECT count(*) FROM tickets WHERE reference = $1`, rc.Reference); n != 1 {
		t.Fatal("a refused deletion erased the ticket")
	}
	v := e.svc.Version()
	must(t, e.acc.Delete(ctx, ben, password, e.svc))
	if e.svc.Version() == v {
		t.Error("the desk's version did not change")
	}

	for table, q := range map[string]string{
		"tickets":          `SELECT count(*) FROM tickets WHERE id = $1`,
		"ticket_words":     `SELECT count(*) FROM ticket_words WHERE ticket_id = $1`,
		"ticket_events":    `SELECT count(*) FROM ticket_events WHERE ticket_id = $1`,
		"ticket_notices":   `SELECT count(*) FROM ticket_notices WHERE ticket_id = $1`,
		"msg_threads":      `SELECT count(*) FROM msg_threads WHERE id = ` + itoa(threadID),
		"msg_messages":     `SELECT count(*) FROM msg_messages WHERE thread_id = ` + itoa(threadID),
		"msg_participants": `SELECT count(*) FROM msg_participants WHERE thread_id = ` + itoa(threadID),
		"msg_attachments":  `SELECT count(*) FROM msg_attachments a LEFT JOIN msg_messages m ON m.id = a.message_id WHERE m.id IS NULL`,
		"msg_receipts":     `SELECT count(*) FROM msg_receipts r LEFT JOIN msg_messages m ON m.id = r.message_id WHERE m.id IS NULL`,
	} {
		args := []any{}
		if strings.Contains(q, "$1") {
			args = append(args, ticketID)
		}
		if n := count(t, e, q, args...); n != 0 {
			t.Errorf("%s keeps %d rows of the deleted ticket", table, n)
		}
	}
	if after := count(t, e, `SELECT n FROM ticket_counts WHERE status = $1`, status); after != before-1 {
		t.Errorf(status+" count %d → %d", before, after)
	}
	// The queue, the follow form and the agent see nothing of it.
	q, err := e.svc.Queue(ctx, staff(ana), QueueFilter{})
	must(t, err)
	for _, s := range q.Tickets {
		if s.Reference == rc.Reference {
			t.Error("the queue still lists the ticket")
		}
	}
	_, err = e.svc.Open(ctx, guest(rc), rc.Reference)
	wantErr(t, err, errs.Forbidden, MsgAccessDenied)
	_, err = e.svc.Open(ctx, staff(ana), rc.Reference)
	wantErr(t, err, errs.Forbidden, MsgAccessDenied)
	if _, err := e.svc.Open(ctx, guest(g), g.Reference); err != nil {
		t.Fatalf("another customer's ticket went too: %v", err)
	}
	// Not a byte of it in the database file or its WAL.
	if found := storetest.FindSecrets(t, e.db, e.logs.Bytes(), sealed); len(found) > 0 {
		t.Fatalf("after the deletion: %v", found)
	}
}

// The erasure runs in the deletion's transaction: when the account cannot be
// deleted, the tickets stay.
func TestEraseAccountData_RollsBackWithTheDeletion(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{})
	ctx := context.Background()
	ben, _, rc := benWithATicket(t, e)
	err := e.acc.Delete(ctx, ben, password, e.svc, failingEraser{})
	if err == nil {
		t.Fatal("the deletion succeeded")
	}
	if n := count(t, e, `SELECT count(*) FROM tickets WHERE reference = $1`, rc.Reference); n != 1 {
		t.Fatal("the ticket was erased though the account was not deleted")
	}
	if _, err := e.svc.Open(ctx, Viewer{Session: ben}, rc.Reference); err != nil {
		t.Fatal(err)
	}
}

type failingEraser struct{}

func (failingEraser) EraseAccountData(context.Context, *sql.Tx, int64) error {
	return errs.E(errs.Invalid, "test.refused")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A manager closing a member's access deletes the member's account, and with
// it the member's tickets, as the member's own deletion does.
// A SQLite test (its bytes gone from the file and WAL: secure_delete).
func TestEraseAccountData_ClosingAMemberErasesTheirTickets(t *testing.T) {
	t.Parallel()
	e := newEnvSQLite(t, Limits{})
	ctx := context.Background()
	must(t, e.acc.Register(ctx, accounts.Registration{Name: "Mia Manager", Email: "mia@example.org", Lang: "en",
		Type: accounts.Premium, Addr: "reg mia"}))
	e.deliver()
	miaCode := usercodeInMail.FindString(e.lastMail().TextBody)
	l, err := e.acc.Activate(ctx, accounts.FirstLogin{Credentials: accounts.Credentials{Usercode: miaCode, Password: password,
		Addr: "192.0.2.1"}, Phrase: "copper heron drifts"})
	must(t, err)
	must(t, e.acc.SetRole(ctx, l.AccountID, accounts.Manager))
	l, err = e.acc.Step2(ctx, accounts.Credentials{Usercode: miaCode, Password: password, Addr: "192.0.2.1"})
	must(t, err)
	mgr, err := e.acc.Session(ctx, l.Token)
	must(t, err)
	memberID, err := e.acc.AddMember(ctx, mgr, accounts.NewMember{Name: "Max Member", Email: "max@example.org", Lang: "en", Type: accounts.Basic})
	must(t, err)
	e.deliver()
	code := usercodeInMail.FindString(e.lastMail().TextBody)
	ml, err := e.acc.Activate(ctx, accounts.FirstLogin{Credentials: accounts.Credentials{Usercode: code, Password: password,
		Addr: "192.0.2.1"}, Phrase: "copper heron drifts"})
	must(t, err)
	member, err := e.acc.Session(ctx, ml.Token)
	must(t, err)
	sub := guestSubmission()
	sub.Session = member
	sub.Attachments = []Upload{{Name: "notes.txt", Data: []byte("the member's own notes, unique bytes")}}
	rc := e.submit(sub)
	sealed := sealedBytes(t, e, rc.Reference)

	must(t, e.acc.CloseMember(ctx, mgr, memberID, e.svc))
	if n := count(t, e, `SELECT count(*) FROM tickets WHERE reference = $1`, rc.Reference); n != 0 {
		t.Fatal("the closed member's ticket stays")
	}
	_, err = e.svc.Open(ctx, guest(rc), rc.Reference)
	wantErr(t, err, errs.Forbidden, MsgAccessDenied)
	if found := storetest.FindSecrets(t, e.db, e.logs.Bytes(), sealed); len(found) > 0 {
		t.Fatalf("after closing: %v", found)
	}
}

// A ticket the account's data key no longer opens (created before a Reset
// Account) is listed as sealed, without content; one created after opens.
func TestExportForAccount_ATicketFromBeforeAResetIsListedSealed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{})
	ctx := context.Background()
	must(t, e.acc.Register(ctx, accounts.Registration{Name: "Rita Reset", Email: "rita@example.org", Lang: "en",
		Type: accounts.Basic, Addr: "reg rita"}))
	e.deliver()
	code := usercodeInMail.FindString(e.lastMail().TextBody)
	l, err := e.acc.Activate(ctx, accounts.FirstLogin{Credentials: accounts.Credentials{Usercode: code, Password: password,
		Addr: "192.0.2.1"}, Phrase: "copper heron drifts"})
	must(t, err)
	s, err := e.acc.Session(ctx, l.Token)
	must(t, err)
	sub := guestSubmission()
	sub.Session = s
	old := e.submit(sub)
	must(t, e.acc.ResetSignedIn(ctx, s, accounts.SignedInReset{Current: password, Name: "Rita Reset",
		Password: "amber lighthouse 58 whistles", Phrase: "quiet falcon sleeps", Confirmed: true}))
	l, err = e.acc.Step2(ctx, accounts.Credentials{Usercode: code, Password: "amber lighthouse 58 whistles", Addr: "192.0.2.1"})
	must(t, err)
	s, err = e.acc.Session(ctx, l.Token)
	must(t, err)
	sub = guestSubmission()
	sub.Session, sub.Subject = s, "After the reset"
	e.submit(sub)

	x, err := e.svc.ExportForAccount(ctx, s)
	must(t, err)
	if len(x) != 2 {
		t.Fatalf("export holds %d tickets", len(x))
	}
	if x[0].Reference != old.Reference || !x[0].Sealed || x[0].Subject != "" || len(x[0].Messages) != 0 {
		t.Errorf("the ticket from before the reset: %+v", x[0])
	}
	if x[1].Sealed || x[1].Subject != "After the reset" || len(x[1].Messages) != 1 {
		t.Errorf("the ticket from after the reset: %+v", x[1])
	}
}
