package load

import (
	"slices"
	"testing"
)

func TestFindScenarios(t *testing.T) {
	got, err := FindScenarios(DefaultScenarios(), "mixed, browse")
	if err != nil || len(got) != 2 || got[0].Name != "mixed" {
		t.Fatalf("%v %v", got, err)
	}
	if _, err := FindScenarios(DefaultScenarios(), "nope"); err == nil {
		t.Fatal("unknown scenario accepted")
	}
}

func TestAssets(t *testing.T) {
	page := `<link rel="stylesheet" href="/static/site.css?v=1"><script src="/static/app.js"></script>
<img src="/static/car.svg"><a href="/vehicles">x</a><img src="https://other/x.png"><script src="/static/app.js"></script>`
	if got, want := Assets(page), []string{"/static/site.css", "/static/app.js", "/static/car.svg"}; !slices.Equal(got, want) {
		t.Fatalf("assets %v, want %v", got, want)
	}
}

func TestChartIsDeterministic(t *testing.T) {
	sc := []ScenarioResult{{Scenario: "browse", TargetP99Ms: 100, HighestSustained: 200, Steps: []Step{
		{Rate: 100, Pass: true}, {Rate: 400, Why: "3 errors"}, {Rate: 200, Pass: true}}}}
	sc[0].Steps[0].Latency.P99, sc[0].Steps[1].Latency.P99, sc[0].Steps[2].Latency.P99 = 10, 900, 40
	a, b := Chart("t", sc), Chart("t", sc)
	if string(a) != string(b) || !slices.Contains([]byte(a), '<') {
		t.Fatal("chart differs between two draws of the same input")
	}
}
