// Package container checks the container files without a Docker engine:
// Dockerfiles parsed by BuildKit's own parser and linter, compose.yaml
// loaded and validated by the Compose specification's loader, and the
// environment names both set against what the services read.
package container

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"golang.org/x/mod/modfile"

	"hyundai-poc.com/deploy/check/tfcheck"
)

// Finding is one mistake, as every check reports it.
type Finding = tfcheck.Finding

type report struct {
	file string
	fs   []Finding
}

func (r *report) add(line int, format string, args ...any) {
	r.fs = append(r.fs, Finding{Range: hcl.Range{Filename: r.file, Start: hcl.Pos{Line: line}}, Message: fmt.Sprintf(format, args...)})
}

// Image says what one service's image must be.
type Image struct {
	Service string // backend or frontend
	Package string // the main package go build compiles
	Port    int    // EXPOSE
}

// runtimeBases are the minimal, non-root-capable images a final stage may use.
var runtimeBases = []string{"gcr.io/distroless/static", "scratch"}

// Dockerfile checks one service's Dockerfile: it parses and passes
// BuildKit's lint rules; it is multi-stage; the build stage copies go.work
// and every workspace module's go.mod (the build context is the repository
// root) and builds a static binary (CGO_ENABLED=0) of the service's main
// package with the commit stamped in; the final stage is distroless static
// or scratch, runs as a non-root user, labels the commit, exposes the port
// and starts the binary in exec form.
func Dockerfile(path, goWork string, want Image) []Finding {
	r := &report{file: path}
	src, err := os.ReadFile(path)
	if err != nil {
		r.add(0, "read: %v", err)
		return r.fs
	}
	ast, err := parser.Parse(strings.NewReader(string(src)))
	if err != nil {
		r.add(0, "parse: %v", err)
		return r.fs
	}
	lint := linter.New(&linter.Config{Warn: func(rule, desc, url, msg string, loc []parser.Range) {
		line := 0
		if len(loc) > 0 {
			line = loc[0].Start.Line
		}
		r.add(line, "lint %s: %s", rule, msg)
	}})
	stages, metaArgs, err := instructions.Parse(ast.AST, lint)
	if err != nil {
		r.add(0, "parse: %v", err)
		return r.fs
	}
	if len(stages) < 2 {
		r.add(1, "want a multi-stage build (a Go build stage and a minimal runtime stage), have %d stage(s)", len(stages))
		return r.fs
	}
	build, final := stages[0], stages[len(stages)-1]

	// The build stage. With the repository root as context, go.work needs
	// every module's go.mod before the first go command runs.
	copied := map[string]bool{}
	var goBuild *instructions.RunCommand
	checkedModules := false
	for _, c := range build.Commands {
		switch c := c.(type) {
		case *instructions.CopyCommand:
			for _, s := range c.SourcePaths {
				copied[strings.TrimPrefix(s, "./")] = true
			}
		case *instructions.RunCommand:
			line := strings.Join(c.CmdLine, " ")
			if !checkedModules && strings.Contains(line, "go ") && !copied["."] {
				checkedModules = true
				at := c.Location()[0].Start.Line
				if !copied["go.work"] {
					r.add(at, "build stage runs go before copying go.work")
				}
				for _, m := range workspaceModules(goWork, r) {
					if !copied[filepath.Join(m, "go.mod")] {
						r.add(at, "build stage does not copy %s/go.mod before running go: go.work needs every module", m)
					}
				}
			}
			if strings.Contains(line, "go build") {
				goBuild = c
			}
		}
	}
	if goBuild == nil {
		r.add(build.Location[0].Start.Line, "build stage never runs go build")
	} else {
		line := strings.Join(goBuild.CmdLine, " ")
		at := goBuild.Location()[0].Start.Line
		if !strings.Contains(line, "CGO_ENABLED=0") {
			r.add(at, "go build must set CGO_ENABLED=0 for a static binary")
		}
		if !strings.Contains(line, want.Package) {
			r.add(at, "go build does not build %s", want.Package)
		}
		if !strings.Contains(line, "main.commit=${COMMIT}") && !strings.Contains(line, "main.commit=$COMMIT") {
			r.add(at, "go build must stamp the commit (-X main.commit=${COMMIT})")
		}
	}

	// The runtime stage.
	at := final.Location[0].Start.Line
	base := final.BaseName
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			if kv.Value != nil {
				base = strings.ReplaceAll(base, "${"+kv.Key+"}", *kv.Value)
			}
		}
	}
	if !slices.ContainsFunc(runtimeBases, func(b string) bool { return strings.HasPrefix(base, b) }) {
		r.add(at, "runtime image %q is not minimal: use distroless static or scratch", base)
	}
	var user string
	labelled, commitArg, exposed, entry := false, false, false, false
	for _, c := range final.Commands {
		switch c := c.(type) {
		case *instructions.UserCommand:
			user = c.User
		case *instructions.ArgCommand:
			for _, kv := range c.Args {
				commitArg = commitArg || kv.Key == "COMMIT"
			}
		case *instructions.LabelCommand:
			for _, kv := range c.Labels {
				if kv.Key == "org.opencontainers.image.revision" && strings.Contains(kv.Value, "COMMIT") {
					labelled = true
				}
			}
		case *instructions.ExposeCommand:
			exposed = exposed || slices.Contains(c.Ports, fmt.Sprint(want.Port))
		case *instructions.EntrypointCommand:
			entry = !c.PrependShell
		}
	}
	switch {
	case user == "":
		r.add(at, "runtime stage has no USER: it would run as root")
	case user == "root" || user == "0" || strings.HasPrefix(user, "0:") || strings.HasPrefix(user, "root:"):
		r.add(at, "runtime stage runs as %q: use a non-root user", user)
	}
	if !commitArg || !labelled {
		r.add(at, "runtime stage must declare ARG COMMIT and label org.opencontainers.image.revision with it")
	}
	if !exposed {
		r.add(at, "runtime stage does not EXPOSE %d", want.Port)
	}
	if !entry {
		r.add(at, "runtime stage needs an exec-form ENTRYPOINT (no shell in a minimal image)")
	}
	return r.fs
}

// workspaceModules returns the directories go.work uses.
func workspaceModules(goWork string, r *report) []string {
	src, err := os.ReadFile(goWork)
	if err != nil {
		r.add(0, "read go.work: %v", err)
		return nil
	}
	wf, err := modfile.ParseWork(goWork, src, nil)
	if err != nil {
		r.add(0, "parse go.work: %v", err)
		return nil
	}
	var out []string
	for _, u := range wf.Use {
		out = append(out, filepath.Clean(u.Path))
	}
	return out
}
