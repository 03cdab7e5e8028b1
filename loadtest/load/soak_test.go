package load

import "testing"

func TestGrowth(t *testing.T) {
	var flat, leaking []SoakSample
	for i := range 40 {
		flat = append(flat, SoakSample{Seconds: float64(i * 15), RSSMiB: map[string]float64{"backend-a": 40 + float64(i%3)}})
		leaking = append(leaking, SoakSample{Seconds: float64(i * 15), RSSMiB: map[string]float64{"backend-a": 40 + float64(i)}})
	}
	// Warm-up samples are ignored: a jump while pools fill is not growth.
	flat[0].RSSMiB["backend-a"] = 5
	if g := Growth(flat, 60)["backend-a"]; g.Grew || g.EarlyMiB < 40 {
		t.Fatalf("flat memory judged %+v", g)
	}
	if g := Growth(leaking, 60)["backend-a"]; !g.Grew || g.GrowthMiB < 20 {
		t.Fatalf("leak judged %+v", g)
	}
	if len(Growth(flat[:3], 0)) != 0 {
		t.Fatal("judged growth on too few samples")
	}
}
