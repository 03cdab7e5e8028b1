package writeup

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Step is one step of the failover runbook. Lab holds the step's lab
// equivalents as argument lists whose first word is "lab", "evidence" or
// "curl"; the runbook test runs them, in order, against a lab of its own.
type Step struct {
	Title string
	Text  string
	AWS   []string
	Kit   []string
	Lab   [][]string
}

// writeCheck is the lab's "is a write accepted in this region" command.
func writeCheck(region string) []string {
	// A lead is the public write (health-check writes need the operators'
	// token); the lab's database is a scratch one.
	return []string{"curl", "-fsS", "-o", "/dev/null", "-w", region + " %{http_code}\\n", "-X", "POST", "-H", "Content-Type: application/json",
		"-H", "X-Edge-Region: " + region, "-d", `{"type":"test_drive","name":"Runbook Check","email":"runbook@example.com","phone":"+821000000000","vehicle_id":"ioniq-9","consent":true}`, "{edge}/api/leads"}
}

// Steps of the runbook. The lab rehearsal runs them in this order: an
// unplanned failover from us-east-1 to us-west-2 (the secondary nearest
// the old primary, so no survivor is ahead of it), verification,
// rejoining us-east-1, and the switchover back to us-east-1.
var Steps = []Step{
	{
		Title: "Detect",
		Text: "One of these alarms fires (SNS topic per region, `terraform output alarm_topic_arns`): {alarms}. " +
			"A region is down when its Route53 health check and its unhealthy-targets alarm fire together; the writer is in trouble when writes fail in every region at once. " +
			"Look at the global cluster: which member writes, and whether an operation is already running.",
		AWS: []string{
			`aws cloudwatch describe-alarms --state-value ALARM --alarm-name-prefix hyundai-poc --query 'MetricAlarms[].[AlarmName,StateReason]' --output table`,
			`GC=$(terraform -chdir=deploy/terraform/poc output -raw global_cluster_identifier)`,
			`aws rds describe-global-clusters --global-cluster-identifier "$GC" --query 'GlobalClusters[0].[Status,FailoverState,GlobalClusterMembers[].[DBClusterArn,IsWriter]]'`,
		},
		Kit: []string{"bin/evidence lag --target aws --sample 30s"},
		Lab: [][]string{{"lab", "status"}},
	},
	{
		Title: "Decide: switchover or failover",
		Text: "| | switchover (planned) | failover (unplanned) |\n|---|---|---|\n" +
			"| when | the primary region works: maintenance, rotation, rolling back | the primary region does not answer |\n" +
			"| API | `SwitchoverGlobalCluster` | `FailoverGlobalCluster` with `AllowDataLoss` |\n" +
			"| RPO | 0: secondaries are synchronized first ({switchover}) | what had not replicated: bounded by the replication lag, see below ({failover}) |\n" +
			"| RTO, lab | {rto_switchover} | {rto_failover} |\n" +
			"| RTO, AWS | {rto_switchover_aws} | {rto_failover_aws} |\n\n" +
			"Replication lag before deciding: {lag}. Never fail over a healthy primary: a switchover loses nothing.",
		Kit: []string{"bin/evidence lag --target aws --sample 30s --window 15m"},
		Lab: [][]string{{"evidence", "lag", "--target", "lab", "--sample", "3s"}},
	},
	{
		Title: "Unplanned: fail over",
		Text: "Only when the primary region is down; for a planned move skip to step 6, a switchover, which loses nothing. " +
			"Promote the secondary that is furthest along (the closest region to the old primary), and call the API in the target region: the primary's may not answer. " +
			"What the old primary had not replicated is lost; the drill reports whether any acknowledged write was among it.",
		AWS: []string{
			`TARGET=$(aws rds describe-global-clusters --region us-west-2 --global-cluster-identifier "$GC" --query "GlobalClusters[0].GlobalClusterMembers[?contains(DBClusterArn, ':us-west-2:')].DBClusterArn" --output text)`,
			`aws rds failover-global-cluster --region us-west-2 --global-cluster-identifier "$GC" --target-db-cluster-identifier "$TARGET" --allow-data-loss`,
		},
		Kit: []string{`bin/evidence drill --target aws --scenario failover --to us-west-2 --global-cluster "$GC" --yes`},
		Lab: [][]string{{"lab", "failover", "--to", "us-west-2"}},
	},
	{
		Title: "Verify",
		Text:  "Writes are accepted in every region (201 or 202), and replication lag is back under a second in every secondary.",
		AWS: []string{
			`for r in us-east-1 us-west-2 ap-northeast-2; do curl -fsS -o /dev/null -w "$r %{http_code}\n" -X POST -H 'Content-Type: application/json' -d '{}' "https://$r.hyundai-poc.com/api/health-checks"; done`,
			`aws rds describe-global-clusters --global-cluster-identifier "$GC" --query 'GlobalClusters[0].GlobalClusterMembers[].[DBClusterArn,IsWriter]'`,
		},
		Kit: []string{"bin/evidence lag --target aws --sample 60s"},
		Lab: [][]string{writeCheck("us-east-1"), writeCheck("us-west-2"), writeCheck("ap-northeast-2"), {"evidence", "lag", "--target", "lab", "--sample", "3s"}, {"lab", "status"}},
	},
	{
		Title: "Rejoin the old primary",
		Text: "After a failover, check whether the old primary's cluster is back in the global cluster as a secondary. If it is missing, recreate it from the configuration (`make deploy` runs `terraform apply`, which adds the missing secondary), then wait until its lag is under a second. " +
			"In the lab, the killed node is rebuilt empty as a replica of the new writer and copies everything from it.",
		AWS: []string{
			`aws rds describe-global-clusters --global-cluster-identifier "$GC" --query 'GlobalClusters[0].GlobalClusterMembers[].[DBClusterArn,IsWriter,GlobalWriteForwardingStatus]'`,
			`make deploy`,
		},
		Kit: []string{"bin/evidence lag --target aws --sample 60s"},
		Lab: [][]string{{"lab", "rejoin", "us-east-1"}, {"lab", "status"}},
	},
	{
		Title: "Switch over: back home, or any planned move",
		Text: "Once every member replicates again, move the writer home with a switchover: AWS names falling back to the original primary after a failover as a use of switchover ({switchover}). " +
			"The same step is the whole procedure for a planned move (maintenance, regional rotation): the backends hold writes while the writer is read-only and find the new writer through DNS and their read-only checks, with no restart.",
		AWS: []string{
			`TARGET=$(aws rds describe-global-clusters --global-cluster-identifier "$GC" --query "GlobalClusters[0].GlobalClusterMembers[?contains(DBClusterArn, ':us-east-1:')].DBClusterArn" --output text)`,
			`aws rds switchover-global-cluster --region us-east-1 --global-cluster-identifier "$GC" --target-db-cluster-identifier "$TARGET"`,
		},
		Kit: []string{`bin/evidence drill --target aws --scenario switchover --to us-east-1 --global-cluster "$GC" --yes`},
		Lab: [][]string{{"lab", "switchover", "--to", "us-east-1"}, writeCheck("ap-northeast-2"), {"lab", "status"}},
	},
}

// LabCommandText renders a lab equivalent as a person would type it.
func LabCommandText(args []string) string {
	var out []string
	for i, a := range args {
		switch {
		case i == 0 && (a == "lab" || a == "evidence"):
			out = append(out, "bin/"+a)
		case strings.Contains(a, "{edge}"):
			out = append(out, strings.ReplaceAll(a, "{edge}", "http://127.0.0.1:8080"))
		case strings.ContainsAny(a, " {}%\\$'\""):
			out = append(out, "'"+a+"'")
		default:
			out = append(out, a)
		}
	}
	return strings.Join(out, " ")
}

var alarmRE = regexp.MustCompile(`alarm_name\s*=\s*"([^"]+)"`)

// alarms lists the alarm names the observability module declares.
func alarms(root string) string {
	b, err := os.ReadFile(filepath.Join(root, "deploy", "terraform", "modules", "observability", "main.tf"))
	if err != nil {
		return "the alarms in `deploy/terraform/modules/observability`"
	}
	var names []string
	for _, m := range alarmRE.FindAllStringSubmatch(string(b), -1) {
		n := strings.NewReplacer("${var.name}", "hyundai-poc", "${each.key}", "REGION").Replace(m[1])
		names = append(names, "`"+n+"`")
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// Runbook renders docs/failover-runbook.md.
func (d *Data) Runbook() string {
	w := &doc{}
	w.p("# Failover runbook", "", "<!-- Generated by `make talking-points` (bin/evidence docs). Do not edit by hand. -->")
	w.p("What to do when the writer's region is in trouble, and how to move the writer on purpose. Each step gives the AWS CLI commands, the evidence kit's command (which also measures what users saw), and the step's lab equivalent. " +
		"The lab equivalents are a rehearsal: `go test ./deploy/evidence/writeup/ -run TestRunbookLabRehearsal` starts a lab and runs every one of them in this order.")
	rto := func(sc string) string {
		of := d.LabDrills[sc]
		if of == nil {
			return Cmd(labDrillCmd(sc))
		}
		worst := int64(0)
		for _, v := range of.R.RTOms {
			worst = max(worst, v)
		}
		return fmt.Sprintf("longest write unavailability %d ms, %d acknowledged writes lost (%s)", worst, of.R.LostWrites, of.Cite())
	}
	repl := strings.NewReplacer(
		"{alarms}", alarms(d.Root),
		"{switchover}", ref("switchover"),
		"{failover}", ref("failover"),
		"{rto_switchover}", rto("switchover"),
		"{rto_failover}", rto("failover"),
		"{rto_switchover_aws}", d.awsDrill("switchover"),
		"{rto_failover_aws}", d.awsDrill("failover"),
		"{lag}", "lab "+d.lagFigures("lab")+"; AWS "+d.cloudWatchLag(),
	)
	for i, s := range Steps {
		w.p(fmt.Sprintf("## %d. %s", i+1, s.Title))
		w.p(repl.Replace(s.Text))
		if len(s.AWS) > 0 {
			w.p("AWS CLI:", "", "```sh", strings.Join(s.AWS, "\n"), "```")
		}
		if len(s.Kit) > 0 {
			w.p("Evidence kit:", "", "```sh", strings.Join(s.Kit, "\n"), "```")
		}
		var lab []string
		for _, l := range s.Lab {
			lab = append(lab, LabCommandText(l))
		}
		w.p("Lab equivalent:", "", "```sh", strings.Join(lab, "\n"), "```")
	}
	for _, sc := range []string{"switchover", "failover"} {
		if of := d.LabDrills[sc]; of != nil {
			if svg := d.svgOf(of.Source); svg != "" {
				w.f("Lab %s under traffic (%s):\n\n![lab %s timeline](../%s)\n\n", sc, of.Cite(), sc, svg)
			}
		}
	}
	return strings.TrimRight(w.String(), "\n") + "\n"
}
