package views

import (
	"context"
	"io"
	"time"

	"github.com/a-h/templ"

	"zerodesk/internal/kb"
)

// FormatDate writes a date in the request's language. The month names come from
// the message files so every language reads its own.
func FormatDate(ctx context.Context, t time.Time) string {
	return T(ctx, "date.long", "Day", t.Day(), "Month", T(ctx, "date.month."+monthKeys[t.Month()-1]), "Year", t.Year())
}

var monthKeys = [12]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// Snippet writes a search snippet with its matches in <mark>. It writes
// straight to the output: a results page has a few hundred fragments, and
// templ's per-expression formatting showed in the profile.
func Snippet(fragments []kb.Fragment) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		for _, f := range fragments {
			if f.Match {
				if _, err := io.WriteString(w, "<mark>"); err != nil {
					return err
				}
			}
			if _, err := io.WriteString(w, templ.EscapeString(f.Text)); err != nil {
				return err
			}
			if f.Match {
				if _, err := io.WriteString(w, "</mark>"); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
