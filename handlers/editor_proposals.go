package handlers

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/internal/kb"
	"zerodesk/views"
)

// Agents read drafts and propose an edit (issue 13, "Who"): the drafts
// pages (/LANG/editor/drafts…) let agents, editors and admins read every
// translation's newest text and propose new words; the proposal lands as a
// revision with the agent's name that an editor sees in the article list
// and the history, and publishes or discards (/…/proposal, editors only).
// Agents cannot publish, schedule or change an address or a category: the
// room's other routes stay behind requireEditor, and a proposal carries
// words only (kb.Propose).

// Message IDs of proposals.
const (
	MsgProposalOnly      = "editor.proposal.only"
	MsgProposalSent      = "editor.proposal.sent"
	MsgProposalDiscarded = "editor.proposal.discarded_notice"
)

// requireProposer lets agents, editors and admins through to the drafts
// pages, as requireEditor does for the room.
func (h *Handlers) requireProposer(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if h.Editorial == nil {
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
		if s.Role != accounts.Agent && !s.Role.Edits() {
			return errs.E(errs.Forbidden, MsgProposalOnly)
		}
		if gated, err := h.secondFactorGate(c, s, formToken); gated || err != nil { // desk_staff.go
			return err
		}
		c.Set(editorVisitKey, editorVisit{s: s, frame: views.EditorFrame{Token: formToken, Admin: s.Role == accounts.Admin,
			Agent: s.Role == accounts.Agent}})
		return next(c)
	}
}

// editorDrafts lists the articles whose drafts can be read.
func (h *Handlers) editorDrafts(c echo.Context) error {
	v := editorOf(c, "drafts")
	f := kb.ListFilter{Query: c.FormValue("q"), Sort: "title", PerPage: editorPageSize}
	f.Page, _ = strconv.Atoi(c.FormValue("page"))
	langs := h.Locales.Languages()
	page, err := h.Editorial.ArticleList(c.Request().Context(), langs, f)
	if err != nil {
		return err
	}
	q := url.Values{}
	if f.Query != "" {
		q.Set("q", f.Query)
	}
	return h.render(c, http.StatusOK, views.DraftsPage(views.EditorListView{EditorFrame: v.frame, Langs: langs, Filter: f, Page: page, Query: q}), nil)
}

// editorDraft is a translation's newest text, read only, with the form that
// proposes an edit of it.
func (h *Handlers) editorDraft(c echo.Context) error {
	v := editorOf(c, "drafts")
	ed, _, err := h.editorEdition(c)
	if err != nil {
		return err
	}
	ev := editionView(ed)
	if c.FormValue("done") == "proposed" {
		ev.NoticeID = MsgProposalSent
	}
	return h.draftPage(c, v, http.StatusOK, ed, ev)
}

func (h *Handlers) draftPage(c echo.Context, v editorVisit, status int, ed *kb.Edition, ev views.EditorEditView) error {
	ev.EditorFrame = v.frame
	ev.Preview = h.Editorial.Preview(ed.ArticleID, ed.Key, ed.Head.Draft)
	return h.render(c, status, views.DraftPage(views.DraftView{Edit: ev, Head: ed.Head}), nil)
}

// editorPropose keeps the form's words as a proposal; a refusal shows the
// form again with every word.
func (h *Handlers) editorPropose(c echo.Context) error {
	v := editorOf(c, "drafts")
	ed, l, err := h.editorEdition(c)
	if err != nil {
		return err
	}
	id, ctx := ed.ArticleID, c.Request().Context()
	_, _, d := draftForm(c)
	d.Lang = l
	by, err := h.editorAuthor(c, v)
	if err != nil {
		return err
	}
	if _, err := h.Editorial.Propose(ctx, by, id, d); err != nil {
		if !errs.IsRefusal(err) {
			return err
		}
		ev := editionView(ed)
		ev.Draft.Title, ev.Draft.Description, ev.Draft.Body, ev.Draft.Keywords, ev.Draft.Note = d.Title, d.Description, d.Body, d.Keywords, d.Note
		ev.ErrorID, ev.Args = errs.MessageIDOf(err), errArgs(err)
		return h.draftPage(c, v, classify(err).Status, ed, ev)
	}
	if v.frame.Token == "" {
		return c.Redirect(http.StatusSeeOther, views.HrefQuery(ctx, views.DraftPath(id, l), url.Values{"done": {"proposed"}}))
	}
	ed, err = h.Editorial.Edition(ctx, id, l)
	if err != nil {
		return err
	}
	ev := editionView(ed)
	ev.NoticeID = MsgProposalSent
	return h.draftPage(c, v, http.StatusOK, ed, ev)
}

// editorProposal publishes (action "accept") or discards a proposal, from
// the history page (editors only).
func (h *Handlers) editorProposal(c echo.Context) error {
	v := editorOf(c, "edit")
	id, l, err := h.editorArticleParams(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	revID, _ := strconv.ParseInt(c.FormValue("revision"), 10, 64)
	base, _ := strconv.ParseInt(c.FormValue("base"), 10, 64)
	by, err := h.editorAuthor(c, v)
	if err != nil {
		return err
	}
	refused := func(err error) error {
		if _, ok := kb.Conflict(err); ok {
			return h.editorHistoryPage(c, v, id, l, http.StatusConflict, views.EditorHistoryView{ErrorID: kb.MsgEditConflict})
		}
		if errs.IsRefusal(err) {
			return h.editorHistoryPage(c, v, id, l, classify(err).Status, views.EditorHistoryView{ErrorID: errs.MessageIDOf(err), Args: errArgs(err)})
		}
		return err
	}
	switch c.FormValue("action") {
	case "accept":
		rev, err := h.Editorial.AcceptProposal(ctx, by, id, revID, base)
		if err != nil {
			return refused(err)
		}
		return h.editorDone(c, v, id, l, "published", rev.ID)
	case "discard":
		if err := h.Editorial.DiscardProposal(ctx, by, id, revID); err != nil {
			return refused(err)
		}
		return h.editorDone(c, v, id, l, "discarded", 0)
	}
	return h.editorDone(c, v, id, l, "", 0)
}
