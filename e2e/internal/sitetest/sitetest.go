// Package sitetest starts a real frontend against a backend for tests: the
// handler tests and the browser tests share it.
package sitetest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"hyundai-poc.com/frontend/backendapi"
	"hyundai-poc.com/frontend/config"
	"hyundai-poc.com/frontend/site"
)

// Options shape the frontend under test.
type Options struct {
	// Region of the frontend (and of the backend); us-east-1 when empty.
	Region string
	// BackendURL overrides the backend, for the "backend down" cases.
	BackendURL string
	// Endpoints becomes REGION_ENDPOINTS.
	Endpoints []config.Endpoint
	// BackendTimeout bounds calls to the backend; 5 s when zero.
	BackendTimeout time.Duration
	// Env sets further variables (TRUSTED_PROXIES...).
	Env map[string]string
	// Listener to serve on, so a site can know its own URL in advance (a
	// region lists itself among REGION_ENDPOINTS); a new one when nil.
	Listener net.Listener
}

// Listen opens a loopback listener and returns it with its URL.
func Listen(t testing.TB) (net.Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln, "http://" + ln.Addr().String()
}

// Frontend is a running frontend.
type Frontend struct {
	URL      string
	Server   *httptest.Server
	Registry *prometheus.Registry
	Config   config.Config
	// MetricsURL serves /metrics, apart from the site as METRICS_PORT is.
	MetricsURL string
}

// TestCSRFKey is the form token key StartFrontend gives every frontend, so
// tests can make the token of a session they choose.
const TestCSRFKey = "test-only-form-token-key-0123456789"

// StartFrontend serves the site on a loopback port until the test ends.
func StartFrontend(t testing.TB, opts Options) *Frontend {
	t.Helper()
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.BackendTimeout == 0 {
		opts.BackendTimeout = 5 * time.Second
	}
	env := map[string]string{
		"REGION":          opts.Region,
		"BACKEND_URL":     opts.BackendURL,
		"BACKEND_TIMEOUT": opts.BackendTimeout.String(),
		// The test's own client plays the trusted proxy (the ALB, the edge).
		"TRUSTED_PROXIES": "127.0.0.1/32",
		"CSRF_KEY":        TestCSRFKey,
	}
	var eps []string
	for _, e := range opts.Endpoints {
		eps = append(eps, e.Region+"="+e.URL)
	}
	env["REGION_ENDPOINTS"] = strings.Join(eps, ",")
	for k, v := range opts.Env {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	reg := prometheus.NewRegistry()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	h, err := site.New(cfg, log, backendapi.New(cfg.BackendURL, cfg.BackendTimeout), reg)
	if err != nil {
		t.Fatalf("site: %v", err)
	}
	srv := httptest.NewUnstartedServer(h)
	if opts.Listener != nil {
		srv.Listener.Close()
		srv.Listener = opts.Listener
	}
	srv.Start()
	t.Cleanup(srv.Close)
	msrv := httptest.NewServer(h.MetricsHandler())
	t.Cleanup(msrv.Close)
	return &Frontend{URL: srv.URL, Server: srv, Registry: reg, Config: cfg, MetricsURL: msrv.URL + "/metrics"}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// ClosedURL is an address where nothing listens: a backend that is down.
func ClosedURL(t testing.TB) string {
	t.Helper()
	srv := httptest.NewServer(nil)
	u := srv.URL
	srv.Close()
	if _, err := url.Parse(u); err != nil {
		t.Fatal(err)
	}
	return u
}

// Endpoints parses a REGION_ENDPOINTS value.
func Endpoints(s string) []config.Endpoint {
	var out []config.Endpoint
	for _, item := range strings.Split(s, ",") {
		region, u, _ := strings.Cut(item, "=")
		out = append(out, config.Endpoint{Region: region, URL: u})
	}
	return out
}

// HeaderRecorder is an upstream that answers every request with an empty
// JSON object and sends the request's headers to got. It stands in for no
// API: it shows what the proxy puts on the wire.
func HeaderRecorder(t testing.TB, got chan<- http.Header) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- r.Header.Clone():
		default:
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}"))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// CSRFToken is the form token of session id sid under TestCSRFKey, as the
// site computes it.
func CSRFToken(sid string) string {
	m := hmac.New(sha256.New, []byte(TestCSRFKey))
	m.Write([]byte("csrf:" + sid))
	return hex.EncodeToString(m.Sum(nil))[:32]
}
