package check_test

import (
	"path/filepath"
	"testing"

	"hyundai-poc.com/deploy/check/tfconfig"
	"hyundai-poc.com/deploy/check/topology"
	"hyundai-poc.com/reporoot"
)

var topologyChecks = []struct {
	name  string
	check func(*tfconfig.Tree) []topology.Finding
}{
	{"regions", topology.RegionsWired},
	{"origin-groups", topology.OriginGroups},
	{"geolocation", topology.Geolocation},
	{"aurora", topology.AuroraTraps},
	{"alarms", topology.Alarms},
	{"services", topology.Services},
	{"state", topology.StateBackend},
	{"hygiene", topology.Hygiene},
	{"validations", topology.Validations},
	{"security-groups", topology.SecurityGroups},
	{"secrets", topology.SecretsReadable},
	{"reachability", topology.Reachability},
}

func TestTopology(t *testing.T) {
	tree := loadTree(t, terraformRoot(t))
	for _, c := range topologyChecks {
		t.Run(c.name, func(t *testing.T) {
			report(t, c.name, c.check(tree))
		})
	}
}

func TestLocationsFile(t *testing.T) {
	report(t, "locations", topology.LocationsFile(filepath.Join(reporoot.ForTest(t), "deploy", "geo", "locations.json")))
}

func TestTopologyCatchesBrokenFixture(t *testing.T) {
	dir := filepath.Join("testdata", "broken", "topology")
	tree := loadTree(t, dir)
	want := map[string][]string{
		"regions": {
			"runs in [us-east-1 us-west-2], want [ap-northeast-2 us-east-1 us-west-2]",
			"reader_host must pick this region's reader",
			"backend environment DB_READER_HOST must be var.database.reader_host",
			"no task definition passes local.environment",
			"reader_endpoints must name the reader_endpoint of every aws_rds_cluster",
			"must export global_writer_endpoint from aws_rds_global_cluster's endpoint",
		},
		"origin-groups": {
			`origin group "group" has 3 members`,
			"behavior default allows DELETE but targets origin group",
			"no /api/* behavior that allows POST",
			`origin group "group" member "b" is not an origin of the distribution`,
			`origin "a" points at "a.example.com", neither the apex nor a deployed region's name`,
		},
		"geolocation": {
			"Asia (continent AS) must go to ap-northeast-2",
			"US states without a geolocation record: [AK AL",
			`region "eu-west-1" is not deployed`,
			`"PR" is not a Route53 US subdivision`,
			"the default record (*) must go to us-east-1",

			"evaluate_target_health = true",
		},
		"aurora": {
			"engine must be aurora-mysql",
			"engine_version must be set",
			"must ignore_changes replication_source_identifier",
			"managed master passwords are not supported",
			"must depend_on the primary's aws_rds_cluster_instance",
			"storage_encrypted must be true",
			"min_capacity 0",
		},
		"alarms": {
			"aws_cloudwatch_metric_alarm.targets: alarm_actions must notify",
			"replication lag threshold 5000 ms is over 1 s",
			"EstimatedCharges exists only in us-east-1",
			"no alarm on 5xx rate",
			"no alarm on running task count",
			"no alarm on Route53 health checks",
			"UnHealthyHostCount is published with dimensions LoadBalancer, TargetGroup; the alarm names TargetGroup",
		},
		"services": {
			`aws_lb_target_group.this["backend"]: port 8080, want 3001`,
			"health check path must be /healthz",
			"no listener rule sends /api/* to the backend",
			"no listener or listener rule forwards to the frontend",
			"deployment_circuit_breaker must enable rollback",
			"no ECS service can use FARGATE_SPOT",
			"no CPU target-tracking policy",
			"set retention_in_days",
		},
		"state": {
			"use_lockfile = true",
			"dynamodb_table is deprecated",
			`pin hashicorp/aws to "~> 6.0"`,
		},
		"validations": {
			`variable "replicas": its value 7 fails its own validation: replicas must be 1 to 5.`,
		},
		"security-groups": {
			`aws_vpc_security_group_ingress_rule.tasks_open: the tasks group admits cidr_ipv4; only the alb or tasks group may connect`,
			`aws_vpc_security_group_ingress_rule.tasks_open: the tasks group must admit only aws_security_group.alb or aws_security_group.tasks`,
			`aws_vpc_security_group_ingress_rule.db_wide: the db group opens port 3307`,
			`aws_security_group.alb: inline ingress blocks hide rules`,
		},
		"secrets": {
			"aws_ecs_task_definition.this: its execution role has no policy allowing secretsmanager:GetSecretValue",
		},
		"hygiene": {
			`variable "loose" needs a type and a description`,
			`variable "region" needs a type and a description`,
			`output "db_password" needs a description`,
			`output "db_password" exposes a secret`,
			"module lacks README.md",
		},
	}
	for _, c := range topologyChecks {
		t.Run(c.name, func(t *testing.T) {
			expectFindings(t, c.check(tree), want[c.name]...)
		})
	}
	t.Run("locations", func(t *testing.T) {
		expectFindings(t, topology.LocationsFile(filepath.Join(dir, "locations.json")),
			`continent "XX" is not a Route53 continent code`,
			`US state "PR" is not a Route53 subdivision code`,
			`US state TX goes to "eu-west-1"`,
			"US state DC has no region",
			"Asia (AS) must go to ap-northeast-2",
		)
	})
}
