package site_test

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
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
	h, err := site.New(cfg, slog.New(slog.DiscardHandler), backendapi.New(cfg.BackendURL, cfg.BackendTimeout), reg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL, reg
}

func send(t *testing.T, method, url string, hdr map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
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
