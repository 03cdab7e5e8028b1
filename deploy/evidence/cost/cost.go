// Package cost estimates the deployment's daily cost from the Terraform
// variables and a price table in which every price carries its source and
// date, and, after a deploy, reads the real daily cost from Cost Explorer
// (GetCostAndUsage, filtered by the Project tag) to compare with the
// estimate and the billing alarm's threshold.
package cost

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	cetypes "github.com/aws/aws-sdk-go-v2/service/costexplorer/types"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"hyundai-poc.com/evidence/awsapi"
	"hyundai-poc.com/evidence/tfvars"
)

// Task is one service's Fargate size and count.
type Task struct {
	CPU     float64 `json:"cpu"`    // units, 1024 = 1 vCPU
	Memory  float64 `json:"memory"` // MiB
	Desired float64 `json:"desired"`
}

// Settings are the Terraform variables the estimate uses.
type Settings struct {
	Project             string          `json:"project"`
	Regions             []string        `json:"regions"`
	AZs                 int             `json:"azs_per_region"`
	NATPerAZ            bool            `json:"nat_gateway_per_az"`
	VPCEndpoints        bool            `json:"enable_vpc_endpoints"`
	DBMinACU            float64         `json:"db_min_capacity"`
	DBMaxACU            float64         `json:"db_max_capacity"`
	InstancesPerCluster float64         `json:"instances_per_cluster"`
	Tasks               map[string]Task `json:"tasks"`
	FrontendSpotWeight  float64         `json:"frontend_spot_weight"`
	DailyBudgetUSD      float64         `json:"daily_budget_usd"`
}

// Line is one component of the estimate.
type Line struct {
	Component string   `json:"component"`
	Formula   string   `json:"formula"`
	USDPerDay float64  `json:"usd_per_day"`
	Prices    []string `json:"prices"`
}

// Estimate is the daily estimate.
type Estimate struct {
	Lines []Line `json:"lines"`
	// TotalUSD has Aurora at its minimum capacity (idle); AtMaxACUUSD with
	// every instance at its maximum all day, the ceiling.
	TotalUSD       float64          `json:"total_usd_per_day"`
	AtMaxACUUSD    float64          `json:"total_usd_per_day_at_max_acu"`
	DailyBudgetUSD float64          `json:"daily_budget_usd"`
	NotIncluded    []string         `json:"not_included"`
	Prices         map[string]Price `json:"prices"`
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// Compute prices s.
func Compute(s Settings) Estimate {
	p := func(k string) float64 { return Prices[k].USD }
	n := float64(len(s.Regions))
	e := Estimate{DailyBudgetUSD: s.DailyBudgetUSD, Prices: Prices}
	add := func(c, f string, usd float64, keys ...string) {
		e.Lines = append(e.Lines, Line{Component: c, Formula: f, USDPerDay: round2(usd), Prices: keys})
	}
	acu := n * s.InstancesPerCluster * s.DBMinACU * 24 * p("aurora_acu_hour")
	add("Aurora Serverless v2 (minimum capacity)", fmt.Sprintf("%g regions x %g instance(s) x %g ACU x 24 h x $%g", n, s.InstancesPerCluster, s.DBMinACU, p("aurora_acu_hour")), acu, "aurora_acu_hour")
	var names []string
	for k := range s.Tasks {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		t := s.Tasks[name]
		perTask := (t.CPU/1024*p("fargate_vcpu_hour") + t.Memory/1024*p("fargate_gb_hour")) * 24
		onDemand, spot := t.Desired, 0.0
		if name == "frontend" && s.FrontendSpotWeight > 0 && t.Desired > 1 {
			// One task on demand, the rest shared weight:1 between Spot and on-demand.
			rest := t.Desired - 1
			spot = rest * s.FrontendSpotWeight / (s.FrontendSpotWeight + 1)
			onDemand = t.Desired - spot
		}
		usd := n * perTask * (onDemand + spot*p("fargate_spot_factor"))
		add("Fargate "+name, fmt.Sprintf("%g regions x (%g on-demand + %g Spot) tasks x (%g vCPU x $%g + %g GB x $%g) x 24 h", n, onDemand, spot, t.CPU/1024, p("fargate_vcpu_hour"), t.Memory/1024, p("fargate_gb_hour")), usd, "fargate_vcpu_hour", "fargate_gb_hour", "fargate_spot_factor")
	}
	nat := 1.0
	if s.NATPerAZ {
		nat = float64(s.AZs)
	}
	add("NAT gateways", fmt.Sprintf("%g regions x %g gateway(s) x 24 h x $%g", n, nat, p("nat_gateway_hour")), n*nat*24*p("nat_gateway_hour"), "nat_gateway_hour")
	add("Application Load Balancers", fmt.Sprintf("%g regions x 24 h x $%g", n, p("alb_hour")), n*24*p("alb_hour"), "alb_hour")
	if s.VPCEndpoints {
		add("VPC interface endpoints", fmt.Sprintf("%g regions x 4 endpoints x %d AZs x 24 h x $%g", n, s.AZs, p("vpc_endpoint_hour")), n*4*float64(s.AZs)*24*p("vpc_endpoint_hour"), "vpc_endpoint_hour")
	}
	for _, l := range e.Lines {
		e.TotalUSD += l.USDPerDay
	}
	e.TotalUSD = round2(e.TotalUSD)
	e.AtMaxACUUSD = round2(e.TotalUSD - round2(acu) + n*s.InstancesPerCluster*s.DBMaxACU*24*p("aurora_acu_hour"))
	e.NotIncluded = []string{"Aurora storage, I/O and backup beyond the free retention", "ALB LCUs", "NAT gateway data processing",
		"data transfer between regions and to the internet", "CloudFront requests and transfer", "Route53 zone, records and health checks",
		"Secrets Manager secrets", "CloudWatch logs, metrics and alarms", "ECR storage", "WAF when enabled", "public IPv4 addresses"}
	return e
}

// FromTerraform reads the variables' defaults from dir's variables.tf, the
// database module's instances_per_cluster, and overrides from
// dir/terraform.tfvars when it exists.
func FromTerraform(dir string) (Settings, error) {
	vals, typeDefaults, err := tfvars.Defaults(filepath.Join(dir, "variables.tf"))
	if err != nil {
		return Settings{}, err
	}
	if b, err := os.ReadFile(filepath.Join(dir, "terraform.tfvars")); err == nil {
		f, diags := hclsyntax.ParseConfig(b, "terraform.tfvars", hcl.InitialPos)
		if diags.HasErrors() {
			return Settings{}, diags
		}
		attrs, _ := f.Body.JustAttributes()
		for name, a := range attrs {
			v, d := a.Expr.Value(nil)
			if d.HasErrors() {
				return Settings{}, d
			}
			vals[name] = v
		}
	}
	mod, _, err := tfvars.Defaults(filepath.Join(dir, "..", "modules", "database", "variables.tf"))
	if err != nil {
		return Settings{}, err
	}
	s := Settings{AZs: 2, Tasks: map[string]Task{}}
	str := func(k string) string {
		if v, ok := vals[k]; ok && v.Type() == cty.String {
			return v.AsString()
		}
		return ""
	}
	num := func(m map[string]cty.Value, k string) float64 {
		if v, ok := m[k]; ok && v.Type() == cty.Number {
			f, _ := v.AsBigFloat().Float64()
			return f
		}
		return 0
	}
	boolean := func(k string) bool {
		v, ok := vals[k]
		return ok && v.Type() == cty.Bool && v.True()
	}
	s.Project = str("project")
	if v, ok := vals["regions"]; ok && v.CanIterateElements() {
		for it := v.ElementIterator(); it.Next(); {
			k, _ := it.Element()
			s.Regions = append(s.Regions, k.AsString())
		}
		sort.Strings(s.Regions)
	}
	s.NATPerAZ = boolean("nat_gateway_per_az")
	s.VPCEndpoints = boolean("enable_vpc_endpoints")
	s.DBMinACU, s.DBMaxACU = num(vals, "db_min_capacity"), num(vals, "db_max_capacity")
	s.InstancesPerCluster = num(mod, "instances_per_cluster")
	s.FrontendSpotWeight = num(vals, "frontend_spot_weight")
	s.DailyBudgetUSD = num(vals, "daily_budget_usd")
	td := typeDefaults["tasks"]
	if v, ok := vals["tasks"]; ok && v.CanIterateElements() {
		for it := v.ElementIterator(); it.Next(); {
			k, obj := it.Element()
			fields := map[string]cty.Value{}
			for f, dv := range td {
				fields[f] = dv
			}
			if obj.CanIterateElements() {
				for fi := obj.ElementIterator(); fi.Next(); {
					fk, fv := fi.Element()
					if !fv.IsNull() {
						fields[fk.AsString()] = fv
					}
				}
			}
			s.Tasks[k.AsString()] = Task{CPU: num(fields, "cpu"), Memory: num(fields, "memory"), Desired: num(fields, "desired")}
		}
	}
	if len(s.Regions) == 0 {
		return s, fmt.Errorf("%s: no regions found", dir)
	}
	return s, nil
}

// Day is one day's cost from Cost Explorer.
type Day struct {
	Date      string             `json:"date"`
	USD       float64            `json:"usd"`
	ByService map[string]float64 `json:"by_service"`
}

// Actual is what Cost Explorer reports for the Project tag.
type Actual struct {
	Days         []Day   `json:"days"`
	MeanUSD      float64 `json:"mean_usd_per_day"`
	MaxUSD       float64 `json:"max_usd_per_day"`
	EstimateUSD  float64 `json:"estimate_usd_per_day"`
	RatioToEst   float64 `json:"ratio_to_estimate"`
	BudgetUSD    float64 `json:"daily_budget_usd"`
	DaysOverBudg int     `json:"days_over_budget"`
}

// FromCostExplorer reads the last days full days (ending today, UTC) of
// unblended cost for resources tagged Project=project, by service.
func FromCostExplorer(ctx context.Context, c awsapi.Cost, project string, days int, today time.Time, est Estimate) (*Actual, error) {
	if days < 1 {
		return nil, fmt.Errorf("--days must be at least 1")
	}
	end := today.UTC().Truncate(24 * time.Hour)
	start := end.AddDate(0, 0, -days)
	in := &costexplorer.GetCostAndUsageInput{
		TimePeriod:  &cetypes.DateInterval{Start: aws.String(start.Format("2006-01-02")), End: aws.String(end.Format("2006-01-02"))},
		Granularity: cetypes.GranularityDaily,
		Metrics:     []string{"UnblendedCost"},
		Filter:      &cetypes.Expression{Tags: &cetypes.TagValues{Key: aws.String("Project"), Values: []string{project}}},
		GroupBy:     []cetypes.GroupDefinition{{Type: cetypes.GroupDefinitionTypeDimension, Key: aws.String("SERVICE")}},
	}
	a := &Actual{EstimateUSD: est.TotalUSD, BudgetUSD: est.DailyBudgetUSD}
	for {
		out, err := c.GetCostAndUsage(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("GetCostAndUsage: %w", err)
		}
		for _, r := range out.ResultsByTime {
			d := Day{Date: aws.ToString(r.TimePeriod.Start), ByService: map[string]float64{}}
			for _, g := range r.Groups {
				amt, _ := strconv.ParseFloat(aws.ToString(g.Metrics["UnblendedCost"].Amount), 64)
				if len(g.Keys) > 0 {
					d.ByService[g.Keys[0]] = round2(amt)
				}
				d.USD += amt
			}
			d.USD = round2(d.USD)
			a.Days = append(a.Days, d)
		}
		if out.NextPageToken == nil {
			break
		}
		in.NextPageToken = out.NextPageToken
	}
	for _, d := range a.Days {
		a.MeanUSD += d.USD
		a.MaxUSD = math.Max(a.MaxUSD, d.USD)
		if a.BudgetUSD > 0 && d.USD > a.BudgetUSD {
			a.DaysOverBudg++
		}
	}
	if len(a.Days) > 0 {
		a.MeanUSD = round2(a.MeanUSD / float64(len(a.Days)))
	}
	if a.EstimateUSD > 0 {
		a.RatioToEst = round2(a.MeanUSD / a.EstimateUSD)
	}
	return a, nil
}
