package check_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hyundai-poc.com/deploy/check/tfcheck"
	"hyundai-poc.com/deploy/check/tfconfig"
	"hyundai-poc.com/deploy/check/tfschema"
	"hyundai-poc.com/reporoot"
)

func terraformRoot(t *testing.T) string {
	return filepath.Join(reporoot.ForTest(t), "deploy", "terraform", "poc")
}

func loadTree(t *testing.T, dir string) *tfconfig.Tree {
	t.Helper()
	tree, err := tfconfig.LoadTree(dir)
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	return tree
}

func report(t *testing.T, what string, fs []tfcheck.Finding) {
	t.Helper()
	for _, f := range fs {
		t.Errorf("%s: %s", what, f)
	}
}

func TestTerraformFormatted(t *testing.T) {
	fs, err := tfcheck.Format(filepath.Join(reporoot.ForTest(t), "deploy", "terraform"))
	if err != nil {
		t.Fatal(err)
	}
	report(t, "fmt", fs)
}

func TestTerraformMatchesProviderSchema(t *testing.T) {
	s := sharedSchema(t)
	tree := loadTree(t, terraformRoot(t))
	fs, notChecked := tfcheck.Schema(tree, s, "aws_")
	report(t, "schema", fs)
	for _, n := range notChecked {
		t.Logf("not checked: %s", n)
	}
	if len(tree.Modules) < 6 {
		t.Errorf("expected the root and at least five local modules, loaded %d", len(tree.Modules))
	}
}

func TestTerraformReferences(t *testing.T) {
	report(t, "references", tfcheck.References(loadTree(t, terraformRoot(t))))
}

// The fixtures under testdata are broken on purpose: each check must report
// each mistake, or it proves nothing about the real configuration.
func TestChecksCatchBrokenFixtures(t *testing.T) {
	fixtures := filepath.Join("testdata", "broken")

	t.Run("fmt", func(t *testing.T) {
		fs, err := tfcheck.Format(filepath.Join(fixtures, "unformatted"))
		if err != nil {
			t.Fatal(err)
		}
		expectFindings(t, fs, "main.tf:2: not formatted")
	})

	t.Run("schema", func(t *testing.T) {
		s := sharedSchema(t)
		fs, notChecked := tfcheck.Schema(loadTree(t, filepath.Join(fixtures, "schema")), s, "aws_")
		expectFindings(t, fs,
			`unknown resource type "aws_lb_listner"`,
			`unknown argument "cidr_blocks" (did you mean "cidr_block"?)`,
			`"arn" is read-only`,
			`required argument "engine" is missing`,
			`block "member" allows at most 2, has 3`,
			`block "default_cache_behavior" needs at least 1, has 0`,
			`"tags" is an argument`,
			`unknown block "healthcheck"`,
			`ignore_changes names "global_cluster_id"`,
			`"deployment_circuit_breaker" is a block`,
			`unknown data source type "aws_route53_zonez"`,
			`"subnets" wants set of string, got string`,
			`"enable_deletion_protection" wants bool, got string`,
			`"idle_timeout" wants number, got string`,
		)
		if !containsString(notChecked, "aws_wafv2_web_acl.edge") {
			t.Errorf("a WAF web ACL (left out of the schema file) should be reported as not checked, got %v", notChecked)
		}
	})

	t.Run("references", func(t *testing.T) {
		fs := tfcheck.References(loadTree(t, filepath.Join(fixtures, "refs")))
		expectFindings(t, fs,
			"var.regoin is not declared",
			"local.missing is not declared",
			`module.net has no output "vpc"`,
			`module.net: required variable "cidr_block"`,
			`module.net: `+filepath.Join(fixtures, "refs", "modules", "net")+` has no variable "cidr"`,
			"aws_vpc.other is not declared",
			"data.aws_region.here is not declared",
			"module.nothere is not declared",
			`variable "forgotten" is declared but never used`,
			`local "name" is declared but never used`,
			"each used in a block without for_each",
			"count used in a block without count",
			`module.net: settings lacks attribute "name"`,
			`module.net: settings has no attribute "colour"`,
		)
	})
}

func expectFindings(t *testing.T, fs []tfcheck.Finding, want ...string) {
	t.Helper()
	var all []string
	for _, f := range fs {
		all = append(all, f.String())
	}
	for _, w := range want {
		found := false
		for _, s := range all {
			if strings.Contains(s, w) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("the checker missed a deliberate mistake: want a finding containing %q", w)
		}
	}
	if len(fs) < len(want) {
		t.Errorf("want at least %d findings, got %d", len(want), len(fs))
	}
	t.Logf("findings on the broken fixture:\n%s", strings.Join(all, "\n"))
}

func containsString(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// sharedSchema loads the shared AWS provider schema from ../shared/terraform beside
// the repository. Where CI is set a missing file fails the test; elsewhere
// the test is skipped with a message.
func sharedSchema(t testing.TB) *tfschema.Schema {
	t.Helper()
	path := tfschema.Path(reporoot.ForTest(t))
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("AWS provider schema missing at %s (CI is set, so this fails): %v", path, err)
		}
		t.Skipf("AWS provider schema not found at %s; the schema check needs ../shared/terraform beside the clone", path)
	}
	s, err := tfschema.Load(path, "hashicorp/aws")
	if err != nil {
		t.Fatalf("load schema: %v", err)
	}
	return s
}
