package handlers

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"zerodesk/internal/accounts"
)

// Issue 14's journey, with JavaScript and without: an admin sets business
// hours and a target, the queue shows the time left in working time, and
// the report shows the day's numbers, as a chart and a table; axe finds
// nothing on any of the three pages.
func TestBrowser_AdminSetsServiceLevelsQueueShowsWorkingTimeReportShowsToday(t *testing.T) {
	t.Parallel()
	for _, js := range []bool{true, false} {
		t.Run("javascript "+strconv.FormatBool(js), func(t *testing.T) {
			t.Parallel()
			var opts []tabOption
			if !js {
				opts = append(opts, withoutJavaScript())
			}
			b := newBrowserTab(t, opts...)
			b.staffLogin(accounts.Admin, "Ada Admin", "admin@example.com", true)
			b.open("/en/desk/sla", 200)
			b.checkAccessibility("service levels page")
			b.typeInto("#sla-zone", "America/New_York")
			// Every hour of every day: the test sees the clock run whenever it runs.
			for d := 0; d < 7; d++ {
				b.typeInto("#sla-day-"+strconv.Itoa(d), "00:00-24:00")
			}
			b.typeInto("#sla-normal-first", "3")
			b.follow("saving the policy", chromedp.Click(chromedp.CSS(`.sla-form button[type="submit"]`)))
			b.check("saved", `document.querySelector("#desk-notice").textContent.includes("Saved") &&
				document.querySelector("#sla-zone").value === "America/New_York" &&
				document.querySelector("#sla-normal-first").value === "3"`)
			b.checkAccessibility("service levels page after saving")

			rc := guestTicket(t, b.app, "Grace Guest", "grace@example.org", "account", "Invoices missing", "The page stays empty.")
			b.open("/en/desk", 200)
			b.check("working time left on the line", `(() => {
				const row = [...document.querySelectorAll("#queue-table tbody tr")].find(r => r.textContent.includes("`+rc.Reference+`"));
				const left = row && row.querySelector(".sla-left");
				return !!left && /^(2 h 5\d|3 h 0) min of working time left$/.test(left.textContent.trim());
			})()`)
			b.checkAccessibility("queue with working time")

			b.follow("opening the reports", chromedp.Click(chromedp.CSS(`.desk-menu a[href="/en/desk/reports"]`)))
			b.check("today's numbers", `document.querySelector("#report-created").textContent === "1" &&
				document.querySelector("#report-backlog").textContent === "1" &&
				!!document.querySelector("svg.chart-svg title#report-chart-title") &&
				document.querySelector("#report-days tbody tr:last-child td").textContent === "1"`)
			b.do("grouping by topic", chromedp.SetValue(chromedp.CSS("#report-by"), "topic"))
			b.follow("showing the report", chromedp.Click(chromedp.CSS(`#report .desk-filters-go button`)))
			b.check("the topic's line", `document.querySelector("#report-groups tbody").textContent.includes("My account")`)
			b.checkAccessibility("reports page")
		})
	}
}
