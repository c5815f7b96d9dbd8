package accounts

import (
	"fmt"
	"testing"

	"zerodesk/internal/errs"
)

// Lockouts counts the login locks (for metrics): the fifth failure locks the
// usercode once; further refusals while locked lock nothing new.
func TestLockouts_CountTheLocksSet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, _ := e.active("Zoë", "zoe@example.org")
	for i := range 4 {
		_, err := e.login(u, fmt.Sprint("wrong password ", i), fmt.Sprint("192.0.2.", i))
		wantErr(t, err, errs.Forbidden, MsgLoginFailed)
	}
	if n := e.acc.Lockouts(); n != 0 {
		t.Fatalf("Lockouts = %d after four failures, want 0", n)
	}
	for i := range 3 {
		_, err := e.login(u, fmt.Sprint("wrong again ", i), fmt.Sprint("192.0.2.", 10+i))
		wantErr(t, err, errs.Forbidden, MsgLoginFailed)
	}
	if n := e.acc.Lockouts(); n != 1 {
		t.Fatalf("Lockouts = %d, want 1 (one usercode locked)", n)
	}
}
