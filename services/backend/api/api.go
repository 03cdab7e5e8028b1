// Package api is the backend's HTTP interface: routes, middleware, JSON
// answers and the one table that turns domain errors into statuses.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"hyundai-poc.com/backend/datapath"
	"hyundai-poc.com/backend/marketing"
	"hyundai-poc.com/backend/telemetry"
)

// DataPath is what the API needs to know about the databases beyond the
// store: their state, for /readyz and /api/region.
type DataPath interface {
	Status() datapath.Status
}

// API serves the backend's routes.
type API struct {
	Region  string
	Store   marketing.Store
	DB      DataPath
	Log     *slog.Logger
	Metrics *telemetry.Metrics
	// RequestTimeout bounds a request; writes may spend most of it waiting
	// for a writer during a failover.
	RequestTimeout time.Duration
	// MaxInflightWrites bounds writes waiting at once; beyond it clients get 429.
	MaxInflightWrites int
	Now               func() time.Time

	writeSlots chan struct{}
}

// maxBody is the largest request body accepted (413 beyond).
const maxBody = 16 << 10

// Handler builds the router. Middleware order: request id, region header,
// tracing, metrics and logging, recovery, timeout.
func (a *API) Handler() http.Handler {
	if a.Now == nil {
		a.Now = time.Now
	}
	if a.RequestTimeout == 0 {
		a.RequestTimeout = 20 * time.Second
	}
	if a.MaxInflightWrites == 0 {
		a.MaxInflightWrites = 256
	}
	a.writeSlots = make(chan struct{}, a.MaxInflightWrites)

	r := chi.NewRouter()
	r.Use(middleware.RequestID, a.regionHeader, a.trace, a.observe, a.recover)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		a.fail(w, r, marketing.Errorf(marketing.ENotFound, "no route %s %s", r.Method, r.URL.Path))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		a.writeError(w, r, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed here", nil)
	})

	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	r.Get("/readyz", a.ready)
	r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(a.Metrics.Registry, promhttp.HandlerOpts{}))

	r.Route("/api", func(r chi.Router) {
		r.Use(a.timeout)
		r.Get("/region", a.region)
		r.Mount("/vehicles", a.vehicleRoutes())
		r.Get("/campaigns", a.campaigns)
		r.Mount("/leads", a.leadRoutes())
		r.Post("/health-checks", a.createHealthCheck)
	})
	return r
}

func (a *API) timeout(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), a.RequestTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (a *API) ready(w http.ResponseWriter, r *http.Request) {
	st := a.DB.Status()
	body := map[string]any{"reader": st.Reader.Healthy, "writer": st.Writer.Healthy}
	// Reads can be served while either node answers: the writer takes
	// them when the local reader is down.
	if !st.Reader.Healthy && !st.Writer.Healthy {
		w.Header().Set("Retry-After", "1")
		body["error"] = errorBody{Code: marketing.EUnavailable, Message: "neither the reader nor the writer answers"}
		writeJSON(w, http.StatusServiceUnavailable, body)
		return
	}
	body["status"] = "ready"
	writeJSON(w, http.StatusOK, body)
}

type regionAnswer struct {
	Region           string              `json:"region"`
	Writer           datapath.NodeStatus `json:"writer"`
	Reader           datapath.NodeStatus `json:"reader"`
	WriterRegion     string              `json:"writer_region"`
	ReplicationLagMS int64               `json:"replication_lag_ms"`
	ReadSource       datapath.Source     `json:"read_source"`
}

func (a *API) region(w http.ResponseWriter, r *http.Request) {
	st := a.DB.Status()
	if st.Writer.Resolved == nil {
		st.Writer.Resolved = []string{}
	}
	if st.Reader.Resolved == nil {
		st.Reader.Resolved = []string{}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, regionAnswer{
		Region: a.Region, Writer: st.Writer, Reader: st.Reader, WriterRegion: st.Writer.Region,
		ReplicationLagMS: st.Lag.Milliseconds(), ReadSource: st.ReadSource,
	})
}
