package handlers

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/kb"
	"zerodesk/views"
)

// Images into an article, from the writing page (issue 13, item 8): the
// writing form carries a file input whose Upload button sends the whole
// form to the editors' upload (editor_files.go), which stores the files and
// shows the writing page again with every word as it was typed (with
// JavaScript, only the images' fieldset comes back and is swapped in); the picker
// inserts an uploaded image, with its required alternative text, at the end
// of the text (at the cursor with JavaScript, editor.js).

// Message IDs of the writing page's images.
const (
	MsgEditorImagesUploaded = "editor.images.uploaded"
	MsgEditorImagesInserted = "editor.images.inserted"
	MsgEditorImagesUnknown  = "editor.images.unknown"
)

// editorPickerImages is how many of the newest images the picker offers.
const editorPickerImages = 50

// writingView is the writing page of the posted form, as typed.
func (h *Handlers) writingView(c echo.Context, v *editorVisit) views.EditorEditView {
	articleID, baseID, d := draftForm(c)
	if !slices.Contains(h.Locales.Languages(), d.Lang) {
		d.Lang = lang(c)
	}
	if articleID == 0 {
		v.frame.Here = "new"
	}
	ev := views.EditorEditView{ArticleID: articleID, BaseID: baseID, Draft: d, Key: h.editorKey(c, articleID, d.Lang),
		InsertFile: c.FormValue("insert_file"), InsertAlt: c.FormValue("insert_alt")}
	if articleID != 0 {
		if ed, err := h.Editorial.Edition(c.Request().Context(), articleID, d.Lang); err == nil {
			ev.State, ev.PublishAt = ed.State, ed.PublishAt
		}
	}
	return ev
}

// editorImages are the picker's images, newest first.
func (h *Handlers) editorImages(c echo.Context) ([]kb.File, error) {
	if h.Readers == nil {
		return nil, nil
	}
	files, err := h.Readers.Files(c.Request().Context(), editorListedFiles)
	if err != nil {
		return nil, err
	}
	var out []kb.File
	for _, f := range files {
		if f.Type.Image && len(out) < editorPickerImages {
			out = append(out, f)
		}
	}
	return out, nil
}

// fileSnippet is the Markdown of a file (HASH.EXT) with its alternative or
// link text, or the message ID of why there is none.
func fileSnippet(file, alt string) (text, errorID string) {
	alt = strings.Join(strings.Fields(alt), " ")
	_, isImage := imageExt(file)
	switch {
	case alt == "" && isImage:
		return "", MsgEditorFilesAltRequired
	case alt == "":
		return "", MsgEditorFilesLinkRequired
	case isImage:
		return "![" + markdownLabel(alt) + "](" + kbFilePath(file) + ")", ""
	default:
		return "[" + markdownLabel(alt) + "](" + kbFilePath(file) + ")", ""
	}
}

// editorInsertImage is the writing form's Insert button without
// JavaScript: the image's Markdown at the end of the text, the page again.
func (h *Handlers) editorInsertImage(c echo.Context, v editorVisit, ev views.EditorEditView) error {
	images, err := h.editorImages(c)
	if err != nil {
		return err
	}
	known := slices.ContainsFunc(images, func(f kb.File) bool { return f.Hash+"."+f.Type.Ext == ev.InsertFile })
	if !known {
		ev.ErrorID = MsgEditorImagesUnknown
		return h.editorPage(c, v, http.StatusUnprocessableEntity, ev)
	}
	snippet, errorID := fileSnippet(ev.InsertFile, ev.InsertAlt)
	if errorID != "" {
		ev.ErrorID = errorID
		return h.editorPage(c, v, http.StatusUnprocessableEntity, ev)
	}
	body := strings.TrimRight(ev.Draft.Body, "\r\n")
	if body != "" {
		body += "\n\n"
	}
	if len(body)+len(snippet) > kb.MaxBody {
		ev.ErrorID = kb.MsgEditTooLong
		return h.editorPage(c, v, http.StatusUnprocessableEntity, ev)
	}
	ev.Draft.Body = body + snippet + "\n"
	ev.InsertAlt, ev.NoticeID = "", MsgEditorImagesInserted
	return h.editorPage(c, v, http.StatusOK, ev)
}

// editorUploadedToWriting shows the writing page after an upload sent from
// it: the text as typed, the upload's refusal or the first stored image
// chosen in the picker.
func (h *Handlers) editorUploadedToWriting(c echo.Context, st views.EditorFilesView, status int) error {
	v := editorOf(c, "edit")
	ev := h.writingView(c, &v)
	switch {
	case st.ErrorID != "":
		ev.ErrorID, ev.Args = st.ErrorID, st.ErrorArgs
	case len(st.Refused) > 0:
		r := st.Refused[0]
		ev.ErrorID, ev.Args = r.MessageID, r.Args
	}
	for _, f := range st.Added {
		if f.Type.Image {
			ev.InsertFile, ev.InsertAlt = f.Hash+"."+f.Type.Ext, ""
			break
		}
	}
	if len(st.Added) > 0 && ev.ErrorID == "" {
		ev.NoticeID, ev.Args = MsgEditorImagesUploaded, []any{"Count", len(st.Added)}
	}
	if isFragmentRequest(c) {
		// Sent with JavaScript (editor.js): only the images' fieldset
		// changes; the text being written stays in the browser as it is.
		ev.ImagesOnly = true
		if err := h.withImages(c, &ev); err != nil {
			return err
		}
		return h.render(c, status, views.EditorImages(ev), views.EditorImages(ev))
	}
	return h.editorPage(c, v, status, ev)
}

// withImages adds the picker's images and the upload's bounds to a
// writing page.
func (h *Handlers) withImages(c echo.Context, ev *views.EditorEditView) error {
	images, err := h.editorImages(c)
	if err != nil {
		return err
	}
	ev.Images, ev.MaxFiles, ev.MaxMB = images, editorMaxFiles, kb.MaxFileBytes>>20
	return nil
}
