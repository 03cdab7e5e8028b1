package perfdoc

import (
	"encoding/json"
	"hyundai-poc.com/reporoot"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hyundai-poc.com/loadtest/compare"
	"hyundai-poc.com/loadtest/load"
	"hyundai-poc.com/loadtest/overhead"
	"hyundai-poc.com/loadtest/procstat"
	"hyundai-poc.com/loadtest/stats"
)

func inputs() Inputs {
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	step := load.Step{Rate: 200, Requests: 400, Pass: true, Latency: stats.Summary{P50: 5, P95: 20, P99: 40, Max: 60},
		Procs: map[string]procstat.Usage{"backend-us-east-1": {RSSMiB: 30, MaxRSSMiB: 31, CPUPercent: 12}}}
	fail := load.Step{Rate: 400, Requests: 800, Errors: 3, Why: "3 errors", Latency: stats.Summary{P99: 900}}
	ev := func(name string, rto int64) compare.EventResult {
		return compare.EventResult{Event: name, RTOms: map[string]int64{"us-east-1": rto}, MaxRTOms: rto, Recovered: true, WriteP99Ms: 300}
	}
	return Inputs{
		Load: &load.Report{StartedAt: at, Commit: "abc", Where: "lab", Locations: []string{"KR"}, Options: map[string]string{"step": "2s", "start": "50", "refine": "1"},
			Scenarios: []load.ScenarioResult{{Scenario: "browse", TargetP99Ms: 100, HighestSustained: 200, Steps: []load.Step{step, fail}}},
			Pages:     []load.Page{{Path: "/", Location: "KR", HTMLBytes: 6000, Assets: 2, AssetBytes: 30000, TotalBytes: 36000, TTFB: stats.Summary{Count: 5, P50: 4, P95: 9}}}},
		LoadFile: "load-20261130T120000Z.json",
		Overhead: &overhead.Report{StartedAt: at, Commit: "abc", Where: "lab", Endpoint: "GET /api/vehicles", Concurrency: 8, GOMAXPROCS: 2,
			Modes:   []overhead.Mode{{Name: "raw", Latency: stats.Summary{P50: 1, P99: 2}, Throughput: 1000}, {Name: "HTTP", Latency: stats.Summary{P50: 1.2, P99: 2.5}, Throughput: 800}},
			Versus:  []overhead.Versus{{Mode: "HTTP", AddedP50Ms: 0.2, AddedP99Ms: 0.5, ThroughputPC: 80, MeetsTargets: true}},
			Targets: map[string]float64{"max_added_p50_ms": 0.5, "max_added_p99_ms": 1, "min_throughput_pct_of_raw": 50}},
		OverFile: "overhead-20261130T120000Z.json",
		Compare: &compare.Report{StartedAt: at, Commit: "abc", Where: "lab", Options: map[string]string{"write_every": "100ms"},
			Paths: []compare.PathResult{
				{Path: "ours", AckedWrites: 100, FailedReads: 3, FailedRequests: 3, WriteP99Ms: 200, MaxRTOms: 500, Events: []compare.EventResult{ev("switchover", 500)}},
				{Path: "naive", AckedWrites: 90, FailedWrites: 10, FailedRequests: 10, WriteP99Ms: 150, MaxRTOms: 5000, Events: []compare.EventResult{ev("switchover", 5000)}},
			},
			Ratios: []compare.Ratio{{Peer: "naive", FailedRequests: compare.Divide(0, 10), LostWrites: compare.Divide(0, 0), RTO: compare.Divide(500, 5000)}}},
		CompFile:   "compare-20261130T120000Z.json",
		ResultsRel: "../test-results/lab",
	}
}

func TestRenderIsDeterministicAndQuotesItsSources(t *testing.T) {
	a, b := Render(inputs()), Render(inputs())
	if a != b {
		t.Fatal("two renders of the same results differ")
	}
	for _, want := range []string{
		"`load-20261130T120000Z.json` (make load, 2026-11-30 12:00 UTC, commit `abc`, lab)",
		"| browse | 100 ms | **200 req/s** |",
		"![latency against rate](../test-results/lab/load-20261130T120000Z.svg)",
		"| browse | 400/s | 800 |", "3 errors",
		"| naive | 0 | 1 | 0.1 |",
		"Write p99 before the events: naive 150 ms against ours 200 ms.",
		"| browse: highest sustained rate in the lab (p99 under 100 ms, 0 errors) | 200 req/s | >= 160 req/s (80%) |",
		"No `soak-*.json` in the results yet.",
	} {
		if !strings.Contains(a, want) {
			t.Errorf("document lacks %q", want)
		}
	}
}

func TestPeerBetterOnlyListsWhatThePeerWon(t *testing.T) {
	got := PeerBetter(inputs().Compare)
	if len(got) != 2 || !strings.Contains(got[0], "Failed reads: naive 0 against ours 3") || !strings.Contains(got[1], "Write p99 before") {
		t.Fatalf("%q", got)
	}
}

func TestLoadPicksTheNewestOfEachKind(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, v any) {
		b, _ := json.Marshal(v)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("load-20261130T100000Z.json", load.Report{Commit: "old"})
	write("load-20261130T110000Z.json", load.Report{Commit: "new"})
	write("compare-20261130T110000Z.json", compare.Report{Commit: "c"})
	write("overhead-20261130T100000Z.json", overhead.Report{Commit: "after", Label: "after: x"})
	write("overhead-20261130T110000Z.json", overhead.Report{Commit: "before", Label: "before: x"})
	in, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if in.Load == nil || in.Load.Commit != "new" || in.LoadFile != "load-20261130T110000Z.json" || in.Compare == nil ||
		in.Overhead == nil || in.Overhead.Commit != "after" || len(in.Labelled) != 2 {
		t.Fatalf("%+v", in)
	}
}

func TestBeforeAndAfterRuns(t *testing.T) {
	in := inputs()
	for _, label := range []string{"before: sqlx", "after: by hand"} {
		r := *in.Overhead
		r.Label = label
		in.Labelled = append(in.Labelled, &r)
		in.LabelledFiles = append(in.LabelledFiles, "overhead-x.json")
	}
	doc := Render(in)
	if !strings.Contains(doc, "### Before and after") || !strings.Contains(doc, "| before: sqlx | `overhead-x.json` | `abc` | raw |") {
		t.Fatal("before and after runs missing")
	}
}

// The committed document must be what the committed results give: a
// result added without `make perf-report` fails here.
func TestCommittedDocumentMatchesCommittedResults(t *testing.T) {
	root := reporoot.ForTest(t)
	results := filepath.Join(root, "test-results", "lab")
	in, err := Load(results)
	if err != nil {
		t.Fatal(err)
	}
	if in.Load == nil && in.Compare == nil && in.Overhead == nil {
		t.Skip("no results committed yet")
	}
	in.ResultsRel = "../test-results/lab"
	doc, err := os.ReadFile(filepath.Join(root, "docs", "performance.md"))
	if err != nil {
		t.Fatal(err)
	}
	if string(doc) != Render(in) {
		t.Fatal("docs/performance.md is not what test-results/lab/ gives: run make perf-report")
	}
}

func TestMissedTailIsExplainedFromTheRawQuery(t *testing.T) {
	in := inputs()
	r := in.Overhead
	r.Modes[0].CPUPerRequestUs, r.Modes[1].CPUPerRequestUs = 60, 120
	r.Modes[0].Latency = stats.Summary{P50: 0.5, P99: 3}
	r.Versus = []overhead.Versus{{Mode: "HTTP", AddedP50Ms: 0.2, AddedP99Ms: 2.5, Why: "adds 2.500 ms at p99 (target <= 1.0)"}}
	doc := Render(in)
	for _, want := range []string{"HTTP spends 120 µs of CPU per request against the raw query's 60 µs (2.0x)",
		"the raw query's own p99 is 6.0x its p50 (3.000 ms against 0.500 ms)"} {
		if !strings.Contains(doc, want) {
			t.Errorf("missing %q", want)
		}
	}
	r.Versus[0].AddedP99Ms = 0.5
	if doc := Render(in); strings.Contains(doc, "own p99") {
		t.Error("the tail is explained although no p99 target was missed")
	}
}

func TestBeforeRunBesideTheCurrentOne(t *testing.T) {
	in := inputs()
	before := *in.Overhead
	before.Label, before.Commit = "before: reflection", "old"
	in.Labelled, in.LabelledFiles = []*overhead.Report{&before}, []string{"overhead-before.json"}
	doc := Render(in)
	for _, want := range []string{"| before: reflection | `overhead-before.json` | `old` | raw |",
		"| after: the code as it is (the run above) | `overhead-20261130T120000Z.json` | `abc` | raw |"} {
		if !strings.Contains(doc, want) {
			t.Errorf("missing %q", want)
		}
	}
}
