package check_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"hyundai-poc.com/reporoot"
)

// tflintPath finds tflint in bin/ (make tflint builds it there) or on PATH.
func tflintPath(t *testing.T) string {
	t.Helper()
	local := filepath.Join(reporoot.ForTest(t), "bin", "tflint")
	if _, err := os.Stat(local); err == nil {
		return local
	}
	if p, err := exec.LookPath("tflint"); err == nil {
		return p
	}
	t.Skip("tflint not installed: `make tflint` builds it into bin/ once; skipping its rules")
	return ""
}

func runTflint(t *testing.T, bin, dir string) (string, error) {
	t.Helper()
	config := filepath.Join(reporoot.ForTest(t), "deploy", "terraform", ".tflint.hcl")
	cmd := exec.Command(bin, "--config", config, "--recursive", "--format", "compact")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestTflint(t *testing.T) {
	bin := tflintPath(t)

	t.Run("deploy/terraform is clean", func(t *testing.T) {
		out, err := runTflint(t, bin, filepath.Join(reporoot.ForTest(t), "deploy", "terraform"))
		if err != nil {
			t.Fatalf("tflint: %v\n%s", err, out)
		}
	})

	t.Run("catches the broken fixture", func(t *testing.T) {
		dir, err := filepath.Abs(filepath.Join("testdata", "broken", "tflint"))
		if err != nil {
			t.Fatal(err)
		}
		out, err := runTflint(t, bin, dir)
		if err == nil {
			t.Fatalf("tflint passed a configuration with deliberate mistakes:\n%s", out)
		}
		for _, rule := range []string{
			"terraform_unused_declarations", "terraform_deprecated_interpolation",
			"terraform_typed_variables", "terraform_required_version", "terraform_required_providers",
		} {
			if !strings.Contains(out, rule) {
				t.Errorf("tflint did not report %s:\n%s", rule, out)
			}
		}
		t.Logf("tflint on the broken fixture:\n%s", out)
	})
}
