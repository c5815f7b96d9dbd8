package accounts

import (
	"bytes"
	"context"
	"testing"

	"zerodesk/internal/errs"
	"zerodesk/internal/testsupport"
)

// TestOnce_AValueKeptInTheSessionIsTakenOnceFromAnyInstance: a one-time
// value is in the session's row, so a second service on the database (another
// instance) takes it; once; a value put again replaces the first; the
// session's sign-in survives the changes; an ended session keeps nothing.
func TestOnce_AValueKeptInTheSessionIsTakenOnceFromAnyInstance(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, l := e.active("Ada Lovelace", "ada@example.com")
	ctx := context.Background()
	s := e.session(l.Token)
	mustOK(t, e.acc.PutOnce(ctx, s, "result", []byte("first")))
	mustOK(t, e.acc.PutOnce(ctx, s, "result", []byte("second")))
	other, err := New(e.db, Options{Secret: testsupport.SecretA, Hasher: e.hasher, Outbox: e.outbox, Now: e.clk.Now, PortalURL: "https://desk.example", Texts: catalog()})
	mustOK(t, err)
	s2, err := other.Session(ctx, l.Token)
	mustOK(t, err)
	v, err := other.TakeOnce(ctx, s2, "result")
	mustOK(t, err)
	if !bytes.Equal(v, []byte("second")) {
		t.Errorf("took %q, want the newer value", v)
	}
	if v, err := e.acc.TakeOnce(ctx, s, "result"); err != nil || v != nil {
		t.Errorf("a second take: %q %v", v, err)
	}
	if _, err := e.acc.Session(ctx, l.Token); err != nil {
		t.Errorf("the session after its one-time values: %v", err)
	}
	mustOK(t, e.acc.Logout(ctx, l.Token))
	wantErr(t, e.acc.PutOnce(ctx, s, "result", []byte("x")), errs.Forbidden, MsgSessionExpired)
}

// TestOnce_RecordingASessionsUseKeepsAnotherRequestsChange: a request that
// records the session's use (once a minute) commits the session's data; it
// must commit the data as stored then, not the copy it loaded, or a one-time
// value another request of the session put meanwhile is lost.
func TestOnce_RecordingASessionsUseKeepsAnotherRequestsChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, l := e.active("Ada Lovelace", "ada@example.com")
	ctx := context.Background()
	s := e.session(l.Token)
	e.clk.Add(2 * touchEvery)
	e.acc.beforeTouch = func() {
		e.acc.beforeTouch = nil
		mustOK(t, e.acc.PutOnce(ctx, s, "result", []byte("kept")))
	}
	if _, err := e.acc.Session(ctx, l.Token); err != nil {
		t.Fatal(err)
	}
	if e.acc.beforeTouch != nil {
		t.Fatal("the session's use was not recorded: the test proves nothing")
	}
	v, err := e.acc.TakeOnce(ctx, s, "result")
	mustOK(t, err)
	if !bytes.Equal(v, []byte("kept")) {
		t.Errorf("took %q after the use was recorded, want the value put meanwhile", v)
	}
}
