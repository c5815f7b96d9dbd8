package handlers

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"zerodesk/internal/accounts"
	"zerodesk/internal/testsupport"
)

const (
	newPassword = "amber lighthouse 58 whistles"
	newPhrase   = "quiet falcon sleeps"
)

// registerAs registers an account of type typ ("basic", "premium") and
// returns the usercode from the mail.
func (j *journey) registerAs(t *testing.T, name, email, typ string) string {
	t.Helper()
	w := j.post(t, "/en/register", url.Values{"name": {name}, "email": {email}, "language": {"en"}, "type": {typ}})
	wantStatus(t, w, http.StatusOK)
	return j.a.usercodeFromMail(t)
}

// signedIn registers and activates an account without 1-Click and returns
// its usercode and the session token its forms carry.
func (j *journey) signedIn(t *testing.T, name, email, typ string) (string, string) {
	t.Helper()
	usercode := j.registerAs(t, name, email, typ)
	w := j.activate(t, usercode, "silver otter hums", false)
	wantStatus(t, w, http.StatusOK)
	token := doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	if token == "" {
		t.Fatal("no session token in My account")
	}
	return usercode, token
}

// mailCount is how many mails the outbox has delivered.
func (a *testApp) mailCount(t testing.TB) int {
	t.Helper()
	if _, err := a.outbox.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	return len(testsupport.MailFiles(t, a.mailDir))
}

// mailHas reports whether a delivered mail to to holds text.
func (a *testApp) mailHas(t testing.TB, to, text string) bool {
	t.Helper()
	a.mailCount(t)
	for _, raw := range testsupport.MailFiles(t, a.mailDir) {
		if strings.Contains(raw, "To: <"+to+">") && strings.Contains(raw, text) {
			return true
		}
	}
	return false
}

// postMultipart sends a same-origin multipart form with an optional file.
func (a *testApp) postMultipart(t testing.TB, path string, form url.Values, fileField string, file []byte) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if file != nil {
		fw, err := mw.CreateFormFile(fileField, "zerodesk-recovery.json")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, path, &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Origin", "http://example.com")
	return a.do(t, r)
}

// sameResponse fails unless two responses are the same byte for byte once
// the given per-request strings are taken out.
func sameResponse(t *testing.T, what string, w1, w2 *httptest.ResponseRecorder, out1, out2 []string) {
	t.Helper()
	s1, h1, b1 := normalized(w1, out1...)
	s2, h2, b2 := normalized(w2, out2...)
	if s1 != s2 || b1 != b2 {
		t.Fatalf("%s: the responses differ: %d vs %d\n%s\n----\n%s", what, s1, s2, b1, b2)
	}
	if len(h1) != len(h2) {
		t.Errorf("%s: headers differ: %v vs %v", what, h1, h2)
	}
	for k := range h1 {
		if !slices.Equal(h1[k], h2[k]) {
			t.Errorf("%s: header %s: %v vs %v", what, k, h1[k], h2[k])
		}
	}
}

func flowOf(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	flow := doc(t, w).Find(`form[action="/en/reset/confirm"] input[name="flow"]`).AttrOr("value", "")
	if !accounts.ValidFlow(flow) {
		t.Fatalf("no flow in the code page:\n%.800s", w.Body.String())
	}
	return flow
}
