package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // publishZone

	"github.com/labstack/echo/v4"

	"zerodesk/internal/errs"
	"zerodesk/internal/kb"
	"zerodesk/views"
)

// The editor's publishing and history (issue 13): schedule, unpublish
// (archive, with an optional replacement), the revisions of a translation
// with a word-level diff between any two, and restoring one as a new
// revision. What visitors meet at an archived or old address is in
// helpdesk.go (article).

// editorPublish schedules the newest revision, or unpublishes the translation.
func (h *Handlers) editorPublish(c echo.Context) error {
	v := editorOf(c, "edit")
	ed, l, err := h.editorEdition(c)
	if err != nil {
		return err
	}
	id, ctx := ed.ArticleID, c.Request().Context()
	switch c.FormValue("action") {
	case "schedule":
		at, perr := parsePublishAt(c.FormValue("publish_at"), c.FormValue("zone"))
		if perr != nil {
			err = perr
			break
		}
		rev := ed.Head.ID
		if rev == 0 { // the demo's text: saved first, so a revision is published
			by, aerr := h.editorAuthor(c, v)
			if aerr != nil {
				return aerr
			}
			r, serr := h.Editorial.Save(ctx, by, id, 0, ed.Head.Draft)
			if serr != nil {
				err = serr
				break
			}
			rev = r.ID
		}
		if err = h.Editorial.Schedule(ctx, id, l, rev, at); err == nil {
			return h.editorDone(c, v, id, l, "scheduled", 0)
		}
	case "unpublish":
		if err = h.Editorial.Unpublish(ctx, id, l, c.FormValue("replacement")); err == nil {
			return h.editorDone(c, v, id, l, "unpublished", 0)
		}
	default:
		return h.editorDone(c, v, id, l, "", 0)
	}
	ev := editionView(ed)
	return h.editorRefused(c, v, ev, err)
}

// MsgEditorZoneInvalid refuses a time zone that is not an IANA name.
const MsgEditorZoneInvalid = "editor.publish.zone_invalid"

// publishZone is the time zone the form names (its IANA name, filled in by
// editor.js from the browser; UTC without JavaScript). The binary carries
// the zone database (time/tzdata), so a host without one reads it too.
func publishZone(name string) (*time.Location, error) {
	name = strings.TrimSpace(name)
	if name == "" || strings.EqualFold(name, "UTC") {
		return time.UTC, nil
	}
	if name == "Local" { // the server's zone, not the editor's
		return nil, errs.E(errs.Invalid, MsgEditorZoneInvalid)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, errs.E(errs.Invalid, MsgEditorZoneInvalid)
	}
	return loc, nil
}

// parsePublishAt reads a datetime-local value in the named time zone.
func parsePublishAt(s, zone string) (time.Time, error) {
	loc, err := publishZone(zone)
	if err != nil {
		return time.Time{}, err
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, strings.TrimSpace(s), loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errs.E(errs.Invalid, kb.MsgEditTimeInvalid)
}

// editorHistory lists a translation's revisions and shows the diff between
// two (?from=&to=; by default the two newest).
func (h *Handlers) editorHistory(c echo.Context) error {
	v := editorOf(c, "edit")
	id, l, err := h.editorArticleParams(c)
	if err != nil {
		return err
	}
	return h.editorHistoryPage(c, v, id, l, http.StatusOK, views.EditorHistoryView{})
}

func (h *Handlers) editorHistoryPage(c echo.Context, v editorVisit, id int64, l string, status int, hv views.EditorHistoryView) error {
	ctx := c.Request().Context()
	ed, err := h.Editorial.Edition(ctx, id, l)
	if err != nil {
		return err
	}
	revs, err := h.Editorial.Revisions(ctx, id, l)
	if err != nil {
		return err
	}
	hv.EditorFrame, hv.ArticleID, hv.Lang, hv.Title, hv.Revisions, hv.HeadID = v.frame, id, l, ed.Head.Title, revs, ed.Head.ID
	if hv.Proposals, err = h.Editorial.Proposals(ctx, id, l); err != nil {
		return err
	}
	byID := map[int64]kb.Revision{}
	for _, r := range revs {
		byID[r.ID] = r
	}
	from, _ := strconv.ParseInt(c.FormValue("from"), 10, 64)
	to, _ := strconv.ParseInt(c.FormValue("to"), 10, 64)
	if _, ok := byID[from]; !ok && len(revs) > 1 {
		from = revs[1].ID
	}
	if _, ok := byID[to]; !ok && len(revs) > 0 {
		to = revs[0].ID
	}
	if a, ok := byID[from]; ok {
		if b, ok := byID[to]; ok {
			hv.From, hv.To = from, to
			hv.Diff, hv.TitleDiff = diffWords(a.Body, b.Body), diffWords(a.Title, b.Title)
		}
	}
	return h.render(c, status, views.EditorHistoryPage(hv), nil)
}

// editorRestore saves an old revision again as the newest (its note says
// which), from the head the history page showed.
func (h *Handlers) editorRestore(c echo.Context) error {
	v := editorOf(c, "edit")
	id, l, err := h.editorArticleParams(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	revID, _ := strconv.ParseInt(c.FormValue("revision"), 10, 64)
	base, _ := strconv.ParseInt(c.FormValue("base"), 10, 64)
	old, err := h.Editorial.Revision(ctx, id, revID)
	if err != nil {
		return err
	}
	if old.Lang != l {
		return echo.ErrNotFound
	}
	by, err := h.editorAuthor(c, v)
	if err != nil {
		return err
	}
	d := old.Draft
	d.Note = views.PageOf(ctx).L.T("editor.restored.note", "Rev", revID)
	rev, err := h.Editorial.Save(ctx, by, id, base, d)
	if _, ok := kb.Conflict(err); ok {
		return h.editorHistoryPage(c, v, id, l, http.StatusConflict, views.EditorHistoryView{ErrorID: kb.MsgEditConflict})
	}
	if err != nil {
		if errs.IsRefusal(err) {
			return h.editorHistoryPage(c, v, id, l, classify(err).Status, views.EditorHistoryView{ErrorID: errs.MessageIDOf(err)})
		}
		return err
	}
	return h.editorDone(c, v, id, l, "restored", rev.ID)
}

// goneOrMoved answers an article address no published translation has: 301
// to where an old slug or an archived article's replacement leads, 410 for
// an archived one, else the not-found error it was.
func (h *Handlers) goneOrMoved(c echo.Context, notFound error) error {
	if h.Editorial == nil {
		return notFound
	}
	m, err := h.Editorial.MovedAddress(c.Request().Context(), lang(c), c.Param("slug"))
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return notFound
		}
		return err
	}
	if m.Gone {
		return h.render(c, http.StatusGone, views.GonePage(views.GoneView{}), nil)
	}
	return c.Redirect(http.StatusMovedPermanently, views.Href(c.Request().Context(), "/articles/"+m.Slug))
}
