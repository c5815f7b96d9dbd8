package handlers

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/errs"
	"zerodesk/internal/sla"
	"zerodesk/internal/tickets"
	"zerodesk/views"
)

// Issue 14, "Targets that respect working time": the admins' service-level
// policy page (/desk/sla). The policy is internal/sla's, the working-time
// arithmetic internal/worktime's; the ticket room runs each ticket's clock on
// it (internal/tickets/sla.go), and after a save its sweep recomputes the
// running tickets' due times (tickets.Service.RetimeSLA).

func (h *Handlers) deskSLA(c echo.Context) error {
	return h.withAdmin(c, "sla", func(d deskVisit) error {
		return h.deskSLAPage(c, d, http.StatusOK, slaForm(h.SLA.Settings()), "", "")
	})
}

func (h *Handlers) deskSLAPage(c echo.Context, d deskVisit, status int, form views.DeskSLAForm, noticeID, errorID string) error {
	topics, err := h.Tickets.Topics(c.Request().Context(), lang(c), true)
	if err != nil {
		return err
	}
	return h.render(c, status, views.DeskSLAPage(views.DeskSLAView{DeskFrame: d.frame, Form: form, Topics: topics,
		NoticeID: noticeID, ErrorID: errorID}), nil)
}

func (h *Handlers) deskSaveSLA(c echo.Context) error {
	return h.withAdmin(c, "sla", func(d deskVisit) error {
		form, err := slaFormOf(c)
		if err != nil {
			return err
		}
		st, err := h.slaSettings(c, form)
		if err == nil {
			err = h.SLA.Save(c.Request().Context(), d.s.AccountID, st)
		}
		if err != nil {
			if !errs.IsRefusal(err) {
				return err
			}
			return h.deskSLAPage(c, d, classify(err).Status, form, "", errs.MessageIDOf(err))
		}
		return h.deskSLAPage(c, d, http.StatusOK, slaForm(h.SLA.Settings()), MsgDeskDoneSaved, "")
	})
}

// slaFormOf is the form as sent.
func slaFormOf(c echo.Context) (views.DeskSLAForm, error) {
	f := views.DeskSLAForm{TimeZone: strings.TrimSpace(c.FormValue("zone")), Holidays: c.FormValue("holidays"),
		Risk: strings.TrimSpace(c.FormValue("risk")), Targets: map[string][2]string{}}
	for d := range f.Days {
		f.Days[d] = strings.TrimSpace(c.FormValue("day" + strconv.Itoa(d)))
	}
	for _, p := range tickets.Priorities {
		f.Targets[string(p)] = [2]string{strings.TrimSpace(c.FormValue("first_" + string(p))), strings.TrimSpace(c.FormValue("res_" + string(p)))}
	}
	params, err := c.FormParams()
	if err != nil {
		return f, err
	}
	topics, prios, firsts, ress := params["o_topic"], params["o_priority"], params["o_first"], params["o_res"]
	for i := range topics {
		if i >= len(prios) || i >= len(firsts) || i >= len(ress) || i >= 100 {
			break
		}
		o := views.DeskSLAOverride{Topic: topics[i], Priority: prios[i], First: strings.TrimSpace(firsts[i]), Resolution: strings.TrimSpace(ress[i])}
		if o.Topic == "" || o.First == "" && o.Resolution == "" {
			continue // the empty row, or one emptied to remove it
		}
		f.Overrides = append(f.Overrides, o)
	}
	return f, nil
}

// slaSettings reads the form into the policy; a field it cannot read is
// refused with the message of its kind, like the service's own checks.
func (h *Handlers) slaSettings(c echo.Context, f views.DeskSLAForm) (sla.Settings, error) {
	st := sla.Settings{TimeZone: f.TimeZone, Targets: map[string]sla.Target{}, Topics: map[string]map[string]sla.Target{}}
	for d, text := range f.Days {
		ivs, ok := parseHours(text)
		if !ok {
			return st, errs.E(errs.Invalid, sla.MsgHoursInvalid)
		}
		st.Hours[d] = ivs
	}
	st.Holidays = strings.Fields(strings.ReplaceAll(f.Holidays, ",", " "))
	risk, err := strconv.Atoi(f.Risk)
	if err != nil {
		return st, errs.E(errs.Invalid, sla.MsgRiskInvalid)
	}
	st.RiskPercent = risk
	for p, t := range f.Targets {
		tg, ok := parseTarget(t[0], t[1])
		if !ok {
			return st, errs.E(errs.Invalid, sla.MsgTargetInvalid)
		}
		st.Targets[p] = tg
	}
	topics, err := h.Tickets.Topics(c.Request().Context(), lang(c), true)
	if err != nil {
		return st, err
	}
	known := map[string]bool{}
	for _, t := range topics {
		known[t.Key] = true
	}
	for _, o := range f.Overrides {
		tg, ok := parseTarget(o.First, o.Resolution)
		if !ok || !known[o.Topic] {
			return st, errs.E(errs.Invalid, sla.MsgTargetInvalid)
		}
		if st.Topics[o.Topic] == nil {
			st.Topics[o.Topic] = map[string]sla.Target{}
		}
		st.Topics[o.Topic][o.Priority] = tg
	}
	return st, nil
}

// parseHours reads "09:00-12:00, 13:00-17:00" (empty: a day off; an end at
// or before the start runs past midnight; 00:00-24:00 is the whole day).
func parseHours(text string) ([]sla.Interval, bool) {
	var out []sla.Interval
	for _, part := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' }) {
		part = strings.NewReplacer("–", "-", "—", "-", " ", "").Replace(part)
		from, to, ok := strings.Cut(part, "-")
		if !ok {
			return nil, false
		}
		s, ok1 := parseClock(from)
		e, ok2 := parseClock(to)
		if !ok1 || !ok2 || s == 24*60 {
			return nil, false
		}
		out = append(out, sla.Interval{Start: s, End: e % (24 * 60)})
	}
	return out, true
}

// parseClock reads "9", "09:30" or "24:00" as minutes after midnight.
func parseClock(s string) (int, bool) {
	hs, ms, _ := strings.Cut(s, ":")
	hh, err := strconv.Atoi(hs)
	if err != nil || hh < 0 || hh > 24 {
		return 0, false
	}
	mm := 0
	if ms != "" {
		if mm, err = strconv.Atoi(ms); err != nil || mm < 0 || mm > 59 || len(ms) != 2 {
			return 0, false
		}
	}
	if hh == 24 && mm != 0 {
		return 0, false
	}
	return hh*60 + mm, true
}

// parseTarget reads two hour counts ("8", "0.5", "1,5").
func parseTarget(first, res string) (sla.Target, bool) {
	f, ok1 := parseHoursCount(first)
	r, ok2 := parseHoursCount(res)
	t := sla.Target{FirstResponse: f, Resolution: r}
	return t, ok1 && ok2 && t.Valid()
}

func parseHoursCount(s string) (time.Duration, bool) {
	v, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", "."), 64)
	if err != nil || v <= 0 || v > 24*366 {
		return 0, false
	}
	return time.Duration(v * float64(time.Hour)).Round(time.Minute), true
}

// slaForm is the policy as the form shows it.
func slaForm(st sla.Settings) views.DeskSLAForm {
	f := views.DeskSLAForm{TimeZone: st.TimeZone, Holidays: strings.Join(st.Holidays, "\n"), Risk: strconv.Itoa(st.RiskPercent),
		Targets: map[string][2]string{}}
	for d, ivs := range st.Hours {
		var parts []string
		for _, iv := range ivs {
			end := iv.End
			if end == 0 {
				end = 24 * 60
			}
			parts = append(parts, fmt.Sprintf("%02d:%02d-%02d:%02d", iv.Start/60, iv.Start%60, end/60, end%60))
		}
		f.Days[d] = strings.Join(parts, ", ")
	}
	hours := func(d time.Duration) string { return strconv.FormatFloat(d.Hours(), 'f', -1, 64) }
	for p, t := range st.Targets {
		f.Targets[p] = [2]string{hours(t.FirstResponse), hours(t.Resolution)}
	}
	for topic, ts := range st.Topics {
		for _, p := range tickets.Priorities {
			if t, ok := ts[string(p)]; ok {
				f.Overrides = append(f.Overrides, views.DeskSLAOverride{Topic: topic, Priority: string(p),
					First: hours(t.FirstResponse), Resolution: hours(t.Resolution)})
			}
		}
	}
	sortOverrides(f.Overrides)
	return f
}

func sortOverrides(list []views.DeskSLAOverride) {
	rank := map[string]int{}
	for i, p := range tickets.Priorities {
		rank[string(p)] = i
	}
	slices.SortFunc(list, func(a, b views.DeskSLAOverride) int {
		if c := strings.Compare(a.Topic, b.Topic); c != 0 {
			return c
		}
		return rank[a.Priority] - rank[b.Priority]
	})
}
