package check_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"hyundai-poc.com/deploy/check/tfeval"
	"hyundai-poc.com/reporoot"
)

// fakeTools puts docker, aws, terraform and curl on PATH as scripts that
// record being run, so a test can prove a dry run ran none of them.
func fakeTools(t *testing.T) (env []string, ranLog string) {
	t.Helper()
	dir := t.TempDir()
	ranLog = filepath.Join(dir, "ran.log")
	for _, tool := range []string{"docker", "aws", "terraform", "curl", "dig"} {
		script := "#!/bin/sh\necho \"" + tool + " $*\" >> " + ranLog + "\nexit 1\n"
		if err := os.WriteFile(filepath.Join(dir, tool), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return env, ranLog
}

func TestDeployDryRunPrintsEveryCommandAndRunsNone(t *testing.T) {
	root := reporoot.ForTest(t)
	env, ranLog := fakeTools(t)
	const tag = "0123456789ab"

	cmd := exec.Command("make", "--no-print-directory", "-s", "deploy", "DRY_RUN=1")
	cmd.Dir = root
	cmd.Env = append(env, "IMAGE_TAG="+tag, "AWS_ACCOUNT_ID=123456789012")
	out, err := cmd.CombinedOutput()
	if ran, rerr := os.ReadFile(ranLog); rerr == nil {
		t.Fatalf("a dry run ran commands:\n%s", ran)
	}
	if err != nil {
		t.Fatalf("make deploy DRY_RUN=1: %v\n%s", err, out)
	}

	var cmds []string
	for _, line := range strings.Split(string(out), "\n") {
		if c, ok := strings.CutPrefix(line, "+ "); ok {
			cmds = append(cmds, c)
		}
	}
	t.Logf("dry run printed %d commands", len(cmds))

	// Cluster names come from the Terraform root's regions variable, so the
	// script and the configuration cannot drift apart.
	shorts := terraformRegionShorts(t)
	// Every image is built for the CPU the task definitions pin.
	platform := regexp.QuoteMeta(taskPlatform(t))
	builds := 0
	for _, c := range cmds {
		if strings.HasPrefix(c, "docker build ") {
			builds++
			if !strings.Contains(c, "--platform "+taskPlatform(t)+" ") {
				t.Errorf("an image is built without --platform %s, but the tasks run on it: %s", taskPlatform(t), c)
			}
		}
	}
	if builds == 0 {
		t.Error("the dry run builds no image")
	}

	want := []string{
		`^terraform -chdir=deploy/terraform/poc init -input=false -backend-config=backend\.hcl$`,
		`^terraform -chdir=deploy/terraform/poc apply .*-var=image_tag=` + tag + `.*-target='module\.registry\["us-east-1"\]'.*-target='module\.registry\["us-west-2"\]'.*-target='module\.registry\["ap-northeast-2"\]'`,
		`^docker build --platform ` + platform + ` --file deploy/docker/backend\.Dockerfile --build-arg COMMIT=` + tag + ` --tag hyundai-poc/backend:` + tag + ` \.$`,
		`^docker build --platform ` + platform + ` --file deploy/docker/frontend\.Dockerfile --build-arg COMMIT=` + tag + ` --tag hyundai-poc/frontend:` + tag + ` \.$`,
	}
	for _, r := range []string{"us-east-1", "us-west-2", "ap-northeast-2"} {
		reg := regexp.QuoteMeta("123456789012.dkr.ecr." + r + ".amazonaws.com")
		want = append(want, `^aws ecr get-login-password --region `+r+` \| docker login --username AWS --password-stdin `+reg+`$`)
		for _, svc := range []string{"backend", "frontend"} {
			want = append(want, `docker push `+reg+`/hyundai-poc/`+svc+`:`+tag)
		}
	}
	// The migration runs, is waited for and its exit code checked, before
	// the apply that rolls the services.
	want = append(want,
		`^terraform -chdir=deploy/terraform/poc apply .*-var=image_tag=`+tag+`.*-target='module\.service\["us-east-1"\]\.aws_ecs_task_definition\.migrate'`,
		`^task=\$\(aws ecs run-task --region <writer-region> --launch-type FARGATE .*\.task_definition`,
		`^aws ecs wait tasks-stopped --region <writer-region> .*--tasks "\$task"$`,
		`^code=\$\(aws ecs describe-tasks .*exitCode.*\[ "\$code" = 0 \] \|\| \{ .*exit 1; \}$`,
		`^terraform -chdir=deploy/terraform/poc apply -input=false -auto-approve -var=image_tag=`+tag+`$`)
	for _, r := range []string{"us-east-1", "us-west-2", "ap-northeast-2"} {
		want = append(want, `^aws ecs wait services-stable --region `+r+` --cluster hyundai-poc-`+shorts[r]+` --services backend frontend$`)
	}
	want = append(want,
		`^aws cloudfront wait distribution-deployed --id "\$\(terraform -chdir=deploy/terraform/poc output -raw cloudfront_distribution_id\)"$`,
		`^HEALTH_CHECK_TOKEN="\$\(aws secretsmanager get-secret-value .*--secret-id hyundai-poc/db .*jq -r \.health_check_token\)" scripts/verify-deployment\.sh --domain hyundai-poc\.com$`)

	// Each expected command appears, in this order.
	next := 0
	for _, w := range want {
		re := regexp.MustCompile(w)
		found := false
		for next < len(cmds) {
			next++
			if re.MatchString(cmds[next-1]) {
				found = true
				break
			}
		}
		if !found {
			t.Fatalf("dry run output lacks (in order) a command matching %s\noutput:\n%s", w, out)
		}
	}
	for _, svc := range []string{"backend", "frontend"} {
		if _, err := os.Stat(filepath.Join(root, "deploy", "docker", svc+".Dockerfile")); err != nil {
			t.Errorf("the dry run builds %s.Dockerfile, which does not exist", svc)
		}
	}
}

func TestDeployRejectsABadTag(t *testing.T) {
	env, ranLog := fakeTools(t)
	cmd := exec.Command("scripts/deploy.sh", "--dry-run")
	cmd.Dir = reporoot.ForTest(t)
	cmd.Env = append(env, "IMAGE_TAG=latest")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Fatalf("want exit code 2 for a tag that is not a git SHA, got %v\n%s", err, out)
	}
	if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "not a git SHA") {
		t.Errorf("want one line naming the problem, got:\n%s", out)
	}
	if _, err := os.Stat(ranLog); err == nil {
		t.Error("a rejected deploy ran commands")
	}
}

func terraformRegionShorts(t *testing.T) map[string]string {
	t.Helper()
	tree := loadTree(t, terraformRoot(t))
	s := tfeval.NewScope(tree.Root, nil)
	v := s.Ctx.Variables["var"].GetAttr("regions")
	out := map[string]string{}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		out[k.AsString()] = e.GetAttr("short").AsString()
	}
	if len(out) != 3 {
		t.Fatalf("Terraform root regions default has %d regions, want 3", len(out))
	}
	return out
}

// A real deploy without the backend file stops before running anything,
// with one line saying what to do.
func TestDeployWithoutBackendConfigStops(t *testing.T) {
	env, ranLog := fakeTools(t)
	cmd := exec.Command("scripts/deploy.sh")
	cmd.Dir = reporoot.ForTest(t)
	cmd.Env = append(env, "IMAGE_TAG=0123456789ab", "BACKEND_CONFIG=missing-backend.hcl")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("want exit 1 without a backend file, got %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "missing-backend.hcl missing") || strings.Count(strings.TrimSpace(string(out)), "\n") != 0 {
		t.Errorf("want one line naming the missing backend file, got:\n%s", out)
	}
	if ran, err := os.ReadFile(ranLog); err == nil {
		t.Errorf("commands ran before the check:\n%s", ran)
	}
}

// taskPlatform is the docker platform of the CPU every ECS task definition
// pins (runtime_platform.cpu_architecture).
func taskPlatform(t *testing.T) string {
	t.Helper()
	platforms := map[string]string{"X86_64": "linux/amd64", "ARM64": "linux/arm64"}
	got := map[string]bool{}
	tree := loadTree(t, terraformRoot(t))
	for _, m := range tree.SortedModules() {
		for _, td := range m.ResourcesOfType("aws_ecs_task_definition") {
			for _, b := range td.Body.Blocks {
				if b.Type != "runtime_platform" {
					continue
				}
				if a := b.Body.Attributes["cpu_architecture"]; a != nil {
					v, _ := a.Expr.Value(nil)
					got[platforms[v.AsString()]] = true
				}
			}
		}
	}
	if len(got) != 1 || got[""] {
		t.Fatalf("the task definitions pin %v: want one known cpu_architecture", got)
	}
	for p := range got {
		return p
	}
	return ""
}
