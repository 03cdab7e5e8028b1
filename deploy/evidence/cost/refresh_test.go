package cost

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pricing"

	"hyundai-poc.com/evidence/fakeaws"
)

// fakePriceList is a fake Price List answering from the fixtures.
func fakePriceList() *fakeaws.AWS {
	return &fakeaws.AWS{GetProducts: fakeaws.PriceListFromFiles(filepath.Join("testdata", "getproducts"))}
}

func testSettings() Settings {
	return Settings{Regions: []string{"ap-northeast-2", "us-east-1", "us-west-2"}, AZs: 2, DBMinACU: 0.5, DBMaxACU: 16, InstancesPerCluster: 1,
		Tasks:              map[string]Task{"backend": {CPU: 256, Memory: 512, Desired: 2}, "frontend": {CPU: 256, Memory: 512, Desired: 3}},
		FrontendSpotWeight: 1, Queue: Queue{NodeType: "db.t4g.small", Shards: 1, ReplicasPerShard: 1}, DailyBudgetUSD: 50}
}

func TestRefreshReadsEveryPriceInEveryRegion(t *testing.T) {
	f := fakePriceList()
	p, err := LoadPrices(PriceFileName)
	if err != nil {
		t.Fatal(err)
	}
	s := testSettings()
	var progress []string
	today := time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC)
	if err := Refresh(context.Background(), f.Pricing(), s, p, today, func(l string) { progress = append(progress, l) }); err != nil {
		t.Fatal(err)
	}
	if len(progress) != len(specs(s))*len(s.Regions) {
		t.Fatalf("progress %v", progress)
	}
	// Made-up fixture prices: us-east-1 as written, us-west-2 x1.1, Seoul x1.2.
	// The fixture's MemoryDB node has a Valkey twin under the same usage
	// type; the queue runs Redis OSS, whose price is the one read.
	want := map[string]float64{"fargate_vcpu_hour": 0.0411, "fargate_gb_hour": 0.0041, "aurora_acu_hour": 0.111, "nat_gateway_hour": 0.044,
		"alb_hour": 0.0221, "vpc_endpoint_hour": 0.0099, "memorydb_db.t4g.small_hour": 0.0501}
	for key, usd := range want {
		for region, k := range map[string]float64{"us-east-1": 1, "us-west-2": 1.1, "ap-northeast-2": 1.2} {
			r := p.Items[key].Regions[region]
			if r == nil || !near(r.USD, usd*k) || r.Source != PriceList || r.Date != "2026-11-01" || r.Read != "2026-11-30" || len(r.SKU) != 16 || r.ServiceCode == "" {
				t.Fatalf("%s %s: %+v", key, region, r)
			}
			if r.Filters[0] != (Filter{"TERM_MATCH", "regionCode", region}) || !strings.HasSuffix(r.UsageType, specFor(t, s, key).usageType) {
				t.Fatalf("%s %s filters %+v usage type %s", key, region, r.Filters, r.UsageType)
			}
		}
	}
	// Every call goes to the us-east-1 endpoint, asks the aws_v1 format,
	// and carries the spec's filters after regionCode.
	for _, c := range f.Calls() {
		in := c.Input.(*pricing.GetProductsInput)
		if c.Op != "pricing.GetProducts" || c.Region != "us-east-1" || aws.ToString(in.FormatVersion) != "aws_v1" {
			t.Fatalf("call %+v", c)
		}
	}
	aurora := p.Items["aurora_acu_hour"].Regions["us-east-1"].Filters
	if len(aurora) != 3 || aurora[1] != (Filter{"TERM_MATCH", "productFamily", "ServerlessV2"}) || aurora[2] != (Filter{"TERM_MATCH", "databaseEngine", "Aurora MySQL"}) {
		t.Fatalf("aurora filters %+v", aurora)
	}
	// The third-party Spot discount is not the Price List's and stays.
	if r := p.Items["fargate_spot_factor"].Regions[Everywhere]; r == nil || r.Source == PriceList {
		t.Fatalf("spot factor %+v", r)
	}
	e, err := Compute(s, p)
	if err != nil {
		t.Fatal(err)
	}
	if !e.FromPriceList {
		t.Fatalf("after a full refresh every price is the Price List's: %+v", e.PriceUses)
	}
	// Seoul pays its own price now, and the formula shows each region's.
	if f := e.Lines[0].Formula; !strings.Contains(f, "ap-northeast-2") || !strings.Contains(f, "$0.1332") {
		t.Fatalf("aurora formula %q", f)
	}
	path := filepath.Join(t.TempDir(), PriceFileName)
	if err := p.Save(path); err != nil {
		t.Fatal(err)
	}
	again, err := LoadPrices(path)
	if err != nil || again.Items["alb_hour"].Regions["us-west-2"].SKU != p.Items["alb_hour"].Regions["us-west-2"].SKU {
		t.Fatalf("saved table does not read back: %v", err)
	}
}

func TestRefreshRefusesToGuessAndKeepsThePreviousReading(t *testing.T) {
	f := fakePriceList()
	base := f.GetProducts
	f.GetProducts = func(region string, in *pricing.GetProductsInput) (*pricing.GetProductsOutput, error) {
		out, err := base(region, in)
		if err == nil && aws.ToString(in.ServiceCode) == "AWSELB" {
			// The same product twice: which one is meant cannot be told.
			out.PriceList = append(out.PriceList, out.PriceList...)
		}
		return out, err
	}
	p, err := LoadPrices(PriceFileName)
	if err != nil {
		t.Fatal(err)
	}
	before := *p.Items["alb_hour"].Regions["us-east-1"]
	s := testSettings()
	s.Queue.NodeType = "db.x9.huge" // no such product in the fixture
	err = Refresh(context.Background(), f.Pricing(), s, p, time.Now(), func(string) {})
	if err == nil || !strings.Contains(err.Error(), "alb_hour in us-east-1") || !strings.Contains(err.Error(), "found 2") ||
		!strings.Contains(err.Error(), "memorydb_db.x9.huge_hour in ap-northeast-2") || !strings.Contains(err.Error(), "found 0") {
		t.Fatalf("err %v", err)
	}
	if !reflect.DeepEqual(*p.Items["alb_hour"].Regions["us-east-1"], before) {
		t.Fatalf("a failed read replaced the previous reading: %+v", p.Items["alb_hour"].Regions["us-east-1"])
	}
	if r := p.Items["nat_gateway_hour"].Regions["us-east-1"]; r.Source != PriceList {
		t.Fatalf("the prices that could be read were not: %+v", r)
	}
}

func TestPriceListDocumentsParse(t *testing.T) {
	doc := func(dims string) product {
		var pr product
		s := `{"product":{"productFamily":"NAT Gateway","attributes":{"regionCode":"us-west-2","usagetype":"USW2-NatGateway-Hours"},"sku":"ABCDEFGHJKABCDEF"},
			"serviceCode":"AmazonEC2","terms":{"OnDemand":{"ABCDEFGHJKABCDEF.JRTCKXETXF":{"priceDimensions":{` + dims + `},
			"sku":"ABCDEFGHJKABCDEF","effectiveDate":"2026-10-01T00:00:00Z","offerTermCode":"JRTCKXETXF","termAttributes":{}}}},
			"version":"20261001000000","publicationDate":"2026-10-01T00:00:00Z"}`
		if err := json.Unmarshal([]byte(s), &pr); err != nil {
			t.Fatal(err)
		}
		return pr
	}
	one := `"ABCDEFGHJKABCDEF.JRTCKXETXF.6YS6EN2CT7":{"unit":"Hrs","endRange":"Inf","description":"$0.045 per NAT Gateway Hour","appliesTo":[],"rateCode":"ABCDEFGHJKABCDEF.JRTCKXETXF.6YS6EN2CT7","beginRange":"0","pricePerUnit":{"USD":"0.0450000000"}}`
	r, err := doc(one).onDemand()
	if err != nil || r.USD != 0.045 || r.Date != "2026-10-01" || r.SKU != "ABCDEFGHJKABCDEF" || !strings.Contains(r.Description, "unit Hrs") {
		t.Fatalf("%+v %v", r, err)
	}
	tiers := one + `,"ABCDEFGHJKABCDEF.JRTCKXETXF.8EEUB22XNJ":{"unit":"Hrs","beginRange":"100","endRange":"Inf","pricePerUnit":{"USD":"0.0400000000"}}`
	if _, err := doc(tiers).onDemand(); err == nil {
		t.Fatal("two tiers were not refused")
	}
	free := strings.Replace(one, "0.0450000000", "0.0000000000", 1)
	if _, err := doc(free).onDemand(); err == nil {
		t.Fatal("a zero price was not refused")
	}
	for in, want := range map[string]string{"USW2-NatGateway-Hours": "NatGateway-Hours", "NatGateway-Hours": "NatGateway-Hours",
		"RegionalNatGateway-Hours": "RegionalNatGateway-Hours", "APN2-Aurora:ServerlessV2Usage": "Aurora:ServerlessV2Usage", "EU-NodeUsage:db.t4g.small": "NodeUsage:db.t4g.small"} {
		if got := withoutRegionPrefix(in); got != want {
			t.Errorf("%s: %s", in, got)
		}
	}
}

func specFor(t *testing.T, s Settings, key string) spec {
	t.Helper()
	for _, sp := range specs(s) {
		if sp.key == key {
			return sp
		}
	}
	t.Fatalf("no spec %s", key)
	return spec{}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
