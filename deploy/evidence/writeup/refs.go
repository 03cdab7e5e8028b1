package writeup

// AWS pages the documents cite, each read on the date below.
const consulted = "2026-11-30"

var refs = map[string]struct{ Title, URL string }{
	"origin-group":         {"CloudFront API: OriginGroup", "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_OriginGroup.html"},
	"origin-group-methods": {"CloudFront: Request and response behavior for origin groups", "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorOriginGroups.html"},
	"origin-failover":      {"CloudFront: Optimize high availability with origin failover", "https://docs.amazonaws.cn/en_us/AmazonCloudFront/latest/DeveloperGuide/high_availability_origin_failover.md"},
	"switchover":           {"RDS API: SwitchoverGlobalCluster", "https://docs.amazonaws.cn/goto/WebAPI/rds-2014-10-31/SwitchoverGlobalCluster"},
	"failover":             {"RDS API: FailoverGlobalCluster", "https://docs.aws.amazon.com/goto/WebAPI/rds/FailoverGlobalCluster"},
	"failover-state":       {"RDS API: FailoverState", "https://docs.aws.amazon.com/goto/WebAPI/rds-2014-10-31/FailoverState"},
	"global-db":            {"Aurora: Using Amazon Aurora Global Database", "https://docs.amazonaws.cn/en_us/AmazonRDS/latest/AuroraUserGuide/aurora-global-database.md"},
	"backups":              {"Aurora: Overview of backing up and restoring an Aurora DB cluster", "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Managing.Backups"},
	"serverless-scaling":   {"RDS API: ServerlessV2ScalingConfiguration", "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ServerlessV2ScalingConfiguration.html"},
	"auto-pause":           {"Aurora: Scaling to zero ACUs with automatic pause and resume", "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html"},
	"mysql1-eol":           {"Aurora: Preparing for Aurora MySQL version 1 end of life", "https://docs.amazonaws.cn/en_us/AmazonRDS/latest/AuroraUserGuide/Aurora.MySQL56.EOL.html"},
	"multi-master":         {"AWS re:Post: multi-region support for Aurora multi-master", "https://www.repost.aws/ko/questions/QUeaoiH_ZLQBCxHAOMBtzzxQ/when-will-multi-region-support-for-aurora-multi-master-become-available"},
	"route53-geo":          {"Route 53: Geolocation routing", "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-geo.html"},
	"route53-test-dns":     {"Route 53 API: TestDNSAnswer (resolver IP, EDNS0 client subnet)", "https://docs.aws.amazon.com/sdkfornet/v3/apidocs/items/Route53/TTestDNSAnswerRequest.html"},
	"aurora-metrics":       {"Aurora: CloudWatch metrics (AuroraGlobalDBReplicationLag, AuroraGlobalDBRPOLag)", "https://docs.aws.amazon.com/ja_jp/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html"},
}

// ref renders a citation link.
func ref(key string) string {
	r, ok := refs[key]
	if !ok {
		panic("writeup: unknown reference " + key)
	}
	return "[" + r.Title + "](" + r.URL + ")"
}
