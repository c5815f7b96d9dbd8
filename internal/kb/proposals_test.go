package kb

import (
	"context"
	"testing"

	"zerodesk/internal/errs"
)

// An agent's proposal is a revision with the agent's name that never
// becomes the head (an editor's save meanwhile meets no conflict) and keeps
// the head's address and category whatever it asks; an editor publishes it
// (saved again as the newest revision, then published) or discards it, and
// a decided proposal cannot be decided again.
func TestProposals_ProposeAcceptDiscard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, _ := seeded(t, demoFS())
	rev, err := k.Create(ctx, eda, newDraft())
	if err != nil {
		t.Fatal(err)
	}
	agent := Author{Name: "Ada Agent"}
	d := newDraft()
	d.Body = "Open the ticket and choose **Print receipt**. Zanzibar."
	d.Slug, d.Category, d.Note = "hijacked-address", FAQ, "the button was renamed"
	prop, err := k.Propose(ctx, agent, rev.ArticleID, d)
	if err != nil {
		t.Fatal(err)
	}
	if prop.Author != "Ada Agent" || prop.BaseID != rev.ID || prop.Slug != rev.Slug || prop.Category != HowTo {
		t.Fatalf("proposal = %+v", prop)
	}
	ed, err := k.Edition(ctx, rev.ArticleID, "en")
	if err != nil || ed.Head.ID != rev.ID {
		t.Fatalf("a proposal moved the head: %v %+v", err, ed)
	}
	if open, _ := k.OpenProposals(ctx); open[rev.ArticleID] != 1 {
		t.Errorf("open proposals = %v", open)
	}
	props, err := k.Proposals(ctx, rev.ArticleID, "en")
	if err != nil || props[prop.ID].State != ProposalOpen {
		t.Fatalf("proposals = %v %v", props, err)
	}
	// An editor saves meanwhile: no conflict.
	d2 := newDraft()
	d2.Note = "editor's own change"
	head, err := k.Save(ctx, ben, rev.ArticleID, rev.ID, d2)
	if err != nil {
		t.Fatal(err)
	}
	// Publishing the proposal saves it over the newest head and publishes it.
	pub, err := k.AcceptProposal(ctx, eda, rev.ArticleID, prop.ID, head.ID)
	if err != nil {
		t.Fatal(err)
	}
	if pub.Body != d.Body || pub.Author != "Eda Editor" || pub.Slug != rev.Slug || pub.BaseID != head.ID {
		t.Fatalf("accepted = %+v", pub)
	}
	a, err := k.Article("en", rev.Slug)
	if err != nil || a.Category != HowTo {
		t.Fatalf("published: %v %+v", err, a)
	}
	if _, err := k.AcceptProposal(ctx, eda, rev.ArticleID, prop.ID, pub.ID); errs.MessageIDOf(err) != MsgProposalDecided {
		t.Errorf("accepted twice: %v", err)
	}
	// Another proposal, discarded: it stays in the history.
	prop2, err := k.Propose(ctx, agent, rev.ArticleID, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.DiscardProposal(ctx, eda, rev.ArticleID, prop2.ID); err != nil {
		t.Fatal(err)
	}
	props, _ = k.Proposals(ctx, rev.ArticleID, "en")
	if props[prop.ID].State != ProposalAccepted || props[prop2.ID].State != ProposalDiscarded || props[prop2.ID].DecidedBy != "Eda Editor" {
		t.Errorf("proposals = %+v", props)
	}
	if err := k.DiscardProposal(ctx, eda, rev.ArticleID, prop2.ID); errs.MessageIDOf(err) != MsgProposalDecided {
		t.Errorf("discarded twice: %v", err)
	}
	if err := k.DiscardProposal(ctx, eda, rev.ArticleID, head.ID); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("an editor's revision discarded as a proposal: %v", err)
	}
	revs, _ := k.Revisions(ctx, rev.ArticleID, "en")
	if len(revs) != 5 {
		t.Errorf("revisions = %d, want 5 (nothing lost)", len(revs))
	}
	if open, _ := k.OpenProposals(ctx); open[rev.ArticleID] != 0 {
		t.Errorf("open proposals after deciding = %v", open)
	}
}
