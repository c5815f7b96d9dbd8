package tickets

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/internal/store/storetest"
)

var (
	referenceFormat = regexp.MustCompile(`^ZD-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$`)
	accessKeyFormat = regexp.MustCompile(`^([0-9A-HJKMNP-TV-Z]{4}-){4}[0-9A-HJKMNP-TV-Z]{4}$`)
)

func TestSubmit_GuestGetsReferenceKeyAndOneMailWithTheKeyOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{})
	ctx := context.Background()
	v0 := e.svc.Version()
	rc := e.submit(guestSubmission())
	if !referenceFormat.MatchString(rc.Reference) || !accessKeyFormat.MatchString(rc.AccessKey) || rc.ID == 0 {
		t.Fatalf("receipt = %+v", rc)
	}
	if e.svc.Version() == v0 {
		t.Fatal("Version did not change")
	}
	e.deliver()
	m := e.lastMail()
	if m.To != "grace@example.org" || !strings.Contains(m.Subject, rc.Reference) {
		t.Fatalf("mail to %s, subject %q", m.To, m.Subject)
	}
	link := "https://desk.example/en/support/tickets/" + rc.Reference + "?key=" + rc.AccessKey
	if !strings.Contains(m.TextBody, link) {
		t.Fatalf("mail lacks the link %s:\n%s", link, m.TextBody)
	}
	for _, secret := range []string{"invoices", "invoice page"} {
		if strings.Contains(m.Subject+m.TextBody, secret) {
			t.Fatalf("the mail carries the ticket's content %q", secret)
		}
	}
	tk, err := e.svc.Open(ctx, guest(rc), strings.ToLower(rc.Reference))
	must(t, err)
	if tk.Subject != "Cannot see my invoices" || tk.CustomerName != "Grace Guest" || tk.CustomerEmail != "grace@example.org" ||
		tk.Status != StatusNew || tk.Priority != PriorityNormal || tk.Topic != "account" || len(tk.Messages) != 1 ||
		tk.Messages[0].Body != "Since Tuesday the invoice page stays empty." || tk.Messages[0].FromAgent || tk.History != nil {
		t.Fatalf("ticket = %+v", tk)
	}
	if !tk.CanReply || !tk.CanClose || tk.CanReopen || tk.CanRate {
		t.Fatalf("abilities = %+v", tk)
	}
	if want := e.clk.Now().Add(8 * time.Hour); !tk.FirstResponseDue.Equal(want) {
		t.Fatalf("first response due %v, want %v", tk.FirstResponseDue, want)
	}
	// A typed reference and key with other case, spaces and misread letters.
	typed := Viewer{Reference: strings.ToLower(rc.Reference), AccessKey: strings.ToLower(strings.ReplaceAll(rc.AccessKey, "-", " "))}
	if _, err := e.svc.Open(ctx, typed, rc.Reference); err != nil {
		t.Fatalf("typed key: %v", err)
	}
}

func TestSubmit_RefusesBadInputWithItsMessage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{MaxAttachmentBytes: 1024})
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 32)...)
	tests := []struct {
		name string
		edit func(*Submission)
		code errs.Code
		msg  string
	}{
		{"no subject", func(s *Submission) { s.Subject = "  " }, errs.Invalid, MsgSubjectRequired},
		{"long subject", func(s *Submission) { s.Subject = strings.Repeat("é", 201) }, errs.Invalid, MsgSubjectTooLong},
		{"no body", func(s *Submission) { s.Body = "\n\n" }, errs.Invalid, MsgBodyRequired},
		{"long body", func(s *Submission) { s.Body = strings.Repeat("a", 20001) }, errs.Invalid, MsgBodyTooLong},
		{"broken UTF-8", func(s *Submission) { s.Body = "caf\xc3" }, errs.Invalid, MsgNotText},
		{"control character", func(s *Submission) { s.Subject = "bell\x07" }, errs.Invalid, MsgNotText},
		{"unknown topic", func(s *Submission) { s.Topic = "nope" }, errs.Invalid, MsgTopicInvalid},
		{"no topic", func(s *Submission) { s.Topic = "" }, errs.Invalid, MsgTopicInvalid},
		{"no name", func(s *Submission) { s.Name = "" }, errs.Invalid, MsgNameInvalid},
		{"long name", func(s *Submission) { s.Name = strings.Repeat("n", 101) }, errs.Invalid, MsgNameInvalid},
		{"bad e-mail", func(s *Submission) { s.Email = "grace@" }, errs.Invalid, MsgEmailInvalid},
		{"e-mail with a name", func(s *Submission) { s.Email = "Grace <grace@example.org>" }, errs.Invalid, MsgEmailInvalid},
		{"six files", func(s *Submission) {
			for i := 0; i < 6; i++ {
				s.Attachments = append(s.Attachments, Upload{Name: "a.png", Data: png})
			}
		}, errs.Invalid, MsgTooManyFiles},
		{"large file", func(s *Submission) {
			s.Attachments = []Upload{{Name: "big.txt", Data: bytes.Repeat([]byte("a"), 1025)}}
		}, errs.Invalid, MsgFileTooLarge},
		{"executable", func(s *Submission) {
			s.Attachments = []Upload{{Name: "invoice.pdf", Data: []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")}}
		}, errs.Invalid, MsgFileType},
		{"html", func(s *Submission) {
			s.Attachments = []Upload{{Name: "x.txt", Data: []byte("<html><script>alert(1)</script>")}}
		}, errs.Invalid, MsgFileType},
		{"empty file", func(s *Submission) { s.Attachments = []Upload{{Name: "empty.txt"}} }, errs.Invalid, MsgFileEmpty},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sub := guestSubmission()
			tc.edit(&sub)
			_, err := e.svc.Submit(context.Background(), sub)
			er := wantErr(t, err, tc.code, tc.msg)
			// Every placeholder of the message has its value.
			text := catalog().Localizer("en").T(er.MessageID, flatten(er.Data)...)
			if strings.Contains(text, "no value") || strings.Contains(text, "{{") {
				t.Fatalf("%s: %q", er.MessageID, text)
			}
		})
	}
	var n int
	e.db.Read.QueryRow(`SELECT count(*) FROM tickets`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d tickets stored from bad input", n)
	}
	// A comment needs no topic.
	sub := guestSubmission()
	sub.Topic, sub.Comment = "", true
	e.submit(sub)
	// An empty file input (no name, no data) is no attachment.
	sub = guestSubmission()
	sub.Attachments = []Upload{{}}
	e.submit(sub)
}

func TestSubmit_LimitsPerAddressAndPerEmail_WithAClock(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{PerAddress: 3, PerEmail: 2})
	ctx := context.Background()
	at := func(addr, email string) error {
		sub := guestSubmission()
		sub.Address, sub.Email = addr, email
		_, err := e.svc.Submit(ctx, sub)
		return err
	}
	must(t, at("198.51.100.1", "a@example.org"))
	must(t, at("198.51.100.1", "a@example.org"))
	wantErr(t, at("198.51.100.2", "A@example.org"), errs.RateLimited, MsgTooManyTickets) // same e-mail, other case
	must(t, at("198.51.100.1", "b@example.org"))
	wantErr(t, at("198.51.100.1", "c@example.org"), errs.RateLimited, MsgTooManyTickets) // the address is spent
	e.clk.Add(time.Hour)
	must(t, at("198.51.100.1", "a@example.org"))
	var n int
	e.db.Read.QueryRow(`SELECT count(*) FROM tickets`).Scan(&n)
	if n != 4 {
		t.Fatalf("%d tickets, want 4", n)
	}
}

func TestSubmit_ReplayedFormGivesTheFirstReference(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{})
	sub := guestSubmission()
	sub.FormID = "form-nonce-1"
	rc := e.submit(sub)
	_, err := e.svc.Submit(context.Background(), sub)
	er := wantErr(t, err, errs.Conflict, MsgAlreadySent)
	if er.Data["Reference"] != rc.Reference {
		t.Fatalf("data = %v", er.Data)
	}
	sub.FormID = "form-nonce-2"
	e.submit(sub)
}

func TestOpen_WrongKeyUnknownReferenceAndTheWrongKeyLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{WrongKeys: 3})
	ctx := context.Background()
	rc := e.submit(guestSubmission())
	other := e.submit(guestSubmission())
	cases := []Viewer{
		{Reference: rc.Reference, AccessKey: other.AccessKey},
		{Reference: rc.Reference, AccessKey: "not a key"},
		{Reference: other.Reference, AccessKey: other.AccessKey}, // right pair, other ticket asked for
	}
	for _, v := range cases {
		_, err := e.svc.Open(ctx, v, rc.Reference)
		wantErr(t, err, errs.Forbidden, MsgAccessDenied)
	}
	_, err := e.svc.Open(ctx, Viewer{Reference: "ZD-0000-0000", AccessKey: rc.AccessKey}, "ZD-0000-0000")
	wantErr(t, err, errs.Forbidden, MsgAccessDenied)
	// Two wrong keys counted for rc (the mismatched pair never got that far);
	// the third locks it, even for the right key.
	_, err = e.svc.Open(ctx, Viewer{Reference: rc.Reference, AccessKey: other.AccessKey}, rc.Reference)
	wantErr(t, err, errs.Forbidden, MsgAccessDenied)
	_, err = e.svc.Open(ctx, guest(rc), rc.Reference)
	wantErr(t, err, errs.RateLimited, MsgTooManyAttempts)
	if _, err := e.svc.Open(ctx, guest(other), other.Reference); err != nil {
		t.Fatalf("another ticket is locked too: %v", err)
	}
	e.clk.Add(15 * time.Minute)
	if _, err := e.svc.Open(ctx, guest(rc), rc.Reference); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestConversation_AgentAndGuest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{})
	ctx := context.Background()
	ana := e.agent(accounts.Agent, "Ana Agent", "ana@desk.example")
	rc := e.submit(guestSubmission())
	e.deliver()
	mails := e.mails()

	// The customer cannot use agent tools.
	wantErr(t, e.svc.Note(ctx, guest(rc), rc.Reference, "x"), errs.Forbidden, MsgNotAllowed)
	wantErr(t, e.svc.SetPriority(ctx, guest(rc), rc.Reference, PriorityHigh), errs.Forbidden, MsgNotAllowed)
	wantErr(t, e.svc.Assign(ctx, guest(rc), rc.Reference, ana.AccountID), errs.Forbidden, MsgNotAllowed)
	wantErr(t, e.svc.SetStatus(ctx, guest(rc), rc.Reference, StatusPending), errs.Forbidden, MsgStatusNotAllowed)
	_, err := e.svc.Queue(ctx, guest(rc), QueueFilter{})
	wantErr(t, err, errs.Forbidden, MsgNotAllowed)

	must(t, e.svc.Assign(ctx, staff(ana), rc.Reference, ana.AccountID))
	wantErr(t, e.svc.Assign(ctx, staff(ana), rc.Reference, 999), errs.Invalid, MsgAgentInvalid)
	must(t, e.svc.SetPriority(ctx, staff(ana), rc.Reference, PriorityUrgent))
	must(t, e.svc.Note(ctx, staff(ana), rc.Reference, "Customer is on the old plan."))
	e.clk.Add(30 * time.Minute)
	must(t, e.svc.Reply(ctx, staff(ana), rc.Reference, Reply{Body: "Please reload the page now.", FormID: "r1"}))
	wantErr(t, e.svc.Reply(ctx, staff(ana), rc.Reference, Reply{Body: "Please reload the page now.", FormID: "r1"}), errs.Conflict, MsgAlreadySent)

	e.deliver()
	if e.mails() != mails+1 {
		t.Fatalf("%d mails after the reply, want one more", e.mails()-mails)
	}
	m := e.lastMail()
	if !strings.Contains(m.TextBody, "https://desk.example/en/support/tickets/"+rc.Reference+"\n") || strings.Contains(m.TextBody, rc.AccessKey) ||
		strings.Contains(m.TextBody, "reload") {
		t.Fatalf("reply notice:\n%s", m.TextBody)
	}

	// The agent's view: everything, history, and the customer's message is now read.
	tk, err := e.svc.Open(ctx, staff(ana), rc.Reference)
	must(t, err)
	if tk.Status != StatusOpen || tk.Priority != PriorityUrgent || tk.AssigneeName != "Ana Agent" || tk.FirstResponseAt.IsZero() ||
		len(tk.Messages) != 3 || !tk.Messages[1].Internal || tk.Messages[2].AuthorName != "Ana Agent" || tk.FirstResponseOverdue {
		t.Fatalf("agent view = %+v", tk)
	}
	if want := tk.CreatedAt.Add(time.Hour); !tk.FirstResponseDue.Equal(want) {
		t.Fatalf("urgent first response due %v, want %v", tk.FirstResponseDue, want)
	}
	var kinds []string
	for _, ev := range tk.History {
		kinds = append(kinds, ev.Kind+":"+ev.From+">"+ev.To)
	}
	if got := strings.Join(kinds, " "); got != "created:>new assigned:>Ana Agent priority:normal>urgent note:> reply:> status:new>open" {
		t.Fatalf("history = %s", got)
	}
	// The guest's view: no note; the reply is marked read by the customer.
	tk, err = e.svc.Open(ctx, guest(rc), rc.Reference)
	must(t, err)
	if len(tk.Messages) != 2 || tk.Messages[1].Body != "Please reload the page now." || !tk.Messages[1].FromAgent || tk.History != nil {
		t.Fatalf("guest view = %+v", tk.Messages)
	}
	if tk.Messages[1].ReadByCustomerAt.IsZero() || tk.Messages[0].ReadByAgentAt.IsZero() {
		t.Fatalf("receipts: %+v", tk.Messages)
	}
	// Resolve, the customer answers (reopens), resolve again, rate.
	must(t, e.svc.SetStatus(ctx, staff(ana), rc.Reference, StatusResolved))
	wantErr(t, e.svc.Rate(ctx, guest(rc), rc.Reference, 6, ""), errs.Invalid, MsgRatingInvalid)
	must(t, e.svc.Reply(ctx, guest(rc), rc.Reference, Reply{Body: "Still empty, sorry."}))
	tk, _ = e.svc.Open(ctx, guest(rc), rc.Reference)
	if tk.Status != StatusOpen || tk.CanRate {
		t.Fatalf("after the customer's reply: %s, can rate %v", tk.Status, tk.CanRate)
	}
	wantErr(t, e.svc.Rate(ctx, guest(rc), rc.Reference, 4, ""), errs.Forbidden, MsgNotAllowed)
	must(t, e.svc.SetStatus(ctx, staff(ana), rc.Reference, StatusResolved))
	tk, _ = e.svc.Open(ctx, guest(rc), rc.Reference)
	if !tk.CanRate || !tk.CanReopen || tk.ResolvedAt.IsZero() {
		t.Fatalf("resolved: %+v", tk)
	}
	must(t, e.svc.Rate(ctx, guest(rc), rc.Reference, 5, "Quick and kind."))
	wantErr(t, e.svc.Rate(ctx, guest(rc), rc.Reference, 1, ""), errs.Forbidden, MsgNotAllowed)
	wantErr(t, e.svc.Rate(ctx, staff(ana), rc.Reference, 5, ""), errs.Forbidden, MsgNotAllowed)
	tk, _ = e.svc.Open(ctx, staff(ana), rc.Reference)
	if tk.Rating == nil || tk.Rating.Score != 5 || tk.Rating.Comment != "Quick and kind." {
		t.Fatalf("rating = %+v", tk.Rating)
	}
	// The customer closes it; a closed ticket takes no reply; reopening works.
	must(t, e.svc.SetStatus(ctx, guest(rc), rc.Reference, StatusClosed))
	wantErr(t, e.svc.Reply(ctx, guest(rc), rc.Reference, Reply{Body: "one more thing"}), errs.Forbidden, MsgNotAllowed)
	must(t, e.svc.SetStatus(ctx, guest(rc), rc.Reference, StatusOpen))
	tk, _ = e.svc.Open(ctx, staff(ana), rc.Reference)
	last := tk.History[len(tk.History)-2:]
	if last[0].Kind != EventClosed || last[1].Kind != EventReopened || last[0].Actor != "Grace Guest" {
		t.Fatalf("history tail = %+v", last)
	}
}

func TestReply_ReleaseLaterSendsTheNoticeThen(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{})
	ctx := context.Background()
	ana := e.agent(accounts.Agent, "Ana", "ana@desk.example")
	rc := e.submit(guestSubmission())
	e.deliver()
	mails := e.mails()
	must(t, e.svc.Reply(ctx, staff(ana), rc.Reference, Reply{Body: "Good morning!", ReleaseAt: e.clk.Now().Add(time.Hour)}))
	wantErr(t, e.svc.Reply(ctx, guest(rc), rc.Reference, Reply{Body: "x", ReleaseAt: e.clk.Now().Add(time.Hour)}), errs.Forbidden, MsgNotAllowed)
	wantErr(t, e.svc.Reply(ctx, staff(ana), rc.Reference, Reply{Body: "x", ExpiresAt: e.clk.Now().Add(-time.Minute)}), errs.Invalid, MsgScheduleInvalid)
	wantErr(t, e.svc.Reply(ctx, staff(ana), rc.Reference, Reply{Body: "x", ReleaseAt: e.clk.Now().Add(2 * time.Hour), ExpiresAt: e.clk.Now().Add(time.Hour)}),
		errs.Invalid, MsgScheduleInvalid)
	must(t, e.svc.Tick(ctx))
	e.deliver()
	tk, _ := e.svc.Open(ctx, guest(rc), rc.Reference)
	if len(tk.Messages) != 1 || e.mails() != mails {
		t.Fatalf("before release: %d messages, %d mails", len(tk.Messages), e.mails()-mails)
	}
	agentView, _ := e.svc.Open(ctx, staff(ana), rc.Reference)
	if len(agentView.Messages) != 2 || agentView.Messages[1].ReleaseAt.IsZero() {
		t.Fatalf("the agent does not see the scheduled reply: %+v", agentView.Messages)
	}
	e.clk.Add(time.Hour)
	must(t, e.svc.Tick(ctx))
	e.deliver()
	tk, _ = e.svc.Open(ctx, guest(rc), rc.Reference)
	if len(tk.Messages) != 2 || e.mails() != mails+1 {
		t.Fatalf("after release: %d messages, %d mails", len(tk.Messages), e.mails()-mails)
	}
	must(t, e.svc.Tick(ctx))
	e.deliver()
	if e.mails() != mails+1 {
		t.Fatal("the notice was sent twice")
	}
}

// A SQLite test (the wrapped key gone from the file and WAL: secure_delete).
func TestExpiry_AnExpiredMessageCannotBeOpenedEvenWithTheSecret(t *testing.T) {
	t.Parallel()
	e := newEnvSQLite(t, Limits{})
	ctx := context.Background()
	ana := e.agent(accounts.Admin, "Ana", "ana@desk.example")
	rc := e.submit(guestSubmission())
	png := append([]byte("\x89PNG\r\n\x1a\n"), []byte("one-time-diagram-bytes")...)
	must(t, e.svc.Reply(ctx, staff(ana), rc.Reference, Reply{Body: "temporary code 4411-ZEBRA", ExpiresAt: e.clk.Now().Add(time.Hour),
		Files: []Upload{{Name: "diagram.png", Data: png}}}))
	tk, _ := e.svc.Open(ctx, guest(rc), rc.Reference)
	if tk.Messages[1].Body != "temporary code 4411-ZEBRA" || len(tk.Messages[1].Attachments) != 1 {
		t.Fatalf("before expiry: %+v", tk.Messages[1])
	}
	fileID := tk.Messages[1].Attachments[0].ID
	a, err := e.svc.Attachment(ctx, guest(rc), rc.Reference, fileID)
	if err != nil || !bytes.Equal(a.Data, png) || a.Type != "image/png" || a.Name != "diagram.png" {
		t.Fatalf("attachment = %+v, %v", a, err)
	}
	var wrapped []byte
	e.db.Read.QueryRow(`SELECT key_wrapped FROM msg_messages ORDER BY id DESC LIMIT 1`).Scan(&wrapped)

	e.clk.Add(time.Hour)
	// Expired at read time, before any sweep.
	tk, _ = e.svc.Open(ctx, guest(rc), rc.Reference)
	if !tk.Messages[1].Expired || tk.Messages[1].Body != "" || tk.Messages[1].Attachments != nil {
		t.Fatalf("after expiry: %+v", tk.Messages[1])
	}
	_, err = e.svc.Attachment(ctx, staff(ana), rc.Reference, fileID)
	wantErr(t, err, errs.NotFound, MsgNotFound)
	must(t, e.svc.Tick(ctx))
	// Even the desk key (the key file) finds nothing left to open.
	var left int
	e.db.Read.QueryRow(`SELECT count(*) FROM msg_messages WHERE expires_at > 0 AND (key_wrapped IS NOT NULL OR body_sealed IS NOT NULL)`).Scan(&left)
	if left != 0 {
		t.Fatal("the expired message keeps its key")
	}
	if found := storetest.FindSecrets(t, e.db, nil, map[string]string{"wrapped message key": string(wrapped)}); len(found) > 0 {
		t.Fatalf("the wrapped key survives on disk: %v", found)
	}
	// Its words never entered the blind index.
	q, _ := e.svc.Queue(ctx, staff(ana), QueueFilter{Text: "zebra"})
	if q.Total != 0 {
		t.Fatal("an expiring message's words are searchable")
	}
}

func TestNothingSecretAtRest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{})
	ctx := context.Background()
	// What the byte scan looks for is this run's own: on PostgreSQL it reads
	// the cluster's WAL, which every test running at the same time writes.
	secret := func(prefix string) string { return storetest.Secret(t, prefix) }
	agentName, name := secret("Ana Agentova "), secret("Quillon Zephyrine ")
	email := strings.ToLower(secret("quillon.zephyrine.")) + "@example.org"
	subject, body, content, file := secret("Marmalade teleporter "), secret("xylophone quasar "), secret("octarine flux readings "), secret("octarine-report-")
	reply, note, comment := secret("zanzibar coil "), secret("borogove relay "), secret("Frabjous ")
	ana := e.agent(accounts.Agent, agentName, "ana@desk.example")
	sub := guestSubmission()
	sub.Name, sub.Email = name, email
	sub.Subject, sub.Body = subject+" misfires", "The "+body+" stopped on Monday."
	sub.Attachments = []Upload{{Name: file + ".txt", Data: []byte(content + " 42")}}
	rc := e.submit(sub)
	must(t, e.svc.Reply(ctx, staff(ana), rc.Reference, Reply{Body: "Recalibrate the " + reply + "."}))
	must(t, e.svc.Note(ctx, staff(ana), rc.Reference, "Suspect the "+note+"."))
	must(t, e.svc.SetStatus(ctx, staff(ana), rc.Reference, StatusResolved))
	must(t, e.svc.Rate(ctx, guest(rc), rc.Reference, 4, comment+" service"))
	_, err := e.svc.Open(ctx, guest(rc), rc.Reference)
	must(t, err)
	found := storetest.FindSecrets(t, e.db, e.logs.Bytes(), map[string]string{
		"subject": subject, "body": body, "attachment content": content,
		"attachment name": file, "name": name, "e-mail": email,
		"access key": rc.AccessKey, "reply": reply, "note": note, "rating comment": comment,
		"agent name": agentName,
	})
	if len(found) > 0 {
		t.Fatalf("found in plain text: %v", found)
	}
}

func TestAccountUser_TicketsFollowTheAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{})
	ctx := context.Background()
	ben := e.user(accounts.Basic, "Ben Basic", "ben@example.org")
	eve := e.user(accounts.Basic, "Eve Other", "eve@example.org")
	ana := e.agent(accounts.Agent, "Ana", "ana@desk.example")
	sub := guestSubmission()
	sub.Session, sub.Name, sub.Email = ben, "ignored", "ignored@example.org"
	rc := e.submit(sub)
	tk, err := e.svc.Open(ctx, Viewer{Session: ben}, rc.Reference)
	must(t, err)
	if tk.CustomerName != "Ben Basic" || tk.CustomerEmail != "ben@example.org" || tk.AccountID != ben.AccountID {
		t.Fatalf("ticket = %+v", tk)
	}
	_, err = e.svc.Open(ctx, Viewer{Session: eve}, rc.Reference)
	wantErr(t, err, errs.Forbidden, MsgAccessDenied)
	// The access key works too (signed out).
	if _, err := e.svc.Open(ctx, guest(rc), rc.Reference); err != nil {
		t.Fatal(err)
	}
	must(t, e.svc.Reply(ctx, staff(ana), rc.Reference, Reply{Body: "Hello Ben"}))
	e.deliver()
	if m := e.lastMail(); !strings.Contains(m.TextBody, "https://desk.example/en/account") || m.To != "ben@example.org" {
		t.Fatalf("notice for an account user:\n%s", m.TextBody)
	}
	list, err := e.svc.ForAccount(ctx, ben)
	must(t, err)
	if len(list) != 1 || list[0].Reference != rc.Reference || list[0].Subject != sub.Subject || !list[0].Unread {
		t.Fatalf("ForAccount = %+v", list)
	}
	if _, err := e.svc.Open(ctx, Viewer{Session: ben}, rc.Reference); err != nil {
		t.Fatal(err)
	}
	list, _ = e.svc.ForAccount(ctx, ben)
	if list[0].Unread {
		t.Fatal("still unread after Open")
	}
	if other, _ := e.svc.ForAccount(ctx, eve); len(other) != 0 {
		t.Fatalf("Eve sees %d tickets", len(other))
	}
	// Other tickets of the same customer, for agents.
	g := guestSubmission()
	g.Email = "ben@example.org"
	rc2 := e.submit(g)
	others, err := e.svc.CustomerTickets(ctx, staff(ana), rc2.Reference)
	must(t, err)
	if len(others) != 1 || others[0].Reference != rc.Reference {
		t.Fatalf("CustomerTickets = %+v", others)
	}
	_, err = e.svc.CustomerTickets(ctx, Viewer{Session: ben}, rc.Reference)
	wantErr(t, err, errs.Forbidden, MsgNotAllowed)
}

func TestQueue_FiltersSearchOrderAndCounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{PerAddress: 100, PerEmail: 100})
	ctx := context.Background()
	ana := e.agent(accounts.Agent, "Ana", "ana@desk.example")
	bob := e.agent(accounts.Agent, "Bob", "bob@desk.example")
	mk := func(subject, body, topic string) *Receipt {
		sub := guestSubmission()
		sub.Subject, sub.Body, sub.Topic = subject, body, topic
		return e.submit(sub)
	}
	old := mk("Réinitialiser le mot de passe", "Je ne peux plus me connecter.", "login")
	e.clk.Add(time.Hour)
	cn := mk("无法重置密码", "我忘记了密码，怎么办？", "login")
	e.clk.Add(time.Hour)
	bill := mk("Invoice question", "Why was I charged twice?", "billing")
	must(t, e.svc.SetPriority(ctx, staff(ana), bill.Reference, PriorityUrgent))
	must(t, e.svc.Assign(ctx, staff(ana), cn.Reference, bob.AccountID))
	done := mk("Thanks", "All good now.", "other")
	must(t, e.svc.SetStatus(ctx, staff(ana), done.Reference, StatusClosed))

	refs := func(f QueueFilter) []string {
		t.Helper()
		q, err := e.svc.Queue(ctx, staff(ana), f)
		must(t, err)
		var out []string
		for _, s := range q.Tickets {
			out = append(out, s.Reference)
		}
		if q.Total != len(out) {
			t.Fatalf("%+v: total %d, rows %d", f, q.Total, len(out))
		}
		return out
	}
	tests := []struct {
		name string
		f    QueueFilter
		want []*Receipt
	}{
		// Urgent is due first (1 h from its creation), then by first-response due.
		{"default", QueueFilter{}, []*Receipt{bill, old, cn}},
		{"closed", QueueFilter{Status: StatusClosed}, []*Receipt{done}},
		{"urgent", QueueFilter{Priority: PriorityUrgent}, []*Receipt{bill}},
		{"topic", QueueFilter{Topic: "login"}, []*Receipt{old, cn}},
		{"assigned to Bob", QueueFilter{Assignee: bob.AccountID}, []*Receipt{cn}},
		{"unassigned", QueueFilter{Assignee: -1}, []*Receipt{bill, old}},
		{"word, folded", QueueFilter{Text: "REINITIALISER"}, []*Receipt{old}},
		{"two words", QueueFilter{Text: "charged twice"}, []*Receipt{bill}},
		{"words from two tickets", QueueFilter{Text: "charged connecter"}, nil},
		{"CJK", QueueFilter{Text: "密码"}, []*Receipt{cn}},
		{"CJK inside a run", QueueFilter{Text: "重置"}, []*Receipt{cn}},
		{"reference", QueueFilter{Text: strings.ToLower(cn.Reference)}, []*Receipt{cn}},
		{"closed by word", QueueFilter{Status: StatusClosed, Text: "good"}, []*Receipt{done}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, r := range tc.want {
				want = append(want, r.Reference)
			}
			if got := refs(tc.f); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
	q, _ := e.svc.Queue(ctx, staff(ana), QueueFilter{PageSize: 2, Page: 2})
	if q.Total != 3 || q.Pages != 2 || len(q.Tickets) != 1 || q.Counts[StatusNew] != 3 || q.Counts[StatusClosed] != 1 {
		t.Fatalf("page 2 = %+v", q)
	}
	if q.Tickets[0].AssigneeName != "Bob" || q.Tickets[0].Subject != "无法重置密码" || !q.Tickets[0].Unread {
		t.Fatalf("summary = %+v", q.Tickets[0])
	}
	// Overdue: the normal tickets' 8 h pass; the oldest is then first.
	e.clk.Add(7 * time.Hour)
	q, _ = e.svc.Queue(ctx, staff(ana), QueueFilter{})
	if !q.Tickets[0].Overdue || !q.Tickets[1].Overdue || q.Tickets[2].Overdue {
		t.Fatalf("overdue flags: %+v", q.Tickets)
	}
	if _, err := e.svc.Queue(ctx, staff(ana), QueueFilter{Status: "bogus"}); err == nil {
		t.Fatal("a bogus status filter was accepted")
	}
}

func TestTopicsCannedAndAgents(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{})
	ctx := context.Background()
	adm := e.agent(accounts.Admin, "Ada Admin", "ada@desk.example")
	ana := e.agent(accounts.Agent, "Ana", "ana@desk.example")
	topics, err := e.svc.Topics(ctx, "de", false)
	must(t, err)
	if len(topics) != 5 || topics[0].Key != "account" || topics[0].Name != "Mein Konto" {
		t.Fatalf("topics = %+v", topics)
	}
	wantErr(t, e.svc.SaveTopic(ctx, staff(ana), Topic{Key: "x", Names: map[string]string{"en": "X"}}), errs.Forbidden, MsgNotAllowed)
	wantErr(t, e.svc.SaveTopic(ctx, staff(adm), Topic{Key: "Bad Key", Names: map[string]string{"en": "X"}}), errs.Invalid, MsgTopicNameRequired)
	must(t, e.svc.SaveTopic(ctx, staff(adm), Topic{Key: "api", Position: 5, Active: true, Names: map[string]string{"en": "API", "fr": "API (développeurs)"}}))
	must(t, e.svc.SaveTopic(ctx, staff(adm), Topic{Key: "billing", Position: 30, Active: false, Names: map[string]string{"en": "Billing"}}))
	topics, _ = e.svc.Topics(ctx, "ja", false)
	if len(topics) != 5 || topics[0].Key != "api" || topics[0].Name != "API" {
		t.Fatalf("topics after edits = %+v", topics)
	}
	all, _ := e.svc.Topics(ctx, "fr", true)
	if len(all) != 6 || all[0].Name != "API (développeurs)" {
		t.Fatalf("all topics = %+v", all)
	}
	sub := guestSubmission()
	sub.Topic = "billing"
	_, err = e.svc.Submit(ctx, sub)
	wantErr(t, err, errs.Invalid, MsgTopicInvalid)

	for _, lang := range catalog().Languages() {
		if list, _ := e.svc.CannedReplies(ctx, lang); len(list) != 2 {
			t.Fatalf("%s: %d canned replies seeded, want 2", lang, len(list))
		}
	}
	if ja, _ := e.svc.CannedReplies(ctx, "ja"); ja[0].Lang != "ja" || !strings.Contains(ja[0].Body+ja[1].Body, "チケット") {
		t.Fatalf("Japanese canned replies = %+v", ja)
	}
	must(t, e.svc.SaveCanned(ctx, staff(ana), Canned{Lang: "en", Title: "Reload", Body: "Please reload the page."}))
	wantErr(t, e.svc.SaveCanned(ctx, staff(ana), Canned{Lang: "xx", Title: "T", Body: "B"}), errs.Invalid, MsgCannedInvalid)
	wantErr(t, e.svc.SaveCanned(ctx, Viewer{}, Canned{Lang: "en", Title: "T", Body: "B"}), errs.Forbidden, MsgNotAllowed)
	list, _ := e.svc.CannedReplies(ctx, "en")
	if len(list) != 3 || list[1].Title != "Reload" {
		t.Fatalf("canned = %+v", list)
	}
	c := list[1]
	c.Title = "Reload the page"
	must(t, e.svc.SaveCanned(ctx, staff(ana), c))
	must(t, e.svc.DeleteCanned(ctx, staff(ana), c.ID))
	wantErr(t, e.svc.DeleteCanned(ctx, staff(ana), c.ID), errs.NotFound, MsgNotFound)

	agents, err := e.svc.Agents(ctx)
	must(t, err)
	if len(agents) != 2 || agents[0].Name != "Ada Admin" || agents[1].Name != "Ana" {
		t.Fatalf("agents = %+v", agents)
	}
	basic := e.user(accounts.Basic, "Ben", "ben@example.org")
	wantErr(t, e.svc.EnterDesk(ctx, basic, "Ben"), errs.Forbidden, MsgNotAllowed)
}

func TestReferencesAndKeys(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		r := newReference()
		if !referenceFormat.MatchString(r) || seen[r] {
			t.Fatalf("reference %q (repeat: %v)", r, seen[r])
		}
		seen[r] = true
	}
	for in, want := range map[string]string{"zd-7k3p-q9xm": "ZD-7K3P-Q9XM", "ZD 7K3P Q9XM": "ZD-7K3P-Q9XM", "7K3PQ9XM": "ZD-7K3P-Q9XM",
		"ZD-7K3P-Q9XO": "ZD-7K3P-Q9X0", "ZD-IK3P-Q9XM": "ZD-1K3P-Q9XM", "ZD-7K3P": "", "ZD-7K3P-Q9XU": "", "": ""} {
		got, ok := NormalizeReference(in)
		if got != want || ok != (want != "") {
			t.Errorf("NormalizeReference(%q) = %q, %v", in, got, ok)
		}
	}
	if k := newAccessKey(); len(normalizeAccessKey(k)) != 20 {
		t.Fatalf("access key %q", k)
	}
}

// TestQueue_PlansReadTheQueueInIndexOrder guards the 100k-ticket figures of
// bench/RESULTS.md: no filter may scan the tickets table or sort the queue;
// only a text search sorts, and only its matches.
// A SQLite test (SQLite's query plans).
func TestQueue_PlansReadTheQueueInIndexOrder(t *testing.T) {
	t.Parallel()
	e := newEnvSQLite(t, Limits{PerAddress: 100, PerEmail: 100})
	ctx := context.Background()
	ana := e.agent(accounts.Agent, "Ana", "ana@desk.example")
	for i := 0; i < 5; i++ {
		e.submit(guestSubmission())
	}
	for _, f := range []QueueFilter{{}, {Page: 3}, {Status: StatusOpen}, {Priority: PriorityUrgent}, {Priority: PriorityUrgent, Assignee: -1},
		{Topic: "billing"}, {Assignee: ana.AccountID}, {Status: StatusNew, Topic: "login"}, {Text: "invoices"}, {Text: "page empty"}} {
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
		if strings.Contains(all, "SCAN t") || (f.Text == "" && strings.Contains(all, "TEMP B-TREE")) || !strings.Contains(all, "USING") {
			t.Errorf("%+v: plan %s", f, all)
		}
	}
	e.svc.explain = nil
}

// An account id reused after a deletion (SQLite gives the highest id again)
// must not inherit the deleted account's tickets: the new account's data key
// opens none of them.
func TestAccountUser_AReusedAccountIDOpensNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{})
	ctx := context.Background()
	ben := e.user(accounts.Basic, "Ben Basic", "ben@example.org")
	sub := guestSubmission()
	sub.Session = ben
	rc := e.submit(sub)
	if list, _ := e.svc.ForAccount(ctx, ben); len(list) != 1 {
		t.Fatalf("Ben sees %d tickets", len(list))
	}
	must(t, e.acc.Delete(ctx, ben, password))
	carl := e.user(accounts.Basic, "Carl", "carl@example.org")
	if carl.AccountID != ben.AccountID {
		t.Skipf("the id was not reused (%d, %d): nothing to test", ben.AccountID, carl.AccountID)
	}
	list, err := e.svc.ForAccount(ctx, carl)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("the new account inherits %d tickets", len(list))
	}
	_, err = e.svc.Open(ctx, Viewer{Session: carl}, rc.Reference)
	wantErr(t, err, errs.Forbidden, MsgAccessDenied)
	// The access key still works.
	if _, err := e.svc.Open(ctx, guest(rc), rc.Reference); err != nil {
		t.Fatal(err)
	}
}

func flatten(data map[string]any) []any {
	var out []any
	for k, v := range data {
		out = append(out, k, v)
	}
	return out
}

func TestVersionInvalidValuesAndHousekeeping(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{})
	ctx := context.Background()
	ana := e.agent(accounts.Agent, "Ana", "ana@desk.example")
	sub := guestSubmission()
	sub.FormID = "nonce-x"
	rc := e.submit(sub)
	v := e.svc.Version()
	wantErr(t, e.svc.SetStatus(ctx, staff(ana), rc.Reference, "bogus"), errs.Invalid, MsgStatusNotAllowed)
	wantErr(t, e.svc.SetPriority(ctx, staff(ana), rc.Reference, "bogus"), errs.Invalid, MsgPriorityInvalid)
	wantErr(t, e.svc.Note(ctx, staff(ana), rc.Reference, " "), errs.Invalid, MsgNoteRequired)
	wantErr(t, e.svc.EnterDesk(ctx, ana, ""), errs.Invalid, MsgNameInvalid)
	wantErr(t, e.svc.Reply(ctx, staff(ana), "not a reference", Reply{Body: "x"}), errs.Forbidden, MsgAccessDenied)
	_, err := e.svc.Attachment(ctx, staff(ana), rc.Reference, 12345)
	wantErr(t, err, errs.NotFound, MsgNotFound)
	if e.svc.Version() != v {
		t.Fatal("refused changes moved the version")
	}
	must(t, e.svc.SetStatus(ctx, staff(ana), rc.Reference, StatusPending))
	if e.svc.Version() == v {
		t.Fatal("a status change left the version")
	}
	v = e.svc.Version()
	must(t, e.svc.Tick(ctx))
	if e.svc.Version() != v {
		t.Fatal("housekeeping with nothing to do moved the version")
	}
	// A day later the form nonce is forgotten, and the hour's counters too.
	e.clk.Add(25 * time.Hour)
	must(t, e.svc.Tick(ctx))
	var forms, limits int
	e.db.Read.QueryRow(`SELECT count(*) FROM ticket_forms`).Scan(&forms)
	e.db.Read.QueryRow(`SELECT count(*) FROM ticket_limits`).Scan(&limits)
	if forms != 0 || limits != 0 {
		t.Fatalf("after a day: %d form nonces, %d counters", forms, limits)
	}
}

// Wrong keys cost the guesser, not the ticket's owner (issue 10, security 4):
// they are counted per (reference, address) and per address.
func TestOpen_AGuesserLocksOutOnlyThemselves(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Limits{WrongKeys: 3, WrongKeysPerAddress: 5})
	ctx := context.Background()
	rc := e.submit(guestSubmission())
	other := e.submit(guestSubmission())
	const guesser, owner = "203.0.113.66", "198.51.100.20"
	wrong := Viewer{Reference: rc.Reference, AccessKey: other.AccessKey, Address: guesser}
	for range 3 {
		_, err := e.svc.Open(ctx, wrong, rc.Reference)
		wantErr(t, err, errs.Forbidden, MsgAccessDenied)
	}
	// The guesser is locked out of this ticket, even with the right key.
	right := guest(rc)
	right.Address = guesser
	_, err := e.svc.Open(ctx, right, rc.Reference)
	wantErr(t, err, errs.RateLimited, MsgTooManyAttempts)
	// The owner, from their own address, keeps opening it, again and again
	// while the guesser goes on.
	for range 3 {
		mine := guest(rc)
		mine.Address = owner
		if _, err := e.svc.Open(ctx, mine, rc.Reference); err != nil {
			t.Fatalf("the owner is locked out by someone else's guesses: %v", err)
		}
		_, err := e.svc.Open(ctx, wrong, rc.Reference)
		wantErr(t, err, errs.RateLimited, MsgTooManyAttempts)
	}
	// Walking other references, the guesser meets the per-address limit
	// (3 wrong so far, 2 more allowed), and then is refused everywhere.
	for i := range 2 {
		ref := "ZD-0000-000" + string(rune('A'+i))
		_, err := e.svc.Open(ctx, Viewer{Reference: ref, AccessKey: rc.AccessKey, Address: guesser}, ref)
		wantErr(t, err, errs.Forbidden, MsgAccessDenied)
	}
	g := guest(other)
	g.Address = guesser
	_, err = e.svc.Open(ctx, g, other.Reference)
	wantErr(t, err, errs.RateLimited, MsgTooManyAttempts)
	// Another address is not affected; the window ends for the guesser too.
	g.Address = owner
	if _, err := e.svc.Open(ctx, g, other.Reference); err != nil {
		t.Fatalf("another address is refused: %v", err)
	}
	e.clk.Add(15 * time.Minute)
	if _, err := e.svc.Open(ctx, right, rc.Reference); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}
