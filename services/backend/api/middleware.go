package api

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"hyundai-poc.com/backend/marketing"
)

func (a *API) regionHeader(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Region", a.Region)
		if id := middleware.GetReqID(r.Context()); id != "" {
			w.Header().Set("X-Request-Id", id)
		}
		next.ServeHTTP(w, r)
	})
}

// trace continues the caller's W3C trace context (or starts one) and
// hands it back in the answer's traceparent header.
func (a *API) trace(next http.Handler) http.Handler {
	tracer := otel.Tracer("hyundai-poc.com/backend/api")
	// W3C trace context always, whatever the global propagator says.
	w3c := propagation.TraceContext{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := w3c.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, r.Method+" "+r.URL.Path, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("cloud.region", a.Region)))
		defer span.End()
		w3c.Inject(ctx, propagation.HeaderCarrier(w.Header()))
		next.ServeHTTP(w, r.WithContext(ctx))
		// Name spans by route pattern, never by path: a lead's id is a secret.
		span.SetName(r.Method + " " + routePattern(r))
	})
}

// observe records metrics and one log line per request. It logs the route
// pattern, not the path, and no bodies: leads carry personal data.
func (a *API) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		start := time.Now()
		next.ServeHTTP(ww, r)
		d := time.Since(start)
		route := routePattern(r)
		status := strconv.Itoa(ww.Status())
		a.Metrics.HTTPRequests.WithLabelValues(route, r.Method, status).Inc()
		a.Metrics.HTTPDuration.WithLabelValues(route, r.Method, status).Observe(d.Seconds())
		if route == "/healthz" || route == "/readyz" || route == "/metrics" {
			return
		}
		attrs := []any{"method", r.Method, "route", route, "status", ww.Status(),
			"duration_ms", float64(d.Microseconds()) / 1000, "request_id", middleware.GetReqID(r.Context())}
		if src := ww.Header().Get("X-Read-Source"); src != "" {
			attrs = append(attrs, "read_source", src)
		}
		if sc := trace.SpanContextFromContext(r.Context()); sc.HasTraceID() {
			attrs = append(attrs, "trace_id", sc.TraceID().String())
		}
		a.Log.Info("request", attrs...)
	})
}

func (a *API) recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.Log.Error("panic", "route", routePattern(r), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				a.fail(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// acquireWrite takes a write slot, or answers 429 when too many writes are
// already waiting (as they do while the writer moves).
func (a *API) acquireWrite(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	select {
	case a.writeSlots <- struct{}{}:
		return func() { <-a.writeSlots }, true
	default:
		a.fail(w, r, marketing.Errorf(marketing.ERateLimited, "too many writes in flight; retry shortly"))
		return nil, false
	}
}

func routePattern(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		if p := rc.RoutePattern(); p != "" {
			return p
		}
	}
	return "unmatched"
}
