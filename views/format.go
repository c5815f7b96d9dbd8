package views

import (
	"context"
	"time"
)

// FormatDate writes a date in the request's language. The month names come from
// the message files so every language reads its own.
func FormatDate(ctx context.Context, t time.Time) string {
	return T(ctx, "date.long", "Day", t.Day(), "Month", T(ctx, "date.month."+monthKeys[t.Month()-1]), "Year", t.Year())
}

var monthKeys = [12]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
