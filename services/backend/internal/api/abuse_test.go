package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"hyundai-poc.com/backend/backendtest"
	"hyundai-poc.com/backend/internal/api"
	"hyundai-poc.com/backend/internal/ratelimit"
)

// requestSeries counts http_requests_total series and collects the method
// label values the registry holds.
func requestSeries(t *testing.T, s *backendtest.Server) (int, map[string]bool) {
	t.Helper()
	mfs, err := s.API.Metrics.Registry.Gather()
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
	s := backendtest.NewServer(t, backendtest.InProcessOptions{})
	for i := range 300 {
		do(t, fmt.Sprintf("M%d", i), s.URL+"/api/vehicles", "", "", nil)
		do(t, "GET", fmt.Sprintf("%s/api/nowhere-%d", s.URL, i), "", "", nil)
		do(t, "GET", fmt.Sprintf("%s/nowhere-%d", s.URL, i), "", "", nil)
	}
	n, methods := requestSeries(t, s)
	for m := range methods {
		switch m {
		case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "other":
		default:
			t.Errorf("method label %q is outside the closed set", m)
		}
	}
	if n > 10 {
		t.Errorf("900 invented requests left %d http_requests_total series; want a handful", n)
	}
}

// A request id is echoed and logged, so only a safe shape is kept.
func TestRequestIDsOnlyInASafeShape(t *testing.T) {
	t.Parallel()
	s := backendtest.NewServer(t, backendtest.InProcessOptions{})
	for _, bad := range []string{"<script>alert(1)</script>", strings.Repeat("a", 65), "id with spaces", "x\u202ey"} {
		a := do(t, "GET", s.URL+"/healthz", "", "", map[string]string{"X-Request-Id": bad})
		if got := a.header.Get("X-Request-Id"); got == bad || !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(got) {
			t.Errorf("request id %q answered as %q, want a fresh one", bad, got)
		}
	}
	if a := do(t, "GET", s.URL+"/healthz", "", "", map[string]string{"X-Request-Id": "fe-1234.abcd:5"}); a.header.Get("X-Request-Id") != "fe-1234.abcd:5" {
		t.Errorf("a well-formed request id was not kept: %q", a.header.Get("X-Request-Id"))
	}
}

// Answers that hold personal data are never stored by a cache.
func TestLeadAnswersAreNotCached(t *testing.T) {
	t.Parallel()
	s := backendtest.NewServer(t, backendtest.InProcessOptions{})
	waitReady(t, s.URL)
	a := do(t, "POST", s.URL+"/api/leads", "application/json", goodLead, nil)
	if a.status != 201 || !strings.Contains(a.header.Get("Cache-Control"), "no-store") {
		t.Fatalf("lead 201: status %d, Cache-Control %q", a.status, a.header.Get("Cache-Control"))
	}
	id := a.body["lead"].(map[string]any)["id"].(string)
	if g := do(t, "GET", s.URL+"/api/leads/"+id, "", "", nil); g.status != 200 || !strings.Contains(g.header.Get("Cache-Control"), "no-store") {
		t.Errorf("lead read: status %d, Cache-Control %q", g.status, g.header.Get("Cache-Control"))
	}
}

// What a lead should never hold is refused with a field error that says
// which rule it broke; a body in another charset is refused whole.
func TestLeadInputHygiene(t *testing.T) {
	t.Parallel()
	s := backendtest.NewServer(t, backendtest.InProcessOptions{})
	waitReady(t, s.URL)
	with := func(old, new string) string { return strings.Replace(goodLead, old, new, 1) }
	for _, c := range []struct {
		name, contentType, body string
		status                  int
		field, says             string
	}{
		{"bidi override in name", "application/json", with(`"Kim Minji"`, `"Kim \u202eijniM"`), 422, "name", "text-direction"},
		{"bidi isolate in name", "application/json", with(`"Kim Minji"`, `"Kim \u2067Minji"`), 422, "name", "text-direction"},
		{"bidi override in message", "application/json", with(`"Weekend please"`, `"Weekend \u202eesaelp"`), 422, "message", "text-direction"},
		{"escape in message", "application/json", with(`"Weekend please"`, `"Weekend \u001b[2J please"`), 422, "message", "control characters"},
		{"NUL in message", "application/json", with(`"Weekend please"`, `"Weekend\u0000please"`), 422, "message", "control characters"},
		{"latin1 declared", "application/json; charset=iso-8859-1", goodLead, 415, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := do(t, "POST", s.URL+"/api/leads", c.contentType, c.body, nil)
			if a.status != c.status {
				t.Fatalf("status %d, want %d: %s", a.status, c.status, a.raw)
			}
			if c.field != "" && !strings.Contains(fmt.Sprint(errFields(a)[c.field]), c.says) {
				t.Errorf("field errors %v, want %s to say %q", errFields(a), c.field, c.says)
			}
		})
	}
	// Line breaks and tabs are what a message is made of.
	if a := do(t, "POST", s.URL+"/api/leads", "application/json; charset=UTF-8",
		with(`"Weekend please"`, `"Weekend\n\tplease"`), nil); a.status != 201 {
		t.Errorf("message with a line break: %d %s", a.status, a.raw)
	}
}

// A client that goes away mid-request is not a server failure: it is
// counted as 499 and logged below ERROR.
func TestCancelledRequestsAreNot500(t *testing.T) {
	t.Parallel()
	s := backendtest.NewServer(t, backendtest.InProcessOptions{})
	waitReady(t, s.URL)
	var logs bytes.Buffer
	var mu sync.Mutex
	s.API.Log = slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest("POST", "/api/leads", strings.NewReader(goodLead)).WithContext(ctx)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.API.Handler().ServeHTTP(rec, req)
	if rec.Code != 499 {
		t.Errorf("cancelled write answered %d, want 499", rec.Code)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a cancelled request was logged as an error:\n%s", logs.String())
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

// A burst of writes from one client meets 429 with Retry-After; changing
// X-Forwarded-For does not make an untrusted client someone else, while a
// trusted proxy's word does.
func TestWriteBurstIsLimitedPerClient(t *testing.T) {
	t.Parallel()
	s := backendtest.NewServer(t, backendtest.InProcessOptions{TuneAPI: func(a *api.Server) {
		a.WriteLimit = ratelimit.New(6, 3, 1000)
	}})
	waitReady(t, s.URL)
	statuses := map[int]int{}
	var retry string
	for i := range 10 {
		a := do(t, "POST", s.URL+"/api/leads", "application/json", goodLead,
			map[string]string{"X-Forwarded-For": fmt.Sprintf("198.51.100.%d", i)})
		statuses[a.status]++
		if a.status == 429 {
			retry = a.header.Get("Retry-After")
		}
	}
	if statuses[201] != 3 || statuses[429] != 7 {
		t.Errorf("10 writes from one client: %v, want 3 created and 7 refused", statuses)
	}
	if n, err := strconv.Atoi(retry); err != nil || n < 1 || n > 10 {
		t.Errorf("Retry-After %q, want the seconds until the next write", retry)
	}

	// Behind a trusted proxy, each forwarded client has its own budget.
	p := backendtest.NewServer(t, backendtest.InProcessOptions{TuneAPI: func(a *api.Server) {
		a.WriteLimit = ratelimit.New(6, 1, 1000)
		a.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	}})
	waitReady(t, p.URL)
	for i := range 3 {
		hdr := map[string]string{"X-Forwarded-For": fmt.Sprintf("198.51.100.%d", i)}
		if a := do(t, "POST", p.URL+"/api/leads", "application/json", goodLead, hdr); a.status != 201 {
			t.Errorf("first write of client %d behind the proxy: %d", i, a.status)
		}
	}
	if a := do(t, "POST", p.URL+"/api/leads", "application/json", goodLead, map[string]string{"X-Forwarded-For": "198.51.100.0"}); a.status != 429 {
		t.Errorf("second write of a client behind the proxy: %d, want 429", a.status)
	}
}

// Health-check writes are for operators: without the token they are
// refused before anything is written.
func TestHealthCheckWritesNeedTheOperatorToken(t *testing.T) {
	t.Parallel()
	s := backendtest.NewServer(t, backendtest.InProcessOptions{})
	waitReady(t, s.URL)
	for _, auth := range []string{"", "Bearer wrong", "Bearer " + backendtest.HealthCheckToken + "x", backendtest.HealthCheckToken} {
		if a := do(t, "POST", s.URL+"/api/health-checks", "", "", map[string]string{"Authorization": auth}); a.status != 403 {
			t.Errorf("Authorization %q: %d, want 403", auth, a.status)
		}
	}
	if n := countRows(t, s, "health_checks"); n != 0 {
		t.Errorf("%d health checks written without the token", n)
	}
	if a := do(t, "POST", s.URL+"/api/health-checks", "", "", map[string]string{"Authorization": "Bearer " + backendtest.HealthCheckToken}); a.status != 201 {
		t.Errorf("with the token: %d", a.status)
	}
	// A backend told no token takes none at all.
	closed := backendtest.NewServer(t, backendtest.InProcessOptions{TuneAPI: func(a *api.Server) { a.HealthCheckToken = "" }})
	if a := do(t, "POST", closed.URL+"/api/health-checks", "", "", map[string]string{"Authorization": "Bearer "}); a.status != 403 {
		t.Errorf("no token configured, empty bearer: %d, want 403", a.status)
	}
}
