package cost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	ptypes "github.com/aws/aws-sdk-go-v2/service/pricing/types"

	"hyundai-poc.com/evidence/awsapi"
)

// spec is how the Price List is asked for one price in one region: the
// service code, exact-match filters (regionCode is added per region), and
// the usage type that picks the one product the estimate means among those
// the filters let through.
type spec struct {
	key, unit, authority string
	service              string
	attrs                [][2]string
	usageType            string
	// engine, when set, tells apart products that share a usage type and
	// differ only by engine (MemoryDB bills Valkey and Redis OSS nodes under
	// one usage type): the one with an attribute naming it is kept.
	engine string
}

// MemoryDBKey is the table's key for a MemoryDB node type's hourly price.
func MemoryDBKey(nodeType string) string { return "memorydb_" + nodeType + "_hour" }

// specs are the prices the estimate of s uses. The usage types are the
// ones AWS bills under (Cost Explorer and the Cost and Usage Report show
// them), without the region prefix some regions put before them.
func specs(s Settings) []spec {
	fargate := "https://aws.amazon.com/fargate/pricing/"
	return []spec{
		{"fargate_vcpu_hour", "vCPU-hour, Linux/x86", fargate, "AmazonECS", [][2]string{{"productFamily", "Compute"}}, "Fargate-vCPU-Hours:perCPU", ""},
		{"fargate_gb_hour", "GB-hour, Linux/x86", fargate, "AmazonECS", [][2]string{{"productFamily", "Compute"}}, "Fargate-GB-Hours", ""},
		// Aurora Standard: the clusters set no storage_type, so not I/O-Optimized.
		{"aurora_acu_hour", "ACU-hour, Aurora Serverless v2, Aurora MySQL, Aurora Standard", "https://aws.amazon.com/rds/aurora/pricing/", "AmazonRDS",
			[][2]string{{"productFamily", "ServerlessV2"}, {"databaseEngine", "Aurora MySQL"}}, "Aurora:ServerlessV2Usage", ""},
		{"nat_gateway_hour", "NAT gateway-hour", "https://aws.amazon.com/vpc/pricing/", "AmazonEC2", [][2]string{{"productFamily", "NAT Gateway"}}, "NatGateway-Hours", ""},
		{"alb_hour", "ALB-hour (LCUs extra)", "https://aws.amazon.com/elasticloadbalancing/pricing/", "AWSELB", [][2]string{{"productFamily", "Load Balancer-Application"}}, "LoadBalancerUsage", ""},
		{"vpc_endpoint_hour", "interface endpoint-hour per AZ", "https://aws.amazon.com/privatelink/pricing/", "AmazonVPC", [][2]string{{"productFamily", "VpcEndpoint"}}, "VpcEndpoint-Hours", ""},
		// The queue's clusters run engine "redis": Redis OSS, not Valkey.
		{MemoryDBKey(s.Queue.NodeType), "node-hour, " + s.Queue.NodeType + ", Redis OSS", "https://aws.amazon.com/memorydb/pricing/", "AmazonMemoryDB", nil, "NodeUsage:" + s.Queue.NodeType, "redis"},
	}
}

func (sp spec) filters(region string) []Filter {
	f := []Filter{{"TERM_MATCH", "regionCode", region}}
	for _, a := range sp.attrs {
		f = append(f, Filter{"TERM_MATCH", a[0], a[1]})
	}
	return f
}

// Refresh reads from the Price List every price the estimate of s uses, in
// each of s's regions, into p. A price it cannot read keeps its previous
// reading, and the error names each one that failed.
func Refresh(ctx context.Context, c awsapi.Pricing, s Settings, p *Prices, today time.Time, progress func(string)) error {
	if p.Items == nil {
		p.Items = map[string]*Item{}
	}
	var errs []error
	for _, sp := range specs(s) {
		it := p.Items[sp.key]
		if it == nil {
			it = &Item{Regions: map[string]*Reading{}}
			p.Items[sp.key] = it
		}
		it.Unit, it.Authority = sp.unit, sp.authority
		for _, region := range s.Regions {
			r, err := readPrice(ctx, c, sp, region)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s in %s: %w", sp.key, region, err))
				continue
			}
			r.Read = today.UTC().Format(time.DateOnly)
			it.Regions[region] = r
			progress(fmt.Sprintf("%-28s %-15s %-10s SKU %s, effective %s: %s", sp.key, region, strconv.FormatFloat(r.USD, 'f', -1, 64), r.SKU, r.Date, r.Description))
		}
	}
	return errors.Join(errs...)
}

func readPrice(ctx context.Context, c awsapi.Pricing, sp spec, region string) (*Reading, error) {
	filters := sp.filters(region)
	in := &pricing.GetProductsInput{ServiceCode: aws.String(sp.service), FormatVersion: aws.String("aws_v1"), MaxResults: aws.Int32(100)}
	for _, f := range filters {
		in.Filters = append(in.Filters, ptypes.Filter{Type: ptypes.FilterType(f.Type), Field: aws.String(f.Field), Value: aws.String(f.Value)})
	}
	var found []product
	for {
		out, err := c.GetProducts(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("GetProducts %s: %w", sp.service, err)
		}
		for _, doc := range out.PriceList {
			var pr product
			if err := json.Unmarshal([]byte(doc), &pr); err != nil {
				return nil, fmt.Errorf("a PriceList document of %s does not parse: %w", sp.service, err)
			}
			if pr.Product.Attributes["regionCode"] == region && withoutRegionPrefix(pr.Product.Attributes["usagetype"]) == sp.usageType {
				found = append(found, pr)
			}
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	if len(found) > 1 && sp.engine != "" {
		found = byEngine(found, sp.engine)
	}
	if len(found) != 1 {
		var skus []string
		for _, pr := range found {
			skus = append(skus, pr.Product.SKU)
		}
		sort.Strings(skus)
		return nil, fmt.Errorf("%s %v: want one product with usage type %s, found %d %v", sp.service, filters, sp.usageType, len(found), skus)
	}
	r, err := found[0].onDemand()
	if err != nil {
		return nil, fmt.Errorf("%s SKU %s: %w", sp.service, found[0].Product.SKU, err)
	}
	r.ServiceCode, r.Filters, r.UsageType = sp.service, filters, found[0].Product.Attributes["usagetype"]
	return r, nil
}

// byEngine keeps the products with an attribute (other than the usage
// type) whose value names engine, such as "Redis" or "Redis OSS" for
// "redis".
func byEngine(products []product, engine string) []product {
	var keep []product
	for _, pr := range products {
		for k, v := range pr.Product.Attributes {
			if k != "usagetype" && strings.Contains(strings.ToLower(v), engine) {
				keep = append(keep, pr)
				break
			}
		}
	}
	return keep
}

// Region prefixes of usage types: "USW2-", "APN2-", "EU-". A name such as
// "RegionalNatGateway-Hours" has none, and so stays another product.
var regionPrefix = regexp.MustCompile(`^[A-Z]+[0-9]*-`)

func withoutRegionPrefix(usageType string) string {
	return regionPrefix.ReplaceAllString(usageType, "")
}

// product is one document of GetProducts' PriceList, in the layout AWS
// documents for price list files: the product and its attributes, and the
// terms, OnDemand keyed by SKU.offerTermCode, each with price dimensions
// keyed by rate code.
type product struct {
	Product struct {
		SKU           string            `json:"sku"`
		ProductFamily string            `json:"productFamily"`
		Attributes    map[string]string `json:"attributes"`
	} `json:"product"`
	ServiceCode string `json:"serviceCode"`
	Terms       struct {
		OnDemand map[string]struct {
			SKU             string `json:"sku"`
			EffectiveDate   string `json:"effectiveDate"`
			PriceDimensions map[string]struct {
				Unit         string            `json:"unit"`
				Description  string            `json:"description"`
				PricePerUnit map[string]string `json:"pricePerUnit"`
			} `json:"priceDimensions"`
		} `json:"OnDemand"`
	} `json:"terms"`
}

// onDemand is the product's one on-demand price in USD. A product with
// several on-demand terms or tiers is refused rather than guessed at.
func (pr product) onDemand() (*Reading, error) {
	if len(pr.Terms.OnDemand) != 1 {
		return nil, fmt.Errorf("want one OnDemand term, found %d", len(pr.Terms.OnDemand))
	}
	r := &Reading{Source: PriceList, SKU: pr.Product.SKU}
	for _, t := range pr.Terms.OnDemand {
		if len(t.PriceDimensions) != 1 {
			return nil, fmt.Errorf("want one price dimension, found %d", len(t.PriceDimensions))
		}
		r.Date, _, _ = strings.Cut(t.EffectiveDate, "T")
		for rate, d := range t.PriceDimensions {
			usd, err := strconv.ParseFloat(d.PricePerUnit["USD"], 64)
			if err != nil || usd <= 0 {
				return nil, fmt.Errorf("rate %s: no positive USD price (%q)", rate, d.PricePerUnit["USD"])
			}
			r.USD, r.Description = usd, d.Description+" (unit "+d.Unit+")"
		}
	}
	return r, nil
}
