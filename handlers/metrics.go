package handlers

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/internal/mail"
	"zerodesk/internal/store"
)

// Metrics are the numbers /metrics serves to Prometheus (serve
// --metrics-addr): off unless asked for, and then on an address of their own,
// never the portal's (docs/OPERATIONS.md says why). The domain knows nothing
// of them: handlers count here, and what lives in a room (the outbox's depth,
// the lockouts) is read from plain counters and queries at scrape time.
//
// No label holds personal data: routes are Echo's templates (c.Path():
// "/:lang/articles/:slug", never the address asked for), methods are the
// known ones or "other", statuses are numbers, and the rest are fixed words.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	durations *prometheus.HistogramVec
	tickets   prometheus.Counter
	logins    *prometheus.CounterVec
	searches  prometheus.Counter
	zeroHits  prometheus.Counter
}

// NewMetrics registers the portal's metrics, the outbox's and the accounts'
// counters (read at scrape time), both database pools' use and the Go
// runtime's. db, outbox and accts may be nil (not measured).
func NewMetrics(db *store.DB, outbox *mail.Outbox, accts *accounts.Accounts) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zerodesk_http_requests_total",
		Help: "HTTP requests answered, by route template, method and status.",
	}, []string{"route", "method", "status"})
	m.durations = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "zerodesk_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route template, method and status.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
	}, []string{"route", "method", "status"})
	m.tickets = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "zerodesk_tickets_submitted_total",
		Help: "Support tickets submitted through the portal.",
	})
	m.logins = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zerodesk_login_failures_total",
		Help: "Login steps refused: reason refused (wrong usercode or password, or locked), second_factor (wrong code) or rate_limited.",
	}, []string{"reason"})
	for _, r := range []string{"refused", "second_factor", "rate_limited"} {
		m.logins.WithLabelValues(r) // every series exists from the start, at 0
	}
	m.searches = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "zerodesk_search_queries_total",
		Help: "Help searches submitted (not the as-you-type requests).",
	})
	m.zeroHits = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "zerodesk_search_zero_hits_total",
		Help: "Submitted help searches that found nothing; the zero-hit rate is this over zerodesk_search_queries_total.",
	})
	m.reg.MustRegister(m.requests, m.durations, m.tickets, m.logins, m.searches, m.zeroHits,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if accts != nil {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "zerodesk_login_lockouts_total",
			Help: "Usercodes and addresses locked after too many failed logins, since the start.",
		}, func() float64 { return float64(accts.Lockouts()) }))
	}
	if outbox != nil {
		m.reg.MustRegister(outboxCollector{outbox})
	}
	if db != nil {
		// go_sql_* by db_name: the read pool and the single writer.
		m.reg.MustRegister(collectors.NewDBStatsCollector(db.Read, "read"), collectors.NewDBStatsCollector(db.Write, "write"))
	}
	return m
}

// Handler serves the metrics in Prometheus's text exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, ErrorHandling: promhttp.ContinueOnError})
}

// knownMethods bound the method label: anything else is "other".
var knownMethods = map[string]bool{http.MethodGet: true, http.MethodHead: true, http.MethodPost: true,
	http.MethodPut: true, http.MethodDelete: true, http.MethodPatch: true, http.MethodOptions: true}

// middleware counts and times every request by its route template. It runs
// outside the request logger, which hands errors to the error handler, so the
// status seen here is the one sent.
func (m *Metrics) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		status := c.Response().Status
		if err != nil && !c.Response().Committed {
			status = http.StatusInternalServerError
			if he, ok := err.(*echo.HTTPError); ok {
				status = he.Code
			}
		}
		method := c.Request().Method
		if isHead(c) {
			method = http.MethodHead
		} else if !knownMethods[method] {
			method = "other"
		}
		route := c.Path() // the template the router matched; "" before routing
		if route == "" {
			route = "none"
		}
		code := strconv.Itoa(status)
		m.requests.WithLabelValues(route, method, code).Inc()
		m.durations.WithLabelValues(route, method, code).Observe(time.Since(start).Seconds())
		return err
	}
}

// The handlers' counts; each is a no-op when metrics are off (m nil).

func (m *Metrics) ticketSubmitted() {
	if m != nil {
		m.tickets.Inc()
	}
}

func (m *Metrics) searched(hits int) {
	if m == nil {
		return
	}
	m.searches.Inc()
	if hits == 0 {
		m.zeroHits.Inc()
	}
}

// loginFailed counts a login step's refusal by kind; other errors (a form
// error, an expired step) are not login failures.
func (m *Metrics) loginFailed(err error) {
	if m == nil || err == nil {
		return
	}
	switch {
	case errs.CodeOf(err) == errs.RateLimited:
		m.logins.WithLabelValues("rate_limited").Inc()
	case errs.MessageIDOf(err) == accounts.MsgLoginFailed:
		m.logins.WithLabelValues("refused").Inc()
	case errs.MessageIDOf(err) == accounts.MsgSecondFactorWrong:
		m.logins.WithLabelValues("second_factor").Inc()
	}
}

// outboxCollector reads the outbox at scrape time: how many messages wait,
// how many gave up, and how many deliveries failed since the start.
type outboxCollector struct{ o *mail.Outbox }

var (
	descOutboxQueued   = prometheus.NewDesc("zerodesk_outbox_queued", "Mail messages waiting in the outbox (first try or retry).", nil, nil)
	descOutboxFailed   = prometheus.NewDesc("zerodesk_outbox_failed", "Mail messages that gave up after the last retry (listed at the desk).", nil, nil)
	descOutboxFailures = prometheus.NewDesc("zerodesk_outbox_delivery_failures_total", "Mail deliveries that failed, since the start (each retry counts).", nil, nil)
)

func (oc outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descOutboxQueued
	ch <- descOutboxFailed
	ch <- descOutboxFailures
}

func (oc outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(descOutboxFailures, prometheus.CounterValue, float64(oc.o.Failures()))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	queued, failed, err := oc.o.Depth(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descOutboxQueued, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(descOutboxQueued, prometheus.GaugeValue, float64(queued))
	ch <- prometheus.MustNewConstMetric(descOutboxFailed, prometheus.GaugeValue, float64(failed))
}
