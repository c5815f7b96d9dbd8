package handlers

import (
	"strconv"
	"testing"

	"zerodesk/internal/accounts"
)

// The live preview is a scrolling box of one size, reachable by keyboard,
// so what it shows never moves the form (TestBrowser_EditorLivePreview-
// NeverMovesTheButtons): beside the form on the writing page (one grid,
// app.css), below the side-by-side on the translation page. The merge page
// has no preview and keeps its own grid.
func TestEditor_LivePreviewHasOneSizeBesideTheForm(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	id := strconv.FormatInt(mustArticleID(t, a, "compliance"), 10)
	for _, page := range []string{"/en/editor/new", "/en/editor/articles/" + id + "/en"} {
		d := doc(t, e.open(t, page, nil))
		wantCount(t, d, `.editor-workspace > #editor-form`, 1)
		wantCount(t, d, `.editor-workspace > section#preview[aria-labelledby="preview-title"] #preview-title`, 1)
		wantCount(t, d, `#preview > #preview-body.editor-preview-live[tabindex="0"]`, 1)
	}
	d := doc(t, e.open(t, "/en/editor/articles/"+id+"/es/translate", nil))
	wantCount(t, d, `section#preview[aria-labelledby="preview-title"] > #preview-body.editor-preview-live[tabindex="0"]`, 1)
}
