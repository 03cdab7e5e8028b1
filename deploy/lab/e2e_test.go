package lab_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"hyundai-poc.com/dbserver"
	"hyundai-poc.com/lab"
	"hyundai-poc.com/lab/control"
	"hyundai-poc.com/lab/drill"
	"hyundai-poc.com/lab/edge"
	"hyundai-poc.com/lab/loopback"
	"hyundai-poc.com/lab/topology"
	"hyundai-poc.com/loadtest/traffic"
)

// testLayout keeps the test's lab apart from one a person may be running:
// other database addresses (127.77.x.y) and every service port moved down by 500, below the kernel's ephemeral range.
func testLayout() loopback.Layout {
	return loopback.Layout{Host: "127.0.0.1", Net: 77, PortOffset: -500, EdgePort: 8080}
}

type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func call(t *testing.T, method, url string, hdr map[string]string) answer {
	t.Helper()
	var body io.Reader
	if method == http.MethodPost {
		body = bytes.NewReader([]byte("{}"))
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	_ = json.Unmarshal(b, &a.body)
	return a
}

func field(m map[string]any, path ...string) string {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = mm[p]
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func TestLabEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole lab")
	}
	if _, err := dbserver.FindBinaries(); err != nil {
		t.Skip(err)
	}
	lay := testLayout()
	for _, port := range []int{12500, 12501, 22500, 22501, 32500, 32501, 9553, 19553, 29553, 7580} {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Skipf("port %d is taken (another test lab?): %v", port, err)
		}
		ln.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir() + "/lab"
	// The edge cuts a slow body sooner than in a lab people run, so the
	// abuse cases finish quickly.
	limits := edge.DefaultLimits
	limits.ReadTimeout = 3 * time.Second
	l, err := lab.Start(ctx, lab.Config{Dir: dir, Layout: lay, DNSTTL: time.Second,
		BackendEnv: map[string]string{"MONITOR_INTERVAL": "200ms"}, Progress: logWriter{t}, EdgeLimits: limits})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	edgeURL := "http://" + l.Layout.EdgeAddr()
	homes := map[string]string{"us-east-1": "US-VA", "us-west-2": "US-OR", "ap-northeast-2": "KR"}

	t.Run("edge routing table", func(t *testing.T) {
		for loc, want := range map[string]string{"KR": "ap-northeast-2", "JP": "ap-northeast-2", "US-CA": "us-west-2",
			"US-OR": "us-west-2", "US-VA": "us-east-1", "US-TX": "us-east-1", "DE": "us-east-1", "": "us-east-1"} {
			a := call(t, "GET", edgeURL+"/_edge/route?loc="+loc, nil)
			if a.status != 200 || field(a.body, "region") != want {
				t.Errorf("route %q: %d %v, want %s", loc, a.status, a.body, want)
			}
			a = call(t, "GET", edgeURL+"/api/region", map[string]string{edge.HeaderLocation: loc})
			if got := a.header.Get("X-Region"); a.status != 200 || got != want {
				t.Errorf("GET /api/region from %q served by %q (%d), want %s", loc, got, a.status, want)
			}
		}
		if a := call(t, "GET", edgeURL+"/api/region?loc=Korea", nil); a.status != 400 {
			t.Errorf("bad location: %d, want 400", a.status)
		}
	})

	t.Run("abuse through the edge", func(t *testing.T) { abuseThroughTheEdge(t, l, limits) })

	t.Run("reads from own replica, writes reach the writer", func(t *testing.T) {
		for region, loc := range homes {
			hdr := map[string]string{edge.HeaderLocation: loc}
			a := call(t, "GET", edgeURL+"/api/region", hdr)
			if field(a.body, "region") != region || field(a.body, "reader", "region") != region || field(a.body, "writer", "region") != "us-east-1" {
				t.Errorf("%s /api/region: %v", region, a.body)
			}
			a = call(t, "GET", edgeURL+"/api/vehicles?market=US", hdr)
			if a.status != 200 || a.header.Get("X-Read-Source") != "reader" || a.header.Get("X-Region") != region {
				t.Errorf("%s read: %d source %q region %q", region, a.status, a.header.Get("X-Read-Source"), a.header.Get("X-Region"))
			}
			hdr["Idempotency-Key"] = "e2e-" + region
			hdr["Authorization"] = "Bearer " + l.OperatorToken()
			a = call(t, "POST", edgeURL+"/api/health-checks", hdr)
			if a.status != 201 || field(a.body, "health_check", "writer_region") != "us-east-1" || field(a.body, "health_check", "region") != region {
				t.Errorf("%s write: %d %v", region, a.status, a.body)
			}
		}
	})

	c, err := control.Dial(dir)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("POST never fails over", func(t *testing.T) {
		var res topology.Result
		if err := c.Do(ctx, "/v1/backend/stop", control.Request{Region: "us-west-2"}, &res); err != nil {
			t.Fatal(err)
		}
		hdr := map[string]string{edge.HeaderLocation: "US-OR", "Idempotency-Key": "e2e-post-no-failover", "Authorization": "Bearer " + l.OperatorToken()}
		a := call(t, "POST", edgeURL+"/api/health-checks", hdr)
		if a.status < 500 || a.header.Get(edge.HeaderOrigin) != "us-west-2" {
			t.Errorf("POST with us-west-2's backend down: %d from %q, want a 5xx from us-west-2", a.status, a.header.Get(edge.HeaderOrigin))
		}
		// A page is served by the origin group, which fails over; /api/*
		// takes POST, so (as in CloudFront) it is a plain origin.
		a = call(t, "GET", edgeURL+"/vehicles", hdr)
		if a.status != 200 || a.header.Get(edge.HeaderOrigin) != "us-east-1" || a.header.Get(edge.HeaderFailover) != "true" {
			t.Errorf("GET with us-west-2's backend down: %d from %q failover %q, want 200 from the secondary us-east-1",
				a.status, a.header.Get(edge.HeaderOrigin), a.header.Get(edge.HeaderFailover))
		}
		if err := c.Do(ctx, "/v1/backend/start", control.Request{Region: "us-west-2"}, &res); err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		if err := c.Do(ctx, "/v1/count-keys", control.Request{Table: "health_checks", Keys: []string{"e2e-post-no-failover", "e2e-us-west-2"}}, &counts); err != nil {
			t.Fatal(err)
		}
		if counts["e2e-post-no-failover"] != 0 || counts["e2e-us-west-2"] != 1 {
			t.Errorf("rows per key: %v", counts)
		}
	})

	t.Run("a lead queued while no writer is writable survives its queue's crash and is written once", func(t *testing.T) {
		queuedLeadIsDurable(ctx, t, l, c)
	})

	short := drill.Options{Warmup: time.Second, Before: 2 * time.Second, After: 2 * time.Second, Outage: 3 * time.Second,
		RecoveryTimeout: 30 * time.Second, Progress: logWriter{t}}
	check := func(t *testing.T, rep *drill.Report) {
		t.Helper()
		if !rep.Recovered {
			t.Errorf("writes did not recover in every region")
		}
		if rep.AckedWrites == 0 || rep.LostWrites != 0 || rep.DuplicateWrites != 0 {
			t.Errorf("acked %d, lost %d %v, applied twice %d", rep.AckedWrites, rep.LostWrites, rep.LostKeys, rep.DuplicateWrites)
		}
		for _, r := range l.Layout.Regions {
			if rr := rep.Regions[r]; rr.Writes["after"].Attempts == 0 || rr.Writes["after"].Failed != 0 {
				t.Errorf("%s writes after recovery: %+v", r, rr.Writes["after"])
			}
		}
	}

	t.Run("reader outage drill", func(t *testing.T) {
		o := short
		o.Scenario, o.Target = "reader-outage", "us-west-2"
		rep, err := drill.Run(ctx, c, o)
		if err != nil {
			t.Fatal(err)
		}
		check(t, rep)
		if n := rep.FailedReads["us-west-2"]; n != 0 {
			t.Errorf("%d reads failed in us-west-2 while its reader was down; the writer fallback should take them", n)
		}
		if rep.Regions["us-west-2"].ReadsFromWriter == 0 {
			t.Errorf("no read in us-west-2 fell back to the writer")
		}
	})

	t.Run("switchover drill", func(t *testing.T) {
		o := short
		o.Scenario, o.Target = "switchover", "us-west-2"
		rep, err := drill.Run(ctx, c, o)
		if err != nil {
			t.Fatal(err)
		}
		check(t, rep)
		if rep.WriterAfter != "us-west-2" {
			t.Errorf("writer after switchover: %q", rep.WriterAfter)
		}
		a := call(t, "POST", edgeURL+"/api/health-checks", map[string]string{edge.HeaderLocation: "KR", "Idempotency-Key": "e2e-after-switchover",
			"Authorization": "Bearer " + l.OperatorToken()})
		if a.status != 201 || field(a.body, "health_check", "writer_region") != "us-west-2" {
			t.Errorf("write after switchover: %d %v", a.status, a.body)
		}
	})
}

// queuedLeadIsDurable fences the writer, so no writable writer answers, and
// posts a lead in us-west-2: it must be answered 202 from the region's
// queue. With the backend stopped, the queue's server is killed and started
// again on its append-only file; the lead must still be pending, and be
// written exactly once when the writer takes writes again.
func queuedLeadIsDurable(ctx context.Context, t *testing.T, l *lab.Lab, c *control.Client) {
	edgeURL := "http://" + l.Layout.EdgeAddr()
	node := l.Database().Node(l.Database().Writer())
	if err := node.SetReadOnly(ctx, true); err != nil {
		t.Fatal(err)
	}
	fenced := true
	unfence := func() {
		if fenced {
			if err := node.SetReadOnly(context.WithoutCancel(ctx), false); err != nil {
				t.Fatal(err)
			}
			fenced = false
		}
	}
	defer unfence()
	// A visitor of its own: the burst case above spent 127.0.0.1's allowance.
	hc := &http.Client{Transport: traffic.VisitorTransport(65000), Timeout: 15 * time.Second}
	do := func(method, path, body string) (int, http.Header) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, edgeURL+path, strings.NewReader(body))
		req.Header.Set(edge.HeaderLocation, "US-OR")
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", "e2e-queued-lead")
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, resp.Header
	}
	lead := `{"type":"brochure","name":"Queued","email":"queued@example.com","vehicle_id":"ioniq-5","consent":true}`
	status, hdr := do("POST", "/api/leads", lead)
	loc := hdr.Get("Location")
	if status != http.StatusAccepted || !strings.HasPrefix(loc, "/api/leads/") {
		t.Fatalf("lead with no writable writer: %d, Location %q; want 202 from the queue", status, loc)
	}
	var res topology.Result
	for _, op := range []string{"/v1/backend/stop", "/v1/queue/stop", "/v1/queue/start", "/v1/backend/start"} {
		if err := c.Do(ctx, op, control.Request{Region: "us-west-2"}, &res); err != nil {
			t.Fatalf("%s: %v", op, err)
		}
	}
	if status, _ := do("GET", loc, ""); status != http.StatusAccepted {
		t.Fatalf("queued lead after its queue was killed and started again: %d, want 202 (pending)", status)
	}
	if status, _ := do("POST", "/api/leads", lead); status != http.StatusAccepted {
		t.Errorf("the same key posted again while pending: %d, want the same 202", status)
	}
	unfence()
	deadline := time.Now().Add(30 * time.Second)
	for status, _ = do("GET", loc, ""); status != http.StatusOK && time.Now().Before(deadline); status, _ = do("GET", loc, "") {
		time.Sleep(200 * time.Millisecond)
	}
	if status != http.StatusOK {
		t.Fatalf("queued lead once the writer took writes again: %d, want 200", status)
	}
	counts := map[string]int{}
	if err := c.Do(ctx, "/v1/count-keys", control.Request{Table: "leads", Keys: []string{"e2e-queued-lead"}}, &counts); err != nil {
		t.Fatal(err)
	}
	if counts["e2e-queued-lead"] != 1 {
		t.Errorf("rows with the queued lead's key: %d, want 1", counts["e2e-queued-lead"])
	}
}
