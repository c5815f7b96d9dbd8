package views

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"

	"zerodesk/internal/kb"
)

// The view models of the editors' files, readers' numbers and searches that
// found nothing (readers.templ; handlers/editor_files.go, editor_readers.go).

// EditorFilesView is the files page.
type EditorFilesView struct {
	EditorFrame
	Files     []kb.File
	Added     []kb.File     // stored by this upload
	Refused   []RefusedFile // refused by this upload
	Snippet   FileSnippet   // the Markdown snippet asked for
	ErrorID   string        // the upload's refusal
	ErrorArgs []any
	MaxFiles  int
	MaxMB     int
	Page      int // of the files list, from 1
	Pages     int
}

// editorFilesPageHref is page n of the files list.
func editorFilesPageHref(n int) string {
	return editorPath("/files") + "?page=" + strconv.Itoa(n)
}

// RefusedFile is one file of an upload that was not stored, and why.
type RefusedFile struct {
	Name      string
	MessageID string
	Args      []any
}

// FileSnippet is the Markdown asked for one file: HASH.EXT, the text typed
// (alternative text or link text) and the snippet, or why there is none.
type FileSnippet struct {
	File, Alt, Text, ErrorID string
}

// HasFile reports whether the page lists the file named HASH.EXT.
func (v EditorFilesView) HasFile(name string) bool {
	return slices.ContainsFunc(v.Files, func(f kb.File) bool { return fileName(f) == name })
}

func fileName(f kb.File) string { return f.Hash + "." + f.Type.Ext }

func fileID(f kb.File) string { return "file-" + f.Hash[:16] }

// fileSize is a size in KB (at least 1) in the page's language.
func fileSize(ctx context.Context, n int64) string {
	return T(ctx, "editor.files.kb", "Size", PageOf(ctx).L.Number(int(max(1, (n+1023)/1024))))
}

func fileAccept() string {
	s := ""
	for i, t := range kb.FileTypes {
		if i > 0 {
			s += ","
		}
		s += t.ContentType
	}
	return s
}

// EditorReadersView is the readers' numbers of every article.
type EditorReadersView struct {
	EditorFrame
	Days     int
	Articles []kb.ArticleStat
}

// EditorReadersArticleView is one article's days.
type EditorReadersArticleView struct {
	EditorFrame
	Article   *kb.Article
	Days      []kb.DayStat
	Reasons   []kb.ReasonCount
	Languages []string // page languages with readers
	In        string   // the language shown, "" for all
	Period    int
}

// EditorSearchesView is the searches that found nothing.
type EditorSearchesView struct {
	EditorFrame
	In             string
	Languages      []string
	Queries        []kb.QueryStat
	Hidden         int64 // queries too few visitors typed to show
	HiddenSearches int64
}

func num(ctx context.Context, n int64) string { return PageOf(ctx).L.Number(int(n)) }

// --- Charts: bars drawn on the server as SVG, with a title, a description
// and a data table beside them; no script.

const (
	chartW, chartH = 600.0, 160.0
	chartPad       = 2.0
)

type bar struct {
	X, Y, W, H string
	Class      string
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// chartBars draws series side by side per day, scaled to the largest value.
func chartBars(days []kb.DayStat, series ...func(kb.DayStat) int64) []bar {
	return seriesBars(days, series...)
}

// seriesBars draws series side by side per item (a day of any kind: the
// readers' days, the desk's report days), scaled to the largest value.
func seriesBars[T any](days []T, series ...func(T) int64) []bar {
	if len(days) == 0 || len(series) == 0 {
		return nil
	}
	top := int64(1)
	for _, d := range days {
		for _, s := range series {
			top = max(top, s(d))
		}
	}
	slot := chartW / float64(len(days))
	w := max((slot-chartPad)/float64(len(series)), 0.5)
	var out []bar
	for i, d := range days {
		for j, s := range series {
			h := float64(s(d)) / float64(top) * (chartH - 1)
			if s(d) > 0 {
				h = max(h, 1)
			}
			out = append(out, bar{
				X: f1(float64(i)*slot + float64(j)*w), Y: f1(chartH - h), W: f1(w), H: f1(h),
				Class: fmt.Sprintf("bar bar-%d", j),
			})
		}
	}
	return out
}

func views(d kb.DayStat) int64 { return d.Views }
func yes(d kb.DayStat) int64   { return d.Yes }
func no(d kb.DayStat) int64    { return d.No }

// sums are the period's totals and the busiest day.
func sums(days []kb.DayStat) (v, y, n int64, busiest kb.DayStat) {
	for _, d := range days {
		v, y, n = v+d.Views, y+d.Yes, n+d.No
		if d.Views > busiest.Views {
			busiest = d
		}
	}
	return
}

func chartViewsDesc(ctx context.Context, days []kb.DayStat) string {
	if len(days) == 0 {
		return ""
	}
	v, _, _, busiest := sums(days)
	if busiest.Views == 0 {
		return T(ctx, "editor.readers.chart.views.none", "From", FormatDate(ctx, days[0].Day), "To", FormatDate(ctx, days[len(days)-1].Day))
	}
	return T(ctx, "editor.readers.chart.views.desc", "From", FormatDate(ctx, days[0].Day), "To", FormatDate(ctx, days[len(days)-1].Day),
		"Total", num(ctx, v), "Most", num(ctx, busiest.Views), "Day", FormatDate(ctx, busiest.Day))
}

func chartVotesDesc(ctx context.Context, days []kb.DayStat) string {
	if len(days) == 0 {
		return ""
	}
	_, y, n, _ := sums(days)
	return T(ctx, "editor.readers.chart.votes.desc", "From", FormatDate(ctx, days[0].Day), "To", FormatDate(ctx, days[len(days)-1].Day),
		"Yes", num(ctx, y), "No", num(ctx, n))
}

// newestFirst is the days for the table, the latest first.
func newestFirst(days []kb.DayStat) []kb.DayStat {
	out := slices.Clone(days)
	slices.Reverse(out)
	return out
}

func readersPath(key string) string { return editorPath("/readers/" + key) }

// EditorNewFor is the new-article page prefilled for a search that found
// nothing: in its language, the query as the title and the keywords.
func EditorNewFor(lang, query string) string {
	return editorPath("/new") + "?" + url.Values{"lang": {lang}, "title": {query}, "keywords": {query}}.Encode()
}
