package traffic

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRunRecordsEveryAttempt(t *testing.T) {
	var mu sync.Mutex
	keys := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Region", "r-"+r.Header.Get(HeaderLocation))
		if r.Method == http.MethodPost {
			mu.Lock()
			keys[r.Header.Get("Idempotency-Key")]++
			n := len(keys)
			mu.Unlock()
			if n%2 == 0 {
				w.WriteHeader(503) // every other write fails
				return
			}
			w.WriteHeader(201)
			return
		}
		w.Header().Set("X-Read-Source", "reader")
	}))
	defer srv.Close()
	var rec Recorder
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	Run(ctx, Config{Edge: srv.URL, Clients: []Client{{Region: "a", Location: "KR"}, {Region: "b", Location: "US-OR"}}, ReadEvery: 20 * time.Millisecond,
		WriteEvery: 20 * time.Millisecond, ReadPath: "/r", WritePath: "/w"}, &rec)
	samples := rec.Samples()
	var reads, writes, acked int
	for _, s := range samples {
		switch s.Kind {
		case Read:
			reads++
			if !s.OK() || s.ReadSource != "reader" {
				t.Fatalf("read %+v", s)
			}
		case Write:
			writes++
			if s.OK() {
				acked++
			}
		}
		if s.Served != "r-KR" && s.Served != "r-US-OR" {
			t.Fatalf("served %q", s.Served)
		}
	}
	if reads == 0 || writes == 0 {
		t.Fatalf("reads %d writes %d", reads, writes)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(keys) != writes {
		t.Fatalf("%d writes used %d distinct keys: keys must be unique", writes, len(keys))
	}
	if acked == 0 || acked == writes {
		t.Fatalf("acked %d of %d, want about half", acked, writes)
	}
}

func TestPerSecond(t *testing.T) {
	start := time.Unix(1000, 0)
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	samples := []Sample{
		{Kind: Write, Region: "b", End: at(100), Status: 201},
		{Kind: Write, Region: "b", End: at(900), Status: 503},
		{Kind: Read, Region: "b", End: at(2500), Status: 200},
		{Kind: Read, Region: "a", End: at(1500)},
		{Kind: Read, Region: "a", End: at(-5), Status: 200},
	}
	got := PerSecond(samples, start)
	want := []Second{
		{Region: "a", T: 0}, {Region: "a", T: 1, ReadsFailed: 1}, {Region: "a", T: 2},
		{Region: "b", T: 0, WritesOK: 1, WritesFailed: 1}, {Region: "b", T: 1}, {Region: "b", T: 2, ReadsOK: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: got %+v want %+v", i, got[i], want[i])
		}
	}
}

// Against an edge on loopback the traffic comes from many visitors, each
// with an address of its own, so per-client limits see real visitors.
func TestVisitorsHaveAddressesOfTheirOwn(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		mu.Lock()
		seen[host]++
		mu.Unlock()
	}))
	defer srv.Close()
	var rec Recorder
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	Run(ctx, Config{Edge: srv.URL, Clients: []Client{{Region: "a"}}, ReadEvery: 10 * time.Millisecond, ReadPath: "/r", Visitors: 8}, &rec)
	if n := rec.Count(func(s Sample) bool { return !s.OK() }); n != 0 {
		t.Fatalf("%d requests failed: %+v", n, rec.Samples()[0])
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 8 {
		t.Fatalf("requests came from %d addresses, want 8: %v", len(seen), seen)
	}
	for host := range seen {
		if !strings.HasPrefix(host, "127.250.") {
			t.Errorf("visitor address %s is outside 127.250.0.0/16", host)
		}
	}
}
