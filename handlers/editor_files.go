package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/errs"
	"zerodesk/internal/kb"
	"zerodesk/views"
)

// The editors' files (issue 13, item 8): the upload form and list at
// /LANG/editor/files, the upload itself through the upload machinery
// (uploads.go: fields first, then the guard, then a slot, 413/503), and the
// files served at their content-hashed, immutable /files/HASH.EXT.

// Message IDs of the files page (the locale test finds Msg… constants).
const (
	MsgEditorFilesAltRequired  = "editor.files.alt_required"
	MsgEditorFilesLinkRequired = "editor.files.link_required"
	MsgEditorFilesTooMany      = "editor.files.error.too_many"
	MsgEditorFilesBodyTooLarge = "editor.files.error.body_too_large"
)

const (
	// editorMaxFiles is how many files one upload may carry.
	editorMaxFiles = 4
	// editorListedFiles bounds the files a snippet is looked for among.
	editorListedFiles = 1000
	// editorFilesPerPage is how many files a page of the files list shows,
	// newest first.
	editorFilesPerPage = 24
	// maxAltRunes bounds an alternative text.
	maxAltRunes = 300
)

func (h *Handlers) editorFileRules() uploadRules {
	return uploadRules{body: int64(editorMaxFiles+1)*kb.MaxFileBytes + 1<<20, files: editorMaxFiles, fileBytes: kb.MaxFileBytes}
}

// editorFiles is the files page; its POST (besides carrying a cookie-less
// session) makes the Markdown snippet of one file, which needs its
// alternative text.
func (h *Handlers) editorFiles(c echo.Context) error {
	v := editorOf(c, "files")
	st := views.EditorFilesView{EditorFrame: v.frame}
	status := http.StatusOK
	if c.Request().Method == http.MethodPost && c.FormValue("file") != "" {
		st.Snippet = views.FileSnippet{File: c.FormValue("file"), Alt: shown(c.FormValue("alt"))}
		st.Snippet.Text, st.Snippet.ErrorID = fileSnippet(st.Snippet.File, st.Snippet.Alt)
		if st.Snippet.ErrorID != "" {
			status = http.StatusUnprocessableEntity
		}
	}
	return h.editorFilesPage(c, st, status)
}

func (h *Handlers) editorFilesPage(c echo.Context, st views.EditorFilesView, status int) error {
	st.Page, _ = strconv.Atoi(c.FormValue("page"))
	st.Page = max(1, min(st.Page, 100000))
	files, total, err := h.Readers.FilesPage(c.Request().Context(), (st.Page-1)*editorFilesPerPage, editorFilesPerPage)
	if err != nil {
		return err
	}
	st.Files, st.MaxFiles, st.MaxMB = files, editorMaxFiles, kb.MaxFileBytes>>20
	st.Pages = max(1, (total+editorFilesPerPage-1)/editorFilesPerPage)
	if st.Snippet.File != "" && !st.HasFile(st.Snippet.File) {
		// The file asked for is on another page: look it up among them all.
		all, err := h.Readers.Files(c.Request().Context(), editorListedFiles)
		if err != nil {
			return err
		}
		if !(views.EditorFilesView{Files: all}).HasFile(st.Snippet.File) {
			return echo.ErrNotFound
		}
	}
	return h.render(c, status, views.EditorFilesPage(st), nil)
}

// imageExt reports the type of a file named HASH.EXT, and whether it is an image.
func imageExt(name string) (kb.FileType, bool) {
	_, ext, _ := strings.Cut(name, ".")
	t, ok := kb.TypeByExt(ext)
	return t, ok && t.Image
}

func kbFilePath(name string) string {
	hash, ext, _ := strings.Cut(name, ".")
	return kb.FilePath(hash, ext)
}

// markdownLabel makes text safe between the brackets of a Markdown link or
// image: one line, its brackets and backslashes escaped, bounded.
func markdownLabel(s string) string {
	if r := []rune(s); len(r) > maxAltRunes {
		s = string(r[:maxAltRunes])
	}
	return strings.NewReplacer(`\`, `\\`, `[`, `\[`, `]`, `\]`).Replace(s)
}

// editorUpload stores the files of the upload form. A request that does not
// say its origin is refused. The text fields (the token) come first and the guard runs on them before any file is read;
// then a slot (503 when none frees up), each file to one byte past its
// limit (413 past it), and the domain sniffs, strips and stores each.
func (h *Handlers) editorUpload(c echo.Context) error {
	// refuseCrossOrigin lets a request with neither header through (a
	// client that is not a browser); files that every reader will load come
	// only from a browser that says where the form was.
	if r := c.Request(); r.Header.Get("Sec-Fetch-Site") == "" && r.Header.Get("Origin") == "" {
		return errs.E(errs.Forbidden, "error.cross_origin")
	}
	p, err := h.readFieldsUnder(c, h.editorFileRules())
	if err != nil {
		return err
	}
	defer p.close()
	return h.requireEditor(func(c echo.Context) error {
		v := editorOf(c, "files")
		st := views.EditorFilesView{EditorFrame: v.frame}
		// An upload from the writing page goes back to it (editor_images.go).
		page := h.editorFilesPage
		if c.FormValue("writing") == "1" {
			page = h.editorUploadedToWriting
		}
		tooLarge := func() error {
			st.ErrorID, st.ErrorArgs = MsgEditorFilesBodyTooLarge, []any{"Size", kb.MaxFileBytes >> 20, "Count", editorMaxFiles}
			return page(c, st, http.StatusRequestEntityTooLarge)
		}
		if p.tooLarge {
			return tooLarge()
		}
		if err := h.readFiles(c, p); err != nil {
			if errors.Is(err, errUploadBusy) {
				busy(c)
				st.ErrorID = MsgUploadBusy
				return page(c, st, http.StatusServiceUnavailable)
			}
			return err
		}
		switch {
		case p.tooLarge:
			return tooLarge()
		case len(p.spooled) == 0:
			st.ErrorID = kb.MsgFileMissing
			return page(c, st, http.StatusBadRequest)
		case len(p.spooled) > editorMaxFiles:
			st.ErrorID, st.ErrorArgs = MsgEditorFilesTooMany, []any{"Count", editorMaxFiles}
			return page(c, st, http.StatusBadRequest)
		}
		ctx := c.Request().Context()
		if err := h.load(ctx, p); err != nil {
			return err
		}
		status := http.StatusOK
		for _, f := range p.files {
			added, err := h.Readers.AddFile(ctx, f.Name, f.Data, v.s.AccountID)
			if err != nil {
				if !errs.IsRefusal(err) {
					return err
				}
				st.Refused = append(st.Refused, views.RefusedFile{Name: shown(f.Name), MessageID: errs.MessageIDOf(err), Args: errArgs(err)})
				if errs.MessageIDOf(err) == kb.MsgFileTooLarge {
					status = http.StatusRequestEntityTooLarge
				} else if status == http.StatusOK {
					status = http.StatusUnsupportedMediaType
				}
				continue
			}
			st.Added = append(st.Added, added)
		}
		return page(c, st, status)
	})(c)
}

// file serves an editor's file at its immutable address: the hash names
// the bytes, so it is cached for a year. The type comes from what was
// sniffed at upload; a PDF is a download, sandboxed if opened anyway.
func (h *Handlers) file(c echo.Context) error {
	hash, ext, _ := strings.Cut(c.Param("name"), ".")
	f, data, err := h.Readers.FileData(c.Request().Context(), hash, ext)
	if err != nil {
		return err
	}
	hd := c.Response().Header()
	hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	hd.Set("ETag", `"`+f.Hash+`"`)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Length", strconv.Itoa(len(data)))
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if !f.Type.Image {
		hd.Set("Content-Disposition", `attachment; filename="`+f.Hash[:16]+"."+f.Type.Ext+`"`)
	}
	if match := c.Request().Header.Get("If-None-Match"); match == `"`+f.Hash+`"` {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, f.Type.ContentType, data)
}
