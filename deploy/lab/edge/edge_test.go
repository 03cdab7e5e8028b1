package edge

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hyundai-poc.com/lab/geo"
)

type origin struct {
	region string
	status atomic.Int32
	hits   atomic.Int32
	srv    *httptest.Server
}

func newOrigin(t *testing.T, region string) *origin {
	o := &origin{region: region}
	o.status.Store(200)
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.hits.Add(1)
		w.Header().Set("X-Region", region)
		w.WriteHeader(int(o.status.Load()))
		_, _ = io.WriteString(w, r.Method+" "+r.URL.Path)
	}))
	t.Cleanup(o.srv.Close)
	return o
}

// definition is the project's deploy/geo/edge.json.
func definition(t *testing.T) *Definition {
	t.Helper()
	d, err := LoadDefinition(filepath.Join("..", "..", "geo", "edge.json"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func setup(t *testing.T) (*httptest.Server, map[string]*origin, *Edge) {
	t.Helper()
	g, err := geo.Load(filepath.Join("..", "..", "geo", "locations.json"))
	if err != nil {
		t.Fatal(err)
	}
	origins := map[string]*origin{}
	urls := map[string]string{}
	for _, r := range []string{"us-east-1", "us-west-2", "ap-northeast-2"} {
		origins[r] = newOrigin(t, r)
		urls[r] = origins[r].srv.URL
	}
	e, err := New(Config{Geo: g, Origins: urls, Definition: definition(t)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	t.Cleanup(e.Close)
	return srv, origins, e
}

func do(t *testing.T, method, url string, hdr map[string]string) *http.Response {
	t.Helper()
	var body io.Reader
	if method != http.MethodGet && method != http.MethodHead {
		body = strings.NewReader("{}")
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestRoutesByLocation(t *testing.T) {
	srv, _, _ := setup(t)
	for _, c := range []struct {
		name, url string
		hdr       map[string]string
		region    string
	}{
		{"header country", "/api/x", map[string]string{HeaderLocation: "KR"}, "ap-northeast-2"},
		{"header state", "/api/x", map[string]string{HeaderLocation: "US-OR"}, "us-west-2"},
		{"cookie", "/api/x", map[string]string{"Cookie": "loc=US-CA"}, "us-west-2"},
		{"query", "/api/x?loc=JP", nil, "ap-northeast-2"},
		{"header beats query", "/api/x?loc=KR", map[string]string{HeaderLocation: "US-VA"}, "us-east-1"},
		{"default", "/api/x", nil, "us-east-1"},
		{"pinned", "/api/x", map[string]string{HeaderLocation: "KR", HeaderRegion: "us-east-1"}, "us-east-1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp := do(t, "GET", srv.URL+c.url, c.hdr)
			if resp.StatusCode != 200 || resp.Header.Get("X-Region") != c.region || resp.Header.Get(HeaderOrigin) != c.region {
				t.Fatalf("status %d X-Region %q %s %q, want %s", resp.StatusCode, resp.Header.Get("X-Region"),
					HeaderOrigin, resp.Header.Get(HeaderOrigin), c.region)
			}
			if resp.Header.Get(HeaderFailover) != "" {
				t.Fatal("failover header on a primary answer")
			}
		})
	}
	for _, bad := range []map[string]string{{HeaderLocation: "Korea"}, {HeaderRegion: "mars-1"}} {
		if resp := do(t, "GET", srv.URL+"/api/x", bad); resp.StatusCode != 400 {
			t.Errorf("%v: status %d, want 400", bad, resp.StatusCode)
		}
	}
}

func TestFailsOverOnlyIdempotentMethods(t *testing.T) {
	srv, origins, e := setup(t)
	kr := map[string]string{HeaderLocation: "KR"}

	origins["ap-northeast-2"].status.Store(503)
	for _, m := range []string{"GET", "HEAD", "OPTIONS"} {
		resp := do(t, m, srv.URL+"/vehicles", kr)
		if resp.StatusCode != 200 || resp.Header.Get(HeaderOrigin) != "us-west-2" || resp.Header.Get(HeaderFailover) != "true" {
			t.Fatalf("%s on 503: status %d origin %q failover %q", m, resp.StatusCode, resp.Header.Get(HeaderOrigin), resp.Header.Get(HeaderFailover))
		}
	}
	before := origins["us-west-2"].hits.Load()
	resp := do(t, "POST", srv.URL+"/api/leads", kr)
	if resp.StatusCode != 503 || resp.Header.Get(HeaderOrigin) != "ap-northeast-2" {
		t.Fatalf("POST on 503: status %d origin %q, want the primary's 503", resp.StatusCode, resp.Header.Get(HeaderOrigin))
	}
	if origins["us-west-2"].hits.Load() != before {
		t.Fatal("POST reached the secondary origin")
	}

	// Refused connections: the region cut off, then its server gone.
	origins["ap-northeast-2"].status.Store(200)
	e.SetDown("ap-northeast-2", true)
	if resp := do(t, "GET", srv.URL+"/", kr); resp.StatusCode != 200 || resp.Header.Get(HeaderOrigin) != "us-west-2" {
		t.Fatalf("GET to cut-off region: status %d origin %q", resp.StatusCode, resp.Header.Get(HeaderOrigin))
	}
	if resp := do(t, "POST", srv.URL+"/api/leads", kr); resp.StatusCode != 502 {
		t.Fatalf("POST to cut-off region: status %d, want 502", resp.StatusCode)
	}
	e.SetDown("ap-northeast-2", false)
	if resp := do(t, "GET", srv.URL+"/", kr); resp.Header.Get(HeaderOrigin) != "ap-northeast-2" {
		t.Fatalf("after heal: origin %q", resp.Header.Get(HeaderOrigin))
	}
}

func TestRefusedOrigin(t *testing.T) {
	g, _ := geo.Load(filepath.Join("..", "..", "geo", "locations.json"))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	west := newOrigin(t, "us-west-2")
	e, err := New(Config{Geo: g, Origins: map[string]string{"us-east-1": dead, "us-west-2": west.srv.URL, "ap-northeast-2": dead},
		Definition: definition(t)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	defer srv.Close()
	if resp := do(t, "GET", srv.URL+"/", nil); resp.StatusCode != 200 || resp.Header.Get(HeaderOrigin) != "us-west-2" {
		t.Fatalf("GET: status %d origin %q", resp.StatusCode, resp.Header.Get(HeaderOrigin))
	}
	if resp := do(t, "POST", srv.URL+"/api/leads", nil); resp.StatusCode != 502 || west.hits.Load() != 1 {
		t.Fatalf("POST: status %d, secondary hits %d", resp.StatusCode, west.hits.Load())
	}
	if _, err := New(Config{Geo: g, Origins: map[string]string{"us-east-1": dead}, Definition: definition(t)}); err == nil {
		t.Fatal("edge without an origin for a routed region accepted")
	}
}

func TestFailsOverOnTimeout(t *testing.T) {
	g, err := geo.Load(filepath.Join("..", "..", "geo", "locations.json"))
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	west := newOrigin(t, "us-west-2")
	e, err := New(Config{Geo: g, Origins: map[string]string{"us-east-1": slow.URL, "us-west-2": west.srv.URL, "ap-northeast-2": slow.URL},
		Definition: definition(t), ResponseTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	defer srv.Close()
	if resp := do(t, "GET", srv.URL+"/", nil); resp.StatusCode != 200 || resp.Header.Get(HeaderOrigin) != "us-west-2" {
		t.Fatalf("GET to a timing-out origin: status %d origin %q", resp.StatusCode, resp.Header.Get(HeaderOrigin))
	}
	if resp := do(t, "POST", srv.URL+"/api/leads", nil); resp.StatusCode != http.StatusGatewayTimeout || west.hits.Load() != 1 {
		t.Fatalf("POST to a timing-out origin: status %d, secondary hits %d; want 504 and no retry", resp.StatusCode, west.hits.Load())
	}
}

func TestPinnedPathAndStickyLocation(t *testing.T) {
	srv, origins, _ := setup(t)

	// /_region/R/... goes to R's /..., whatever the location says.
	req, _ := http.NewRequest("GET", srv.URL+"/_region/us-west-2/healthz?rtt=1", nil)
	req.Header.Set(HeaderLocation, "KR")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get(HeaderOrigin) != "us-west-2" || string(body) != "GET /healthz" || origins["us-west-2"].hits.Load() != 1 {
		t.Fatalf("pinned path: origin %q, origin saw %q", resp.Header.Get(HeaderOrigin), body)
	}
	if r := do(t, "GET", srv.URL+"/_region/mars-1/healthz", nil); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown pinned region: %d", r.StatusCode)
	}

	// ?loc= sets the cookie, and beats an older cookie.
	req, _ = http.NewRequest("GET", srv.URL+"/?loc=kr", nil)
	req.AddCookie(&http.Cookie{Name: "loc", Value: "US-VA"})
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get(HeaderOrigin) != "ap-northeast-2" || !strings.Contains(resp.Header.Get("Set-Cookie"), "loc=KR") {
		t.Fatalf("?loc=: origin %q, cookie %q", resp.Header.Get(HeaderOrigin), resp.Header.Get("Set-Cookie"))
	}
}
