package telemetry

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the Prometheus collectors of one server instance. Each
// instance has its own registry, so tests can run several side by side.
type Metrics struct {
	Registry *prometheus.Registry

	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	logins       *prometheus.CounterVec
	registration *prometheus.CounterVec
}

// NewMetrics registers usergraph's collectors and the Go runtime's on a
// new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "usergraph_requests_total",
			Help: "HTTP requests by GraphQL operation and outcome.",
		}, []string{"operation", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "usergraph_request_duration_seconds",
			Help:    "Request latency by GraphQL operation and outcome.",
			Buckets: prometheus.DefBuckets,
		}, []string{"operation", "outcome"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "usergraph_logins_total",
			Help: "Login attempts by result.",
		}, []string{"result"}),
		registration: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "usergraph_registrations_total",
			Help: "Registration attempts by result.",
		}, []string{"result"}),
	}
	m.Registry.MustRegister(m.requests, m.duration, m.logins, m.registration,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveRequest counts one finished request.
func (m *Metrics) ObserveRequest(op, outcome string, seconds float64) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(op, outcome).Inc()
	m.duration.WithLabelValues(op, outcome).Observe(seconds)
}

// Login counts one login attempt by result: "success", or the user error
// code, or "error".
func (m *Metrics) Login(result string) {
	if m != nil {
		m.logins.WithLabelValues(result).Inc()
	}
}

// Registration counts one registration attempt by result, as Login does.
func (m *Metrics) Registration(result string) {
	if m != nil {
		m.registration.WithLabelValues(result).Inc()
	}
}

// GaugeFunc registers a gauge whose value is read from f at scrape time,
// such as the password-hashing queue depth.
func (m *Metrics) GaugeFunc(name, help string, f func() float64) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(
		prometheus.GaugeOpts{Name: name, Help: help}, f))
}
