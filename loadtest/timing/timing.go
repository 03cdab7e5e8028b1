// Package timing measures HTTP requests phase by phase (DNS, connect, TLS,
// first byte, total) with net/http/httptrace. The evidence kit uses it from
// the operator's machine and the backend's probe subcommand uses it from
// inside each region, so both sides of the latency matrix are measured the
// same way.
package timing

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"time"

	"hyundai-poc.com/loadtest/stats"
)

// Sample is one request's phases in milliseconds. A phase the request did
// not go through (no DNS for an address, no TLS for http://) is 0.
type Sample struct {
	DNSms       float64 `json:"dns_ms"`
	ConnectMs   float64 `json:"connect_ms"`
	TLSms       float64 `json:"tls_ms"`
	FirstByteMs float64 `json:"first_byte_ms"` // request written -> first response byte
	TotalMs     float64 `json:"total_ms"`
	Status      int     `json:"status"`
	Err         string  `json:"error,omitempty"`
}

// OK reports a 2xx answer.
func (s Sample) OK() bool { return s.Err == "" && s.Status >= 200 && s.Status < 300 }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Once sends one GET on a fresh connection (no keep-alive), so every phase
// is paid as a visitor's first request pays it. header is added to the request.
func Once(ctx context.Context, url string, header http.Header, timeout time.Duration) Sample {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var s Sample
	var dnsStart, connStart, tlsStart, wrote time.Time
	trace := &httptrace.ClientTrace{
		DNSStart:          func(httptrace.DNSStartInfo) { dnsStart = time.Now() },
		DNSDone:           func(httptrace.DNSDoneInfo) { s.DNSms = ms(time.Since(dnsStart)) },
		ConnectStart:      func(string, string) { connStart = time.Now() },
		ConnectDone:       func(string, string, error) { s.ConnectMs = ms(time.Since(connStart)) },
		TLSHandshakeStart: func() { tlsStart = time.Now() },
		TLSHandshakeDone:  func(tls.ConnectionState, error) { s.TLSms = ms(time.Since(tlsStart)) },
		WroteRequest:      func(httptrace.WroteRequestInfo) { wrote = time.Now() },
		GotFirstResponseByte: func() {
			if !wrote.IsZero() {
				s.FirstByteMs = ms(time.Since(wrote))
			}
		},
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, url, nil)
	if err != nil {
		s.Err = err.Error()
		return s
	}
	for k, v := range header {
		req.Header[k] = v
	}
	tr := &http.Transport{DisableKeepAlives: true, Proxy: nil}
	defer tr.CloseIdleConnections()
	start := time.Now()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		s.Err = err.Error()
		s.TotalMs = ms(time.Since(start))
		return s
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<20))
	resp.Body.Close()
	s.Status = resp.StatusCode
	s.TotalMs = ms(time.Since(start))
	if s.Status < 200 || s.Status > 299 {
		s.Err = fmt.Sprintf("HTTP %d", s.Status)
	}
	return s
}

// Result summarises n requests to one URL: p50/p95/p99/max of each phase
// over the successful ones.
type Result struct {
	URL       string        `json:"url"`
	Requests  int           `json:"requests"`
	Failed    int           `json:"failed"`
	LastError string        `json:"last_error,omitempty"`
	Total     stats.Summary `json:"total_ms"`
	DNS       stats.Summary `json:"dns_ms"`
	Connect   stats.Summary `json:"connect_ms"`
	TLS       stats.Summary `json:"tls_ms"`
	FirstByte stats.Summary `json:"first_byte_ms"`
}

// Measure sends n requests one after another (after one uncounted warm-up
// that fills DNS caches as a browser's would) and summarises them.
func Measure(ctx context.Context, url string, header http.Header, n int, timeout time.Duration) Result {
	Once(ctx, url, header, timeout)
	r := Result{URL: url}
	var total, dns, conn, tlsT, fb []float64
	for i := 0; i < n && ctx.Err() == nil; i++ {
		s := Once(ctx, url, header, timeout)
		r.Requests++
		if !s.OK() {
			r.Failed++
			r.LastError = s.Err
			continue
		}
		total = append(total, s.TotalMs)
		dns = append(dns, s.DNSms)
		conn = append(conn, s.ConnectMs)
		tlsT = append(tlsT, s.TLSms)
		fb = append(fb, s.FirstByteMs)
	}
	r.Total = stats.Summarize(total).Rounded()
	r.DNS = stats.Summarize(dns).Rounded()
	r.Connect = stats.Summarize(conn).Rounded()
	r.TLS = stats.Summarize(tlsT).Rounded()
	r.FirstByte = stats.Summarize(fb).Rounded()
	return r
}
