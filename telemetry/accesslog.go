package telemetry

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"
)

// AccessLog starts a Request record for every HTTP request and, when the
// request is done, writes one log line and observes the metrics. The
// request id is the client's X-Request-Id when it looks like one (so a
// proxy's id can be followed through), a new UUID otherwise; it is echoed
// in the response's X-Request-Id header.
func AccessLog(log *slog.Logger, m *Metrics) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			req := &Request{ID: requestID(r)}
			w.Header().Set("X-Request-Id", req.ID)
			sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}

			next.ServeHTTP(sw, r.WithContext(WithRequest(r.Context(), req)))

			elapsed := time.Since(start)
			snap := req.Snapshot()
			outcome := Outcome(sw.status, snap.ErrorCode)
			label := snap.RootField
			if label == "" {
				label = r.URL.Path
			}
			m.ObserveRequest(label, outcome, elapsed.Seconds())
			level := slog.LevelInfo
			if outcome == "internal_error" {
				level = slog.LevelError
			}
			log.LogAttrs(r.Context(), level, "request",
				slog.String("request_id", req.ID),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("op", snap.Op),
				slog.String("field", snap.RootField),
				slog.String("user_id", snap.UserID),
				slog.Int("status", sw.status),
				slog.Float64("duration_ms",
					float64(elapsed.Microseconds())/1000),
				slog.String("outcome", outcome),
				slog.String("error_code", snap.ErrorCode))
		})
	}
}

// Outcome classifies a finished request for logs and metrics: "ok",
// "client_error" or "internal_error".
func Outcome(status int, errorCode string) string {
	switch {
	case status >= 500 || errorCode == "INTERNAL_SERVER_ERROR":
		return "internal_error"
	case status >= 400 || errorCode != "":
		return "client_error"
	}
	return "ok"
}

func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" {
		if _, err := uuid.Parse(id); err == nil && len(id) == 36 {
			return id
		}
	}
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// statusWriter remembers the status code written through it.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
