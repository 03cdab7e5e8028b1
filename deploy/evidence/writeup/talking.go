package writeup

import (
	"fmt"
	"strings"

	"hyundai-poc.com/evidence/cost"
	"hyundai-poc.com/evidence/latency"
	"hyundai-poc.com/evidence/results"
)

type doc struct{ strings.Builder }

func (w *doc) f(format string, a ...any) { fmt.Fprintf(&w.Builder, format, a...) }
func (w *doc) p(lines ...string) {
	for _, l := range lines {
		w.WriteString(l)
		w.WriteString("\n")
	}
	w.WriteString("\n")
}

// h writes lines with no blank line after them: a table's header.
func (w *doc) h(lines ...string) {
	for _, l := range lines {
		w.WriteString(l)
		w.WriteString("\n")
	}
}

func num(v float64) string {
	if v >= 100 || v == float64(int64(v)) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// Commands that measure what is missing, as the documents name them.
const (
	cmdLatencyAWS  = "bin/evidence latency --target aws"
	cmdLagAWS      = "bin/evidence lag --target aws"
	cmdQueryAWS    = "bin/evidence query --target aws"
	cmdGeoAWS      = "bin/evidence geo --target aws"
	cmdDrillAWS    = "bin/evidence drill --target aws --scenario switchover --to us-west-2 --global-cluster NAME --yes"
	cmdFailAWS     = "bin/evidence drill --target aws --scenario failover --to us-west-2 --global-cluster NAME --yes"
	cmdTaskAWS     = "bin/evidence task-replacement --target aws --region ap-northeast-2 --yes"
	cmdCostActual  = "bin/evidence cost --actual --days 7"
	cmdCost        = "bin/evidence cost"
	cmdCostRefresh = "bin/evidence cost --refresh-prices"
	cmdLatencyLab  = "make latency"
	cmdLagLab      = "bin/evidence lag --target lab"
	cmdQueryLab    = "bin/evidence query --target lab"
	cmdGeoLab      = "bin/evidence geo --target lab"
	cmdTaskLab     = "bin/evidence task-replacement --target lab"
)

func labDrillCmd(sc string) string { return "make drill SCENARIO=" + sc }

// secondaries are the regions whose reader is a replica in the design.
var secondaries = []string{"us-west-2", "ap-northeast-2"}

func (d *Data) lagFigures(target string) string {
	var of *Of[results.Lag]
	cmd := cmdLagLab
	if target == "aws" {
		of, cmd = d.AWSLag, cmdLagAWS
	} else {
		of = d.LabLag
	}
	if of == nil {
		return Cmd(cmd)
	}
	var parts []string
	for _, r := range secondaries {
		h, ok := of.R.Heartbeat[r]
		if !ok || h.LagMs.Count == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s p50 %s ms, p95 %s ms, p99 %s ms, max %s ms", r, num(h.LagMs.P50), num(h.LagMs.P95), num(h.LagMs.P99), num(h.LagMs.Max)))
	}
	if len(parts) == 0 {
		return "no heartbeat sample in " + of.Path + "; " + Cmd(cmd)
	}
	return strings.Join(parts, "; ") + " (heartbeat; " + of.Cite() + ")"
}

func (d *Data) cloudWatchLag() string {
	if d.AWSLag == nil || len(d.AWSLag.R.CloudWatch) == 0 {
		return Cmd(cmdLagAWS)
	}
	var parts []string
	for _, r := range sortedKeys(d.AWSLag.R.CloudWatch) {
		for _, m := range []string{"AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag"} {
			s := d.AWSLag.R.CloudWatch[r][m]
			parts = append(parts, fmt.Sprintf("%s %s p50 %s ms, p95 %s ms, p99 %s ms, max %s ms", r, m, num(s.P50), num(s.P95), num(s.P99), num(s.Max)))
		}
	}
	return strings.Join(parts, "; ") + " (" + d.AWSLag.Cite() + ")"
}

func (d *Data) queryFigures(target string) string {
	of, cmd := d.LabQuery, cmdQueryLab
	if target == "aws" {
		of, cmd = d.AWSQuery, cmdQueryAWS
	}
	if of == nil {
		return Cmd(cmd)
	}
	var parts []string
	for _, r := range of.R.Regions {
		parts = append(parts, fmt.Sprintf("%s p50 %s ms, mean %s ms over %d queries", r.Region, num(r.P50ms), num(r.MeanMs), r.Count))
	}
	return strings.Join(parts, "; ") + " (" + of.Cite() + ")"
}

func (d *Data) drillFigure(sc string) (string, bool) {
	of := d.LabDrills[sc]
	if of == nil {
		return Cmd(labDrillCmd(sc)), false
	}
	r := of.R
	worst, worstR := int64(0), ""
	for _, reg := range sortedKeys(r.RTOms) {
		if r.RTOms[reg] > worst {
			worst, worstR = r.RTOms[reg], reg
		}
	}
	s := fmt.Sprintf("%d acknowledged writes, %d lost, %d applied twice, %d failed; longest write unavailability %d ms", r.AckedWrites, r.LostWrites, r.DuplicateWrites, r.FailedWrites, worst)
	if worstR != "" {
		s += " (" + worstR + ")"
	}
	if r.QueuedWrites > 0 {
		s += fmt.Sprintf("; %d leads queued (202) while no writer took them, each stored within %.0f ms of the writer being writable for its region", r.QueuedWrites, r.Drain.FromWritableMs.Max)
	}
	if r.Failed5xx != nil {
		n := 0
		for _, v := range r.Failed5xx {
			n += v
		}
		for _, v := range r.TimedOut {
			n += v
		}
		s += fmt.Sprintf("; %d requests answered 5xx or timed out", n)
	}
	for _, op := range r.Operations {
		s += fmt.Sprintf("; `%s` took %d ms", op.Op, op.Took.Milliseconds())
	}
	if r.Lacked != nil {
		s += fmt.Sprintf("; the promoted node lacked %d transaction(s) the old writer had logged", *r.Lacked)
	}
	return s + " (" + of.Cite() + ")", true
}

func (d *Data) latencyCell(from, to string) (latency.Cell, bool) {
	if d.LabLatency == nil {
		return latency.Cell{}, false
	}
	for _, c := range d.LabLatency.R.Cells {
		if c.From == from && c.To == to && c.Total.Count > 0 {
			return c, true
		}
	}
	return latency.Cell{}, false
}

func (d *Data) costLine() string {
	if d.Cost == nil {
		return Cmd(cmdCost)
	}
	e := d.Cost.R.Estimate
	return fmt.Sprintf("estimated %.2f USD/day with Aurora at its minimum capacity, %.2f USD/day with every Aurora instance at its maximum all day; billing alarm at %.2f USD/day%s (%s)", e.TotalUSD, e.AtMaxACUUSD, e.DailyBudgetUSD, d.pricesPending(), d.Cost.Cite())
}

// pricesPending says, while it is so, that the estimate's prices are not
// yet AWS's own from the Price List API.
func (d *Data) pricesPending() string {
	if d.Cost == nil || d.Cost.R.Estimate.FromPriceList {
		return ""
	}
	return "; prices are third-party readings of AWS list prices awaiting `" + cmdCostRefresh + "`"
}

// TalkingPoints renders docs/talking-points.md.
func (d *Data) TalkingPoints() string {
	w := &doc{}
	w.p("# Talking points: hyundai-poc.com in three regions",
		"",
		"<!-- Generated by `make talking-points` (bin/evidence docs) from the newest results in test-results/. Do not edit by hand. -->")
	w.p("Answers to the questions an architect is asked about this system, with the system as it is built and the numbers it produced. "+
		"Every figure is followed by its source: lab or AWS, the committed result file, the date and the commit it ran on. "+
		"A figure that has not been measured yet names the command that measures it. "+
		"Lab figures come from one machine: three real MariaDB servers replicating over links that add the inter-region delay **configured** in "+
		"[deploy/lab/rtt.json](../deploy/lab/rtt.json) (a published round-trip table, not a measurement of AWS), so lab latency across regions shows that configuration, "+
		"and lab replication is MariaDB binlog replication, not Aurora's storage-level replication. AWS figures come from the deployment through `bin/evidence --target aws`.",
		"The outline these points answer is `../shared/talking-points-outline.md`; where it says something AWS documents otherwise, the correction is in [Corrections](#corrections-to-the-outline) with the AWS page.")

	d.glance(w)
	d.corrections(w)
	d.aurora(w)
	d.routing(w)
	d.recovery(w)
	d.costs(w)
	d.production(w)
	d.deepDives(w)
	d.checklist(w)
	w.p("## AWS pages cited", "", "Read on "+consulted+".")
	for _, k := range sortedKeys(refs) {
		w.f("- %s\n", ref(k))
	}
	w.WriteString("\n")
	return strings.TrimRight(w.String(), "\n") + "\n"
}

func (d *Data) glance(w *doc) {
	w.p("## At a glance")
	w.h("| what | lab | AWS |", "|---|---|---|")
	sw, _ := d.drillFigure("switchover")
	fo, _ := d.drillFigure("failover")
	w.f("| replication lag (backends' heartbeat) | %s | %s |\n", d.lagFigures("lab"), d.lagFigures("aws"))
	w.f("| replication lag (CloudWatch) | not applicable: the lab has no Aurora | %s |\n", d.cloudWatchLag())
	w.f("| simple query from each region's backend | %s | %s |\n", d.queryFigures("lab"), d.queryFigures("aws"))
	w.f("| planned switchover under traffic | %s | %s |\n", sw, d.awsDrill("switchover"))
	w.f("| unplanned failover under traffic | %s | %s |\n", fo, d.awsDrill("failover"))
	seoul := Cmd(cmdLatencyLab)
	if c, ok := d.latencyCell("Seoul", "ap-northeast-2"); ok {
		far, _ := d.latencyCell("Seoul", "us-east-1")
		seoul = fmt.Sprintf("Seoul -> Seoul p50 %s ms; Seoul -> us-east-1 p50 %s ms (%sx) (%s)", num(c.Total.P50), num(far.Total.P50), num(far.RatioToLocal), d.LabLatency.Cite())
	}
	w.f("| latency from Seoul | %s | %s |\n", seoul, d.awsLatencySummary())
	w.f("| task replacement | %s | %s |\n", d.taskFigure("lab"), d.taskFigure("aws"))
	w.f("| cost per day | not applicable | %s; actual: %s |\n", d.costLine(), d.actualCost())
	w.WriteString("\n")
}

func (d *Data) awsDrill(mode string) string {
	cmd := cmdDrillAWS
	if mode == "failover" {
		cmd = cmdFailAWS
	}
	if d.AWSDrill == nil || d.AWSDrill.R.Operation == nil || d.AWSDrill.R.Operation.Mode != mode {
		return Cmd(cmd)
	}
	r := d.AWSDrill.R
	worst := int64(0)
	for _, v := range r.Regions {
		worst = max(worst, v.RTOms)
	}
	return fmt.Sprintf("%s %s -> %s: writer moved after %d ms, operation complete after %d ms; %d acknowledged writes, %d lost, %d unverified; longest write unavailability %d ms (%s)",
		mode, r.Operation.From, r.Operation.To, r.Operation.WriterMovedMs, r.Operation.CompletedMs, r.Verification.Acked, r.Verification.Lost, r.Verification.Unknown, worst, d.AWSDrill.Cite())
}

func (d *Data) awsLatencySummary() string {
	if d.AWSLatency == nil {
		return Cmd(cmdLatencyAWS)
	}
	var parts []string
	for _, c := range d.AWSLatency.R.Cells {
		if c.From == "ap-northeast-2" && c.Total.Count > 0 {
			parts = append(parts, fmt.Sprintf("Seoul -> %s p50 %s ms (%sx)", c.To, num(c.Total.P50), num(c.RatioToLocal)))
		}
	}
	if len(parts) == 0 {
		return "no in-region probe result from Seoul in " + d.AWSLatency.Path + "; " + Cmd(cmdLatencyAWS)
	}
	return strings.Join(parts, "; ") + " (" + d.AWSLatency.Cite() + ")"
}

func (d *Data) taskFigure(target string) string {
	if target == "lab" {
		if d.LabTask == nil {
			return Cmd(cmdTaskLab)
		}
		r := d.LabTask.R
		return fmt.Sprintf("the region's only backend stopped and started again %d ms later (standing in for ECS placing a new task), ready %d ms after the stop; of %d reads through the edge meanwhile %d failed and %d were answered by another region's origin (%s)", r.LabDownMs, r.LabReadyMs, r.Requests, r.FailedReqs, r.ServedElsewhere, d.LabTask.Cite())
	}
	if d.AWSTask == nil || d.AWSTask.R.Replacement == nil {
		return Cmd(cmdTaskAWS)
	}
	r := d.AWSTask.R
	return fmt.Sprintf("%s: back to %d running tasks after %d ms, healthy targets after %d ms; %d of %d requests failed (%s)", r.Replacement.Service, r.Replacement.Desired, r.Replacement.BackToDesiredMs, r.Replacement.HealthyMs, r.FailedReqs, r.Requests, d.AWSTask.Cite())
}

func (d *Data) actualCost() string {
	if d.Cost == nil || d.Cost.R.Actual == nil {
		return Cmd(cmdCostActual)
	}
	a := d.Cost.R.Actual
	return fmt.Sprintf("mean %.2f USD/day over %d days (%.2fx the estimate), highest %.2f, %d day(s) above the alarm (%s)", a.MeanUSD, len(a.Days), a.RatioToEst, a.MaxUSD, a.DaysOverBudg, d.Cost.Cite())
}

func (d *Data) corrections(w *doc) {
	w.p("## Corrections to the outline", "", "What the outline claims, what AWS documents, and what this system does about it.")
	w.h("| the outline says | AWS documents | here |", "|---|---|---|")
	rows := [][3]string{
		{"CloudFront origin group with 3 origins (Seoul, US-East, US-West)", "an origin group has exactly two origins, a primary and a secondary (" + ref("origin-group") + ")", "each cache behavior that fails over uses a group of two: the Route53 geolocation name first, a fixed region second (`deploy/terraform/modules/edge`)"},
		{"failover on 500/502/503/504 after 30 s", "failover is per request: on the status codes configured for the group, or when CloudFront cannot connect or the origin times out (" + ref("origin-failover") + ")", "the lab's edge does the same per request and the edge tests prove it (`deploy/lab/edge`)"},
		{"origin failover protects the site", "CloudFront fails over only when the viewer's method is GET, HEAD or OPTIONS, never POST or PUT (" + ref("origin-group-methods") + ")", "`/api/*` (which takes POST) goes to a single origin; a write during a regional outage is answered by the backend itself (queued or refused), not by failover"},
		{"global database failover for a planned move, ~1 minute", "a planned move is a switchover (`SwitchoverGlobalCluster`, no data lost); `FailoverGlobalCluster` with `AllowDataLoss` is for an unplanned outage and can lose what was not replicated (" + ref("switchover") + ", " + ref("failover") + ")", "the runbook and the drill keep them apart: `--scenario switchover` or `--scenario failover`"},
		{"Aurora Multi-Master for zero RPO across regions, ~50-100 ms more write latency", "multi-master accepted writes only within a single region (" + ref("multi-master") + "); it belonged to Aurora MySQL version 1, whose end of life was 28 February 2023 (" + ref("mysql1-eol") + "). A global database has one primary cluster that writes (" + ref("global-db") + ")", "one writer; no acknowledged write is lost because writes are idempotent by key and a failover's losses are measured, not assumed away"},
		{"point-in-time recovery for 35 days, 7-day backups included", "point-in-time recovery reaches back over the backup retention period, 1 to 35 days, default 1 (" + ref("backups") + ")", "`db_backup_retention_days` in `deploy/terraform/poc/variables.tf` sets it: that is how far back a restore reaches"},
		{"Serverless v2 scales from 0.5 ACU", "the minimum is 0 ACU (automatic pause) on engine versions that support it, 0.5 on the others (" + ref("serverless-scaling") + "); what can pause is listed in " + ref("auto-pause"), "the deployment keeps `db_min_capacity` at 0.5 so the writer never pauses: a resume would be a write outage"},
		{"Route53 sends US East and US West to different regions", "geolocation knows continents, countries and US states (" + ref("route53-geo") + ")", "one record per US state (each to the nearer of us-east-1 and us-west-2), Asia to ap-northeast-2, the rest to the default: `deploy/geo/locations.json`, read by Terraform and the lab alike"},
		{"geolocation uses the DNS resolver's IP", "Route 53 maps the address the query comes from to a location (" + ref("route53-geo") + "); a resolver that sends an EDNS0 client subnet is answered for that subnet (" + ref("route53-test-dns") + ")", "`bin/evidence geo --target aws` asks the zone's servers with a client subnet per place, so no VPN is needed"},
		{"backend writes to the primary cluster in us-east-1", "the primary can move (switchover or failover); the application must find the new writer (" + ref("failover-state") + ")", "writes go to the global writer endpoint and the backend checks `@@innodb_read_only` before using a connection; it re-resolves when the writer moves (docs/data-path.md)"},
		{"~$20-25/day Aurora, $45-63/day in total", "prices are per ACU-hour, task vCPU and GB-hour, gateway-hour and load-balancer-hour", "the estimate below is computed from the Terraform variables and a price table whose every price has a source and date; Cost Explorer gives the real figure after a deploy"},
	}
	for _, r := range rows {
		w.f("| %s | %s | %s |\n", r[0], r[1], r[2])
	}
	w.WriteString("\n")
}

func (d *Data) aurora(w *doc) {
	w.p("## 1. Why Aurora vs RDS?")
	sizing := "between `db_min_capacity` and `db_max_capacity` ACU"
	if t := d.Terraform; t != nil {
		sizing = fmt.Sprintf("between %g and %g ACU, %g instance(s) per regional cluster in %s", t.DBMinACU, t.DBMaxACU, t.InstancesPerCluster, strings.Join(t.Regions, ", "))
	}
	w.p("**Answer.** One Aurora MySQL global database: a primary cluster that takes every write and a secondary cluster in each other region that serves local reads, " +
		"replicated by the storage layer, typically in under a second according to AWS (" + ref("global-db") + "). Aurora Serverless v2 instances scale " + sizing + " (as configured in `deploy/terraform/poc/variables.tf`, priced in section 4). " +
		"A region's reads stay in the region; writes go to the global writer endpoint, which follows the writer when it moves. " +
		"The backend never trusts DNS for the writer: it checks that the node is writable before using a connection, and a write whose outcome is unknown is resolved by its idempotency key, never by a blind retry (docs/data-path.md).")
	fo, _ := d.drillFigure("failover")
	w.p("**Measured.**",
		"- Replication lag, lab: "+d.lagFigures("lab")+".",
		"- Replication lag, AWS (backends' heartbeat): "+d.lagFigures("aws")+".",
		"- Replication lag, AWS (CloudWatch `AuroraGlobalDBReplicationLag`, `AuroraGlobalDBRPOLag`, "+ref("aurora-metrics")+"): "+d.cloudWatchLag()+".",
		"- Simple query, lab: "+d.queryFigures("lab")+".",
		"- Simple query, AWS: "+d.queryFigures("aws")+".",
		"- Failover time, lab: "+fo+".",
		"- Failover time, AWS: "+d.awsDrill("failover")+".")
	w.p("**When RDS instead?** For steady load that a reserved instance covers, or an engine Aurora does not offer. The cost comparison with RDS in the outline is not computed here: the kit prices only what this deployment runs.")
}

func (d *Data) routing(w *doc) {
	w.p("## 2. How does geographic routing work?")
	w.p("**Answer.** Three layers, all from files in this repository:",
		"1. **Route53 geolocation** for the site's name: a record per US state, Asia to ap-northeast-2, everything else to the default us-east-1 (`deploy/geo/locations.json`). Each region also has its own name (`us-east-1.<domain>` ...) with a health check.",
		"2. **CloudFront** in front: page requests go to the geolocation name with one fixed region as the secondary of a two-origin group (GET, HEAD, OPTIONS only); `/api/*`, which takes POST, goes to the geolocation name without failover.",
		"3. **One ALB per region** sends `/api/*` to the backend service and everything else to the frontend, both on ECS Fargate in private subnets. The backend reads from its region's reader endpoint and writes through the global writer endpoint.")
	w.p("**Measured latency, lab** (each request on a fresh connection; in the lab the edge adds the configured client-to-region delay, so these rows show `deploy/lab/rtt.json` plus the system's own time):")
	if d.LabLatency == nil {
		w.p(Cmd(cmdLatencyLab) + ".")
	} else {
		w.h("| from | to | p50 ms | p95 ms | p99 ms | x local p50 | DNS ms | connect ms | TLS ms | first byte ms | failed |", "|---|---|---|---|---|---|---|---|---|---|---|")
		for _, c := range d.LabLatency.R.Cells {
			w.f("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d |\n", c.From, c.To, num(c.Total.P50), num(c.Total.P95), num(c.Total.P99), num(c.RatioToLocal), num(c.DNS.P50), num(c.Connect.P50), num(c.TLS.P50), num(c.FirstByte.P50), c.Failed)
		}
		w.f("\nSource: %s.\n\n", d.LabLatency.Cite())
		if svg := d.svgOf(d.LabLatency.Source); svg != "" {
			w.f("![lab latency heat map](../%s)\n\n", svg)
		}
	}
	w.p("**Measured latency, AWS:** " + d.awsLatencySummary() + ". The same command also measures this machine to each region, CloudFront and the apex name.")
	w.p("**Which region answers each place**, lab (through the edge, from the same `locations.json`): "+d.geoFigure("lab")+".",
		"AWS (the zone's name servers asked with an EDNS0 client subnet per place, see [dns-verification.md](dns-verification.md)): "+d.geoFigure("aws")+".")
	w.p("**Q: What if geolocation misroutes a user?** They are served by another region: slower, not broken, because every region serves reads locally and writes through the global writer endpoint. "+
		"Route53 health checks watch every region's own name, and CloudFront retries a page request (GET, HEAD, OPTIONS) on the secondary origin when the first one fails.",
		"",
		"**Q: VPN users?** Route53 sees the resolver's address, or the client subnet the resolver forwards ("+ref("route53-geo")+", "+ref("route53-test-dns")+"): a VPN user is placed where their resolver or exit is.")
}

func (d *Data) geoFigure(target string) string {
	of, cmd := d.LabGeo, cmdGeoLab
	if target == "aws" {
		of, cmd = d.AWSGeo, cmdGeoAWS
	}
	if of == nil {
		return Cmd(cmd)
	}
	var parts []string
	for _, r := range of.R.Rows {
		mark := ""
		if !r.OK {
			mark = " (expected " + r.Expected + ")"
		}
		parts = append(parts, fmt.Sprintf("%s -> %s%s", r.Name, r.Answered, mark))
	}
	return fmt.Sprintf("%s; %d of %d as locations.json says (%s)", strings.Join(parts, ", "), len(of.R.Rows)-of.R.Wrong, len(of.R.Rows), of.Cite())
}

func (d *Data) recovery(w *doc) {
	w.p("## 3. What's your disaster recovery strategy?")
	w.p("**RPO.** A planned switchover loses nothing: AWS synchronizes the secondaries before promoting (" + ref("switchover") + "). " +
		"An unplanned failover can lose what had not reached the promoted region (" + ref("failover") + "); how much is bounded by the replication lag measured in section 1. " +
		"The backend adds its own guarantee on top: an acknowledged write is stored once, and the drills check every acknowledged write afterwards.")
	w.p("**RTO.** Measured per region as the longest stretch in which that region's writes failed or took longer than 2 s, under steady traffic:")
	w.h("| scenario | lab | AWS |", "|---|---|---|")
	for _, sc := range Scenarios {
		f, _ := d.drillFigure(sc)
		aws := "no AWS equivalent"
		if sc == "switchover" || sc == "failover" {
			aws = d.awsDrill(sc)
		}
		w.f("| %s | %s | %s |\n", sc, f, aws)
	}
	w.WriteString("\n")
	for _, sc := range []string{"switchover", "failover"} {
		if of := d.LabDrills[sc]; of != nil {
			if svg := d.svgOf(of.Source); svg != "" {
				w.f("![lab %s timeline](../%s)\n\n", sc, svg)
			}
		}
	}
	w.p("**Single task failure.** ECS replaces a stopped task; the ALB sends traffic only to healthy targets. Lab: "+d.taskFigure("lab")+". AWS: "+d.taskFigure("aws")+".",
		"",
		"**Split brain?** A global database has one primary cluster that writes ("+ref("global-db")+"); the backend uses a writer connection only after checking the node is writable, so a demoted node's connections are dropped, not written through.",
		"",
		"**Consistency during failover?** Replication is asynchronous, so a failover can lose the unreplicated tail; the failover drill reports how many transactions the promoted node lacked and whether any of them was an acknowledged write. Synchronous cross-region writes are not an Aurora option (see Corrections on Multi-Master).",
		"",
		"**Testing without touching production:** the lab runs every scenario in CI-sized form (`make drill`), and the [failover runbook](failover-runbook.md) gives each AWS step its lab equivalent, which a test runs in order.")
}

func (d *Data) costs(w *doc) {
	w.p("## 4. How would you optimize costs?")
	if d.Cost == nil {
		w.p(Cmd(cmdCost) + ".")
	} else {
		e := d.Cost.R.Estimate
		w.p("**Daily estimate** from the Terraform variables (" + d.Cost.Cite() + "):")
		w.h("| component | USD/day | how |", "|---|---|---|")
		for _, l := range e.Lines {
			w.f("| %s | %.2f | %s |\n", l.Component, l.USDPerDay, l.Formula)
		}
		w.f("| **total, Aurora at minimum** | **%.2f** | |\n| total, Aurora at maximum all day | %.2f | |\n| billing alarm threshold | %.2f | `daily_budget_usd` |\n\n", e.TotalUSD, e.AtMaxACUUSD, e.DailyBudgetUSD)
		d.priceTable(w, e)
		w.f("\nNot in the estimate (they depend on traffic or stored data; Cost Explorer shows them): %s.\n\n", strings.Join(e.NotIncluded, "; "))
	}
	w.p("**Actual cost:** " + d.actualCost() + ".")
	w.p("**Levers already in the Terraform variables:** `frontend_spot_weight` (frontend tasks beyond the first on Fargate Spot), `tasks` (size, count and autoscaling bounds per service), "+
		"`db_min_capacity`/`db_max_capacity`, `nat_gateway_per_az` (one NAT gateway per region unless set), `enable_vpc_endpoints`, `log_retention_days`. "+
		"Changing one and running `"+cmdCost+"` shows its effect on the estimate before a deploy.",
		"",
		"**Ongoing:** `"+cmdCostActual+"` reads Cost Explorer by the `Project` tag and compares each day with the estimate and the billing alarm.")
}

// priceTable lists the prices the estimate applied, one row per reading
// and the regions it was applied to, and says plainly where they were read.
func (d *Data) priceTable(w *doc, e cost.Estimate) {
	if e.FromPriceList {
		w.p("Prices used: every regional price was read from the AWS Price List API (GetProducts) for its own region; each row gives the SKU and the price's effective date.")
	} else {
		w.p("Prices used: these are third-party readings of AWS list prices, awaiting `" + cmdCostRefresh + "`, which reads each one from the AWS Price List API (GetProducts) for each region. " +
			"Each row names the page it was read from and that page's date; the AWS pricing page it links is the authority, but it draws its figures in the browser. " +
			"A region without a reading of its own is priced with the us-east-1 reading, so for Seoul, whose list prices are higher, the figure is a floor.")
	}
	type row struct {
		cost.Use
		regions []string
	}
	var rows []*row
	for _, u := range e.PriceUses {
		if n := len(rows); n > 0 && rows[n-1].Key == u.Key && rows[n-1].From == u.From {
			rows[n-1].regions = append(rows[n-1].regions, u.Region)
			continue
		}
		rows = append(rows, &row{Use: u, regions: []string{u.Region}})
	}
	w.h("| price | regions | USD | unit | read from | as of | AWS page |", "|---|---|---|---|---|---|---|")
	var notes []string
	for _, r := range rows {
		// The region the reading is of, then those it was applied to.
		var own, applied []string
		for _, reg := range r.regions {
			if reg == r.From {
				own = append(own, reg)
			} else {
				applied = append(applied, reg)
			}
		}
		where := strings.Join(own, ", ")
		switch {
		case r.From == cost.Everywhere:
			where = "all"
		case len(own) == 0:
			where = strings.Join(applied, ", ") + " (" + r.From + " reading applied)"
		case len(applied) > 0:
			where += "; applied to " + strings.Join(applied, ", ")
		}
		from := r.Source
		if r.Source == cost.PriceList {
			from = fmt.Sprintf("%s, SKU %s, read %s", r.Source, r.SKU, r.Read)
		}
		mark := ""
		if r.Derivation != "" {
			notes = append(notes, r.Derivation)
			mark = fmt.Sprintf(" (note %d)", len(notes))
		}
		w.f("| %s | %s | %g%s | %s | %s | %s | %s |\n", r.Key, where, r.USD, mark, r.Unit, from, r.Date, r.Authority)
	}
	for i, n := range notes {
		w.f("\nNote %d: %s\n", i+1, n)
	}
}

func (d *Data) production(w *doc) {
	w.p("## 5. What would you add for production?")
	w.p("Already in this system: HTTPS with ACM certificates on CloudFront and the ALBs; database credentials in Secrets Manager, passed to tasks as secrets; CloudWatch alarms per region "+
		"(replication lag, unhealthy targets, 5xx rate, running tasks, Route53 health) and a billing alarm, to SNS; ECS autoscaling bounds per service; an optional WAF with a per-IP rate limit (`enable_waf`); "+
		"VPC endpoints and a NAT gateway per AZ as switches; idempotent writes and read-your-writes across regions in the backend.",
		"",
		"Still to add, in order: a NAT gateway per AZ and two Aurora instances per regional cluster (in-region failover target); WAF on; automated secret rotation; "+
			"VPC flow logs and CloudTrail; a CI pipeline that builds, tests (`make test`), pushes images and deploys with a smoke test (`make deploy` is the manual form); "+
			"tracing (the services already emit OpenTelemetry); scheduled drills against a staging copy. Prices for these are not estimated here; each would be added to the price table with its source before it is quoted.")
}

func (d *Data) deepDives(w *doc) {
	w.p("## 6. Technical deep dives")
	w.p("**Aurora global replication.** Storage-level, asynchronous, one writer ("+ref("global-db")+"). Watch `AuroraGlobalDBReplicationLag` and `AuroraGlobalDBRPOLag` per secondary ("+ref("aurora-metrics")+"); the backends also publish their own heartbeat lag (`db_replication_lag_seconds`, and `replication_lag_ms` in `/api/region`). "+
		"AWS lag: "+d.cloudWatchLag()+". The lab's lag is MariaDB binlog replication over a configured delay: "+d.lagFigures("lab")+".",
		"",
		"**ECS Fargate networking.** Tasks run in private subnets with their own network interface (`awsvpc`), behind the ALB with target type `ip`; the backend listens on 3001 and the frontend on 3000 (the contract in `services/*/config`).",
		"",
		"**Route53 resolution.** The zone's servers answer the site's name by the location of the querying address or its EDNS0 client subnet ("+ref("route53-geo")+"); see [dns-verification.md](dns-verification.md) for the method and the last table.",
		"",
		"**CloudFront origin failover.** Two origins per group; per request, on configured status codes, connection failure or timeout; GET, HEAD and OPTIONS only ("+ref("origin-failover")+", "+ref("origin-group-methods")+").")
}

func (d *Data) checklist(w *doc) {
	w.p("## Demo checklist")
	w.h("| show | command | last result |", "|---|---|---|")
	rows := [][3]string{
		{"latency from Seoul (and every place) to every region", "`make latency` (lab), `" + cmdLatencyAWS + "`", d.awsOrLab(d.LabLatency != nil, d.AWSLatency != nil)},
		{"Aurora replication lag", "`" + cmdLagLab + "`, `" + cmdLagAWS + "`", d.awsOrLab(d.LabLag != nil, d.AWSLag != nil)},
		{"a task replaced automatically", "`" + cmdTaskLab + "`, `" + cmdTaskAWS + "`", d.awsOrLab(d.LabTask != nil, d.AWSTask != nil)},
		{"dashboards with every region", "`make lab`, then http://localhost:8080/status?loc=KR; on AWS the CloudWatch dashboard Terraform creates", "live"},
		{"the architecture diagram", "README.md, section Architecture", "in the repository"},
		{"the failover runbook", "[failover-runbook.md](failover-runbook.md); `make drill SCENARIO=failover`", d.awsOrLab(d.LabDrills["failover"] != nil, d.AWSDrill != nil)},
		{"what it costs", "`" + cmdCost + "`, `" + cmdCostRefresh + "`, `" + cmdCostActual + "`", d.awsOrLab(false, d.Cost != nil) + d.pricesPending()},
		{"geographic routing without a VPN", "`" + cmdGeoLab + "`, `" + cmdGeoAWS + "`", d.awsOrLab(d.LabGeo != nil, d.AWSGeo != nil)},
	}
	for _, r := range rows {
		w.f("| %s | %s | %s |\n", r[0], r[1], r[2])
	}
	w.WriteString("\n")
}

func (d *Data) awsOrLab(lab, aws bool) string {
	switch {
	case lab && aws:
		return "lab and AWS results committed"
	case lab:
		return "lab result committed; AWS not measured yet"
	case aws:
		return "AWS result committed"
	}
	return "not measured yet"
}
