package api_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"hyundai-poc.com/backend/backendtest"
)

// The read and write handlers end to end: HTTP, the data path and a real
// MariaDB on loopback. `make bench` runs them.

func BenchmarkReadVehicles(b *testing.B) {
	s := backendtest.NewServer(b, backendtest.InProcessOptions{})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	url := s.URL + "/api/vehicles?market=US"
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(url)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}

func BenchmarkCreateLead(b *testing.B) {
	s := backendtest.NewServer(b, backendtest.InProcessOptions{})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest("POST", s.URL+"/api/leads", strings.NewReader(goodLead))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d", i))
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 201 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
