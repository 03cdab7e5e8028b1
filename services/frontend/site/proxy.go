package site

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"

	"hyundai-poc.com/contract"
	"hyundai-poc.com/frontend/backendapi"
)

// maxProxiedBody bounds what is forwarded to the API; the backend takes
// at most 16 KiB, so more is refused here without a trip.
const maxProxiedBody = 64 << 10

// clientBody remembers the first error reading the client's body, so a
// failed forward caused by it is answered as the client's mistake.
type clientBody struct {
	r   io.ReadCloser
	err error
}

func (b *clientBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

func (b *clientBody) Close() error { return b.r.Close() }

type clientBodyKey struct{}

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
			pr.Out.Header.Set("X-Forwarded-For", c.IP)
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
			// A body the client could not send properly (bad chunking, too
			// slow, too large) is the client's mistake, not the backend's.
			// (The proxy hands this handler its outgoing request, whose body
			// it has wrapped: the client's body is found by the context.)
			if b, ok := r.Context().Value(clientBodyKey{}).(*clientBody); ok && b.err != nil {
				status, code, msg := http.StatusBadRequest, contract.CodeBadRequest, "the request body could not be read"
				var mbe *http.MaxBytesError
				if errors.As(b.err, &mbe) {
					status, code, msg = http.StatusRequestEntityTooLarge, contract.CodeBodyTooLarge, "the request body is too large"
				}
				writeJSON(w, status, errorBody(code, msg))
				return
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
		if r.Body != nil && r.Body != http.NoBody {
			b := &clientBody{r: http.MaxBytesReader(w, r.Body, maxProxiedBody)}
			ctx = context.WithValue(ctx, clientBodyKey{}, b)
			r.Body = b
		}
		rp.ServeHTTP(w, r.WithContext(ctx))
	})
}
