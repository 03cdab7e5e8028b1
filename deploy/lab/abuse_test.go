package lab_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

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
	t.Run("oversized headers straight at a frontend", func(t *testing.T) {
		req := "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 1<<20) + "\r\n\r\n"
		if got := rawStatus(t, front, req); got != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("1 MiB of headers at the frontend: %d, want 431", got)
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
