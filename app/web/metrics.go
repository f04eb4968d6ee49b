package web

import (
	"strconv"
	"time"

	"github.com/consentry/consentry/models"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus series, in a registry of its own (no
// global state), labelled by route template to keep cardinality bounded.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// newMetrics registers the series; writes reports the store's write
// transactions and auditIndex its audit indexer, which it exports as they
// stand at each scrape.
func newMetrics(registry *prometheus.Registry, writes func() models.WriteStats, auditIndex func() models.AuditIndexStatus) *metrics {
	m := &metrics{
		registry: registry,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "consentry_http_requests_total",
			Help: "HTTP requests served, by method, route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "consentry_http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by method and route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"method", "route"}),
	}
	registry.MustRegister(m.requests, m.duration,
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "consentry_db_write_transactions_total",
			Help: "Write transactions run by this process, whatever their outcome.",
		}, func() float64 { return float64(writes().Transactions) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "consentry_db_write_batches_total",
			Help: "Database transactions the write transactions ran in: on SQLite, those that arrive together commit together.",
		}, func() float64 { return float64(writes().Batches) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "consentry_audit_index_behind_events",
			Help: "Audit events the indexer left for its next runs (filtered audit reads find them from their rows meanwhile).",
		}, func() float64 { return float64(auditIndex().Behind) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "consentry_audit_index_failures_total",
			Help: "Runs of the audit indexer whose transaction failed.",
		}, func() float64 { return float64(auditIndex().Failures) }),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(method, route string, status int, elapsed time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(elapsed.Seconds())
}

func (s *Server) metricsHandler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}))
}
