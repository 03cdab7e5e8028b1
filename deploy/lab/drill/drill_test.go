package drill

import (
	"testing"
	"time"

	"hyundai-poc.com/lab/control"
	"hyundai-poc.com/lab/topology"
	"hyundai-poc.com/loadtest/traffic"
)

// The analysis over a made-up run: writes in one region fail for a while,
// in another they are held for seconds and then commit.
func TestAnalyse(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	var samples []traffic.Sample
	add := func(region string, kind traffic.Kind, startMs, tookMs, status int) {
		samples = append(samples, traffic.Sample{Kind: kind, Region: region, Start: at(startMs), End: at(startMs + tookMs), Status: status})
	}
	for ms := 0; ms < 10000; ms += 100 {
		add("a", traffic.Read, ms, 10, 200)
		add("b", traffic.Read, ms, 10, 200)
		switch {
		case ms >= 3000 && ms < 4000:
			add("a", traffic.Write, ms, 20, 503) // failed for a second
		default:
			add("a", traffic.Write, ms, 20, 201)
		}
		switch {
		case ms >= 3000 && ms < 3500:
			add("b", traffic.Write, ms, 3000, 201) // held 3 s, then committed
		default:
			add("b", traffic.Write, ms, 20, 201)
		}
	}
	add("b", traffic.Read, 3100, 5, 0) // one failed read
	rep := &Report{TriggeredAt: at(3000), RecoveredAt: at(7000), EndedAt: at(10000), RTOms: map[string]int64{},
		FailedReads: map[string]int{}, Failed5xx: map[string]int{}, TimedOut: map[string]int{}}
	o := Options{Clients: []traffic.Client{{Region: "a"}, {Region: "b"}}}
	o.defaults()
	analyse(samples, rep, o)
	if got := rep.RTOms["a"]; got != 1020 {
		t.Errorf("RTO a = %d, want 1020 (first failure at 3000 to the end of the next success at 4020)", got)
	}
	// b's writes started 3000..3400 took 3 s: stalled; the write at 3500 is prompt and ends at 3520.
	if got := rep.RTOms["b"]; got != 520 {
		t.Errorf("RTO b = %d, want 520", got)
	}
	if rep.FailedReads["a"] != 0 || rep.FailedReads["b"] != 1 {
		t.Errorf("failed reads %v", rep.FailedReads)
	}
	w := rep.Regions["a"].Writes
	if w["before"].Attempts != 30 || w["during"].Failed != 10 || w["after"].Attempts != 30 {
		t.Errorf("phases of a: %+v", w)
	}
	if rep.Regions["b"].Writes["during"].Latency.Max != 3000 {
		t.Errorf("longest write of b during: %v", rep.Regions["b"].Writes["during"].Latency)
	}
	if rep.Failed5xx["a"] != 10 || rep.Failed5xx["b"] != 0 || rep.Regions["b"].ReadAnswers.NoAnswer != 1 {
		t.Errorf("5xx %v, b's reads %+v", rep.Failed5xx, rep.Regions["b"].ReadAnswers)
	}
	if rep.CreatedWrites != 190 {
		t.Errorf("%d writes stored at once, want 190", rep.CreatedWrites)
	}
}

// A queued lead's drain is counted from the later of its 202 and the
// moment the writer became writable for its region: the region's DNS
// naming the promoted writer.
func TestDrains(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	// The writer was promoted at 5 s; region a's DNS named it at 5.2 s, and
	// its resolver answered with it by 5.25 s: a lead was stored at once.
	samples := []traffic.Sample{
		{Kind: traffic.Write, Region: "a", Key: "direct", Start: at(5100), End: at(5250), Status: 201},
		{Kind: traffic.Write, Region: "a", Key: "early", Start: at(1000), End: at(2000), Status: 202},
		{Kind: traffic.Write, Region: "a", Key: "late", Start: at(5300), End: at(6300), Status: 202},
		{Kind: traffic.Write, Region: "a", Key: "gone", Start: at(3000), End: at(4000), Status: 202},
		{Kind: traffic.Write, Region: "a", Key: "now", Start: at(0), End: at(50), Status: 201},
	}
	stored := map[string]topology.StoredLead{
		"early": {Count: 1, StoredAt: at(5500)},
		"late":  {Count: 1, StoredAt: at(6400)},
		"now":   {Count: 1, StoredAt: at(40)},
	}
	rep := &Report{EventEndedAt: at(9000), Regions: map[string]RegionReport{"a": {}}, Settings: control.Settings{DNSTTLms: 5000},
		Operations: []topology.Result{{PromotedAt: at(5000), DNS: []topology.RegionDNS{{Region: "a", ChangedAt: at(5200)}}}}}
	drains(samples, stored, nil, rep, Options{Clients: []traffic.Client{{Region: "a"}}})
	d := rep.Regions["a"].Drain
	if d.Queued != 3 || d.Stored != 2 {
		t.Fatalf("queued %d stored %d, want 3 and 2", d.Queued, d.Stored)
	}
	// early: writable for a at 5.25 s, stored at 5.5 s: 250 ms. late:
	// answered at 6.3 s, after the writer was back: 100 ms.
	if d.FromWritableMs.Max != 250 || d.FromWritableMs.P50 != 100 {
		t.Errorf("from writable %+v, want 100 and 250", d.FromWritableMs)
	}
	// From the promotion at 5 s: 500 ms at most; from the answer: 3.5 s.
	if d.FromEventEndMs.Max != 500 || d.QueuedMs.Max != 3500 {
		t.Errorf("from event end %+v, queued %+v", d.FromEventEndMs, d.QueuedMs)
	}
}

func TestPickTarget(t *testing.T) {
	t.Parallel()
	regions := []string{"us-east-1", "us-west-2", "ap-northeast-2"}
	for _, c := range []struct{ scenario, writer, want string }{
		{"switchover", "us-east-1", "us-west-2"},
		{"failover", "us-west-2", "us-east-1"},
		{"region-outage", "us-east-1", "ap-northeast-2"},
		{"reader-outage", "us-east-1", "us-west-2"},
	} {
		if got := pickTarget(c.scenario, c.writer, regions); got != c.want {
			t.Errorf("pickTarget(%s, writer %s) = %s, want %s", c.scenario, c.writer, got, c.want)
		}
	}
}
