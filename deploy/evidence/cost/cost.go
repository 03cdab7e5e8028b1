// Package cost estimates the deployment's daily cost from the Terraform
// variables and a price table in which every price carries its source and
// date, and, after a deploy, reads the real daily cost from Cost Explorer
// (GetCostAndUsage, filtered by the Project tag) to compare with the
// estimate and the billing alarm's threshold.
package cost

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
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

// Queue is the size of the MemoryDB cluster that holds each region's write
// queue.
type Queue struct {
	NodeType         string  `json:"node_type"`
	Shards           float64 `json:"shards"`
	ReplicasPerShard float64 `json:"replicas_per_shard"`
}

// Nodes is the cluster's node count: each shard's primary and its replicas.
func (q Queue) Nodes() float64 { return q.Shards * (1 + q.ReplicasPerShard) }

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
	Queue               Queue           `json:"queue"`
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
	TotalUSD       float64  `json:"total_usd_per_day"`
	AtMaxACUUSD    float64  `json:"total_usd_per_day_at_max_acu"`
	DailyBudgetUSD float64  `json:"daily_budget_usd"`
	NotIncluded    []string `json:"not_included"`
	// PriceUses is every price applied, per region, with its reading.
	PriceUses []Use `json:"price_readings"`
	// FromPriceList: every regional price came from the Price List API for
	// its own region. Until then the documents say the prices are readings
	// of AWS's list prices taken from other sites.
	FromPriceList bool `json:"prices_from_price_list"`
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// pricer looks prices up for every region and remembers what it applied.
type pricer struct {
	p       *Prices
	regions []string
	used    map[[2]string]Use
	err     error
}

// sum is key's price summed over the regions, and how to write that sum
// in a formula: "3 regions x $0.12" when every region pays the same, else
// "($0.12 us-east-1 + $0.14 ap-northeast-2)".
func (c *pricer) sum(key string) (float64, string) {
	var total float64
	var parts []string
	same := true
	for i, region := range c.regions {
		u, err := c.p.For(key, region)
		if err != nil {
			c.err = errors.Join(c.err, err)
			continue
		}
		c.used[[2]string{key, region}] = u
		total += u.USD
		parts = append(parts, fmt.Sprintf("$%g %s", u.USD, region))
		if i > 0 && u.USD != c.used[[2]string{key, c.regions[0]}].USD {
			same = false
		}
	}
	if same && len(parts) > 0 {
		return total, fmt.Sprintf("%d regions x $%g", len(c.regions), c.used[[2]string{key, c.regions[0]}].USD)
	}
	return total, "(" + strings.Join(parts, " + ") + ")"
}

// one is a price that is the same everywhere (the Spot discount).
func (c *pricer) one(key string) float64 {
	u, err := c.p.For(key, c.regions[0])
	if err != nil {
		c.err = errors.Join(c.err, err)
		return 0
	}
	for _, region := range c.regions {
		u.Region = region
		c.used[[2]string{key, region}] = u
	}
	return u.USD
}

// Compute prices s with the table p. It refuses when p lacks a price
// rather than leave a component out.
func Compute(s Settings, p *Prices) (Estimate, error) {
	if len(s.Regions) == 0 {
		return Estimate{}, errors.New("no regions to price")
	}
	c := &pricer{p: p, regions: s.Regions, used: map[[2]string]Use{}}
	e := Estimate{DailyBudgetUSD: s.DailyBudgetUSD}
	add := func(comp, f string, usd float64, keys ...string) {
		e.Lines = append(e.Lines, Line{Component: comp, Formula: f, USDPerDay: round2(usd), Prices: keys})
	}
	acuSum, acuF := c.sum("aurora_acu_hour")
	acu := s.InstancesPerCluster * s.DBMinACU * 24 * acuSum
	add("Aurora Serverless v2 (minimum capacity)", fmt.Sprintf("%s x %g instance(s) x %g ACU x 24 h", acuF, s.InstancesPerCluster, s.DBMinACU), acu, "aurora_acu_hour")
	var names []string
	for k := range s.Tasks {
		names = append(names, k)
	}
	sort.Strings(names)
	vcpu, vcpuF := c.sum("fargate_vcpu_hour")
	gb, gbF := c.sum("fargate_gb_hour")
	spotFactor := c.one("fargate_spot_factor")
	for _, name := range names {
		t := s.Tasks[name]
		onDemand, spot := t.Desired, 0.0
		if name == "frontend" && s.FrontendSpotWeight > 0 && t.Desired > 1 {
			// One task on demand, the rest shared weight:1 between Spot and on-demand.
			rest := t.Desired - 1
			spot = rest * s.FrontendSpotWeight / (s.FrontendSpotWeight + 1)
			onDemand = t.Desired - spot
		}
		usd := (t.CPU/1024*vcpu + t.Memory/1024*gb) * 24 * (onDemand + spot*spotFactor)
		add("Fargate "+name, fmt.Sprintf("(%g on-demand + %g Spot x %g) tasks x (%g vCPU x %s + %g GB x %s) x 24 h", onDemand, spot, spotFactor, t.CPU/1024, vcpuF, t.Memory/1024, gbF),
			usd, "fargate_vcpu_hour", "fargate_gb_hour", "fargate_spot_factor")
	}
	mdbKey := MemoryDBKey(s.Queue.NodeType)
	mdb, mdbF := c.sum(mdbKey)
	add("MemoryDB write queue ("+s.Queue.NodeType+")", fmt.Sprintf("%s x %g shard(s) x (1 primary + %g replica(s)) x 24 h", mdbF, s.Queue.Shards, s.Queue.ReplicasPerShard), s.Queue.Nodes()*24*mdb, mdbKey)
	nat := 1.0
	if s.NATPerAZ {
		nat = float64(s.AZs)
	}
	natSum, natF := c.sum("nat_gateway_hour")
	add("NAT gateways", fmt.Sprintf("%s x %g gateway(s) x 24 h", natF, nat), nat*24*natSum, "nat_gateway_hour")
	albSum, albF := c.sum("alb_hour")
	add("Application Load Balancers", albF+" x 24 h", 24*albSum, "alb_hour")
	if s.VPCEndpoints {
		epSum, epF := c.sum("vpc_endpoint_hour")
		add("VPC interface endpoints", fmt.Sprintf("%s x 4 endpoints x %d AZs x 24 h", epF, s.AZs), 4*float64(s.AZs)*24*epSum, "vpc_endpoint_hour")
	}
	if c.err != nil {
		return Estimate{}, c.err
	}
	for _, l := range e.Lines {
		e.TotalUSD += l.USDPerDay
	}
	e.TotalUSD = round2(e.TotalUSD)
	e.AtMaxACUUSD = round2(e.TotalUSD - round2(acu) + s.InstancesPerCluster*s.DBMaxACU*24*acuSum)
	e.NotIncluded = []string{"Aurora storage, I/O and backup beyond the free retention", "ALB LCUs", "NAT gateway data processing",
		"MemoryDB data written", "data transfer between regions and to the internet", "CloudFront requests and transfer", "Route53 zone, records and health checks",
		"Secrets Manager secrets", "CloudWatch logs, metrics and alarms", "ECR storage", "WAF when enabled", "public IPv4 addresses"}
	for _, u := range c.used {
		e.PriceUses = append(e.PriceUses, u)
	}
	sortUses(e.PriceUses)
	e.FromPriceList = AllFromPriceList(e.PriceUses)
	return e, nil
}

// FromTerraform reads the variables' defaults from dir's variables.tf and
// overrides from dir/terraform.tfvars when it exists, then the database
// module's instances_per_cluster and the queue module's node type,
// replicas and shard count, as the root's module blocks set them.
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
	db, err := moduleVars(dir, "database", vals)
	if err != nil {
		return Settings{}, err
	}
	queue, err := moduleVars(dir, "queue", vals)
	if err != nil {
		return Settings{}, err
	}
	s := Settings{AZs: 2, Tasks: map[string]Task{}}
	str := func(m map[string]cty.Value, k string) string {
		if v, ok := m[k]; ok && v.Type() == cty.String {
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
	s.Project = str(vals, "project")
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
	s.InstancesPerCluster = num(db, "instances_per_cluster")
	s.Queue = Queue{NodeType: str(queue, "node_type"), ReplicasPerShard: num(queue, "replicas_per_shard")}
	// The shard count is written in the cluster resource, not a variable.
	cluster, err := tfvars.BlockArgs(filepath.Join(dir, "..", "modules", "queue", "main.tf"), "resource", []string{"aws_memorydb_cluster", "this"}, queue)
	if err != nil {
		return Settings{}, err
	}
	s.Queue.Shards = num(cluster, "num_shards")
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
	if s.Queue.NodeType == "" || s.Queue.Shards < 1 {
		return s, fmt.Errorf("%s: the queue module's node type and shard count are not known without a plan: %+v", dir, s.Queue)
	}
	return s, nil
}

// moduleVars are a module's variables as the root sets them: the module's
// defaults, overridden by what the root's module block sets to values
// known without a plan.
func moduleVars(dir, name string, rootVars map[string]cty.Value) (map[string]cty.Value, error) {
	args, err := tfvars.BlockArgs(filepath.Join(dir, "main.tf"), "module", []string{name}, rootVars)
	if err != nil {
		return nil, err
	}
	src, ok := args["source"]
	if !ok || src.Type() != cty.String {
		return nil, fmt.Errorf("%s: module %q has no local source", dir, name)
	}
	vars, _, err := tfvars.Defaults(filepath.Join(dir, src.AsString(), "variables.tf"))
	if err != nil {
		return nil, err
	}
	for k, v := range args {
		vars[k] = v
	}
	return vars, nil
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
