package compare

import (
	"strings"
	"testing"
	"time"

	"hyundai-poc.com/loadtest/traffic"
)

func TestDivide(t *testing.T) {
	for _, tc := range []struct {
		ours, peer float64
		want       *float64
	}{
		{0, 0, f(1)},
		{0, 12, f(0)},
		{3, 12, f(0.25)},
		{2, 3, f(0.667)},
		{5, 0, nil},
	} {
		got := Divide(tc.ours, tc.peer)
		if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
			t.Errorf("Divide(%g, %g) = %v, want %v", tc.ours, tc.peer, RatioText(got), RatioText(tc.want))
		}
	}
}

func f(v float64) *float64 { return &v }

func TestRatios(t *testing.T) {
	ours := PathResult{Path: "ours", FailedRequests: 0, LostWrites: 0, MaxRTOms: 500}
	peers := []PathResult{{Path: "naive", FailedRequests: 40, LostWrites: 2, MaxRTOms: 5000}, {Path: "proxy", FailedRequests: 0, LostWrites: 0, MaxRTOms: 250}}
	r := Ratios(ours, peers)
	if len(r) != 2 || *r[0].FailedRequests != 0 || *r[0].LostWrites != 0 || *r[0].RTO != 0.1 {
		t.Fatalf("naive ratios %+v", r[0])
	}
	if *r[1].FailedRequests != 1 || *r[1].LostWrites != 1 || *r[1].RTO != 2 {
		t.Fatalf("proxy ratios %+v", r[1])
	}
}

func TestAnalyse(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	w := func(region string, start, took float64, status int, key string) traffic.Sample {
		return traffic.Sample{Kind: traffic.Write, Region: region, Start: at(start), End: at(start + took), Status: status, Key: key}
	}
	samples := []traffic.Sample{
		w("a", 0, 0.05, 201, "k1"), // before the event
		w("a", 10, 0.05, 503, ""),  // fails at the trigger
		w("a", 11, 0.05, 503, ""),
		w("a", 12, 0.05, 201, "k2"), // back 2.05 s after the first failure
		w("a", 13, 0.05, 201, "k3"),
		w("a", 14, 0.05, 201, "k4"),
		w("b", 10, 3, 201, "k5"), // stalled beyond the 2 s threshold: counts toward RTO, not a failure
		w("b", 13, 0.1, 201, "k6"),
		w("b", 14, 0.1, 201, "k7"),
		w("b", 15, 0.1, 201, "k8"),
		{Kind: traffic.Read, Region: "b", Start: at(11), End: at(11.1), Status: 0},
	}
	ev := []Event{{Name: "switchover", TriggeredAt: at(10), SettledAt: at(16), End: at(20)}}
	pr := Analyse("ours", samples, []string{"a", "b"}, ev, 2*time.Second)
	if pr.FailedWrites != 2 || pr.FailedReads != 1 || pr.FailedRequests != 3 || pr.Failures["write HTTP 503"] != 2 || pr.Failures["read no answer: "] != 1 {
		t.Fatalf("failures %+v", pr)
	}
	e := pr.Events[0]
	if e.RTOms["a"] != 2050 || e.RTOms["b"] != 3100 || e.MaxRTOms != 3100 || pr.MaxRTOms != 3100 {
		t.Fatalf("rto %+v", e.RTOms)
	}
	if !e.Recovered || e.WriteMaxMs != 3000 {
		t.Fatalf("event %+v", e)
	}
	if pr.WriteP99Ms != 50 {
		t.Fatalf("write p99 before %g", pr.WriteP99Ms)
	}

	Verify(&pr, AckedKeys(samples), map[string]int{"k1": 1, "k2": 2, "k3": 1, "k4": 1, "k5": 1, "k6": 1, "k7": 1})
	if pr.AckedWrites != 8 || pr.LostWrites != 1 || pr.DuplicateWrites != 1 || pr.LostKeys[0] != "k8" {
		t.Fatalf("verify %+v", pr)
	}
}

func TestStreakNeedsConsecutiveSuccesses(t *testing.T) {
	t0 := time.Unix(0, 0)
	var s []traffic.Sample
	for i, st := range []int{201, 201, 503, 201, 201} {
		s = append(s, traffic.Sample{Kind: traffic.Write, Region: "a", Start: t0.Add(time.Duration(i) * time.Second), Status: st})
	}
	if Streak(s, "a", t0, t0.Add(time.Hour), 3) {
		t.Fatal("streak of 3 found across a failure")
	}
	if !Streak(s, "a", t0, t0.Add(time.Hour), 2) {
		t.Fatal("streak of 2 not found")
	}
}

func TestHAProxyConfig(t *testing.T) {
	cfg := HAProxyConfig("127.9.2.100:3306", HAProxyServer{"us-east-1", "127.9.2.11:3306"},
		[]HAProxyServer{{"us-west-2", "127.9.2.12:3306"}, {"ap-northeast-2", "127.9.2.13:3306"}})
	for _, want := range []string{
		"mode tcp", "bind 127.9.2.100:3306", "option mysql-check user haproxy_check post-41",
		"server us-east-1 127.9.2.11:3306 check\n", "server us-west-2 127.9.2.12:3306 check backup\n",
		"server ap-northeast-2 127.9.2.13:3306 check backup\n", "on-marked-down shutdown-sessions",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config lacks %q:\n%s", want, cfg)
		}
	}
}
