package picture

import (
	"encoding/xml"
	"strings"
	"testing"

	"hyundai-poc.com/evidence/latency"
	"hyundai-poc.com/loadtest/stats"
	"hyundai-poc.com/loadtest/timing"
	"hyundai-poc.com/loadtest/traffic"
)

func wellFormed(t *testing.T, svg string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return
			}
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
	}
}

func TestHeatmap(t *testing.T) {
	cells := []latency.Cell{
		{From: "Seoul", To: "ap-northeast-2", Result: timing.Result{Total: stats.Summary{Count: 3, P50: 8.4}}, RatioToLocal: 1},
		{From: "Seoul", To: "us-east-1", Result: timing.Result{Total: stats.Summary{Count: 3, P50: 186.4}}, RatioToLocal: 22.2},
		{From: "Virginia", To: "us-east-1", Result: timing.Result{Failed: 3}},
	}
	svg := Heatmap(cells, "a <title> & more")
	wellFormed(t, svg)
	for _, want := range []string{"186.4 ms (22.2x)", "failed 3", "a &lt;title&gt; &amp; more", "Virginia"} {
		if !strings.Contains(svg, want) {
			t.Errorf("missing %q", want)
		}
	}
	if Heatmap(cells, "x") != Heatmap(cells, "x") {
		t.Fatal("not deterministic")
	}
}

func TestTimeline(t *testing.T) {
	series := []traffic.Second{{Region: "us-east-1", T: 0, WritesOK: 10, ReadsOK: 10}, {Region: "us-east-1", T: 1, WritesFailed: 4, ReadsOK: 10},
		{Region: "us-west-2", T: 0, WritesOK: 10}, {Region: "us-west-2", T: 1, WritesOK: 9}}
	svg := Timeline("switchover", series, []Mark{{T: 0.5, Label: "switchover"}, {T: 1.2, Label: "DNS visible", Region: "us-west-2"}})
	wellFormed(t, svg)
	if strings.Count(svg, "DNS visible") != 1 || strings.Count(svg, ">switchover<") != 3 || !strings.Contains(svg, `fill="#d62728" opacity`) {
		t.Fatalf("marks or failures missing:\n%s", svg)
	}
}
