package check_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	backendconfig "hyundai-poc.com/backend/config"
	frontendconfig "hyundai-poc.com/frontend/config"

	"hyundai-poc.com/deploy/check/container"
	"hyundai-poc.com/deploy/check/topology"
	"hyundai-poc.com/reporoot"
)

var images = []container.Image{
	{Service: "backend", Package: "hyundai-poc.com/backend/cmd/backend", Port: 3001},
	{Service: "frontend", Package: "hyundai-poc.com/frontend/cmd/frontend", Port: 3000},
}

// composeEnv is the only environment compose interpolation sees, so the
// developer's shell cannot change what the test loads.
var composeEnv = map[string]string{}

func TestDockerfiles(t *testing.T) {
	root := reporoot.ForTest(t)
	for _, img := range images {
		t.Run(img.Service, func(t *testing.T) {
			path := filepath.Join(root, "deploy", "docker", img.Service+".Dockerfile")
			report(t, "dockerfile", container.Dockerfile(path, filepath.Join(root, "go.work"), img))
		})
	}
}

func TestCompose(t *testing.T) {
	path := filepath.Join(reporoot.ForTest(t), "deploy", "docker", "compose.yaml")
	p, err := container.LoadCompose(context.Background(), path, composeEnv)
	if err != nil {
		t.Fatal(err)
	}
	report(t, "compose", container.Compose(p, path))
}

// Every name compose and ECS set is one the service reads, every name the
// contract requires is set, and compose and ECS set the same names.
func TestEnvironmentNamesMatchTheServices(t *testing.T) {
	root := reporoot.ForTest(t)
	path := filepath.Join(root, "deploy", "docker", "compose.yaml")
	p, err := container.LoadCompose(context.Background(), path, composeEnv)
	if err != nil {
		t.Fatal(err)
	}
	set := container.ComposeEnv(p)
	for svc, names := range topology.ECSEnv(loadTree(t, terraformRoot(t))) {
		set[svc]["ECS task "+svc] = names
	}
	read := map[string][]string{"backend": backendconfig.EnvNames(), "frontend": frontendconfig.EnvNames()}
	report(t, "environment", container.EnvParity(read, set, path))
}

func TestContainerChecksCatchBrokenFixtures(t *testing.T) {
	root := reporoot.ForTest(t)
	dir := filepath.Join("testdata", "broken", "docker")

	t.Run("dockerfile", func(t *testing.T) {
		fs := container.Dockerfile(filepath.Join(dir, "backend.Dockerfile"), filepath.Join(root, "go.work"), images[0])
		expectFindings(t, fs,
			"lint FromAsCasing",
			"does not copy services/backend/go.mod",
			"go build must set CGO_ENABLED=0",
			"go build must stamp the commit",
			`runtime image "debian:bookworm" is not minimal`,
			`runs as "root"`,
			"must declare ARG COMMIT and label",
			"does not EXPOSE 3001",
			"exec-form ENTRYPOINT",
		)
	})

	t.Run("dockerfile single stage", func(t *testing.T) {
		fs := container.Dockerfile(filepath.Join(dir, "frontend.Dockerfile"), filepath.Join(root, "go.work"), images[1])
		expectFindings(t, fs, "want a multi-stage build")
	})

	t.Run("compose does not load", func(t *testing.T) {
		_, err := container.LoadCompose(context.Background(), filepath.Join(dir, "invalid.yaml"), composeEnv)
		if err == nil {
			t.Fatal("a compose file with a misspelt key loaded")
		}
		t.Logf("loader: %v", err)
	})

	path := filepath.Join(dir, "compose.yaml")
	p, err := container.LoadCompose(context.Background(), path, composeEnv)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("compose", func(t *testing.T) {
		expectFindings(t, container.Compose(p, path),
			`mysql-replica: image "mariadb:10.11", want mysql:8.0`,
			"mysql-replica: command lacks --gtid-mode=ON",
			"share server-id 1",
			"mysql-replica: no init scripts mounted",
			"mysql-replica must wait for mysql-primary to be healthy",
			"migrate: command \"up\"",
			"backend must start after migrate completed successfully",
			"backend: must publish 3001",
		)
	})
	t.Run("environment", func(t *testing.T) {
		set := container.ComposeEnv(p)
		set["backend"]["ECS task backend"] = []string{"DB_NAME", "DB_PASSWORD", "DB_PORT", "DB_READER_HOST", "DB_USER", "DB_WRITER_HOST", "LOG_LEVEL", "PORT", "REGION"}
		read := map[string][]string{"backend": backendconfig.EnvNames(), "frontend": frontendconfig.EnvNames()}
		expectFindings(t, container.EnvParity(read, set, path),
			"compose service backend sets DB_READ_HOST, which the backend does not read",
			"compose service backend does not set DB_READER_HOST",
			"compose service frontend does not set REGION_ENDPOINTS",
			"every deployment must set the same names",
		)
	})
}

// TestImageBuildStage runs each Dockerfile's build stage here, without a
// Docker engine: only what the repository root context and .dockerignore
// let through, copied as the Dockerfile copies it, then its RUN lines. The
// binary must come out static and stamped with the commit.
func TestImageBuildStage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds both binaries; skipped in -short")
	}
	root := reporoot.ForTest(t)
	const commit = "9f3c2b7e41d6"
	for _, img := range images {
		t.Run(img.Service, func(t *testing.T) {
			t.Parallel()
			stage, err := container.BuildStage(context.Background(),
				filepath.Join(root, "deploy", "docker", img.Service+".Dockerfile"), root, t.TempDir(),
				map[string]string{"COMMIT": commit})
			if err != nil {
				t.Fatal(err)
			}
			if err := container.StaticBinary(stage("/out/"+img.Service), commit); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestImageBuildStageCatchesBrokenFixtures(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary; skipped in -short")
	}
	root := reporoot.ForTest(t)
	dir, err := filepath.Abs(filepath.Join("testdata", "broken", "docker"))
	if err != nil {
		t.Fatal(err)
	}
	args := map[string]string{"COMMIT": "9f3c2b7e41d6"}

	t.Run("go.mod missing from the context copy", func(t *testing.T) {
		_, err := container.BuildStage(context.Background(), filepath.Join(dir, "partial-context.Dockerfile"), root, t.TempDir(), args)
		if err == nil || !strings.Contains(err.Error(), "go.work") {
			t.Fatalf("want the build stage to fail on go.work, got %v", err)
		}
		t.Logf("build stage: %.300s", err)
	})
	t.Run("binary without the commit", func(t *testing.T) {
		stage, err := container.BuildStage(context.Background(), filepath.Join(dir, "unstamped.Dockerfile"), root, t.TempDir(), args)
		if err != nil {
			t.Fatal(err)
		}
		err = container.StaticBinary(stage("/out/backend"), "9f3c2b7e41d6")
		if err == nil || !strings.Contains(err.Error(), "does not carry the commit") {
			t.Fatalf("want a missing commit reported, got %v", err)
		}
		t.Log(err)
	})
}
