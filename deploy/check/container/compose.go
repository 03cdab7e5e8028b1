package container

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// LoadCompose loads a compose file as `docker compose` would: schema
// validation, interpolation (from env only, never the caller's shell),
// YAML anchors and merges resolved.
func LoadCompose(ctx context.Context, path string, env map[string]string) (*types.Project, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("compose path: %w", err)
	}
	src, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("read compose: %w", err)
	}
	p, err := loader.LoadWithContext(ctx, types.ConfigDetails{
		WorkingDir:  filepath.Dir(abs),
		ConfigFiles: []types.ConfigFile{{Filename: abs, Content: src}},
		Environment: env,
	}, func(o *loader.Options) {
		o.SetProjectName("check", false)
		o.ResolvePaths = true
	})
	if err != nil {
		return nil, fmt.Errorf("load compose: %w", err)
	}
	return p, nil
}

// Compose checks the local stack: a MySQL 8.0 primary and a GTID replica
// configured by init scripts, migrations by the backend's migrate command
// before the backend starts, and the backend and frontend on 3001 and 3000.
func Compose(p *types.Project, path string) []Finding {
	r := &report{file: path}
	svc := func(name string) (types.ServiceConfig, bool) {
		s, ok := p.Services[name]
		if !ok {
			r.add(0, "no service %q", name)
		}
		return s, ok
	}

	serverIDs := map[string]string{}
	for _, name := range []string{"mysql-primary", "mysql-replica"} {
		s, ok := svc(name)
		if !ok {
			continue
		}
		if !strings.HasPrefix(s.Image, "mysql:8.0") {
			r.add(0, "%s: image %q, want mysql:8.0", name, s.Image)
		}
		cmd := strings.Join(s.Command, " ")
		for _, flag := range []string{"--gtid-mode=ON", "--enforce-gtid-consistency=ON", "--log-bin"} {
			if !strings.Contains(cmd, flag) {
				r.add(0, "%s: command lacks %s (GTID replication)", name, flag)
			}
		}
		for _, f := range s.Command {
			if id, ok := strings.CutPrefix(f, "--server-id="); ok {
				if other, dup := serverIDs[id]; dup {
					r.add(0, "%s and %s share server-id %s", other, name, id)
				}
				serverIDs[id] = name
			}
		}
		if !slices.ContainsFunc(s.Volumes, func(v types.ServiceVolumeConfig) bool {
			return v.Target == "/docker-entrypoint-initdb.d"
		}) {
			r.add(0, "%s: no init scripts mounted at /docker-entrypoint-initdb.d", name)
		}
		if s.HealthCheck == nil || len(s.HealthCheck.Test) == 0 {
			r.add(0, "%s: needs a healthcheck so dependants wait for it", name)
		}
	}
	if len(serverIDs) < 2 {
		r.add(0, "primary and replica each need their own --server-id")
	}
	if s, ok := svc("mysql-replica"); ok {
		if dep, has := s.DependsOn["mysql-primary"]; !has || dep.Condition != types.ServiceConditionHealthy {
			r.add(0, "mysql-replica must wait for mysql-primary to be healthy")
		}
		if script := initScript(s, "CHANGE REPLICATION SOURCE TO"); script == "" {
			r.add(0, "mysql-replica: no init script runs CHANGE REPLICATION SOURCE TO")
		} else {
			for _, want := range []string{"SOURCE_AUTO_POSITION=1", "super_read_only"} {
				if !strings.Contains(script, want) {
					r.add(0, "mysql-replica: init script lacks %s", want)
				}
			}
		}
	}

	if s, ok := svc("migrate"); ok {
		if strings.Join(s.Command, " ") != "migrate up" {
			r.add(0, "migrate: command %q, want the backend's `migrate up`", strings.Join(s.Command, " "))
		}
		if b, ok := p.Services["backend"]; ok && s.Image != b.Image {
			r.add(0, "migrate must run the backend image (%q), runs %q", b.Image, s.Image)
		}
	}
	if s, ok := svc("backend"); ok {
		if dep, has := s.DependsOn["migrate"]; !has || dep.Condition != types.ServiceConditionCompletedSuccessfully {
			r.add(0, "backend must start after migrate completed successfully")
		}
		ports(r, s, 3001)
		dockerfileIs(r, s, "deploy/docker/backend.Dockerfile")
	}
	if s, ok := svc("frontend"); ok {
		ports(r, s, 3000)
		dockerfileIs(r, s, "deploy/docker/frontend.Dockerfile")
	}
	return r.fs
}

func ports(r *report, s types.ServiceConfig, port uint32) {
	for _, p := range s.Ports {
		if p.Target == port && p.Published == fmt.Sprint(port) {
			return
		}
	}
	r.add(0, "%s: must publish %d on localhost:%d", s.Name, port, port)
}

func dockerfileIs(r *report, s types.ServiceConfig, want string) {
	if s.Build == nil {
		r.add(0, "%s: no build section", s.Name)
		return
	}
	root, err := filepath.Abs(s.Build.Context)
	if err != nil || filepath.Base(filepath.Join(root, "deploy")) != "deploy" {
		return
	}
	if _, err := os.Stat(filepath.Join(root, "go.work")); err != nil {
		r.add(0, "%s: build context %s is not the repository root (no go.work)", s.Name, s.Build.Context)
	}
	if s.Build.Dockerfile != want {
		r.add(0, "%s: dockerfile %q, want %q", s.Name, s.Build.Dockerfile, want)
	}
}

// initScript returns the text of the service's init scripts that contains
// marker, or "".
func initScript(s types.ServiceConfig, marker string) string {
	for _, v := range s.Volumes {
		if v.Target != "/docker-entrypoint-initdb.d" {
			continue
		}
		files, _ := filepath.Glob(filepath.Join(v.Source, "*"))
		sort.Strings(files)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err == nil && strings.Contains(string(b), marker) {
				return string(b)
			}
		}
	}
	return ""
}
