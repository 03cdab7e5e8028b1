package lab_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"hyundai-poc.com/contract"
	"hyundai-poc.com/lab"
	"hyundai-poc.com/lab/edge"
)

// rawStatus sends req as bytes to addr and returns the answer's status,
// 0 when the connection closed without one.
func rawStatus(t *testing.T, addr, req string) int {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		return 0
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// abuseThroughTheEdge is what a hostile client tries against the lab's
// edge; each case asserts a bounded outcome: a 4xx, never a 5xx or a
// failover, and a connection cut within the edge's limits.
func abuseThroughTheEdge(t *testing.T, l *lab.Lab, limits edge.Limits) {
	edgeAddr := l.Layout.EdgeAddr()
	edgeURL := "http://" + edgeAddr
	front := l.Layout.FrontendAddr("us-east-1")

	t.Run("oversized headers", func(t *testing.T) {
		req := "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 1<<20) + "\r\n\r\n"
		if got := rawStatus(t, edgeAddr, req); got != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("1 MiB of headers through the edge: %d, want 431", got)
		}
	})
	t.Run("GET with a body over 1 MiB", func(t *testing.T) {
		req := "GET /api/vehicles HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n" + strings.Repeat("b", 1<<20+1)
		if got := rawStatus(t, edgeAddr, req); got != http.StatusForbidden {
			t.Errorf("GET with a body: %d, want 403 as CloudFront answers", got)
		}
	})
	t.Run("bad framing", func(t *testing.T) {
		for name, body := range map[string]string{
			"bad chunk size":   "zz\r\nabcd\r\n0\r\n\r\n",
			"bare LF in chunk": "4\nabcd\n0\n\n",
		} {
			req := "POST /api/leads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + body
			if got := rawStatus(t, edgeAddr, req); got < 400 || got >= 500 {
				t.Errorf("%s through the edge: %d, want a 4xx", name, got)
			}
		}
	})
	t.Run("stalled body is cut", func(t *testing.T) {
		c, err := net.Dial("tcp", edgeAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, _ = io.WriteString(c, "POST /api/leads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"name\":")
		_ = c.SetReadDeadline(time.Now().Add(limits.ReadTimeout + 10*time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("no answer within the read limit %s: %v", limits.ReadTimeout, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestTimeout {
			t.Errorf("stalled body: %d, want 408", resp.StatusCode)
		}
	})
	t.Run("oversized headers straight at a frontend and a backend", func(t *testing.T) {
		// 100 KiB: over the 64 KiB the ALB passes, well under net/http's
		// default of 1 MiB, so only the services' own cap refuses it.
		req := "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 100<<10) + "\r\n\r\n"
		for name, addr := range map[string]string{"frontend": front, "backend": l.Layout.BackendAddr("us-east-1")} {
			if got := rawStatus(t, addr, req); got != http.StatusRequestHeaderFieldsTooLarge {
				t.Errorf("100 KiB of headers at the %s: %d, want 431", name, got)
			}
		}
	})
	t.Run("health checks are for operators", func(t *testing.T) {
		if a := call(t, "POST", edgeURL+"/api/health-checks", nil); a.status != http.StatusForbidden {
			t.Errorf("health check without the operator token: %d, want 403", a.status)
		}
	})
	t.Run("write burst meets 429", func(t *testing.T) {
		lead := `{"type":"brochure","name":"Burst","email":"burst@example.com","vehicle_id":"ioniq-5","consent":true}`
		statuses := map[int]int{}
		retry := ""
		for i := range 30 {
			// Each a different address in X-Forwarded-For: the edge appends
			// the real one, and only that counts.
			req, _ := http.NewRequest("POST", edgeURL+"/api/leads", strings.NewReader(lead))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			statuses[resp.StatusCode]++
			if resp.StatusCode == http.StatusTooManyRequests {
				retry = resp.Header.Get("Retry-After")
			}
		}
		if statuses[http.StatusTooManyRequests] == 0 || statuses[http.StatusCreated] > 12 || retry == "" {
			t.Errorf("30 writes from one client through the edge: %v, Retry-After %q; want 429s after the burst", statuses, retry)
		}
		for s := range statuses {
			if s >= 500 {
				t.Errorf("a write burst got %d", s)
			}
		}
	})
	t.Run("region internals stay inside", func(t *testing.T) {
		regionInternalsStayInside(t, l, edgeURL)
	})
	t.Run("spoofed forwarding headers", func(t *testing.T) {
		hdr := map[string]string{"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
		// Through the edge: the edge says http, whatever the client says.
		if a := call(t, "GET", edgeURL+"/", hdr); a.status != 200 || a.header.Get("Strict-Transport-Security") != "" {
			t.Errorf("through the edge: %d, HSTS %q on a client's word", a.status, a.header.Get("Strict-Transport-Security"))
		}
		// Straight at a frontend, from an address that is not the edge.
		if a := call(t, "GET", "http://"+front+"/", hdr); a.status != 200 || a.header.Get("Strict-Transport-Security") != "" {
			t.Errorf("at the frontend: %d, HSTS %q on an untrusted client's word", a.status, a.header.Get("Strict-Transport-Security"))
		}
	})
}

// regionInternalsStayInside: what the backends know of their databases
// (endpoints, the addresses they resolve to, node names) is in the
// operators' view at each backend and in lab status, and nowhere in what
// the edge serves.
func regionInternalsStayInside(t *testing.T, l *lab.Lab, edgeURL string) {
	ipv4 := regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`)
	homes := map[string]string{"us-east-1": "US-VA", "us-west-2": "US-OR", "ap-northeast-2": "KR"}
	for _, region := range l.Layout.Regions {
		var detail contract.RegionDetail
		raw := call(t, http.MethodGet, "http://"+l.Layout.BackendAddr(region)+contract.PathRegionDetail, nil).raw
		if err := json.Unmarshal([]byte(raw), &detail); err != nil {
			t.Fatalf("%s operators' view: %v: %s", region, err, raw)
		}
		var secrets []string
		for _, n := range []contract.NodeStatus{detail.Writer, detail.Reader} {
			secrets = append(secrets, n.Endpoint)
			secrets = append(secrets, n.Resolved...)
			// The lab names its nodes after their regions, which are public.
			if !slices.Contains(l.Layout.Regions, n.Node) {
				secrets = append(secrets, n.Node)
			}
		}
		if detail.Writer.Endpoint == "" || len(detail.Writer.Resolved) == 0 || detail.Reader.Node == "" {
			t.Fatalf("%s operators' view lacks the nodes: %s", region, raw)
		}

		hdr := map[string]string{edge.HeaderLocation: homes[region]}
		public := call(t, http.MethodGet, edgeURL+contract.PathRegion, hdr).raw
		var st contract.RegionStatus
		if err := json.Unmarshal([]byte(public), &st); err != nil || st.Region != region || st.WriterRegion == "" || !st.Reader.Healthy {
			t.Errorf("%s public view through the edge: %v: %s", region, err, public)
		}
		for _, s := range secrets {
			if s != "" && strings.Contains(public, s) {
				t.Errorf("%s /api/region through the edge shows %q: %s", region, s, public)
			}
		}
		for _, key := range []string{`"endpoint"`, `"resolved"`, `"node"`, `"error"`} {
			if strings.Contains(public, key) {
				t.Errorf("%s /api/region through the edge has %s: %s", region, key, public)
			}
		}
		if ip := ipv4.FindString(public); ip != "" {
			t.Errorf("%s /api/region through the edge holds the address %s: %s", region, ip, public)
		}

		// The operators' path is not routed, however it is spelled.
		for _, path := range []string{contract.PathRegionDetail, "/_region/" + region + contract.PathRegionDetail,
			"/api/.." + contract.PathRegionDetail, "/api/%2e%2e" + contract.PathRegionDetail, "/api" + contract.PathRegionDetail} {
			body := call(t, http.MethodGet, edgeURL+path, hdr).raw
			for _, s := range secrets {
				if s != "" && strings.Contains(body, s) {
					t.Errorf("%s %s through the edge shows %q", region, path, s)
				}
			}
		}
	}
	st := l.Status(context.Background())
	for _, rs := range st.Regions {
		if !strings.Contains(string(rs.API), `"endpoint"`) || rs.WriterSeen == "" {
			t.Errorf("lab status for %s lacks the operators' view: %s", rs.Region, rs.API)
		}
	}
}
