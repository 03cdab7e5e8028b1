package traffic

import (
	"context"
	"net/http"
	"net/http/httptest"
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
