package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"hyundai-poc.com/backend/backendtest"
	"hyundai-poc.com/dbserver/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func do(t *testing.T, method, url, contentType, body string, headers map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %v\n%s", method, url, err, raw)
		}
	}
	return a
}

func errCode(a answer) string {
	e, _ := a.body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func errFields(a answer) map[string]any {
	e, _ := a.body["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	return f
}

func countRows(t *testing.T, s *backendtest.Server, table string) int {
	t.Helper()
	var n int
	if err := s.DB.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

const goodLead = `{"type":"test_drive","name":"Kim Minji","email":"minji@example.com","phone":"+821012345678",
"vehicle_id":"ioniq-5","market":"KR","message":"Weekend please","consent":true}`

func TestHealthAndMetadata(t *testing.T) {
	t.Parallel()
	s := backendtest.NewServer(t, backendtest.InProcessOptions{Region: "us-west-2"})

	a := do(t, "GET", s.URL+"/healthz", "", "", nil)
	if a.status != 200 || a.header.Get("X-Region") != "us-west-2" {
		t.Fatalf("healthz: %d %v", a.status, a.header)
	}
	waitReady(t, s.URL)

	a = do(t, "GET", s.URL+"/api/region", "", "", nil)
	if a.status != 200 || a.body["region"] != "us-west-2" {
		t.Fatalf("region: %d %s", a.status, a.raw)
	}
	w, _ := a.body["writer"].(map[string]any)
	if w["healthy"] != true || w["read_only"] != false {
		t.Fatalf("writer status: %s", a.raw)
	}
	// The public view names no endpoint, address or node; the operators'
	// view, outside /api/, does.
	for _, role := range []string{"writer", "reader"} {
		n, _ := a.body[role].(map[string]any)
		for _, k := range []string{"endpoint", "resolved", "node", "error"} {
			if _, ok := n[k]; ok {
				t.Errorf("/api/region shows the %s's %s: %s", role, k, a.raw)
			}
		}
	}
	a = do(t, "GET", s.URL+"/internal/region", "", "", nil)
	w, _ = a.body["writer"].(map[string]any)
	if a.status != 200 || a.body["region"] != "us-west-2" || w["endpoint"] == "" || w["endpoint"] == nil || w["healthy"] != true {
		t.Fatalf("/internal/region: %d %s", a.status, a.raw)
	}

	a = do(t, "GET", s.URL+"/metrics", "", "", nil)
	for _, name := range []string{"http_requests_total", "db_query_duration_seconds", "db_pool_open_connections", "db_replication_lag_seconds"} {
		if !strings.Contains(a.raw, name) {
			t.Errorf("metrics lack %s", name)
		}
	}

	a = do(t, "GET", s.URL+"/api/nothing", "", "", nil)
	if a.status != 404 || errCode(a) != "not_found" {
		t.Errorf("unknown route: %d %s", a.status, a.raw)
	}
	a = do(t, "DELETE", s.URL+"/api/leads/"+strings.Repeat("a", 32), "", "", nil)
	if a.status != 405 || errCode(a) != "method_not_allowed" {
		t.Errorf("wrong method: %d %s", a.status, a.raw)
	}
}

func waitReady(t *testing.T, url string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		a := do(t, "GET", url+"/readyz", "", "", nil)
		if a.status == 200 && a.body["writer"] == true {
			return
		}
		sleep()
	}
	t.Fatal("backend never became ready")
}

func TestCatalogue(t *testing.T) {
	t.Parallel()
	s := backendtest.NewServer(t, backendtest.InProcessOptions{})

	a := do(t, "GET", s.URL+"/api/vehicles?market=us", "", "", nil)
	if a.status != 200 || a.header.Get("X-Read-Source") == "" {
		t.Fatalf("vehicles: %d %v", a.status, a.header)
	}
	vs, _ := a.body["vehicles"].([]any)
	if len(vs) != 12 {
		t.Fatalf("want 12 vehicles, got %d", len(vs))
	}
	first, _ := vs[0].(map[string]any)
	price, _ := first["price"].(map[string]any)
	if first["id"] != "ioniq-5" || price["currency"] != "USD" {
		t.Fatalf("first vehicle: %v", first)
	}

	a = do(t, "GET", s.URL+"/api/vehicles/nexo?market=KR", "", "", nil)
	v, _ := a.body["vehicle"].(map[string]any)
	price, _ = v["price"].(map[string]any)
	if a.status != 200 || price["currency"] != "KRW" {
		t.Fatalf("nexo: %d %s", a.status, a.raw)
	}

	for _, path := range []string{"/api/vehicles/no-such-car", "/api/vehicles/%27%20OR%201=1", "/api/vehicles/" + strings.Repeat("x", 200)} {
		a = do(t, "GET", s.URL+path, "", "", nil)
		if a.status != 404 || errCode(a) != "not_found" {
			t.Errorf("%s: %d %s", path, a.status, a.raw)
		}
	}
	a = do(t, "GET", s.URL+"/api/vehicles?market=FR", "", "", nil)
	if a.status != 422 || errFields(a)["market"] == nil {
		t.Errorf("bad market: %d %s", a.status, a.raw)
	}

	a = do(t, "GET", s.URL+"/api/campaigns?market=KR", "", "", nil)
	cs, _ := a.body["campaigns"].([]any)
	if a.status != 200 || len(cs) != 3 || !strings.Contains(a.raw, "아이오닉 9") {
		t.Fatalf("KR campaigns: %d %s", a.status, a.raw)
	}
	for _, q := range []string{"", "?market=", "?market=XX"} {
		a = do(t, "GET", s.URL+"/api/campaigns"+q, "", "", nil)
		if a.status != 422 || errCode(a) != "invalid_fields" {
			t.Errorf("campaigns%s: %d %s", q, a.status, a.raw)
		}
	}
}

func TestLeadLifecycle(t *testing.T) {
	t.Parallel()
	s := backendtest.NewServer(t, backendtest.InProcessOptions{Region: "ap-northeast-2"})
	waitReady(t, s.URL)

	a := do(t, "POST", s.URL+"/api/leads", "application/json", goodLead, map[string]string{"Idempotency-Key": "lead-1"})
	if a.status != 201 {
		t.Fatalf("create: %d %s", a.status, a.raw)
	}
	lead, _ := a.body["lead"].(map[string]any)
	id, _ := lead["id"].(string)
	if len(id) != 32 || a.header.Get("Location") != "/api/leads/"+id || lead["region"] != "ap-northeast-2" {
		t.Fatalf("lead answer: %v %v", a.header, a.raw)
	}
	token := a.header.Get("X-Consistency-Token")
	if token == "" || a.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("headers: %v", a.header)
	}

	// The same key and body: the first answer again, no second row.
	b := do(t, "POST", s.URL+"/api/leads", "application/json", goodLead, map[string]string{"Idempotency-Key": "lead-1"})
	blead, _ := b.body["lead"].(map[string]any)
	if b.status != 201 || b.header.Get("Idempotent-Replayed") != "true" || blead["id"] != id {
		t.Fatalf("replay: %d %v %s", b.status, b.header, b.raw)
	}
	// The same key with another body is a conflict.
	c := do(t, "POST", s.URL+"/api/leads", "application/json", strings.Replace(goodLead, "Kim Minji", "Lee Jun", 1), map[string]string{"Idempotency-Key": "lead-1"})
	if c.status != 409 || errCode(c) != "idempotency_conflict" {
		t.Fatalf("conflict: %d %s", c.status, c.raw)
	}
	if n := countRows(t, s, "leads"); n != 1 {
		t.Fatalf("leads rows = %d, want 1", n)
	}

	g := do(t, "GET", s.URL+"/api/leads/"+id, "", "", map[string]string{"X-Consistency-Token": token})
	glead, _ := g.body["lead"].(map[string]any)
	if g.status != 200 || glead["email"] != "minji@example.com" || g.header.Get("X-Read-Source") == "" {
		t.Fatalf("read back: %d %v %s", g.status, g.header, g.raw)
	}
	for _, bad := range []string{"garbage", "us-east-1/zz:1", strings.Repeat("a", 200)} {
		g = do(t, "GET", s.URL+"/api/leads/"+id, "", "", map[string]string{"X-Consistency-Token": bad})
		if g.status != 400 || errCode(g) != "bad_request" {
			t.Errorf("token %q: %d %s", bad, g.status, g.raw)
		}
	}
	for _, missing := range []string{strings.Repeat("0", 32), "1", "../../etc/passwd"} {
		g = do(t, "GET", s.URL+"/api/leads/"+missing, "", "", nil)
		if g.status != 404 {
			t.Errorf("lead %q: %d %s", missing, g.status, g.raw)
		}
	}

	// Without a key the backend makes one: two posts are two leads.
	for i := 0; i < 2; i++ {
		if a := do(t, "POST", s.URL+"/api/leads", "application/json", goodLead, nil); a.status != 201 {
			t.Fatalf("keyless create: %d %s", a.status, a.raw)
		}
	}
	if n := countRows(t, s, "leads"); n != 3 {
		t.Fatalf("leads rows = %d, want 3", n)
	}
}

func TestHealthCheckWrite(t *testing.T) {
	t.Parallel()
	s := backendtest.NewServer(t, backendtest.InProcessOptions{Region: "us-west-2"})
	waitReady(t, s.URL)
	op := "Bearer " + backendtest.HealthCheckToken
	a := do(t, "POST", s.URL+"/api/health-checks", "", "", map[string]string{"Idempotency-Key": "hc-1", "Authorization": op})
	hc, _ := a.body["health_check"].(map[string]any)
	if a.status != 201 || hc["region"] != "us-west-2" || hc["writer_node"] == "" || a.header.Get("X-Consistency-Token") == "" {
		t.Fatalf("health check: %d %v %s", a.status, a.header, a.raw)
	}
	b := do(t, "POST", s.URL+"/api/health-checks", "application/json", "{}", map[string]string{"Idempotency-Key": "hc-1", "Authorization": op})
	if b.status != 201 || b.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %v", b.status, b.header)
	}
	c := do(t, "POST", s.URL+"/api/health-checks", "application/json", `{"x":1}`, map[string]string{"Authorization": op})
	if c.status != 400 || errCode(c) != "unknown_field" {
		t.Fatalf("unknown field: %d %s", c.status, c.raw)
	}
	if n := countRows(t, s, "health_checks"); n != 1 {
		t.Fatalf("health_checks rows = %d, want 1", n)
	}
}

// W3C trace context flows through: the answer continues the caller's trace.
func TestTraceContextInAndOut(t *testing.T) {
	t.Parallel()
	s := backendtest.NewServer(t, backendtest.InProcessOptions{})
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	a := do(t, "GET", s.URL+"/api/vehicles", "", "", map[string]string{"traceparent": "00-" + traceID + "-00f067aa0ba902b7-01"})
	if a.status != 200 || !strings.Contains(a.header.Get("traceparent"), traceID) {
		t.Fatalf("traceparent out = %q", a.header.Get("traceparent"))
	}
}
