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
