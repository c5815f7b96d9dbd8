package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"zerodesk/internal/accounts"
)

func sectionNames(t *testing.T, a *testApp, lang string) []string {
	t.Helper()
	w := a.get(t, "/"+lang+"/sections")
	wantStatus(t, w, http.StatusOK)
	var out []string
	doc(t, w).Find("#sections-index > li > a").Each(func(_ int, s *goquery.Selection) { out = append(out, s.Text()) })
	return out
}

// issue 13, item 7: an editor creates a category, names it in Spanish,
// moves it up, and visitors see it at once; deleting a category that holds
// articles is refused with a clear message; an empty one is deleted.
func TestEditorCategories_CreateRenameMoveDelete(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	before := a.get(t, "/en/sections/howto").Body.String()
	home := a.get(t, "/es/").Body.String()

	d := doc(t, e.open(t, "/en/editor/categories", nil))
	wantCount(t, d, "#categories-list tbody tr", 6)
	wantText(t, d.Find("#category-setup th"), "Set Up")
	wantCount(t, d, `.desk-menu a[aria-current="page"][href="/en/editor/categories"]`, 1)
	for _, id := range []string{"category-name", "category-intro"} {
		wantCount(t, d, `label[for="`+id+`"]`, 1)
	}
	if names := sectionNames(t, a, "en"); len(names) != 6 || names[0] != "Set Up" {
		t.Fatalf("visitors' categories = %v", names)
	}

	// A name is needed; what was typed stays.
	w := e.send(t, "/en/editor/categories/create", url.Values{"name": {" "}, "intro": {"How you pay."}})
	wantStatus(t, w, http.StatusBadRequest)
	d = doc(t, w)
	wantText(t, d.Find("#form-error"), "Give the category a name")
	if d.Find("#category-intro").Text() != "How you pay." {
		t.Error("the description typed was lost")
	}

	w = e.send(t, "/en/editor/categories/create", url.Values{"name": {"Billing"}, "intro": {"How you pay."}})
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/en/editor/categories?done=created" {
		t.Fatalf("redirected to %q", loc)
	}
	d = doc(t, e.open(t, "/en/editor/categories?done=created", nil))
	wantText(t, d.Find("#categories-notice"), "The category was created")
	wantText(t, d.Find("#category-billing th"), "Billing")
	w = a.get(t, "/en/sections/billing")
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("h1"), "Billing")
	wantText(t, doc(t, w).Find(".lead"), "How you pay.")
	if sm := a.get(t, "/sitemap.xml").Body.String(); !strings.Contains(sm, "/en/sections/billing<") || !strings.Contains(sm, "/en/sections<") {
		t.Error("the sitemap lacks the new category or the categories' list")
	}

	// Named in Spanish; French falls back to the English name.
	d = doc(t, e.open(t, "/en/editor/category/billing", nil))
	for _, l := range []string{"en", "es", "ar"} {
		wantCount(t, d, `label[for="name-`+l+`"]`, 1)
		wantCount(t, d, `label[for="intro-`+l+`"]`, 1)
	}
	wantCount(t, d, `#name-ar[lang="ar"][dir="rtl"]`, 1)
	form := url.Values{"name-en": {"Billing"}, "intro-en": {"How you pay."}, "name-es": {"Facturación"}, "intro-es": {"Cómo se paga."}}
	w = e.send(t, "/en/editor/category/billing/save", form)
	wantStatus(t, w, http.StatusSeeOther)
	wantText(t, doc(t, a.get(t, "/es/sections/billing")).Find("h1"), "Facturación")
	wantText(t, doc(t, a.get(t, "/fr/sections/billing")).Find("h1"), "Billing")

	// Moved up: before the Technical Notes for visitors.
	w = e.send(t, "/en/editor/categories/move", url.Values{"key": {"billing"}, "dir": {"up"}})
	wantStatus(t, w, http.StatusSeeOther)
	names := sectionNames(t, a, "es")
	if len(names) != 7 || names[5] != "Facturación" {
		t.Fatalf("after moving up: %v", names)
	}

	// Deleting a category with articles is refused, saying why.
	w = e.send(t, "/en/editor/categories/delete", url.Values{"key": {"howto"}})
	wantStatus(t, w, http.StatusConflict)
	wantText(t, doc(t, w).Find("#form-error"), "still holds articles")
	wantStatus(t, a.get(t, "/en/sections/howto"), http.StatusOK)

	// The pages editors did not touch render as before.
	if a.get(t, "/en/sections/howto").Body.String() != before {
		t.Error("the How-To page changed")
	}
	if got := a.get(t, "/es/").Body.String(); got != home {
		t.Error("the Spanish home page changed")
	}

	w = e.send(t, "/en/editor/categories/delete", url.Values{"key": {"billing"}})
	wantStatus(t, w, http.StatusSeeOther)
	wantStatus(t, a.get(t, "/en/sections/billing"), http.StatusNotFound)
}

// Renaming a builtin category reaches every page that names it (the menu,
// the section, the breadcrumb); emptying the name brings back the locale's.
func TestEditorCategories_RenameBuiltinAndBack(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "edb@example.com", false) // without 1-Click: the token
	w := e.send(t, "/es/editor/category/howto/save", url.Values{"name-es": {"Manuales rápidos"}})
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("#categories-notice"), "Se guardaron")
	d := doc(t, a.get(t, "/es/sections/howto"))
	wantText(t, d.Find("h1"), "Manuales rápidos")
	wantText(t, d.Find("footer, nav"), "Manuales rápidos")
	wantText(t, doc(t, a.get(t, "/en/sections/howto")).Find("h1"), "How-To")
	// The Technical Notes panel is a category too.
	wantStatus(t, e.send(t, "/es/editor/category/technotes/save", url.Values{"name-es": {"Notas para técnicos"}}), http.StatusOK)
	wantText(t, doc(t, a.get(t, "/es/")).Find("#notes-title"), "Notas para técnicos")
	wantText(t, doc(t, a.get(t, "/en/")).Find("#notes-title"), "Technical Notes")
	w = e.send(t, "/es/editor/category/howto/save", url.Values{"name-es": {""}})
	wantStatus(t, w, http.StatusOK)
	if strings.Contains(a.get(t, "/es/sections/howto").Body.String(), "Manuales rápidos") {
		t.Error("the emptied name still shows")
	}
	// Too long: refused in the language's name, nothing saved.
	w = e.send(t, "/es/editor/category/howto/save", url.Values{"name-de": {strings.Repeat("x", 81)}})
	wantStatus(t, w, http.StatusBadRequest)
	wantText(t, doc(t, w).Find("#form-error"), "alemán")
	wantCount(t, doc(t, w), `#name-de[aria-invalid="true"]`, 1)
	wantStatus(t, e.send(t, "/es/editor/category/nope/save", url.Values{}), http.StatusNotFound)
}

// Only editors and admins: every other role and guests are refused, pages
// and changes alike.
func TestEditorCategories_RefuseOtherRoles(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	changes := map[string]url.Values{
		"/en/editor/categories/create": {"name": {"Hijack"}},
		"/en/editor/categories/move":   {"key": {"faq"}, "dir": {"up"}},
		"/en/editor/categories/delete": {"key": {"technotes"}},
		"/en/editor/category/faq/save": {"name-en": {"Hijack"}},
	}
	agent := signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", true)
	manager := signInStaff(t, a, accounts.Manager, "Mia Manager", "mia@example.com", false)
	for path, form := range changes {
		wantStatus(t, a.post(t, path, form), http.StatusForbidden)
		for _, p := range []*deskAgent{agent, manager} {
			if w := p.send(t, path, form); w.Code != http.StatusForbidden {
				t.Errorf("POST %s: %d", path, w.Code)
			}
		}
	}
	for _, path := range []string{"/en/editor/categories", "/en/editor/category/faq"} {
		wantStatus(t, a.get(t, path), http.StatusForbidden)
		wantStatus(t, agent.open(t, path, nil), http.StatusForbidden)
	}
	if names := sectionNames(t, a, "en"); len(names) != 6 || names[1] == "Hijack" {
		t.Fatalf("categories changed: %v", names)
	}
	// A change reached by GET (history, a reload) lands on the list, changing nothing.
	admin := signInStaff(t, a, accounts.Admin, "Ann Admin", "ann@example.com", true)
	w := admin.open(t, "/en/editor/categories/delete?key=technotes", nil)
	if w.Code != http.StatusSeeOther && w.Code != http.StatusFound {
		t.Fatalf("GET delete = %d", w.Code)
	}
	wantStatus(t, a.get(t, "/en/sections/technotes"), http.StatusOK)
	wantStatus(t, admin.open(t, "/en/editor/categories", nil), http.StatusOK)
}
