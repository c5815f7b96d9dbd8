package kb

import (
	"context"
	"errors"
	"strings"
	"testing"

	"zerodesk/internal/errs"
)

func wantMessage(t *testing.T, err error, id string) {
	t.Helper()
	if errs.MessageIDOf(err) != id {
		t.Fatalf("err = %v, want %s", err, id)
	}
}

func TestCategories_CreateNameDescribeMoveAndDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, _ := seeded(t, demoFS())
	before := k.Version()
	key, err := k.CreateCategory(ctx, "en", "  Billing &   Payments ", "How you pay.")
	if err != nil || key != "billing-payments" {
		t.Fatalf("create = %q, %v", key, err)
	}
	if k.Version() == before || !k.HasCategory(key) {
		t.Fatal("the catalog did not reload with the new category")
	}
	s := k.Sections()
	if keys := s.Keys(); keys[len(keys)-1] != key || len(keys) != len(Categories)+1 {
		t.Fatalf("keys = %v", keys)
	}
	if name, intro, builtin := s.Text(key, "en"); name != "Billing & Payments" || intro != "How you pay." || builtin {
		t.Fatalf("en = %q %q %v", name, intro, builtin)
	}
	if again, err := k.CreateCategory(ctx, "en", "Billing payments", ""); err != nil || again != "billing-payments-2" {
		t.Fatalf("second = %q, %v", again, err)
	}
	if err := k.DescribeCategory(ctx, key, "es", "Facturación", "Cómo se paga."); err != nil {
		t.Fatal(err)
	}
	s = k.Sections()
	if name, _, _ := s.Text(key, "es"); name != "Facturación" {
		t.Fatalf("es = %q", name)
	}
	if name, _, _ := s.Text(key, "fr"); name != "" || s.AnyName(key) != "Billing & Payments" {
		t.Fatalf("fr = %q, any = %q", name, s.AnyName(key))
	}
	// The six of 0001 have no texts until an editor names one: the locale's show.
	if name, intro, builtin := s.Text(FAQ, "en"); name != "" || intro != "" || !builtin {
		t.Fatalf("faq = %q %q %v", name, intro, builtin)
	}
	if err := k.MoveCategory(ctx, key, true); err != nil {
		t.Fatal(err)
	}
	keys := k.Sections().Keys()
	if keys[len(keys)-3] != key || keys[len(keys)-2] != TechNotes {
		t.Fatalf("after moving up: %v", keys)
	}
	if err := k.MoveCategory(ctx, keys[0], true); err != nil || k.Sections().Keys()[0] != keys[0] {
		t.Fatalf("moving the first up: %v", err)
	}
	wantMessage(t, k.DeleteCategory(ctx, FAQ), MsgCategoryNotEmpty)
	if err := k.DeleteCategory(ctx, "billing-payments-2"); err != nil {
		t.Fatal(err)
	}
	if k.HasCategory("billing-payments-2") {
		t.Fatal("deleted category still there")
	}
	wantMessage(t, k.DeleteCategory(ctx, "billing-payments-2"), MsgCategoryNotFound)
}

func TestCategories_RefuseBadTexts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, _ := seeded(t, demoFS())
	_, err := k.CreateCategory(ctx, "en", "  ", "x")
	wantMessage(t, err, MsgCategoryNameRequired)
	_, err = k.CreateCategory(ctx, "en", strings.Repeat("n", MaxCategoryName+1), "")
	wantMessage(t, err, MsgCategoryTooLong)
	// A title without Latin letters still gets an address.
	key, err := k.CreateCategory(ctx, "ar", "الفواتير", "")
	if err != nil || key != "category" {
		t.Fatalf("arabic = %q, %v", key, err)
	}
	// Its only name cannot be emptied; a builtin's can (the locale's comes back).
	wantMessage(t, k.DescribeCategory(ctx, key, "ar", "", ""), MsgCategoryNameRequired)
	if err := k.DescribeCategory(ctx, FAQ, "de", "Häufige Fragen", ""); err != nil {
		t.Fatal(err)
	}
	if err := k.DescribeCategory(ctx, FAQ, "de", "", ""); err != nil {
		t.Fatal(err)
	}
	if name, _, _ := k.Sections().Text(FAQ, "de"); name != "" {
		t.Fatalf("faq de = %q", name)
	}
	wantMessage(t, k.DescribeCategory(ctx, "nope", "en", "x", ""), MsgCategoryNotFound)
}

// An article in a category, even only as a draft's newest text, keeps it from
// being deleted; a draft names only a category that exists.
func TestCategories_DeleteRefusedWhileADraftUsesIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, _ := seeded(t, demoFS())
	key, err := k.CreateCategory(ctx, "en", "Billing", "")
	if err != nil {
		t.Fatal(err)
	}
	d := newDraft()
	d.Category = key
	rev, err := k.Create(ctx, eda, d)
	if err != nil {
		t.Fatal(err)
	}
	err = k.DeleteCategory(ctx, key)
	wantMessage(t, err, MsgCategoryNotEmpty)
	var e *errs.Error
	if !errorsAs(err, &e) || e.Data["Count"] != 1 {
		t.Fatalf("err = %#v", err)
	}
	// Moving the draft out empties it.
	d.Category = FAQ
	if _, err := k.Save(ctx, eda, rev.ArticleID, rev.ID, d); err != nil {
		t.Fatal(err)
	}
	wantMessage(t, k.DeleteCategory(ctx, key), MsgCategoryNotEmpty) // the article row is still in it
	d.Category, d.Slug, d.Title = "nope", "", "Another article"
	_, err = k.Create(ctx, eda, d)
	wantMessage(t, err, MsgEditCategoryInvalid)
}

// Names, descriptions and order travel with an export.
func TestCategories_RoundTripThroughExport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, _ := seeded(t, demoFS())
	key, err := k.CreateCategory(ctx, "en", "Billing \"quoted\"", "How you pay.")
	if err != nil {
		t.Fatal(err)
	}
	if err := k.DescribeCategory(ctx, Setup, "ar", "الإعداد", "ابدأ هنا."); err != nil {
		t.Fatal(err)
	}
	if err := k.MoveCategory(ctx, key, true); err != nil {
		t.Fatal(err)
	}
	files := export(t, k)
	b := emptyKB(t)
	importFS(t, b, files)
	a, bl := k.Sections().List(), b.Sections().List()
	if len(a) != len(bl) {
		t.Fatalf("%d categories, then %d", len(a), len(bl))
	}
	for i := range a {
		if a[i].Key != bl[i].Key || a[i].Names["en"] != bl[i].Names["en"] || a[i].Names["ar"] != bl[i].Names["ar"] ||
			a[i].Intros["ar"] != bl[i].Intros["ar"] || a[i].Intros["en"] != bl[i].Intros["en"] {
			t.Errorf("category %d: %+v, then %+v", i, a[i], bl[i])
		}
	}
	if res := importFS(t, b, files); res.Updated != 0 {
		t.Errorf("second import = %+v", res)
	}
}

func errorsAs(err error, target **errs.Error) bool { return errors.As(err, target) }
