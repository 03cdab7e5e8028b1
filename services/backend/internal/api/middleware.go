package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"hyundai-poc.com/contract"
)

// requestIDShape is what a caller's X-Request-Id must look like to be kept:
// it is echoed in answers and written to logs, so nothing else is.
var requestIDShape = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// requestID keeps the caller's request id when it has a safe shape (the
// frontend's always has) and makes one otherwise. It stores it where
// chi's middleware.GetReqID finds it.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(contract.HeaderRequestID)
		if !requestIDShape.MatchString(id) {
			b := make([]byte, 16)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		ctx := context.WithValue(r.Context(), middleware.RequestIDKey, id)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) regionHeader(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(contract.HeaderRegion, s.Region)
		if id := middleware.GetReqID(r.Context()); id != "" {
			w.Header().Set(contract.HeaderRequestID, id)
		}
		next.ServeHTTP(w, r)
	})
}

// trace continues the caller's W3C trace context (or starts one) and
// hands it back in the answer's traceparent header.
func (s *Server) trace(next http.Handler) http.Handler {
	tracer := otel.Tracer("hyundai-poc.com/backend/internal/api")
	// W3C trace context always, whatever the global propagator says.
	w3c := propagation.TraceContext{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := w3c.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		method := contract.MethodLabel(r.Method)
		ctx, span := tracer.Start(ctx, method, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", method), attribute.String("cloud.region", s.Region)))
		defer span.End()
		w3c.Inject(ctx, propagation.HeaderCarrier(w.Header()))
		next.ServeHTTP(w, r.WithContext(ctx))
		// Name spans by route pattern, never by path: a lead's id is a secret.
		span.SetName(method + " " + routePattern(r))
	})
}

// observe records metrics and one log line per request. It logs the route
// pattern, not the path, and no bodies: leads carry personal data.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		start := time.Now()
		next.ServeHTTP(ww, r)
		d := time.Since(start)
		route := routePattern(r)
		method := contract.MethodLabel(r.Method)
		status := strconv.Itoa(ww.Status())
		s.Metrics.HTTPRequests.WithLabelValues(route, method, status).Inc()
		s.Metrics.HTTPDuration.WithLabelValues(route, method, status).Observe(d.Seconds())
		if route == "/healthz" || route == "/readyz" || route == "/metrics" {
			return
		}
		attrs := []any{"method", method, "route", route, "status", ww.Status(),
			"duration_ms", float64(d.Microseconds()) / 1000, "request_id", middleware.GetReqID(r.Context())}
		if src := ww.Header().Get(contract.HeaderReadSource); src != "" {
			attrs = append(attrs, "read_source", src)
		}
		if sc := trace.SpanContextFromContext(r.Context()); sc.HasTraceID() {
			attrs = append(attrs, "trace_id", sc.TraceID().String())
		}
		s.Log.Info("request", attrs...)
	})
}

func (s *Server) recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.fail(w, r, &panicError{value: v, stack: debug.Stack()})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// acquireWrite takes a write slot, or answers 429 when too many writes are
// already waiting (as they do while the writer moves).
func (s *Server) acquireWrite(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	select {
	case s.writeSlots <- struct{}{}:
		return func() { <-s.writeSlots }, true
	default:
		s.fail(w, r, refuse(contract.CodeRateLimited, "too many writes in flight; retry shortly"))
		return nil, false
	}
}

// panicError is a handler's panic, answered as a 500 and logged once by fail.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

func routePattern(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		if p := rc.RoutePattern(); p != "" {
			return p
		}
	}
	return "unmatched"
}
