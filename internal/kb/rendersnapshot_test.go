package kb

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

// A KB opened with another's render snapshot over the same content renders
// nothing again: every body comes from the snapshot (same link map, which a
// fresh render would make anew), and the pages are the same.
func TestRenderSnapshot_SameContentIsNotRenderedAgain(t *testing.T) {
	t.Parallel()
	k, db, c := seeded(t, demoFS())
	snap := k.RenderSnapshot()
	if snap.Len() == 0 {
		t.Fatal("the snapshot of a seeded KB is empty")
	}
	opts := testOptions(t, c)
	opts.Renders = snap
	k2, err := New(context.Background(), db, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(k2.renders.prev) != snap.Len() {
		t.Fatalf("the second KB's build kept %d renders, want the snapshot's %d", len(k2.renders.prev), snap.Len())
	}
	for key, e := range k2.renders.prev {
		was, ok := snap.entries[key]
		if !ok || reflect.ValueOf(e.links).Pointer() != reflect.ValueOf(was.links).Pointer() {
			t.Errorf("translation %d on a %s page was rendered again", key.translation, key.lang)
		}
	}
	for _, p := range [][2]string{{"en", "reset-password"}, {"de", "passwort-zuruecksetzen"}, {"de", "usercode"}, {"fr", "reset-password"}} {
		a, err := k.Article(p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		b, err := k2.Article(p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		if a.BodyHTML != b.BodyHTML {
			t.Errorf("%s/%s: the KB opened with the snapshot shows\n%s\nwant\n%s", p[0], p[1], b.BodyHTML, a.BodyHTML)
		}
	}
}

// A snapshot never shows what is no longer there: over different content
// (a changed body, a changed slug that another article links to) the KB
// renders those afresh and shows exactly what a KB without it shows.
func TestRenderSnapshot_ChangedContentIsRenderedAfresh(t *testing.T) {
	t.Parallel()
	k, _, c := seeded(t, demoFS())
	snap := k.RenderSnapshot()

	changed := demoFS()
	changed["en/usercode.md"] = md(`
key = "usercode"
category = "faq"
position = 2
title = "What is a usercode?"
description = "The code you log in with."
published = 2026-02-01`, "Your usercode is now explained by a **wombat**.\n")
	changed["en/recover-account.md"] = md(`
key = "recover-account"
slug = "get-back-in"
category = "setup"
position = 1
title = "Recover your account"
description = "Get back in with your recovery record."
published = 2026-01-05`, "\nRecovery uses the record you kept. It restores access to your data.\n\n## Options\n\nA security question, or a recovery key.\n")
	fresh, db2, _ := seeded(t, changed)
	opts := testOptions(t, c)
	opts.Renders = snap
	k2, err := New(context.Background(), db2, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][2]string{{"en", "usercode"}, {"en", "reset-password"}, {"de", "passwort-zuruecksetzen"}, {"fr", "reset-password"}, {"en", "browser-test"}} {
		want, err := fresh.Article(p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		got, err := k2.Article(p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		if got.BodyHTML != want.BodyHTML {
			t.Errorf("%s/%s: the KB opened with a stale snapshot shows\n%s\nwant\n%s", p[0], p[1], got.BodyHTML, want.BodyHTML)
		}
	}
	if a, _ := k2.Article("en", "usercode"); !strings.Contains(a.BodyHTML, "wombat") {
		t.Errorf("the changed body is not shown: %s", a.BodyHTML)
	}
	if a, _ := k2.Article("de", "passwort-zuruecksetzen"); !strings.Contains(a.BodyHTML, "/de/a/get-back-in") {
		t.Errorf("the link to the renamed article is stale: %s", a.BodyHTML)
	}
}
