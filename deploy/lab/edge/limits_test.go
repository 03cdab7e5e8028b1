package edge

import (
	"bufio"
	"fmt"
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

// recorder is an origin that remembers what reached it.
type recorder struct {
	hits   atomic.Int32
	last   atomic.Pointer[http.Request]
	body   atomic.Pointer[string]
	remote atomic.Pointer[string]
	srv    *httptest.Server
}

func newRecorder(t *testing.T) *recorder {
	o := &recorder{}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			// A body shorter than its Content-Length ends here.
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		o.hits.Add(1)
		s, ra := string(b), r.RemoteAddr
		o.body.Store(&s)
		o.remote.Store(&ra)
		o.last.Store(r)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(o.srv.Close)
	return o
}

// limitedEdge serves one edge, with limits, in front of recorders for
// every region; the returned address takes raw connections.
func limitedEdge(t *testing.T, l Limits, source string) (addr string, origins map[string]*recorder) {
	t.Helper()
	g, err := geo.Load(filepath.Join("..", "..", "geo", "locations.json"))
	if err != nil {
		t.Fatal(err)
	}
	origins = map[string]*recorder{}
	urls := map[string]string{}
	for _, r := range []string{"us-east-1", "us-west-2", "ap-northeast-2"} {
		origins[r] = newRecorder(t)
		urls[r] = origins[r].srv.URL
	}
	e, err := New(Config{Geo: g, Origins: urls, Definition: definition(t), Limits: l, SourceIP: source})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(e)
	srv.Config = e.Server()
	srv.Start()
	t.Cleanup(srv.Close)
	t.Cleanup(e.Close)
	return srv.Listener.Addr().String(), origins
}

func hits(origins map[string]*recorder) int {
	n := 0
	for _, o := range origins {
		n += int(o.hits.Load())
	}
	return n
}

// raw sends a request as bytes and returns the status the edge answers
// (0 when it closed the connection without one).
func raw(t *testing.T, addr, req string) int {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestOversizedRequestsRefused(t *testing.T) {
	addr, origins := limitedEdge(t, Limits{}, "")
	big := func(n int) string { return "X-Big: " + strings.Repeat("a", n) + "\r\n" }
	for _, c := range []struct {
		name string
		req  string
		want int
	}{
		{"headers just over the limit", "GET / HTTP/1.1\r\nHost: x\r\n" + big(DefaultLimits.MaxRequestBytes) + "\r\n", 431},
		{"1 MiB of headers", "GET / HTTP/1.1\r\nHost: x\r\n" + big(1<<20) + "\r\n", 431},
		{"many small headers", "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-A: "+strings.Repeat("b", 100)+"\r\n", 300) + "\r\n", 431},
		{"long URL", "GET /" + strings.Repeat("u", DefaultLimits.MaxURLBytes) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
		{"GET with a body", "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd", 403},
		{"GET with a chunked body", "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n", 403},
		{"declared body over the limit", fmt.Sprintf("POST /api/leads HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", DefaultLimits.MaxBodyBytes+1), 413},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := raw(t, addr, c.req); got != c.want {
				t.Errorf("status %d, want %d", got, c.want)
			}
		})
	}
	if n := hits(origins); n != 0 {
		t.Errorf("%d refused requests reached an origin", n)
	}
}

func TestBodyOverLimitIsRefusedNotTruncated(t *testing.T) {
	addr, origins := limitedEdge(t, Limits{MaxBodyBytes: 1000}, "")
	// Chunked, so no length announces it: the edge finds out while reading.
	chunk := fmt.Sprintf("%x\r\n%s\r\n", 600, strings.Repeat("z", 600))
	for _, target := range []string{"POST /api/leads", "OPTIONS /"} {
		req := target + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + chunk + "0\r\n\r\n"
		if got := raw(t, addr, req); got != 413 {
			t.Errorf("%s with 1,200 chunked bytes: status %d, want 413", target, got)
		}
	}
	if n := hits(origins); n != 0 {
		t.Errorf("%d oversized bodies reached an origin", n)
	}
	// Within the limit the origin gets the body and a length that matches it.
	if got := raw(t, addr, "OPTIONS / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"+chunk+"0\r\n\r\n"); got != 200 {
		t.Fatalf("OPTIONS with 600 chunked bytes: status %d", got)
	}
	o := origins["us-east-1"]
	if b := o.body.Load(); b == nil || len(*b) != 600 || o.last.Load().ContentLength != 600 {
		n := -1
		if b != nil {
			n = len(*b)
		}
		t.Errorf("origin saw a body of %d bytes with Content-Length %d, want 600 and 600", n, o.last.Load().ContentLength)
	}
}

func TestBadFramingIsTheClientsMistake(t *testing.T) {
	addr, origins := limitedEdge(t, Limits{}, "")
	for _, c := range []struct{ name, req string }{
		{"bad chunk size", "POST /api/leads HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabcd\r\n0\r\n\r\n"},
		{"bare LF in chunk", "POST /api/leads HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\nabcd\n0\n\n"},
		{"bad chunk size on OPTIONS", "OPTIONS / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabcd\r\n0\r\n\r\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := raw(t, addr, c.req); got < 400 || got >= 500 {
				t.Errorf("status %d, want a 4xx", got)
			}
		})
	}
	// The secondary (us-west-2) must not have been tried either.
	if n := origins["us-west-2"].hits.Load(); n != 0 {
		t.Errorf("a client's framing mistake failed over %d times", n)
	}
}

// cutWithin reports whether the edge closes c within d.
func cutWithin(c net.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	return !isTimeout(err)
}

func TestSlowAndIdleClientsAreCut(t *testing.T) {
	l := Limits{HeaderTimeout: 300 * time.Millisecond, ReadTimeout: 600 * time.Millisecond, IdleTimeout: 300 * time.Millisecond}
	addr, origins := limitedEdge(t, l, "")
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// Each case must be cut well before this; the edge's limits are under a second.
	const bound = 5 * time.Second

	t.Run("headers never finished", func(t *testing.T) {
		c := dial()
		_, _ = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
		if !cutWithin(c, bound) {
			t.Error("a client that never finished its headers was not cut")
		}
	})
	t.Run("body stalls", func(t *testing.T) {
		c := dial()
		_, _ = io.WriteString(c, "POST /api/leads HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"name\":")
		_ = c.SetReadDeadline(time.Now().Add(bound))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("no answer to a stalled body within %s: %v", bound, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestTimeout {
			t.Errorf("stalled body: status %d, want 408", resp.StatusCode)
		}
		if !cutWithin(c, bound) {
			t.Error("connection left open after a stalled body")
		}
	})
	t.Run("idle after a request", func(t *testing.T) {
		c := dial()
		_, _ = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		_ = c.SetReadDeadline(time.Now().Add(bound))
		if _, err := br.ReadByte(); err == nil || isTimeout(err) {
			t.Errorf("an idle kept-alive connection was not closed: %v", err)
		}
	})
	if n := origins["us-west-2"].hits.Load(); n != 0 {
		t.Errorf("slow clients failed over %d times", n)
	}
}

func TestForwardedForAppendedFromTheEdgeAddress(t *testing.T) {
	addr, origins := limitedEdge(t, Limits{}, "127.0.0.2")
	if got := raw(t, addr, "GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n\r\n"); got != 200 {
		t.Fatalf("status %d", got)
	}
	o := origins["us-east-1"]
	r := o.last.Load()
	// CloudFront appends the address the connection came from; the origin
	// trusts only the rightmost entry, which the edge wrote.
	if got := r.Header.Get("X-Forwarded-For"); got != "203.0.113.9, 127.0.0.1" {
		t.Errorf("X-Forwarded-For at the origin: %q", got)
	}
	if got := r.Header.Get("X-Forwarded-Proto"); got != "http" {
		t.Errorf("X-Forwarded-Proto at the origin: %q, want the edge's own", got)
	}
	if host, _, _ := net.SplitHostPort(*o.remote.Load()); host != "127.0.0.2" {
		t.Errorf("origin connection came from %s, want the edge's source address", host)
	}
}
