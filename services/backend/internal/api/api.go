// Package api is the backend's HTTP interface: routes, middleware, request
// decoding, JSON answers and the one table that turns errors into statuses.
// What goes over the wire is package contract's.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"hyundai-poc.com/backend/internal/datapath"
	"hyundai-poc.com/backend/internal/intake"
	"hyundai-poc.com/backend/internal/marketing"
	"hyundai-poc.com/backend/internal/ratelimit"
	"hyundai-poc.com/backend/internal/telemetry"
	"hyundai-poc.com/contract"
)

// DataPath is what the API needs to know about the databases beyond the
// store: their state, for /readyz and the region views.
type DataPath interface {
	Status() datapath.Status
}

// Server serves the backend's routes.
type Server struct {
	Region  string
	Store   marketing.Store
	DB      DataPath
	Log     *slog.Logger
	Metrics *telemetry.Metrics
	// Intake takes leads in: journal, write hold, 202 from the queue. Nil:
	// leads go to the store alone.
	Intake *intake.Intake
	// CatalogAge is the age of the catalogue's in-memory copy, sent as Age
	// on answers the copy served.
	CatalogAge func() time.Duration
	// RequestTimeout bounds a request; writes may spend most of it waiting
	// for a writer during a failover.
	RequestTimeout time.Duration
	// MaxInflightWrites bounds writes waiting at once; beyond it clients get 429.
	MaxInflightWrites int
	// TrustedProxies may say who the client is (X-Forwarded-For).
	TrustedProxies []netip.Prefix
	// WriteLimit bounds lead writes per client address; nil: no limit.
	WriteLimit *ratelimit.Limiter
	// HealthCheckToken is what operators and drills send as a bearer token
	// to write health checks; empty: health checks cannot be written.
	HealthCheckToken string
	Now              func() time.Time

	writeSlots chan struct{}
	// The catalogue's last answers per market, reused while the rows stay
	// the same.
	vehicleLists  answerMemo[[]marketing.Vehicle]
	campaignLists answerMemo[[]marketing.Campaign]
}

// Handler builds the router. Middleware order: request id, region header,
// tracing, metrics and logging, recovery, timeout.
func (s *Server) Handler() http.Handler {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.RequestTimeout == 0 {
		s.RequestTimeout = 20 * time.Second
	}
	if s.MaxInflightWrites == 0 {
		s.MaxInflightWrites = 256
	}
	s.writeSlots = make(chan struct{}, s.MaxInflightWrites)
	s.vehicleLists.equal, s.campaignLists.equal = vehiclesEqual, campaignsEqual
	if s.Intake == nil {
		s.Intake = intake.New(intake.Options{Writer: s.Store})
	}

	r := chi.NewRouter()
	r.Use(requestID, s.regionHeader, s.trace, s.observe, s.recover)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, refuse(contract.CodeNotFound, "no route %s %s", r.Method, r.URL.Path))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, refuse(contract.CodeMethodNotAllowed, "%s is not allowed here", r.Method))
	})

	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	r.Get("/readyz", s.ready)
	r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(s.Metrics.Registry, promhttp.HandlerOpts{}))
	// Outside /api/, like /metrics: neither the ALB nor the frontend's
	// proxy routes it, so the endpoints, addresses and node names it holds
	// stay with the operators.
	r.Get(contract.PathRegionDetail, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, s.regionDetail())
	})

	r.Route("/api", func(r chi.Router) {
		r.Use(s.timeout)
		r.Get("/region", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-store")
			writeJSON(w, http.StatusOK, s.regionDetail().Public())
		})
		r.Mount("/vehicles", s.vehicleRoutes())
		r.Get("/campaigns", s.campaigns)
		r.Mount("/leads", s.leadRoutes())
		r.With(s.operatorOnly).Post("/health-checks", s.createHealthCheck)
	})
	return r
}

func (s *Server) timeout(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.RequestTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	st := s.DB.Status()
	body := contract.Readiness{Reader: st.Reader.Healthy, Writer: st.Writer.Healthy}
	// Reads can be served while either node answers: the writer takes
	// them when the local reader is down.
	if !st.Reader.Healthy && !st.Writer.Healthy {
		s.logFailure(r, http.StatusServiceUnavailable, contract.CodeUnavailable,
			errors.New("neither the reader nor the writer answers: writer: "+st.Writer.Error+"; reader: "+st.Reader.Error), nil)
		w.Header().Set("Retry-After", "1")
		body.Error = &contract.ErrorBody{Code: contract.CodeUnavailable, Message: "neither the reader nor the writer answers"}
		writeJSON(w, http.StatusServiceUnavailable, body)
		return
	}
	body.Status = "ready"
	writeJSON(w, http.StatusOK, body)
}

// regionDetail is the data path's state as the backend last saw it.
func (s *Server) regionDetail() contract.RegionDetail {
	st := s.DB.Status()
	lag := st.Lag.Milliseconds()
	answer := contract.RegionDetail{
		Region: s.Region, Writer: nodeOut(st.Writer), Reader: nodeOut(st.Reader), WriterRegion: st.Writer.Region,
		ReplicationLagMS: &lag, ReadSource: st.ReadSource,
	}
	if q := s.Intake.State(); q.Configured {
		answer.Queue = &contract.QueueStatus{Error: q.Error,
			QueueHealth: contract.QueueHealth{Up: q.Up, Depth: q.Depth, OldestMS: q.OldestMS, CheckedAt: q.CheckedAt}}
	}
	if s.CatalogAge != nil {
		if age := s.CatalogAge(); age > 0 {
			ms := age.Milliseconds()
			answer.CatalogAgeMS = &ms
		}
	}
	return answer
}

// readSource sets X-Read-Source, and Age when the catalogue's copy answered.
func (s *Server) readSource(w http.ResponseWriter, src contract.ReadSource) {
	if src == "" {
		return
	}
	w.Header().Set(contract.HeaderReadSource, string(src))
	if src == contract.FromCache && s.CatalogAge != nil {
		w.Header().Set(contract.HeaderAge, strconv.Itoa(int(s.CatalogAge().Seconds())))
	}
}
