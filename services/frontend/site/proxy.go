package site

import (
	"context"
	"errors"
	"net/http"
	"net/http/httputil"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"

	"hyundai-poc.com/contract"
	"hyundai-poc.com/frontend/backendapi"
)

// newProxy forwards /api/* to the backend unchanged, with the request id,
// the trusted forwarding chain and the trace context. A backend that is
// down or slow becomes a 502 or 504 answer, never a hang.
func (s *Server) newProxy() http.Handler {
	transport := backendapi.NewTransport()
	transport.ResponseHeaderTimeout = s.cfg.BackendTimeout
	rp := &httputil.ReverseProxy{
		Transport: transport,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(s.cfg.BackendURL)
			c := clientOf(pr.In)
			pr.Out.Header.Set("X-Forwarded-For", c.Chain)
			pr.Out.Header.Set("X-Forwarded-Host", pr.In.Host)
			proto := "http"
			if c.HTTPS {
				proto = "https"
			}
			pr.Out.Header.Set("X-Forwarded-Proto", proto)
			pr.Out.Header.Set(contract.HeaderRequestID, pr.In.Header.Get(contract.HeaderRequestID))
			// Cookies of the site are none of the API's business.
			pr.Out.Header.Del("Cookie")
			otel.GetTextMapPropagator().Inject(pr.In.Context(), propagation.HeaderCarrier(pr.Out.Header))
		},
		ModifyResponse: func(resp *http.Response) error {
			// The backend echoes the id we sent; one copy is enough.
			resp.Header.Del(contract.HeaderRequestID)
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() != nil && !errors.Is(r.Context().Err(), context.DeadlineExceeded) {
				return // the client went away; nobody is listening
			}
			status := http.StatusBadGateway
			if backendapi.IsTimeout(err) {
				status = http.StatusGatewayTimeout
			}
			s.log.WarnContext(r.Context(), "backend unreachable", "path", logPath(r.URL.Path), "status", status, "error", err)
			s.unavailable(w, r, status)
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.BackendTimeout)
		defer cancel()
		rp.ServeHTTP(w, r.WithContext(ctx))
	})
}
