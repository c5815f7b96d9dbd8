package handlers

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/errs"
	"zerodesk/internal/tickets/reports"
	"zerodesk/views"
)

// Issue 14, "Numbers for the people who decide": the admins' reports page
// (/desk/reports) and its CSV export (/desk/reports/export). The numbers are
// internal/tickets/reports'; days are the policy's time zone's. Neither the
// page nor the file carries ticket text: counts, working times, ticket-free
// keys (topic and agent names).

// reportDefaultDays is the range the page opens with, ending today.
const reportDefaultDays = 30

func (h *Handlers) deskReports(c echo.Context) error {
	return h.withAdmin(c, "reports", func(d deskVisit) error {
		v, status, err := h.deskReportsView(c, d)
		if err != nil {
			return err
		}
		return h.render(c, status, views.DeskReportsPage(v), nil)
	})
}

// deskReportsView reads the form (from, to: YYYY-MM-DD; by: a dimension)
// and runs the report; a bad form gives the page with its message, 400.
func (h *Handlers) deskReportsView(c echo.Context, d deskVisit) (views.DeskReportsView, int, error) {
	loc := h.SLA.Policy().Calendar.Location
	if loc == nil {
		loc = time.UTC
	}
	today := time.Now().In(loc)
	v := views.DeskReportsView{DeskFrame: d.frame, From: c.FormValue("from"), To: c.FormValue("to"), By: c.FormValue("by")}
	if v.From == "" && v.To == "" {
		v.From, v.To = today.AddDate(0, 0, 1-reportDefaultDays).Format(time.DateOnly), today.Format(time.DateOnly)
	}
	from, err1 := time.ParseInLocation(time.DateOnly, v.From, loc)
	to, err2 := time.ParseInLocation(time.DateOnly, v.To, loc)
	if err1 != nil || err2 != nil {
		v.ErrorID = reports.MsgRangeInvalid
		return v, http.StatusBadRequest, nil
	}
	ctx := c.Request().Context()
	rep, err := h.Reports.Run(ctx, reports.Query{From: from, To: to, Loc: loc, By: reports.Dimension(v.By)})
	if err != nil {
		if !errs.IsRefusal(err) {
			return v, 0, err
		}
		v.ErrorID = errs.MessageIDOf(err)
		return v, classify(err).Status, nil
	}
	v.Report = rep
	if v.GroupNames, err = h.reportGroupNames(ctx, lang(c), rep.Query.By); err != nil {
		return v, 0, err
	}
	return v, http.StatusOK, nil
}

// reportGroupNames names the keys of a dimension: topics in the page's
// language, agents by the names they entered the desk with.
func (h *Handlers) reportGroupNames(ctx context.Context, lang string, by reports.Dimension) (map[string]string, error) {
	out := map[string]string{}
	switch by {
	case reports.ByTopic:
		topics, err := h.Tickets.Topics(ctx, lang, true)
		if err != nil {
			return nil, err
		}
		for _, t := range topics {
			out[t.Key] = t.Name
		}
	case reports.ByAgent:
		agents, err := h.Tickets.Agents(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range agents {
			out[strconv.FormatInt(a.ID, 10)] = a.Name
		}
	}
	return out, nil
}

// deskReportsExport is the report as CSV: one line per day, the total, and
// one per group; durations in seconds of working time.
func (h *Handlers) deskReportsExport(c echo.Context) error {
	return h.withAdmin(c, "reports", func(d deskVisit) error {
		v, status, err := h.deskReportsView(c, d)
		if err != nil {
			return err
		}
		if v.Report == nil {
			return h.render(c, status, views.DeskReportsPage(v), nil)
		}
		body, err := reportCSV(v)
		if err != nil {
			return err
		}
		hd := c.Response().Header()
		hd.Set(echo.HeaderContentDisposition, `attachment; filename="zerodesk-report-`+v.Report.Days[0].Date+`-`+
			v.Report.Days[len(v.Report.Days)-1].Date+`.csv"`)
		hd.Set("X-Content-Type-Options", "nosniff")
		return c.Blob(http.StatusOK, "text/csv; charset=utf-8", body)
	})
}

var reportCSVHeader = []string{"row", "key", "name", "created", "resolved", "backlog",
	"first_response_n", "first_response_median_s", "first_response_p90_s",
	"resolution_n", "resolution_median_s", "resolution_p90_s",
	"first_response_met", "first_response_counted", "resolution_met", "resolution_counted",
	"ratings", "rating_average"}

func reportCSV(v views.DeskReportsView) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	write := func(cells ...string) {
		for len(cells) < len(reportCSVHeader) {
			cells = append(cells, "")
		}
		for i := range cells {
			cells[i] = csvSafe(cells[i])
		}
		_ = w.Write(cells)
	}
	write(reportCSVHeader...)
	n := strconv.Itoa
	secs := func(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) }
	figures := func(kind, key, name, backlog string, f reports.Figures) {
		avg := ""
		if f.Ratings.N > 0 {
			avg = n(f.Ratings.Average10()/10) + "." + n(f.Ratings.Average10()%10)
		}
		write(kind, key, name, n(f.Created), n(f.Resolved), backlog,
			n(f.FirstResponse.N), secs(f.FirstResponse.Median), secs(f.FirstResponse.P90),
			n(f.Resolution.N), secs(f.Resolution.Median), secs(f.Resolution.P90),
			n(f.FirstResponseMet.Met), n(f.FirstResponseMet.N), n(f.ResolutionMet.Met), n(f.ResolutionMet.N),
			n(f.Ratings.N), avg)
	}
	r := v.Report
	for _, d := range r.Days {
		write("day", d.Date, "", n(d.Created), n(d.Resolved), n(d.Backlog))
	}
	figures("total", "", "", n(r.Days[len(r.Days)-1].Backlog), r.Total)
	for _, g := range r.Groups {
		name := v.GroupNames[g.Key]
		if r.Query.By == reports.ByTag {
			name = g.Key // a tag is its own name
		}
		figures(string(r.Query.By), g.Key, name, "", g.Figures)
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// csvSafe keeps a cell from being read as a formula by a spreadsheet
// (OWASP "CSV injection"): a cell starting with =, +, -, @, a tab or a
// carriage return gets a leading apostrophe. Numbers never start so (no
// count or duration is negative).
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
