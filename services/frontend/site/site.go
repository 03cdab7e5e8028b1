// Package site is the hyundai-poc.com web server: HTML pages rendered with
// html/template from the backend's API, the /api proxy, health and metrics.
// CSS and a little script are embedded; every page works without script.
package site

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"hyundai-poc.com/contract"
	"hyundai-poc.com/frontend/backendapi"
	"hyundai-poc.com/frontend/config"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Server serves the site.
type Server struct {
	cfg      config.Config
	log      *slog.Logger
	api      *backendapi.Client
	metrics  *metrics
	gatherer prometheus.Gatherer
	csp      string
	pages    map[string]*template.Template
	assets   map[string]string // file name -> content hash for cache busting
	handler  http.Handler
	// csrfKey signs form tokens to sessions (CSRF_KEY).
	csrfKey []byte
	// lastCSPLog is when a CSP report was last logged (UnixNano).
	lastCSPLog atomic.Int64
}

// New wires the site. reg receives the site's metrics and is what /metrics serves.
func New(cfg config.Config, log *slog.Logger, api *backendapi.Client, reg *prometheus.Registry) (*Server, error) {
	s := &Server{cfg: cfg, log: log, api: api, metrics: newMetrics(reg), gatherer: reg, csrfKey: []byte(cfg.CSRFKey)}
	if len(s.csrfKey) == 0 {
		s.csrfKey = []byte(newID() + newID())
		log.Warn("no CSRF_KEY: forms are accepted only by the process that served them")
	}
	origins := make([]string, 0, len(cfg.RegionEndpoints))
	for _, e := range cfg.RegionEndpoints {
		u, err := url.Parse(e.URL)
		if err != nil {
			return nil, fmt.Errorf("region endpoint %s: %w", e.Region, err)
		}
		origins = append(origins, u.Scheme+"://"+u.Host)
	}
	s.csp = buildCSP(origins)
	if err := s.loadAssets(); err != nil {
		return nil, err
	}
	if err := s.loadTemplates(); err != nil {
		return nil, err
	}
	h, err := s.routes(cfg)
	if err != nil {
		return nil, err
	}
	s.handler = h
	return s, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// MetricsHandler serves the site's metrics. It is not on the site's own
// routes: process and runtime details are for monitoring, not the internet,
// so it listens on METRICS_PORT, which neither the ALB nor the edge routes.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.gatherer, promhttp.HandlerOpts{})
}

func (s *Server) routes(cfg config.Config) (http.Handler, error) {
	r := chi.NewRouter()
	r.Use(s.identify, s.observe, s.secure)

	// Browsers send Sec-Fetch-Site / Origin on every form post; a post from
	// another site is refused before any handler runs. Forms also carry a
	// double-submit token (forms.go) for browsers that send neither.
	cop := http.NewCrossOriginProtection()
	cop.AddInsecureBypassPattern("POST /csp-report")
	// Behind a proxy that rewrites Host, a same-origin post's Origin is the
	// public one, which the Host check cannot recognise.
	for _, o := range cfg.PublicOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("public origin %s: %w", o, err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusForbidden, "This request came from another site",
			"For your safety we only accept forms sent from this site. Open the page again and send it from there.")
	}))
	r.Use(cop.Handler)

	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Post("/csp-report", s.cspReport)
	r.Get("/static/*", s.static)
	r.Handle("/api/*", s.newProxy())

	r.Get("/", s.home)
	r.Get("/vehicles", s.vehicles)
	r.Get("/vehicles/{id}", s.vehicle)
	r.Get("/test-drive", s.testDriveForm)
	r.Post("/test-drive", s.testDriveSubmit)
	r.Get("/test-drive/thanks", s.testDriveThanks)
	r.Get("/status", s.status)

	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusNotFound, "We can't find that page",
			"The address may be mistyped, or the page has moved. Try the vehicles or the home page.")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusMethodNotAllowed, "That doesn't work here",
			"This address does not accept "+r.Method+" requests.")
	})
	return r, nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	// The status page's latency panel times this from other regions' pages.
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Timing-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "region": s.cfg.Region})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if err := s.api.Ready(r.Context()); err != nil {
		s.log.WarnContext(r.Context(), "not ready", "error", err)
		writeJSON(w, http.StatusServiceUnavailable, errorBody(contract.CodeUnavailable, "the backend is not ready: "+shortError(err)))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "backend": true})
}

// cspReport takes violation reports (report-uri and Reporting API shapes);
// they are logged and counted, so a policy mistake shows up in monitoring.
// Anyone can post here (browsers send reports without credentials), so a
// report is small, counted always, and logged at most once a second, as
// 300 printable characters.
func (s *Server) cspReport(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCSPReport))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, errorBody(contract.CodeBodyTooLarge, "report over 8 KiB"))
		return
	}
	s.metrics.cspReports.Inc()
	if now := time.Now().UnixNano(); now-s.lastCSPLog.Load() >= int64(time.Second) {
		s.lastCSPLog.Store(now)
		s.log.WarnContext(r.Context(), "csp violation (sampled)", "report", printable(truncate(string(body), 300)))
	}
	w.WriteHeader(http.StatusNoContent)
}

// maxCSPReport is the largest violation report taken; a real one is well
// under 2 KiB.
const maxCSPReport = 8 << 10

// printable drops what could forge log lines or hide text.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, s)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (s *Server) loadAssets() error {
	s.assets = map[string]string{}
	return fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		s.assets[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:6])
		return nil
	})
}

// static serves embedded assets. A URL with the current content hash is
// cached for a year; anything else briefly.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/static/")
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil {
		s.errorPage(w, r, http.StatusNotFound, "We can't find that file", "")
		return
	}
	if v := r.URL.Query().Get("v"); v != "" && v == s.assets[name] {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=300")
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}

// wantsJSON: API paths and clients that ask for JSON get JSON errors,
// browsers get pages.
func wantsJSON(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return true
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

// errorBody is an error answer in the API's shape, so a client of /api
// reads the frontend's own answers as it reads the backend's.
func errorBody(code, msg string) contract.ErrorAnswer {
	return contract.ErrorAnswer{Error: contract.ErrorBody{Code: code, Message: msg}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// unavailable answers when the backend cannot be reached (502) or did not
// answer in time (504).
func (s *Server) unavailable(w http.ResponseWriter, r *http.Request, status int) {
	w.Header().Set("Retry-After", "5")
	if wantsJSON(r) {
		code, msg := "backend_unavailable", "the backend cannot be reached; try again shortly"
		if status == http.StatusGatewayTimeout {
			code, msg = "backend_timeout", "the backend did not answer in time; try again shortly"
		}
		writeJSON(w, status, errorBody(code, msg))
		return
	}
	title, text := "We're having trouble reaching our systems",
		"This is usually over within seconds while traffic moves to a healthy database. Please try again in a moment."
	if status == http.StatusGatewayTimeout {
		title = "This is taking longer than it should"
	}
	s.errorPage(w, r, status, title, text)
}

// lookupFailed answers a failed read of one thing: its own 404 page when
// the backend has no such thing, else as backendError.
func (s *Server) lookupFailed(w http.ResponseWriter, r *http.Request, err error, title, text string) {
	var be *backendapi.Error
	// A 404, or a 400 for a token or id the backend would not take: the
	// link is wrong, which is the visitor's to fix, not a server fault.
	if errors.As(err, &be) && (be.Status == http.StatusNotFound || be.Status == http.StatusBadRequest) {
		s.errorPage(w, r, http.StatusNotFound, title, text)
		return
	}
	s.backendError(w, r, err)
}

// backendError turns a failed backend call into the right answer.
func (s *Server) backendError(w http.ResponseWriter, r *http.Request, err error) {
	var be *backendapi.Error
	switch {
	case errors.Is(err, backendapi.ErrTimeout):
		s.log.WarnContext(r.Context(), "backend timed out", "error", err)
		s.unavailable(w, r, http.StatusGatewayTimeout)
	case errors.Is(err, backendapi.ErrUnavailable):
		s.log.WarnContext(r.Context(), "backend unreachable", "error", err)
		s.unavailable(w, r, http.StatusBadGateway)
	case errors.As(err, &be) && be.Status == http.StatusNotFound:
		s.errorPage(w, r, http.StatusNotFound, "We can't find that page",
			"It may have been removed, or the address is mistyped.")
	case errors.As(err, &be) && be.Status == http.StatusTooManyRequests:
		s.errorPage(w, r, http.StatusTooManyRequests, "Too many requests",
			"Please wait a few seconds and try again.")
	case errors.As(err, &be) && be.Status == http.StatusServiceUnavailable:
		s.log.WarnContext(r.Context(), "backend unavailable", "error", err)
		w.Header().Set("Retry-After", "5")
		s.errorPage(w, r, http.StatusServiceUnavailable, "We're having trouble reaching our systems",
			"No database can answer right now. This is usually over within seconds; please try again.")
	default:
		s.log.ErrorContext(r.Context(), "backend call failed", "error", err)
		s.unavailable(w, r, http.StatusBadGateway)
	}
}
