package sitetraffic

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// site is a stand-in for one region's public URL that stores writes by
// Idempotency-Key and answers replays as the backend does; forget drops
// stored keys to play a lost write.
type site struct {
	mu     sync.Mutex
	keys   map[string]bool
	failOn bool
	token  string // the operators' token a health-check write needs
}

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failOn {
		http.Error(w, `{"error":{"code":"unavailable"}}`, http.StatusServiceUnavailable)
		return
	}
	if r.Method == http.MethodPost {
		if r.Header.Get("Authorization") != "Bearer "+s.token {
			http.Error(w, `{"error":{"code":"forbidden"}}`, http.StatusForbidden)
			return
		}
		k := r.Header.Get("Idempotency-Key")
		if s.keys[k] {
			w.Header().Set("Idempotent-Replayed", "true")
		}
		s.keys[k] = true
		w.WriteHeader(http.StatusCreated)
		return
	}
	w.Write([]byte("[]"))
}

func TestRunSummarizeVerify(t *testing.T) {
	a, b := &site{keys: map[string]bool{}, token: "op"}, &site{keys: map[string]bool{}, token: "op"}
	sa, sb := httptest.NewServer(a), httptest.NewServer(b)
	defer sa.Close()
	defer sb.Close()
	o := Options{URLs: map[string]string{"us-east-1": sa.URL, "us-west-2": sb.URL}, ReadEvery: 20 * time.Millisecond,
		WriteEvery: 20 * time.Millisecond, OperatorToken: "op"}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	go func() {
		time.Sleep(100 * time.Millisecond)
		b.mu.Lock()
		b.failOn = true
		b.mu.Unlock()
		time.Sleep(100 * time.Millisecond)
		b.mu.Lock()
		b.failOn = false
		b.mu.Unlock()
	}()
	samples := Run(ctx, o)
	cancel()
	sum := Summarize(samples, 2*time.Second)
	if sum["us-east-1"].WritesFailed != 0 || sum["us-east-1"].RTOms != 0 || sum["us-east-1"].Writes == 0 {
		t.Fatalf("healthy region: %+v", sum["us-east-1"])
	}
	if sum["us-west-2"].WritesFailed == 0 || sum["us-west-2"].RTOms == 0 {
		t.Fatalf("region with an outage: %+v", sum["us-west-2"])
	}
	// Lose one acknowledged write in us-west-2.
	var lostKey string
	for _, s := range samples {
		if s.Region == "us-west-2" && s.OK() && s.Key != "" {
			lostKey = s.Key
			b.mu.Lock()
			delete(b.keys, s.Key)
			b.mu.Unlock()
			break
		}
	}
	v := Verify(context.Background(), o, samples)
	if v.Lost != 1 || len(v.LostKeys) != 1 || v.LostKeys[0] != lostKey || v.Present != v.Acked-1 || v.Unknown != 0 {
		t.Fatalf("verification %+v (lost %s)", v, lostKey)
	}
}
