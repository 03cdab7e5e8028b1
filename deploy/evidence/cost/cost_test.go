package cost

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	cetypes "github.com/aws/aws-sdk-go-v2/service/costexplorer/types"

	"hyundai-poc.com/evidence/fakeaws"
)

func TestFromTerraformReadsTheRealVariables(t *testing.T) {
	s, err := FromTerraform(filepath.Join("..", "..", "terraform", "poc"))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Regions) != 3 || s.Project == "" || s.DBMinACU <= 0 || s.DBMaxACU < s.DBMinACU || s.InstancesPerCluster < 1 || s.DailyBudgetUSD <= 0 {
		t.Fatalf("settings %+v", s)
	}
	for _, name := range []string{"backend", "frontend"} {
		if tk := s.Tasks[name]; tk.CPU <= 0 || tk.Memory <= 0 || tk.Desired <= 0 {
			t.Fatalf("task %s: %+v (optional() defaults not applied)", name, tk)
		}
	}
}

func TestComputeEveryPriceHasASource(t *testing.T) {
	for k, p := range Prices {
		if p.USD <= 0 || !strings.HasPrefix(p.Source, "https://") || len(p.Date) != 10 {
			t.Errorf("price %s lacks a value, source or date: %+v", k, p)
		}
	}
	s := Settings{Regions: []string{"a", "b", "c"}, AZs: 2, DBMinACU: 0.5, DBMaxACU: 16, InstancesPerCluster: 1,
		Tasks: map[string]Task{"backend": {CPU: 256, Memory: 512, Desired: 2}, "frontend": {CPU: 256, Memory: 512, Desired: 3}}, FrontendSpotWeight: 1, DailyBudgetUSD: 50}
	e := Compute(s)
	// 3 x 0.5 ACU x 24 h x 0.12 = 4.32
	if e.Lines[0].USDPerDay != 4.32 {
		t.Fatalf("aurora line %+v", e.Lines[0])
	}
	var sum float64
	for _, l := range e.Lines {
		sum += l.USDPerDay
		for _, k := range l.Prices {
			if _, ok := Prices[k]; !ok {
				t.Errorf("line %s names unknown price %s", l.Component, k)
			}
		}
	}
	if d := sum - e.TotalUSD; d > 0.011 || d < -0.011 || e.AtMaxACUUSD <= e.TotalUSD {
		t.Fatalf("totals %+v (sum %v)", e, sum)
	}
	s.NATPerAZ, s.VPCEndpoints = true, true
	if e2 := Compute(s); e2.TotalUSD <= e.TotalUSD || len(e2.Lines) != len(e.Lines)+1 {
		t.Fatalf("NAT per AZ and endpoints must cost more: %+v", e2)
	}
}

func TestCostExplorerByProjectTag(t *testing.T) {
	f := &fakeaws.AWS{}
	f.GetCostAndUsage = func(_ string, in *costexplorer.GetCostAndUsageInput) (*costexplorer.GetCostAndUsageOutput, error) {
		day := func(date, amt string) cetypes.ResultByTime {
			return cetypes.ResultByTime{TimePeriod: &cetypes.DateInterval{Start: aws.String(date)}, Groups: []cetypes.Group{
				{Keys: []string{"Amazon Relational Database Service"}, Metrics: map[string]cetypes.MetricValue{"UnblendedCost": {Amount: aws.String(amt)}}},
				{Keys: []string{"Amazon Elastic Container Service"}, Metrics: map[string]cetypes.MetricValue{"UnblendedCost": {Amount: aws.String("10")}}}}}
		}
		return &costexplorer.GetCostAndUsageOutput{ResultsByTime: []cetypes.ResultByTime{day("2026-11-28", "20"), day("2026-11-29", "45")}}, nil
	}
	a, err := FromCostExplorer(context.Background(), f.Cost(), "hyundai-poc", 2, time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC), Estimate{TotalUSD: 40, DailyBudgetUSD: 50})
	if err != nil {
		t.Fatal(err)
	}
	if a.MeanUSD != 42.5 || a.MaxUSD != 55 || a.DaysOverBudg != 1 || a.RatioToEst != 1.06 {
		t.Fatalf("actual %+v", a)
	}
	in := f.Calls()[0].Input.(*costexplorer.GetCostAndUsageInput)
	if aws.ToString(in.TimePeriod.Start) != "2026-11-28" || aws.ToString(in.TimePeriod.End) != "2026-11-30" ||
		aws.ToString(in.Filter.Tags.Key) != "Project" || in.Filter.Tags.Values[0] != "hyundai-poc" || f.Calls()[0].Region != "us-east-1" {
		t.Fatalf("input %+v", in)
	}
}
