package api

import (
	"crypto/subtle"
	"math"
	"net/http"
	"strconv"
	"strings"

	"hyundai-poc.com/contract"
)

// clientAddr is the client's address as the trusted proxy chain gives it.
func (s *Server) clientAddr(r *http.Request) string {
	return contract.ClientAddr(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), contract.Within(s.TrustedProxies))
}

// limitWrites answers 429, with the seconds until the next write is
// allowed, to a client that writes faster than WriteLimit allows.
func (s *Server) limitWrites(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.WriteLimit != nil {
			if ok, wait := s.WriteLimit.Allow(s.clientAddr(r)); !ok {
				w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
				s.fail(w, r, refuse(contract.CodeRateLimited, "too many writes from this address; retry later"))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// operatorOnly lets through only requests bearing HealthCheckToken:
// health-check writes are for operators and drills, not the internet.
func (s *Server) operatorOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if s.HealthCheckToken == "" || !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.HealthCheckToken)) != 1 {
			s.fail(w, r, refuse(contract.CodeForbidden, "health checks are written by operators only"))
			return
		}
		next.ServeHTTP(w, r)
	})
}
