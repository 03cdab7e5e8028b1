package timing

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestMeasureCountsAndPhases(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("X-Client-Location"))
		if r.URL.Path == "/fail" {
			http.Error(w, "no", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	h := http.Header{"X-Client-Location": {"KR"}}
	r := Measure(context.Background(), srv.URL+"/ok", h, 5, 5*time.Second)
	if r.Requests != 5 || r.Failed != 0 || r.Total.Count != 5 {
		t.Fatalf("ok: %+v", r)
	}
	if r.TLS.Max != 0 || r.DNS.Max != 0 {
		t.Errorf("plain http to an address has no TLS or DNS phase: %+v", r)
	}
	if r.Total.P50 < r.FirstByte.P50 {
		t.Errorf("total below first byte: %+v", r)
	}
	if len(got) != 6 || got[0] != "KR" {
		t.Errorf("warm-up plus 5 requests with the header, got %v", got)
	}
	f := Measure(context.Background(), srv.URL+"/fail", nil, 3, 5*time.Second)
	if f.Failed != 3 || f.Total.Count != 0 || f.LastError != "HTTP 503" {
		t.Fatalf("fail: %+v", f)
	}
}

func TestOnceRefusedConnection(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	s := Once(context.Background(), url, nil, time.Second)
	if s.OK() || s.Err == "" {
		t.Fatalf("closed server answered: %+v", s)
	}
}

func TestReportLineRoundTrip(t *testing.T) {
	r := Report{From: "ap-northeast-2", Results: []Result{{URL: "https://x", Requests: 3}}}
	got, ok := ParseLine("  " + r.Line() + "\n")
	if !ok || got.From != r.From || len(got.Results) != 1 || got.Results[0].URL != "https://x" {
		t.Fatalf("got %+v %v", got, ok)
	}
	if _, ok := ParseLine(`{"level":"info","msg":"starting"}`); ok {
		t.Fatal("a log line parsed as a report")
	}
}
