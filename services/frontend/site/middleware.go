package site

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"hyundai-poc.com/contract"
	"hyundai-poc.com/frontend/backendapi"
)

// client is what the edge of the stack learned about the caller: its
// address and whether it came over HTTPS, trusting forwarding headers only
// from configured proxies (the ALB, the lab's edge).
type client struct {
	// IP is always a valid address: a forwarding header's entry that is
	// not one ends the walk.
	IP    string
	HTTPS bool
}

type clientKey struct{}

func clientOf(r *http.Request) client {
	c, _ := r.Context().Value(clientKey{}).(client)
	return c
}

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// identify sets the request id (kept from the caller when it is sane) and
// the trusted client address and scheme.
func (s *Server) identify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(contract.HeaderRequestID)
		if !requestIDRE.MatchString(id) {
			id = newID()
		}
		r.Header.Set(contract.HeaderRequestID, id)
		w.Header().Set(contract.HeaderRequestID, id)

		c := client{IP: contract.ClientAddr(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), s.trustedAddr), HTTPS: r.TLS != nil}
		// The scheme is a trusted proxy's word only.
		if peer, _, err := net.SplitHostPort(r.RemoteAddr); err == nil && s.trusted(peer) {
			if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
				c.HTTPS = strings.EqualFold(strings.TrimSpace(strings.Split(p, ",")[0]), "https")
			}
		}
		ctx := backendapi.WithRequestID(r.Context(), id)
		ctx = backendapi.WithClient(ctx, c.IP)
		ctx = context.WithValue(ctx, clientKey{}, c)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) trusted(ip string) bool {
	a, err := netip.ParseAddr(ip)
	return err == nil && s.trustedAddr(a.Unmap())
}

func (s *Server) trustedAddr(a netip.Addr) bool { return contract.Within(s.cfg.TrustedProxies)(a) }

// secure sets the headers every answer carries. The policy allows no inline
// script or style at all; the latency panel may connect to the configured
// region endpoints and nothing else.
func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		// Which region's frontend answered: the dashboard shows it live, so
		// a request that an edge sent elsewhere is visible.
		h.Set("X-Frontend-Region", s.cfg.Region)
		h.Set("Content-Security-Policy", s.csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if clientOf(r).HTTPS {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

func buildCSP(endpoints []string) string {
	connect := "'self'"
	seen := map[string]bool{}
	for _, e := range endpoints {
		// In the lab every region is reached through the one edge origin.
		if !seen[e] {
			seen[e] = true
			connect += " " + e
		}
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		"font-src 'self'",
		"connect-src " + connect,
		"form-action 'self'",
		"frame-ancestors 'none'",
		"base-uri 'none'",
		"manifest-src 'self'",
		// report-uri rather than report-to: browsers send these at once
		// (report-to batches them for up to a minute), so a violation in a
		// test or a rollout shows while it matters.
		"report-uri /csp-report",
	}, "; ")
}

// statusWriter remembers the status for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe traces, measures and logs each request, and turns a panic into
// an error page. Health, metrics and assets are logged only at debug level.
func (s *Server) observe(next http.Handler) http.Handler {
	tracer := otel.Tracer("hyundai-poc.com/frontend")
	prop := otel.GetTextMapPropagator()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx := prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, contract.MethodLabel(r.Method), trace.WithSpanKind(trace.SpanKindServer))
		defer span.End()
		sw := &statusWriter{ResponseWriter: w}
		r = r.WithContext(ctx)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(ctx, "panic", "error", fmt.Sprint(v), "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.errorPage(sw, r, http.StatusInternalServerError, "Something went wrong on our side", "The problem has been logged. Please try again in a moment.")
				}
			}
			route := routeOf(r)
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			code := strconv.Itoa(sw.status)
			method := contract.MethodLabel(r.Method)
			elapsed := time.Since(start)
			s.metrics.requests.WithLabelValues(route, method, code).Inc()
			s.metrics.duration.WithLabelValues(route, method, code).Observe(elapsed.Seconds())
			span.SetName(method + " " + route)
			span.SetAttributes(attribute.String("http.route", route), attribute.Int("http.response.status_code", sw.status))

			level := slog.LevelInfo
			switch {
			case sw.status >= 500:
				level = slog.LevelError
			case route == "/healthz" || route == "/readyz" || strings.HasPrefix(route, "/static"):
				level = slog.LevelDebug
			}
			c := clientOf(r)
			s.log.Log(ctx, level, "request",
				"method", method, "path", logPath(r.URL.Path), "route", route,
				"status", sw.status, "bytes", sw.bytes, "ms", elapsed.Milliseconds(),
				"client", c.IP, "request_id", r.Header.Get(contract.HeaderRequestID))
		}()
		next.ServeHTTP(sw, r)
	})
}

// routeOf is the matched route pattern, so metrics stay low in cardinality.
func routeOf(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		if p := rc.RoutePattern(); p != "" && p != "/*" {
			return p
		}
	}
	return "unmatched"
}

// logPath keeps lead ids, which are capabilities, out of the logs.
func logPath(p string) string {
	if strings.HasPrefix(p, "/api/leads/") {
		return "/api/leads/{id}"
	}
	if len(p) > 200 {
		return p[:200] + "..."
	}
	return p
}
