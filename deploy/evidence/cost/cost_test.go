package cost

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
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
	if q := s.Queue; !strings.HasPrefix(q.NodeType, "db.") || q.Shards < 1 || q.ReplicasPerShard < 0 || q.Nodes() < q.Shards {
		t.Fatalf("queue %+v", q)
	}
}

// TestFromTerraformTakesTheRootsModuleArguments: a value the root passes to
// a module wins over the module's default, as in Terraform.
func TestFromTerraformTakesTheRootsModuleArguments(t *testing.T) {
	root := t.TempDir()
	write := func(path, text string) {
		p := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("poc/variables.tf", `
variable "regions" {
  type    = map(object({ short = string }))
  default = { "us-east-1" = { short = "use1" } }
}
variable "queue_node_type" {
  type    = string
  default = "db.r7g.large"
}`)
	write("poc/main.tf", `
module "database" {
  source                = "../modules/database"
  instances_per_cluster = 2
}
module "queue" {
  source             = "../modules/queue"
  node_type          = var.queue_node_type
  replicas_per_shard = 2
  password           = var.queue_password
}`)
	write("modules/database/variables.tf", `variable "instances_per_cluster" { default = 1 }`)
	write("modules/queue/variables.tf", `
variable "node_type" { default = "db.t4g.small" }
variable "replicas_per_shard" { default = 1 }
variable "shards" { default = 3 }`)
	write("modules/queue/main.tf", `
resource "aws_memorydb_cluster" "this" {
  node_type  = var.node_type
  num_shards = var.shards
}`)
	s, err := FromTerraform(filepath.Join(root, "poc"))
	if err != nil {
		t.Fatal(err)
	}
	if s.InstancesPerCluster != 2 || s.Queue != (Queue{NodeType: "db.r7g.large", Shards: 3, ReplicasPerShard: 2}) || s.Queue.Nodes() != 9 {
		t.Fatalf("settings %+v", s)
	}
}

// TestCommittedPriceTable: every price the estimate of the real Terraform
// uses is in the table, and every reading says where it was read.
func TestCommittedPriceTable(t *testing.T) {
	p, err := LoadPrices(PriceFileName)
	if err != nil {
		t.Fatal(err)
	}
	for key, it := range p.Items {
		if !strings.HasPrefix(it.Authority, "https://aws.amazon.com/") || it.Unit == "" || len(it.Regions) == 0 {
			t.Errorf("%s: %+v", key, it)
		}
		for region, r := range it.Regions {
			fromPage := strings.HasPrefix(r.Source, "https://")
			if r.USD <= 0 || len(r.Date) != 10 || !(fromPage || r.Source == PriceList) || (r.Source == PriceList && (r.SKU == "" || len(r.Filters) == 0 || r.Read == "")) {
				t.Errorf("%s %s lacks a value, source or date: %+v", key, region, r)
			}
		}
	}
	s, err := FromTerraform(filepath.Join("..", "..", "terraform", "poc"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Compute(s, p); err != nil {
		t.Fatal(err)
	}
}

func testPrices() *Prices {
	one := func(usd float64) *Item {
		return &Item{Unit: "u", Authority: "a", Regions: map[string]*Reading{"us-east-1": {USD: usd, Source: "https://x", Date: "2026-01-01"}}}
	}
	p := &Prices{Items: map[string]*Item{"fargate_vcpu_hour": one(0.04), "fargate_gb_hour": one(0.004), "aurora_acu_hour": one(0.12),
		"nat_gateway_hour": one(0.045), "alb_hour": one(0.0225), "vpc_endpoint_hour": one(0.01), "memorydb_db.t4g.small_hour": one(0.05),
		"fargate_spot_factor": {Unit: "f", Authority: "a", Regions: map[string]*Reading{Everywhere: {USD: 0.3, Source: "https://y", Date: "2026-01-01"}}}}}
	return p
}

func TestCompute(t *testing.T) {
	s := testSettings()
	p := testPrices()
	e, err := Compute(s, p)
	if err != nil {
		t.Fatal(err)
	}
	// 3 regions x 0.5 ACU x 24 h x 0.12 = 4.32
	if e.Lines[0].USDPerDay != 4.32 || e.Lines[0].Formula != "3 regions x $0.12 x 1 instance(s) x 0.5 ACU x 24 h" {
		t.Fatalf("aurora line %+v", e.Lines[0])
	}
	// 3 regions x 1 shard x 2 nodes x 24 h x 0.05 = 7.2
	var mdb *Line
	for i, l := range e.Lines {
		if strings.HasPrefix(l.Component, "MemoryDB") {
			mdb = &e.Lines[i]
		}
	}
	if mdb == nil || mdb.USDPerDay != 7.2 || mdb.Prices[0] != "memorydb_db.t4g.small_hour" {
		t.Fatalf("memorydb line %+v", mdb)
	}
	var sum float64
	for _, l := range e.Lines {
		sum += l.USDPerDay
	}
	if d := sum - e.TotalUSD; d > 0.011 || d < -0.011 || e.AtMaxACUUSD <= e.TotalUSD || e.FromPriceList {
		t.Fatalf("totals %+v (sum %v)", e, sum)
	}
	if !slices.Contains(e.NotIncluded, "MemoryDB data written") {
		t.Fatalf("not included %v", e.NotIncluded)
	}
	// Seoul has no reading of its own: the us-east-1 one is applied, and said to be.
	for _, u := range e.PriceUses {
		if u.Key == "alb_hour" && u.Region == "ap-northeast-2" && u.From != "us-east-1" {
			t.Fatalf("use %+v", u)
		}
		if u.Key == "fargate_spot_factor" && u.From != Everywhere {
			t.Fatalf("use %+v", u)
		}
	}
	// With Seoul's own price the formula names each region's.
	p.Items["alb_hour"].Regions["ap-northeast-2"] = &Reading{USD: 0.0252, Source: PriceList, Date: "2026-11-01"}
	e2, err := Compute(s, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range e2.Lines {
		if l.Component == "Application Load Balancers" && (l.Formula != "($0.0252 ap-northeast-2 + $0.0225 us-east-1 + $0.0225 us-west-2) x 24 h" || l.USDPerDay != 1.68) {
			t.Fatalf("alb line %+v", l)
		}
	}
	s.NATPerAZ, s.VPCEndpoints = true, true
	if e3, _ := Compute(s, p); e3.TotalUSD <= e2.TotalUSD || len(e3.Lines) != len(e2.Lines)+1 {
		t.Fatalf("NAT per AZ and endpoints must cost more: %+v", e3)
	}
	// A missing price is refused, not left out.
	s.Queue.NodeType = "db.r7g.large"
	var missing ErrNoPrice
	if _, err := Compute(s, p); !errors.As(err, &missing) || missing.Key != "memorydb_db.r7g.large_hour" || !strings.Contains(err.Error(), "--refresh-prices") {
		t.Fatalf("missing price: %v", err)
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
