package kb

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"zerodesk/internal/errs"
)

// Proposed edits (issue 13, "Who"): an agent reads a translation's draft
// and proposes an edit. The proposal is a revision of its own, with the
// agent's name, that never becomes the head (editors saving meanwhile meet
// no conflict); an editor publishes it or discards it, and it stays in the
// history either way. A proposal changes the words only: the address,
// category, position and related articles stay the head's, and only an
// editor publishes.

// Proposal states.
const (
	ProposalOpen      = "open"
	ProposalAccepted  = "accepted"
	ProposalDiscarded = "discarded"
)

// MsgProposalDecided refuses deciding a proposal that is no longer open.
const MsgProposalDecided = "kb.proposal.decided"

// Proposal is the state of a proposed revision.
type Proposal struct {
	RevisionID int64
	State      string
	DecidedBy  string
}

// Propose keeps the words of d (title, description, body, keywords, note)
// as a proposed revision of the article's translation in d.Lang, made from
// its head; everything else is the head's.
func (k *KB) Propose(ctx context.Context, by Author, articleID int64, d Draft) (*Revision, error) {
	var rev *Revision
	err := k.db.Tx(ctx, func(tx *sql.Tx) error {
		ed, err := k.edition(ctx, tx, articleID, d.Lang)
		if err != nil {
			return err
		}
		p := ed.Head.Draft
		p.Title, p.Description, p.Body, p.Keywords, p.Note = d.Title, d.Description, d.Body, d.Keywords, d.Note
		if err := p.clean(); err != nil {
			return err
		}
		now := k.now()
		var base, author any
		if ed.Head.ID > 0 {
			base = ed.Head.ID
		}
		if by.ID > 0 {
			author = by.ID
		}
		rev = &Revision{Draft: p, ArticleID: articleID, BaseID: ed.Head.ID, AuthorID: by.ID, Author: by.Name, At: now.UTC().Truncate(time.Second)}
		if err := tx.QueryRowContext(ctx, sqlEdInsertRevision, articleID, p.Lang, base, author, by.Name, p.Note,
			p.Title, p.Slug, p.Description, p.Body, p.Keywords, string(p.Category), p.Position,
			strings.Join(p.Related, " "), now.Unix()).Scan(&rev.ID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, sqlPropInsert, rev.ID, articleID, p.Lang)
		return err
	})
	if err != nil {
		return nil, errs.Pass(err, "kb: propose")
	}
	return rev, nil
}

// Proposals are the proposed revisions of the article's translation in
// lang, by revision ID.
func (k *KB) Proposals(ctx context.Context, articleID int64, lang string) (map[int64]Proposal, error) {
	rows, err := k.db.Read.QueryContext(ctx, sqlPropOf, articleID, lang)
	if err != nil {
		return nil, errs.Wrap(err, "kb: proposals")
	}
	out := map[int64]Proposal{}
	for rows.Next() {
		var p Proposal
		if err := rows.Scan(&p.RevisionID, &p.State, &p.DecidedBy); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "kb: proposals")
		}
		out[p.RevisionID] = p
	}
	return out, errs.Wrap(closeRows(rows), "kb: proposals")
}

// OpenProposals counts the open proposals of every article, by article ID.
func (k *KB) OpenProposals(ctx context.Context) (map[int64]int, error) {
	rows, err := k.db.Read.QueryContext(ctx, sqlPropOpen)
	if err != nil {
		return nil, errs.Wrap(err, "kb: open proposals")
	}
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "kb: open proposals")
		}
		out[id] = n
	}
	return out, errs.Wrap(closeRows(rows), "kb: open proposals")
}

// AcceptProposal saves the open proposal revID as the translation's newest
// revision, by the editor, from the head baseID (a conflict as Save's), and
// publishes it; publishing's refusals (an image without alternative text)
// leave it saved. The proposal is marked accepted once saved.
func (k *KB) AcceptProposal(ctx context.Context, by Author, articleID, revID, baseID int64) (*Revision, error) {
	prop, err := k.openProposal(ctx, articleID, revID)
	if err != nil {
		return nil, err
	}
	ed, err := k.Edition(ctx, articleID, prop.Lang)
	if err != nil {
		return nil, err
	}
	// The proposal's words over the head's address, place and links.
	d := ed.Head.Draft
	d.Title, d.Description, d.Body, d.Keywords, d.Note = prop.Title, prop.Description, prop.Body, prop.Keywords, prop.Note
	rev, err := k.Save(ctx, by, articleID, baseID, d)
	if err != nil {
		return nil, err
	}
	if err := k.decide(ctx, revID, ProposalAccepted, by); err != nil {
		return rev, err
	}
	return rev, k.Publish(ctx, articleID, rev.Lang, rev.ID)
}

// DiscardProposal marks the open proposal revID discarded; its revision
// stays in the history.
func (k *KB) DiscardProposal(ctx context.Context, by Author, articleID, revID int64) error {
	if _, err := k.openProposal(ctx, articleID, revID); err != nil {
		return err
	}
	return k.decide(ctx, revID, ProposalDiscarded, by)
}

func (k *KB) openProposal(ctx context.Context, articleID, revID int64) (*Revision, error) {
	var state string
	err := k.db.Read.QueryRowContext(ctx, sqlPropState, revID, articleID).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, MsgEditNotFound)
	}
	if err != nil {
		return nil, errs.Wrap(err, "kb: proposal")
	}
	if state != ProposalOpen {
		return nil, errs.E(errs.Invalid, MsgProposalDecided)
	}
	return k.Revision(ctx, articleID, revID)
}

func (k *KB) decide(ctx context.Context, revID int64, state string, by Author) error {
	err := k.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, sqlPropDecide, revID, state, by.Name, k.now().Unix())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Invalid, MsgProposalDecided)
		}
		return nil
	})
	return errs.Pass(err, "kb: decide proposal")
}
