package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/internal/kb"
	"zerodesk/views"
)

// The editor's room (/LANG/editor, issue 13): editors and admins write,
// preview, save and publish the help articles. Every route of the room is
// behind requireEditor in the route table. Both session styles work, as at
// the desk: the 1-Click cookie, or the token in a hidden field of POST forms
// (then every page also answers POST and every navigation is a form).

// Message IDs of the room's guard.
const (
	MsgEditorSignIn = "editor.signin"
	MsgEditorOnly   = "editor.only"
)

// Editorial is the knowledge base as the editor's room uses it (*kb.KB):
// writing, revisions and publishing.
type Editorial interface {
	ArticleList(ctx context.Context, langs []string, f kb.ListFilter) (*kb.ListPage, error)
	ArticleKeys(lang string) []kb.Summary
	Preview(articleID int64, key string, d kb.Draft) *kb.Article
	Edition(ctx context.Context, articleID int64, lang string) (*kb.Edition, error)
	WorkingCopy(ctx context.Context, authorID, articleID int64, lang string) (*kb.Working, error)
	KeepWorking(ctx context.Context, by kb.Author, articleID, baseID int64, d kb.Draft) error
	CheckSlug(ctx context.Context, lang, slug string, articleID int64) error
	Create(ctx context.Context, by kb.Author, d kb.Draft) (*kb.Revision, error)
	Save(ctx context.Context, by kb.Author, articleID, baseID int64, d kb.Draft) (*kb.Revision, error)
	Revision(ctx context.Context, articleID, id int64) (*kb.Revision, error)
	Revisions(ctx context.Context, articleID int64, lang string) ([]kb.Revision, error)
	Publish(ctx context.Context, articleID int64, lang string, revID int64) error
	Schedule(ctx context.Context, articleID int64, lang string, revID int64, at time.Time) error
	Unpublish(ctx context.Context, articleID int64, lang, replacement string) error
	MovedAddress(ctx context.Context, lang, slug string) (*kb.Moved, error)
	// Agents' proposed edits (editor_proposals.go).
	Propose(ctx context.Context, by kb.Author, articleID int64, d kb.Draft) (*kb.Revision, error)
	Proposals(ctx context.Context, articleID int64, lang string) (map[int64]kb.Proposal, error)
	OpenProposals(ctx context.Context) (map[int64]int, error)
	AcceptProposal(ctx context.Context, by kb.Author, articleID, revID, baseID int64) (*kb.Revision, error)
	DiscardProposal(ctx context.Context, by kb.Author, articleID, revID int64) error
}

var _ Editorial = (*kb.KB)(nil)

// editorVisit is what an editor's handler knows of the person.
type editorVisit struct {
	s     *accounts.Session
	frame views.EditorFrame
}

const editorVisitKey = "zerodesk.editor"

// requireEditor lets editors and admins through, with their session in the
// context (editorOf). Without a session: the staff login with a 403; a
// session of any other role (visitor, user, manager, agent): a 403 page; an
// ended session (a replayed token): the staff login again.
func (h *Handlers) requireEditor(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if h.Editorial == nil { // a knowledge base that cannot be written (test doubles)
			return echo.ErrNotFound
		}
		if token, _ := h.sessionToken(c); token == "" {
			return h.deskLogin(c, MsgEditorSignIn)
		}
		s, formToken, err := h.session(c)
		if err != nil {
			if errs.MessageIDOf(err) == accounts.MsgSessionExpired {
				h.endCookie(c)
				return h.deskLogin(c, accounts.MsgSessionExpired)
			}
			return err
		}
		if !s.Role.Edits() {
			return errs.E(errs.Forbidden, MsgEditorOnly)
		}
		if gated, err := h.secondFactorGate(c, s, formToken); gated || err != nil { // desk_staff.go
			return err
		}
		c.Set(editorVisitKey, editorVisit{s: s, frame: views.EditorFrame{Token: formToken, Admin: s.Role == accounts.Admin}})
		return next(c)
	}
}

// editorOf is the visit requireEditor let through, its frame marking here as
// the page the menu shows current.
func editorOf(c echo.Context, here string) editorVisit {
	v, _ := c.Get(editorVisitKey).(editorVisit)
	v.frame.Here = here
	return v
}

// editorHome is the room's landing page.
func (h *Handlers) editorHome(c echo.Context) error {
	v := editorOf(c, "home")
	return h.render(c, http.StatusOK, views.EditorHomePage(views.EditorHomeView{EditorFrame: v.frame}), nil)
}
