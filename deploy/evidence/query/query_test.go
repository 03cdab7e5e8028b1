package query

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

const text = `# HELP db_query_duration_seconds Database calls
# TYPE db_query_duration_seconds histogram
db_query_duration_seconds_bucket{outcome="ok",pool="reader",le="0.001"} 10
db_query_duration_seconds_bucket{outcome="ok",pool="reader",le="0.0025"} 30
db_query_duration_seconds_bucket{outcome="ok",pool="reader",le="+Inf"} 40
db_query_duration_seconds_sum{outcome="ok",pool="reader"} 0.08
db_query_duration_seconds_count{outcome="ok",pool="reader"} 40
db_query_duration_seconds_bucket{outcome="ok",pool="writer",le="0.001"} 5
db_query_duration_seconds_count{outcome="ok",pool="writer"} 5
`

func TestParseAndQuantile(t *testing.T) {
	h, err := Parse(strings.NewReader(text), "db_query_duration_seconds", map[string]string{"pool": "reader", "outcome": "ok"})
	if err != nil {
		t.Fatal(err)
	}
	if h.Count != 40 || h.Buckets[0.001] != 10 || h.Mean() != 0.002 {
		t.Fatalf("%+v", h)
	}
	// rank 20 falls in (0.001, 0.0025], halfway through its 20 counts.
	if q := h.Quantile(0.5); q < 0.00174 || q > 0.00176 {
		t.Fatalf("p50 %v", q)
	}
	if _, err := Parse(strings.NewReader(text), "db_query_duration_seconds", map[string]string{"pool": "cache"}); err == nil {
		t.Fatal("missing series parsed")
	}
}

func TestMeasureUsesTheDifference(t *testing.T) {
	var reads atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" {
			n := reads.Load()
			// 100 earlier queries of 10 ms, then each read adds one of 1 ms.
			fmt.Fprintf(w, "db_query_duration_seconds_bucket{outcome=\"ok\",pool=\"reader\",le=\"0.001\"} %d\n", n)
			fmt.Fprintf(w, "db_query_duration_seconds_bucket{outcome=\"ok\",pool=\"reader\",le=\"0.01\"} %d\n", n+100)
			fmt.Fprintf(w, "db_query_duration_seconds_bucket{outcome=\"ok\",pool=\"reader\",le=\"+Inf\"} %d\n", n+100)
			fmt.Fprintf(w, "db_query_duration_seconds_sum{outcome=\"ok\",pool=\"reader\"} %g\n", 1+float64(n)*0.001)
			fmt.Fprintf(w, "db_query_duration_seconds_count{outcome=\"ok\",pool=\"reader\"} %d\n", n+100)
			return
		}
		reads.Add(1)
	}))
	defer srv.Close()
	got, err := Measure(context.Background(), []Target{{Region: "us-east-1", MetricsURL: srv.URL + "/metrics", ReadURL: srv.URL + "/api/vehicles"}}, 20, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Count != 20 || got[0].MeanMs != 1 || got[0].P50ms > 1 || got[0].Reads != 20 || got[0].Failed != 0 {
		t.Fatalf("%+v", got[0])
	}
}
