package site_test

import (
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"hyundai-poc.com/e2e/internal/sitetest"
)

// browser is an HTTP client that keeps cookies and does not follow
// redirects, so tests see every answer.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type answer struct {
	Status int
	Header http.Header
	Body   string
}

func do(t *testing.T, c *http.Client, method, u string, body io.Reader, hdr map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func get(t *testing.T, c *http.Client, u string) answer {
	t.Helper()
	return do(t, c, http.MethodGet, u, nil, nil)
}

func mustContain(t *testing.T, a answer, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(a.Body, p) {
			t.Errorf("answer (status %d) lacks %q", a.Status, p)
		}
	}
}

func mustStatus(t *testing.T, a answer, want int) {
	t.Helper()
	if a.Status != want {
		t.Fatalf("status %d, want %d; body: %.400s", a.Status, want, a.Body)
	}
}

var hiddenRE = regexp.MustCompile(`name="(csrf_token|idempotency_key)" value="([^"]*)"`)

// openForm loads /test-drive and returns its hidden fields.
func openForm(t *testing.T, c *http.Client, base string) url.Values {
	t.Helper()
	a := get(t, c, base+"/test-drive")
	mustStatus(t, a, http.StatusOK)
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(a.Body, -1) {
		v.Set(m[1], m[2])
	}
	if len(v.Get("csrf_token")) != 32 || len(v.Get("idempotency_key")) != 32 {
		t.Fatalf("form lacks its hidden fields: %v", v)
	}
	return v
}

func post(t *testing.T, c *http.Client, u string, form url.Values, hdr map[string]string) answer {
	t.Helper()
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for k, v := range hdr {
		h[k] = v
	}
	return do(t, c, http.MethodPost, u, strings.NewReader(form.Encode()), h)
}

func goodLead(hidden url.Values) url.Values {
	v := url.Values{
		"name": {"Kim Minji"}, "email": {"minji@example.com"}, "phone": {"+82 10-1234-5678"},
		"vehicle_id": {"ioniq-5"}, "preferred_date": {"2027-01-15"}, "message": {"Weekend please"},
		"consent": {"yes"}, "market": {"US"},
	}
	for k := range hidden {
		v.Set(k, hidden.Get(k))
	}
	return v
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	be := sitetest.StartBackend(t, "us-east-1")
	fe := sitetest.StartFrontend(t, sitetest.Options{BackendURL: be.URL})
	a := get(t, browser(t), fe.URL+"/")
	mustStatus(t, a, http.StatusOK)
	csp := a.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	if strings.Contains(a.Body, "<script>") || strings.Contains(a.Body, " style=") {
		t.Error("page has inline script or style")
	}
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "strict-origin-when-cross-origin",
		"X-Frame-Options":        "DENY",
	} {
		if got := a.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if a.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS on a plain HTTP request")
	}
	if a.Header.Get("X-Frontend-Region") != "us-east-1" {
		t.Errorf("X-Frontend-Region %q", a.Header.Get("X-Frontend-Region"))
	}
	if len(a.Header.Get("X-Request-Id")) == 0 {
		t.Error("no X-Request-Id")
	}

	// HSTS only when a trusted proxy says the visitor used HTTPS.
	https := do(t, browser(t), http.MethodGet, fe.URL+"/healthz", nil, map[string]string{"X-Forwarded-Proto": "https"})
	if !strings.Contains(https.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("no HSTS behind a trusted proxy saying https: %v", https.Header)
	}
	untrusted := sitetest.StartFrontend(t, sitetest.Options{BackendURL: be.URL, Env: map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8"}})
	spoofed := do(t, browser(t), http.MethodGet, untrusted.URL+"/healthz", nil, map[string]string{"X-Forwarded-Proto": "https"})
	if spoofed.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS set on the word of an untrusted client")
	}

	// The latency panel's endpoints, and only they, are in connect-src.
	withEP := sitetest.StartFrontend(t, sitetest.Options{BackendURL: be.URL,
		Endpoints: sitetest.Endpoints("us-west-2=http://127.0.0.1:23000/")})
	csp = get(t, browser(t), withEP.URL+"/status").Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "connect-src 'self' http://127.0.0.1:23000;") {
		t.Errorf("CSP connect-src lacks the endpoint: %q", csp)
	}
}

func TestPages(t *testing.T) {
	t.Parallel()
	be := sitetest.StartBackend(t, "us-east-1")
	fe := sitetest.StartFrontend(t, sitetest.Options{BackendURL: be.URL})
	c := browser(t)

	t.Run("home shows the US campaigns", func(t *testing.T) {
		a := get(t, c, fe.URL+"/")
		mustStatus(t, a, http.StatusOK)
		mustContain(t, a, "Charge up your winter", "Room for everyone", "Offers in United States", "us-east-1")
		if a.Header.Get("Vary") != "Cookie" {
			t.Errorf("Vary %q: pages differ by the market cookie", a.Header.Get("Vary"))
		}
		if strings.Contains(a.Body, "아이오닉") {
			t.Error("Korean campaign on the US page")
		}
	})
	t.Run("market switch is remembered", func(t *testing.T) {
		c := browser(t)
		a := get(t, c, fe.URL+"/?market=KR")
		mustStatus(t, a, http.StatusOK)
		mustContain(t, a, "아이오닉 9 출시 기념", `lang="ko"`)
		a = get(t, c, fe.URL+"/vehicles")
		mustContain(t, a, "₩52,500,000")
		a = get(t, c, fe.URL+"/?market=us")
		mustContain(t, a, "Charge up your winter")
		get(t, c, fe.URL+"/?market=XX") // ignored, not an error
		mustContain(t, get(t, c, fe.URL+"/vehicles"), "$42,600")
	})
	t.Run("Seoul serves the KR market", func(t *testing.T) {
		kr := sitetest.StartFrontend(t, sitetest.Options{Region: "ap-northeast-2", BackendURL: be.URL})
		mustContain(t, get(t, browser(t), kr.URL+"/"), "아이오닉 9 출시 기념", "ap-northeast-2")
	})
	t.Run("vehicles with prices", func(t *testing.T) {
		a := get(t, c, fe.URL+"/vehicles")
		mustStatus(t, a, http.StatusOK)
		mustContain(t, a, "IONIQ 5", "$42,600", "PALISADE", `href="/vehicles/ioniq-5"`)
	})
	t.Run("vehicle page", func(t *testing.T) {
		a := get(t, c, fe.URL+"/vehicles/ioniq-5")
		mustStatus(t, a, http.StatusOK)
		mustContain(t, a, "IONIQ 5", "$42,600", `href="/test-drive?vehicle=ioniq-5"`)
		a = get(t, c, fe.URL+"/vehicles/ioniq-5?market=KR")
		mustContain(t, a, "₩52,500,000")
	})
	t.Run("unknown vehicle is 404", func(t *testing.T) {
		for _, p := range []string{"/vehicles/pony-1975", "/vehicles/..%2Fadmin", "/vehicles/" + strings.Repeat("x", 60)} {
			a := get(t, c, fe.URL+p)
			mustStatus(t, a, http.StatusNotFound)
			mustContain(t, a, "We can&#39;t find that vehicle")
		}
	})
	t.Run("404 page and JSON", func(t *testing.T) {
		a := get(t, c, fe.URL+"/no/such/page")
		mustStatus(t, a, http.StatusNotFound)
		mustContain(t, a, "We can&#39;t find that page", "404")
		a = do(t, c, http.MethodGet, fe.URL+"/no/such/page", nil, map[string]string{"Accept": "application/json"})
		mustStatus(t, a, http.StatusNotFound)
		mustContain(t, a, `"code":"not_found"`)
		a = do(t, c, http.MethodDelete, fe.URL+"/vehicles", nil, nil)
		mustStatus(t, a, http.StatusMethodNotAllowed)
	})
	t.Run("test-drive form", func(t *testing.T) {
		a := get(t, c, fe.URL+"/test-drive?vehicle=palisade")
		mustStatus(t, a, http.StatusOK)
		mustContain(t, a, `<label for="email">`, `name="csrf_token"`, `name="idempotency_key"`, `value="palisade" selected`)
		if a.Header.Get("Cache-Control") != "private, no-store" {
			t.Errorf("form is cacheable: %q", a.Header.Get("Cache-Control"))
		}
	})
	t.Run("status page", func(t *testing.T) {
		a := get(t, c, fe.URL+"/status")
		mustStatus(t, a, http.StatusOK)
		mustContain(t, a, `data-field="frontend_region">us-east-1<`, "Replication lag", `data-field="writer.healthy">Healthy<`)
	})
	t.Run("static assets", func(t *testing.T) {
		a := get(t, c, fe.URL+"/static/site.css")
		mustStatus(t, a, http.StatusOK)
		if !strings.HasPrefix(a.Header.Get("Content-Type"), "text/css") {
			t.Errorf("css content type %q", a.Header.Get("Content-Type"))
		}
		mustStatus(t, get(t, c, fe.URL+"/static/nope.js"), http.StatusNotFound)
		mustStatus(t, get(t, c, fe.URL+"/static/../site.go"), http.StatusNotFound)
	})
	t.Run("health, readiness, metrics", func(t *testing.T) {
		a := get(t, c, fe.URL+"/healthz")
		mustStatus(t, a, http.StatusOK)
		if a.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Error("healthz cannot be timed from other regions' pages")
		}
		mustStatus(t, get(t, c, fe.URL+"/readyz"), http.StatusOK)
		get(t, c, fe.URL+"/vehicles/ioniq-5")
		get(t, c, fe.URL+"/no/such/page/"+strings.Repeat("x", 10))
		m := get(t, c, fe.MetricsURL)
		// Unknown paths share one label value, so scans cannot blow up the series.
		mustContain(t, m, `http_requests_total{method="GET",route="/vehicles/{id}",status="200"}`, "http_request_duration_seconds_bucket",
			`route="unmatched",status="404"`)
		if strings.Contains(m.Body, "no/such/page") {
			t.Error("a raw path became a metric label")
		}
	})
	t.Run("CSP reports are accepted", func(t *testing.T) {
		a := do(t, c, http.MethodPost, fe.URL+"/csp-report", strings.NewReader(`{"csp-report":{"violated-directive":"script-src"}}`),
			map[string]string{"Content-Type": "application/csp-report", "Sec-Fetch-Site": "same-origin"})
		mustStatus(t, a, http.StatusNoContent)
		mustContain(t, get(t, c, fe.MetricsURL), "frontend_csp_reports_total 1")
	})
}

func TestTestDrive(t *testing.T) {
	t.Parallel()
	be := sitetest.StartBackend(t, "us-east-1")
	fe := sitetest.StartFrontend(t, sitetest.Options{BackendURL: be.URL})

	t.Run("bad input shows inline errors and keeps the input", func(t *testing.T) {
		c := browser(t)
		form := goodLead(openForm(t, c, fe.URL))
		form.Set("email", "not-an-email")
		form.Set("phone", "12345")
		form.Del("consent")
		before := be.LeadCount(t)
		a := post(t, c, fe.URL+"/test-drive", form, nil)
		mustStatus(t, a, http.StatusUnprocessableEntity)
		mustContain(t, a,
			`id="error-summary"`, `href="#email"`, `id="email-error"`, `id="phone-error"`, `id="consent-error"`,
			`aria-invalid="true" aria-describedby="email-error"`,
			`value="Kim Minji"`, `value="not-an-email"`, `value="12345"`, `Weekend please`, `value="ioniq-5" selected`,
			`value="`+form.Get("idempotency_key")+`"`)
		if strings.Contains(a.Body, `id="name-error"`) {
			t.Error("a valid name is marked as an error")
		}
		if n := be.LeadCount(t); n != before {
			t.Errorf("bad input wrote %d leads", n-before)
		}
		// Corrected and sent again with the same form (the same key): one lead.
		hidden := url.Values{"csrf_token": {form.Get("csrf_token")}, "idempotency_key": {form.Get("idempotency_key")}}
		mustStatus(t, post(t, c, fe.URL+"/test-drive", goodLead(hidden), nil), http.StatusSeeOther)
		if n := be.LeadCount(t) - before; n != 1 {
			t.Errorf("the corrected form made %d leads, want 1", n)
		}
	})

	t.Run("good input redirects to the confirmation, twice is one lead", func(t *testing.T) {
		c := browser(t)
		form := goodLead(openForm(t, c, fe.URL))
		before := be.LeadCount(t)
		first := post(t, c, fe.URL+"/test-drive", form, map[string]string{"Origin": fe.URL, "Sec-Fetch-Site": "same-origin"})
		mustStatus(t, first, http.StatusSeeOther)
		loc := first.Header.Get("Location")
		if !regexp.MustCompile(`^/test-drive/thanks\?id=[0-9a-f]{32}&t=.+`).MatchString(loc) {
			t.Fatalf("redirect to %q", loc)
		}
		second := post(t, c, fe.URL+"/test-drive", form, nil)
		mustStatus(t, second, http.StatusSeeOther)
		if got := second.Header.Get("Location"); !strings.HasPrefix(got, strings.Split(loc, "&")[0]+"&") {
			t.Errorf("second submit went to %q, first to %q", got, loc)
		}
		if n := be.LeadCount(t) - before; n != 1 {
			t.Errorf("two submits of one form made %d leads, want 1", n)
		}
		a := get(t, c, fe.URL+loc)
		mustStatus(t, a, http.StatusOK)
		mustContain(t, a, "Thank you, Kim.", "minji@example.com", "IONIQ 5", "us-east-1")
		for h, want := range map[string]string{"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"} {
			if a.Header.Get(h) != want {
				t.Errorf("confirmation %s = %q, want %q", h, a.Header.Get(h), want)
			}
		}
	})

	t.Run("confirmation of an unknown lead is 404", func(t *testing.T) {
		c := browser(t)
		for _, q := range []string{"", "?id=abc", "?id=" + strings.Repeat("0", 32), "?id=" + strings.Repeat("Z", 32)} {
			mustStatus(t, get(t, c, fe.URL+"/test-drive/thanks"+q), http.StatusNotFound)
		}
	})

	t.Run("forms from elsewhere are refused", func(t *testing.T) {
		before := be.LeadCount(t)
		// Another site posting with the visitor's browser.
		c := browser(t)
		form := goodLead(openForm(t, c, fe.URL))
		a := post(t, c, fe.URL+"/test-drive", form, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
		mustStatus(t, a, http.StatusForbidden)
		// No token cookie (a forged form from a browser sending no fetch metadata).
		a = post(t, browser(t), fe.URL+"/test-drive", form, nil)
		mustStatus(t, a, http.StatusForbidden)
		mustContain(t, a, "This form has expired")
		// A token that is not the cookie's.
		form.Set("csrf_token", strings.Repeat("a", 32))
		mustStatus(t, post(t, c, fe.URL+"/test-drive", form, nil), http.StatusForbidden)
		if n := be.LeadCount(t); n != before {
			t.Errorf("refused forms wrote %d leads", n-before)
		}
	})

	t.Run("oversized form is 413", func(t *testing.T) {
		c := browser(t)
		form := goodLead(openForm(t, c, fe.URL))
		form.Set("message", strings.Repeat("x", 40<<10))
		mustStatus(t, post(t, c, fe.URL+"/test-drive", form, nil), http.StatusRequestEntityTooLarge)
	})
}

func TestProxy(t *testing.T) {
	t.Parallel()
	be := sitetest.StartBackend(t, "us-east-1")
	fe := sitetest.StartFrontend(t, sitetest.Options{BackendURL: be.URL})
	c := browser(t)
	a := do(t, c, http.MethodGet, fe.URL+"/api/vehicles/ioniq-5?market=KR", nil, map[string]string{"X-Request-Id": "req-42"})
	mustStatus(t, a, http.StatusOK)
	mustContain(t, a, `"id":"ioniq-5"`, `"currency":"KRW"`)
	if a.Header.Get("X-Region") != "us-east-1" {
		t.Errorf("X-Region %q", a.Header.Get("X-Region"))
	}
	if got := a.Header.Values("X-Request-Id"); len(got) != 1 || got[0] != "req-42" {
		t.Errorf("X-Request-Id %v, want [req-42]", got)
	}
	a = get(t, c, fe.URL+"/api/vehicles/pony")
	mustStatus(t, a, http.StatusNotFound)
	mustContain(t, a, `"not_found"`)

	// Writes pass through too, with their idempotency key and the answer's
	// consistency token.
	body := `{"type":"brochure","name":"Lee Jun","email":"jun@example.com","vehicle_id":"nexo","consent":true}`
	hdr := map[string]string{"Content-Type": "application/json", "Idempotency-Key": "proxy-test-1"}
	first := do(t, c, http.MethodPost, fe.URL+"/api/leads", strings.NewReader(body), hdr)
	mustStatus(t, first, http.StatusCreated)
	if first.Header.Get("X-Consistency-Token") == "" {
		t.Error("no X-Consistency-Token through the proxy")
	}
	again := do(t, c, http.MethodPost, fe.URL+"/api/leads", strings.NewReader(body), hdr)
	mustStatus(t, again, http.StatusCreated)
	if again.Header.Get("Idempotent-Replayed") != "true" {
		t.Error("the Idempotency-Key did not reach the backend")
	}
	if n := be.LeadCount(t); n != 1 {
		t.Errorf("%d leads, want 1", n)
	}
	mustStatus(t, do(t, c, http.MethodPost, fe.URL+"/api/leads", strings.NewReader("{"), hdr), http.StatusBadRequest)
}

// TestProxyForwardsContext checks what reaches the upstream: the request
// id, the W3C trace context and the forwarding chain, and no site cookies.
func TestProxyForwardsContext(t *testing.T) {
	t.Parallel()
	got := make(chan http.Header, 1)
	upstream := sitetest.HeaderRecorder(t, got)
	fe := sitetest.StartFrontend(t, sitetest.Options{BackendURL: upstream})
	tp := "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	do(t, browser(t), http.MethodGet, fe.URL+"/api/region", nil, map[string]string{
		"X-Request-Id": "req-7", "Traceparent": tp, "Cookie": "csrf=secret", "X-Forwarded-For": "203.0.113.9",
	})
	h := <-got
	if h.Get("X-Request-Id") != "req-7" {
		t.Errorf("X-Request-Id %q", h.Get("X-Request-Id"))
	}
	// Same trace, our own span as parent.
	if p := h.Get("Traceparent"); !strings.HasPrefix(p, "00-4bf92f3577b34da6a3ce929d0e0e4736-") {
		t.Errorf("traceparent %q not in the caller's trace", p)
	}
	if h.Get("Cookie") != "" {
		t.Error("site cookies forwarded to the API")
	}
	// The frontend trusts the test as its proxy, so the client is the
	// address the test names, and that one address is all it passes on.
	if xff := h.Get("X-Forwarded-For"); xff != "203.0.113.9" {
		t.Errorf("X-Forwarded-For %q", xff)
	}
}

func TestBackendDown(t *testing.T) {
	t.Parallel()
	fe := sitetest.StartFrontend(t, sitetest.Options{BackendURL: sitetest.ClosedURL(t)})
	c := browser(t)
	for _, p := range []string{"/", "/vehicles", "/vehicles/ioniq-5", "/test-drive"} {
		a := get(t, c, fe.URL+p)
		mustStatus(t, a, http.StatusBadGateway)
		mustContain(t, a, "trouble reaching our systems", "<html", `href="`+p+`">Try again`)
	}
	a := get(t, c, fe.URL+"/api/vehicles")
	mustStatus(t, a, http.StatusBadGateway)
	mustContain(t, a, `"code":"backend_unavailable"`)
	// /api answers JSON even to a browser.
	a = do(t, c, http.MethodGet, fe.URL+"/api/region", nil, map[string]string{"Accept": "text/html"})
	mustContain(t, a, `"backend_unavailable"`)
	// A page asked for as JSON.
	a = do(t, c, http.MethodGet, fe.URL+"/vehicles", nil, map[string]string{"Accept": "application/json"})
	mustStatus(t, a, http.StatusBadGateway)
	mustContain(t, a, `"code":"backend_unavailable"`)
	// The dashboard still renders and says what is wrong.
	a = get(t, c, fe.URL+"/status")
	mustStatus(t, a, http.StatusBadGateway)
	mustContain(t, a, `data-field="frontend_region">us-east-1<`, "The backend did not answer")
	// Liveness is ours, readiness is the backend's.
	mustStatus(t, get(t, c, fe.URL+"/healthz"), http.StatusOK)
	mustStatus(t, get(t, c, fe.URL+"/readyz"), http.StatusServiceUnavailable)
	// A form post with a valid token gets the friendly page too.
	sid := strings.Repeat("a", 32)
	form := url.Values{"csrf_token": {sitetest.CSRFToken(sid)}, "name": {"x"}}
	u, _ := url.Parse(fe.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "sid", Value: sid}})
	a = post(t, c, fe.URL+"/test-drive", form, nil)
	mustStatus(t, a, http.StatusBadGateway)
	mustContain(t, a, "trouble reaching our systems")
}

// TestBackendHangs: a backend that accepts connections and never answers
// becomes a 504 within the configured timeout, not a hang.
func TestBackendHangs(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, conn) // held open, never answered
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	fe := sitetest.StartFrontend(t, sitetest.Options{BackendURL: "http://" + ln.Addr().String(), BackendTimeout: 300 * time.Millisecond})
	c := browser(t)
	a := get(t, c, fe.URL+"/api/vehicles")
	mustStatus(t, a, http.StatusGatewayTimeout)
	mustContain(t, a, `"code":"backend_timeout"`)
	a = get(t, c, fe.URL+"/vehicles")
	mustStatus(t, a, http.StatusGatewayTimeout)
	mustContain(t, a, "taking longer than it should")
}
