package edge

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hyundai-poc.com/lab/geo"
)

// pageOrigin answers like the site: each path with its own Cache-Control,
// and a body unique to each answer, so a shared answer shows.
type pageOrigin struct {
	hits atomic.Int32
	srv  *httptest.Server
}

func newPageOrigin(t *testing.T) *pageOrigin {
	o := &pageOrigin{}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := o.hits.Add(1)
		switch {
		case strings.HasPrefix(r.URL.Path, "/static/"):
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		case r.URL.Path == "/test-drive":
			w.Header().Set("Cache-Control", "private, no-store")
		case r.URL.Path == "/shared":
			w.Header().Set("Cache-Control", "public, max-age=60")
		}
		cookie := ""
		if c, err := r.Cookie("market"); err == nil {
			cookie = c.Value
		}
		_, _ = io.WriteString(w, r.Method+" "+r.URL.RequestURI()+" market="+cookie+" answer="+string(rune('0'+n%10)))
	}))
	t.Cleanup(o.srv.Close)
	return o
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func pageEdge(t *testing.T, def *Definition) (*httptest.Server, *pageOrigin, *clock) {
	t.Helper()
	g, err := geo.Load(filepath.Join("..", "..", "geo", "locations.json"))
	if err != nil {
		t.Fatal(err)
	}
	o := newPageOrigin(t)
	clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	urls := map[string]string{"us-east-1": o.srv.URL, "us-west-2": o.srv.URL, "ap-northeast-2": o.srv.URL}
	e, err := New(Config{Geo: g, Origins: urls, Definition: def, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	t.Cleanup(e.Close)
	return srv, o, clk
}

type answer struct {
	status int
	header http.Header
	body   string
}

func get(t *testing.T, method, url string, hdr map[string]string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

// CloudFront answers 403 itself to a method the path's behavior does not
// allow; the origin never sees it.
func TestRefusesMethodsTheBehaviorDoesNotAllow(t *testing.T) {
	srv, o, _ := pageEdge(t, definition(t))
	for _, c := range []struct{ method, path string }{{"PUT", "/"}, {"POST", "/"}, {"DELETE", "/vehicles"}, {"POST", "/static/site.css"}, {"OPTIONS", "/static/site.css"}} {
		a := get(t, c.method, srv.URL+c.path, nil)
		if a.status != http.StatusForbidden || a.header.Get(HeaderCache) != CacheError {
			t.Errorf("%s %s: %d %q, want 403 from CloudFront", c.method, c.path, a.status, a.header.Get(HeaderCache))
		}
	}
	if n := o.hits.Load(); n != 0 {
		t.Fatalf("refused requests reached the origin %d times", n)
	}
	for _, c := range []struct{ method, path string }{{"POST", "/test-drive"}, {"POST", "/csp-report"}, {"POST", "/api/leads"}, {"PUT", "/api/leads/x"}, {"POST", "/_region/us-west-2/api/health-checks"}} {
		if a := get(t, c.method, srv.URL+c.path, nil); a.status != http.StatusOK {
			t.Errorf("%s %s: %d, want the origin's answer", c.method, c.path, a.status)
		}
	}
}

func TestCachesByThePolicy(t *testing.T) {
	srv, o, clk := pageEdge(t, definition(t))

	// A fingerprinted static file: a miss, then hits that say how old.
	first := get(t, "GET", srv.URL+"/static/site.css?v=abc", nil)
	clk.add(7 * time.Second)
	second := get(t, "GET", srv.URL+"/static/site.css?v=abc", nil)
	if first.header.Get(HeaderCache) != CacheMiss || second.header.Get(HeaderCache) != CacheHit || second.header.Get("Age") != "7" || second.body != first.body {
		t.Fatalf("static: first %q, second %q Age %q", first.header.Get(HeaderCache), second.header.Get(HeaderCache), second.header.Get("Age"))
	}
	if h := o.hits.Load(); h != 1 {
		t.Fatalf("static: origin asked %d times, want 1", h)
	}
	// Another fingerprint is another file.
	if a := get(t, "GET", srv.URL+"/static/site.css?v=def", nil); a.header.Get(HeaderCache) != CacheMiss {
		t.Fatalf("a new fingerprint was served from the cache")
	}
	// Each viewer region has its own cache (CloudFront's edge locations).
	if a := get(t, "GET", srv.URL+"/static/site.css?v=abc", map[string]string{HeaderLocation: "KR"}); a.header.Get(HeaderCache) != CacheMiss {
		t.Fatalf("Seoul's edge had the US edge's copy")
	}

	// no-store pages are never kept: every visitor gets the origin's answer.
	before := o.hits.Load()
	for range 3 {
		if a := get(t, "GET", srv.URL+"/test-drive", nil); a.header.Get(HeaderCache) != CacheMiss {
			t.Fatalf("a no-store page was served from the cache")
		}
	}
	if o.hits.Load()-before != 3 {
		t.Fatal("a no-store page did not reach the origin every time")
	}

	// A page the origin lets be shared is keyed by query and cookie.
	us := map[string]string{"Cookie": "market=US"}
	kr := map[string]string{"Cookie": "market=KR"}
	a1 := get(t, "GET", srv.URL+"/shared?x=1", us)
	a2 := get(t, "GET", srv.URL+"/shared?x=1", kr)
	a3 := get(t, "GET", srv.URL+"/shared?x=2", us)
	a4 := get(t, "GET", srv.URL+"/shared?x=1", us)
	if a1.header.Get(HeaderCache) != CacheMiss || a2.header.Get(HeaderCache) != CacheMiss || a3.header.Get(HeaderCache) != CacheMiss {
		t.Fatalf("pages that differ by cookie or query shared an answer: %q %q %q", a1.header.Get(HeaderCache), a2.header.Get(HeaderCache), a3.header.Get(HeaderCache))
	}
	if a4.header.Get(HeaderCache) != CacheHit || a4.body != a1.body {
		t.Fatalf("the same page, query and cookie: %q", a4.header.Get(HeaderCache))
	}
	// After its max-age it is fetched again.
	clk.add(61 * time.Second)
	if a := get(t, "GET", srv.URL+"/shared?x=1", us); a.header.Get(HeaderCache) != CacheMiss {
		t.Fatalf("kept past max-age")
	}
}

// With the first configuration's policy on pages (Managed-CachingOptimized:
// minimum TTL 1 s, no query strings or cookies in the key), one visitor's
// no-store form is served to the next: the edge shows the defect.
func TestAMinimumTTLSharesNoStorePages(t *testing.T) {
	def := definition(t)
	def.CachePolicies["pages"] = CachePolicy{MinTTL: 1, DefaultTTL: 86400, MaxTTL: 31536000}
	srv, _, _ := pageEdge(t, def)
	a := get(t, "GET", srv.URL+"/test-drive?visitor=a", nil)
	b := get(t, "GET", srv.URL+"/test-drive?visitor=b", nil)
	if b.header.Get(HeaderCache) != CacheHit || b.body != a.body {
		t.Fatalf("want the old policy to share the page (that is the defect), got %q", b.header.Get(HeaderCache))
	}
}

// Only a behavior on an origin group fails over; /api/* (which takes POST)
// is a plain origin in CloudFront and so here.
func TestFailsOverOnlyInOriginGroups(t *testing.T) {
	srv, origins, _ := setup(t)
	kr := map[string]string{HeaderLocation: "KR"}
	origins["ap-northeast-2"].status.Store(503)
	if resp := do(t, "GET", srv.URL+"/api/vehicles", kr); resp.StatusCode != 503 || resp.Header.Get(HeaderFailover) != "" {
		t.Fatalf("GET /api/vehicles: %d failover %q, want the primary's 503", resp.StatusCode, resp.Header.Get(HeaderFailover))
	}
	if resp := do(t, "GET", srv.URL+"/vehicles", kr); resp.StatusCode != 200 || resp.Header.Get(HeaderOrigin) != "us-west-2" {
		t.Fatalf("GET /vehicles: %d from %q, want the stand-in us-west-2", resp.StatusCode, resp.Header.Get(HeaderOrigin))
	}
	// A region addressed by path is one origin: no failover.
	if resp := do(t, "GET", srv.URL+"/_region/ap-northeast-2/healthz", nil); resp.StatusCode != 503 {
		t.Fatalf("GET /_region/ap-northeast-2/healthz: %d, want its own 503", resp.StatusCode)
	}
	// The stand-ins are edge.json's.
	var rt Route
	resp, err := http.Get(srv.URL + "/_edge/route?loc=US-OR")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&rt); err != nil || rt.Region != "us-west-2" || rt.Secondary != "us-east-1" {
		t.Fatalf("route for US-OR: %+v %v", rt, err)
	}
}

func TestCacheStaysBounded(t *testing.T) {
	srv, _, _ := pageEdge(t, definition(t))
	for i := range maxEntries + 50 {
		get(t, "GET", srv.URL+"/static/site.css?v="+string(rune('a'+i%26))+strings.Repeat("x", i/26), nil)
	}
	// The newest is still there; nothing grew past the bound (checked in
	// the cache itself below).
	c := newCache(time.Now)
	for i := range maxEntries * 3 {
		c.put(strings.Repeat("k", i+1), &cached{expires: time.Now().Add(time.Hour)})
	}
	if len(c.entries) > maxEntries || len(c.order) > 2*maxEntries+1 {
		t.Fatalf("cache holds %d entries, order %d; bound %d", len(c.entries), len(c.order), maxEntries)
	}
}
