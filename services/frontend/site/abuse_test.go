package site_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"hyundai-poc.com/frontend/backendapi"
	"hyundai-poc.com/frontend/config"
	"hyundai-poc.com/frontend/site"
)

// startSite serves the site in front of a backend address where nothing
// listens, with env added to its configuration.
func startSite(t *testing.T, env map[string]string) (string, *prometheus.Registry) {
	url, reg, _ := startSiteLogged(t, env, io.Discard)
	return url, reg
}

func startSiteLogged(t *testing.T, env map[string]string, logs io.Writer) (string, *prometheus.Registry, *site.Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	all := map[string]string{"REGION": "us-east-1", "BACKEND_URL": dead, "BACKEND_TIMEOUT": "2s"}
	for k, v := range env {
		all[k] = v
	}
	cfg, err := config.Load(func(k string) string { return all[k] })
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	h, err := site.New(cfg, slog.New(slog.NewTextHandler(logs, nil)), backendapi.New(cfg.BackendURL, cfg.BackendTimeout), reg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL, reg, h
}

func send(t *testing.T, method, url string, hdr map[string]string) *http.Response {
	t.Helper()
	return sendBody(t, method, url, nil, hdr)
}

func sendBody(t *testing.T, method, url string, body io.Reader, hdr map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// requestSeries counts http_requests_total series and collects their
// method labels.
func requestSeries(t *testing.T, g prometheus.Gatherer) (int, map[string]bool) {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]bool{}
	n := 0
	for _, mf := range mfs {
		if mf.GetName() != "http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			n++
			for _, l := range m.GetLabel() {
				if l.GetName() == "method" {
					methods[l.GetValue()] = true
				}
			}
		}
	}
	return n, methods
}

// Invented methods and paths must not grow the metrics: every label comes
// from a closed set.
func TestCardinalityAttackKeepsMetricsFlat(t *testing.T) {
	t.Parallel()
	url, reg := startSite(t, nil)
	for i := range 300 {
		send(t, fmt.Sprintf("M%d", i), url+"/", nil)
		send(t, "GET", fmt.Sprintf("%s/nowhere-%d", url, i), nil)
	}
	n, methods := requestSeries(t, reg)
	for m := range methods {
		switch m {
		case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "other":
		default:
			t.Errorf("method label %q is outside the closed set", m)
		}
	}
	if n > 10 {
		t.Errorf("600 invented requests left %d http_requests_total series; want a handful", n)
	}
}

// Process and runtime details are not the internet's: /metrics is served
// apart from the site.
func TestMetricsAreNotOnTheSite(t *testing.T) {
	t.Parallel()
	url, _, h := startSiteLogged(t, nil, io.Discard)
	if resp := send(t, "GET", url+"/metrics", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the site: %d, want 404", resp.StatusCode)
	}
	m := httptest.NewServer(h.MetricsHandler())
	defer m.Close()
	if resp := send(t, "GET", m.URL, nil); resp.StatusCode != 200 {
		t.Errorf("metrics handler: %d", resp.StatusCode)
	}
}

// Forwarding headers from a client that is not a configured proxy earn
// nothing: no HSTS, no Secure cookie.
func TestSpoofedSchemeEarnsNothing(t *testing.T) {
	t.Parallel()
	url, _ := startSite(t, nil) // TRUSTED_PROXIES unset: nobody is a proxy
	resp := send(t, "GET", url+"/healthz", map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
	if resp.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS on the word of a client that is no proxy")
	}
}

// Anyone can post a CSP report, so a report is small and its logging
// sampled; every one is still counted.
func TestCSPReportsCappedAndSampled(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var mu sync.Mutex
	url, reg, _ := startSiteLogged(t, nil, &lockedWriter{w: &logs, mu: &mu})
	hdr := map[string]string{"Content-Type": "application/csp-report"}
	if resp := sendBody(t, "POST", url+"/csp-report", strings.NewReader(strings.Repeat("x", 9<<10)), hdr); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("9 KiB report: %d, want 413", resp.StatusCode)
	}
	for range 50 {
		if resp := sendBody(t, "POST", url+"/csp-report", strings.NewReader(`{"csp-report":{"x":"`+strings.Repeat("y", 4000)+"\u001b[2J\n"+`"}}`), hdr); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("report: %d", resp.StatusCode)
		}
	}
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	if n := strings.Count(out, "csp violation"); n < 1 || n > 5 {
		t.Errorf("50 reports in a burst logged %d times, want a sample", n)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if len(line) > 600 {
			t.Errorf("a logged report is %d bytes long", len(line))
		}
	}
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "frontend_csp_reports_total" && mf.GetMetric()[0].GetCounter().GetValue() != 50 {
			t.Errorf("counted %v reports, want 50", mf.GetMetric()[0].GetCounter().GetValue())
		}
	}
}

// A form declared in another charset than the page's is refused whole.
func TestFormInAnotherCharsetRefused(t *testing.T) {
	t.Parallel()
	url, _ := startSite(t, nil)
	resp := sendBody(t, "POST", url+"/test-drive", strings.NewReader("name=Kim"),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=iso-8859-1", "Sec-Fetch-Site": "same-origin"})
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("latin-1 form: %d, want 415", resp.StatusCode)
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
