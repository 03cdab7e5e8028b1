package cost

// Price is one list price with where it was read and when.
type Price struct {
	USD    float64 `json:"usd"`
	Unit   string  `json:"unit"`
	Source string  `json:"source"`
	Date   string  `json:"date"` // when the source stated it
}

// Prices are us-east-1 on-demand list prices. The estimate applies them to
// every region; us-west-2 charges the same for these items and Seoul
// somewhat more, so the estimate is a floor for ap-northeast-2. Items whose
// cost depends on traffic or stored data (Aurora storage and I/O, LCUs,
// NAT data processing, data transfer, CloudFront requests) are not in the
// estimate; Cost Explorer shows them after a deploy.
var Prices = map[string]Price{
	"fargate_vcpu_hour": {0.04048, "vCPU-hour, Linux/x86", "https://www.vantage.sh/blog/fargate-pricing", "2026-03-10"},
	"fargate_gb_hour":   {0.004445, "GB-hour, Linux/x86", "https://www.vantage.sh/blog/fargate-pricing", "2026-03-10"},
	// Fargate Spot "saves 70%": the kit counts Spot tasks at 30% of on-demand.
	"fargate_spot_factor": {0.30, "fraction of on-demand", "https://www.wring.co/blog/aws-fargate-pricing-guide", "2026-03-10"},
	"aurora_acu_hour":     {0.12, "ACU-hour, Aurora Serverless v2", "https://c3x.dev/blog/aws-aurora-serverless-v2-cost/", "2026-05-01"},
	"nat_gateway_hour":    {0.045, "NAT gateway-hour", "https://basavytix.com/blog/aws-nat-gateway-pricing", "2026-03-01"},
	"alb_hour":            {0.0225, "ALB-hour (LCUs extra)", "https://cloud-horizons.com/blog/alb-the-line-item-nobody-watches/", "2026-05-08"},
	"vpc_endpoint_hour":   {0.01, "interface endpoint-hour per AZ", "https://egresscost.com/nat-gateway", "2026-03-01"},
}
