package accounts

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"zerodesk/internal/store/storetest"
)

// TestNoSecretAtRest walks a user through registration, first login, logins,
// a failure and sign-out everywhere, then scans the database file, its WAL and
// the log for the usercode, the password, the phrase, the session tokens, the
// name and the e-mail address, each plain, hex and base64.
func TestNoSecretAtRest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	// Secrets of this run alone: on PostgreSQL the byte scan reads the
	// cluster's WAL, which every test running at the same time writes.
	password, name := storetest.Secret(t, "Lantern-Violet-Harbor-"), storetest.Secret(t, "Quentin Xavier ")
	email := strings.ToLower(storetest.Secret(t, "quentin.plumtree.")) + "@example.org"
	phrase := e.acc.SuggestPhrases(1)[0]
	u := e.register(name, email)
	if c, err := e.acc.Step1(ctx, strings.ToLower(string(u))); err != nil || !c.FirstLogin {
		t.Fatalf("Step1 = %+v, %v", c, err)
	}
	first, err := e.acc.Activate(ctx, FirstLogin{
		Credentials: Credentials{Usercode: u.Display(), Password: password, Addr: "192.0.2.1", Label: "Firefox"},
		Phrase:      phrase,
	})
	mustOK(t, err)
	mustOK(t, e.acc.Logout(ctx, first.Token))
	if c, _ := e.acc.Step1(ctx, u.Display()); c.Phrase != phrase {
		t.Fatalf("phrase = %q", c.Phrase)
	}
	if _, err := e.login(u, "not the password", "192.0.2.1"); err == nil {
		t.Fatal("a wrong password logged in")
	}
	l, err := e.login(u, password, "192.0.2.1")
	mustOK(t, err)
	l2, err := e.login(u, password, "192.0.2.2")
	mustOK(t, err)
	s := e.session(l.Token)
	if _, err := e.acc.Export(ctx, s); err != nil {
		t.Fatal(err)
	}
	mustOK(t, e.acc.EndAllSessions(ctx, s))

	secrets := map[string]string{
		"usercode":               string(u),
		"usercode lower":         strings.ToLower(string(u)),
		"usercode display":       u.Display(),
		"usercode display lower": strings.ToLower(u.Display()),
		"password":               password,
		"phrase":                 phrase,
		"token 1":                first.Token,
		"token 2":                l.Token,
		"token 3":                l2.Token,
		"name":                   name,
		"e-mail":                 email,
	}
	scan := func(when string) (found []string) {
		if when == "live" && storetest.WALSize(e.db) == 0 {
			t.Fatal("no WAL to scan")
		}
		for _, f := range storetest.FindSecrets(t, e.db, e.logs.Bytes(), secrets) {
			found = append(found, when+": "+f)
		}
		return found
	}
	for _, f := range scan("live") {
		t.Error(f)
	}
	if err := e.db.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, f := range scan("after checkpoint") {
		t.Error(f)
	}
	// The scan itself works: a planted base64url usercode is found.
	if _, err := e.db.Write.Exec(`CREATE TABLE planted (v TEXT)`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Write.Exec(`INSERT INTO planted VALUES ($1)`,
		base64.URLEncoding.EncodeToString([]byte(strings.ToLower(u.Display())))); err != nil {
		t.Fatal(err)
	}
	found := scan("planted")
	if !strings.Contains(strings.Join(found, "\n"), "usercode display lower (base64url)") {
		t.Fatalf("the scan missed a planted usercode: %v", found)
	}
	if !bytes.Contains(e.logs.Bytes(), []byte("accounts: activated")) {
		t.Fatalf("the journey was not logged at all:\n%s", e.logs.Bytes())
	}
}
