package views

import (
	"context"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/a-h/templ"
)

// renderedOnce holds parts of the frame that depend only on the language and
// the text size (side panels, footer, the top search box). They are the same
// on every page, so each is rendered once per language and size, not per request.
var renderedOnce sync.Map // name|lang|size → string

// once renders c the first time for a language and text size and reuses the
// HTML after. c must depend on nothing else of the request.
func once(name string, c templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		p := PageOf(ctx)
		key := name + "|" + p.L.Lang() + "|" + strconv.Itoa(p.TextSize) + "|" + p.Sections.Stamp() // names editors gave categories
		if html, ok := renderedOnce.Load(key); ok {
			_, err := io.WriteString(w, html.(string))
			return err
		}
		var b strings.Builder
		if err := c.Render(ctx, &b); err != nil {
			return err
		}
		renderedOnce.Store(key, b.String())
		_, err := io.WriteString(w, b.String())
		return err
	})
}

// renderedLatest holds parts of the frame that also follow the catalog
// (the footer's Technical Notes): one per name, language, text size and
// category names, with the catalog version it was rendered for, so a new
// version replaces the entry instead of adding one.
var renderedLatest sync.Map // name|lang|size|stamp → latestHTML

type latestHTML struct {
	version uint64
	html    string
}

// onceLatest is once for a part that depends on the language, the text
// size and the catalog version (Page.NotesVersion), nothing else.
func onceLatest(name string, c templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		p := PageOf(ctx)
		key := name + "|" + p.L.Lang() + "|" + strconv.Itoa(p.TextSize) + "|" + p.Sections.Stamp()
		if e, ok := renderedLatest.Load(key); ok && e.(latestHTML).version == p.NotesVersion {
			_, err := io.WriteString(w, e.(latestHTML).html)
			return err
		}
		var b strings.Builder
		if err := c.Render(ctx, &b); err != nil {
			return err
		}
		renderedLatest.Store(key, latestHTML{version: p.NotesVersion, html: b.String()})
		_, err := io.WriteString(w, b.String())
		return err
	})
}
