package container

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// BuildStage runs a Dockerfile's first (build) stage on this machine, with
// no Docker engine: the build context is contextDir filtered by its
// .dockerignore, every COPY and WORKDIR happens in a scratch root under
// work, and every RUN runs there with the build arguments in its
// environment. It returns where a path of the stage (e.g. /out/backend)
// ended up. This proves what a real build would find in the context: that
// go.work resolves from the files copied, that nothing ignored is needed.
func BuildStage(ctx context.Context, dockerfile, contextDir, work string, args map[string]string) (func(string) string, error) {
	src, err := os.ReadFile(dockerfile)
	if err != nil {
		return nil, fmt.Errorf("read dockerfile: %w", err)
	}
	ast, err := parser.Parse(strings.NewReader(string(src)))
	if err != nil {
		return nil, fmt.Errorf("parse dockerfile: %w", err)
	}
	stages, _, err := instructions.Parse(ast.AST, nil)
	if err != nil || len(stages) == 0 {
		return nil, fmt.Errorf("parse dockerfile: %w", err)
	}
	ignored, err := dockerignore(contextDir)
	if err != nil {
		return nil, err
	}
	root := filepath.Join(work, "stage")
	inStage := func(p string) string { return filepath.Join(root, filepath.FromSlash(p)) }
	wd := "/"
	env := map[string]string{}
	for k, v := range args {
		env[k] = v
	}

	for _, c := range stages[0].Commands {
		switch c := c.(type) {
		case *instructions.WorkdirCommand:
			wd = c.Path
			if !filepath.IsAbs(wd) {
				return nil, fmt.Errorf("WORKDIR %s: want an absolute path", wd)
			}
			if err := os.MkdirAll(inStage(wd), 0o755); err != nil {
				return nil, err
			}
		case *instructions.ArgCommand:
			for _, kv := range c.Args {
				if _, set := env[kv.Key]; !set && kv.Value != nil {
					env[kv.Key] = *kv.Value
				}
			}
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				env[kv.Key] = kv.Value
			}
		case *instructions.CopyCommand:
			if c.From != "" {
				return nil, fmt.Errorf("COPY --from in the build stage is not supported here")
			}
			dest := c.DestPath
			if !filepath.IsAbs(dest) {
				dest = filepath.Join(wd, dest)
			}
			for _, s := range c.SourcePaths {
				if err := copyFromContext(contextDir, s, inStage(dest), strings.HasSuffix(c.DestPath, "/") || len(c.SourcePaths) > 1 || s == ".", ignored); err != nil {
					return nil, fmt.Errorf("COPY %s: %w", s, err)
				}
			}
		case *instructions.RunCommand:
			line := strings.Join(c.CmdLine, " ")
			// The stage's output directory lives under the scratch root.
			line = strings.ReplaceAll(line, " /out/", " "+inStage("/out")+"/")
			cmd := exec.CommandContext(ctx, "sh", "-c", line)
			cmd.Dir = inStage(wd)
			// A build left behind by an interrupted test would go on using the CPU.
			cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
			cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
			cmd.Env = os.Environ()
			for k, v := range env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			if out, err := cmd.CombinedOutput(); err != nil {
				return nil, fmt.Errorf("RUN %s: %w\n%s", line, err, out)
			}
		}
	}
	return inStage, nil
}

func dockerignore(dir string) (*patternmatcher.PatternMatcher, error) {
	f, err := os.Open(filepath.Join(dir, ".dockerignore"))
	if os.IsNotExist(err) {
		return patternmatcher.New(nil)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read .dockerignore: %w", err)
	}
	return patternmatcher.New(patterns)
}

// copyFromContext copies one COPY source (a path or glob relative to the
// context) to dest as Docker does: a directory's contents go into dest; a
// file goes to dest/NAME when dest is a directory, else to dest. What
// .dockerignore excludes is not there to copy. A glob that matches nothing
// is fine, as in Docker when another source matches.
func copyFromContext(contextDir, source, dest string, destIsDir bool, ignored *patternmatcher.PatternMatcher) error {
	matches, err := filepath.Glob(filepath.Join(contextDir, filepath.FromSlash(source)))
	if err != nil {
		return err
	}
	if len(matches) == 0 && !strings.ContainsAny(source, "*?[") {
		return fmt.Errorf("not in the build context")
	}
	skip := func(p string) bool {
		r, _ := filepath.Rel(contextDir, p)
		if r == "." {
			return false
		}
		ok, _ := ignored.MatchesOrParentMatches(filepath.ToSlash(r))
		return ok
	}
	for _, m := range matches {
		fi, err := os.Stat(m)
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			if skip(m) {
				if !strings.ContainsAny(source, "*?[") {
					return fmt.Errorf("excluded by .dockerignore")
				}
				continue
			}
			target := dest
			if destIsDir {
				target = filepath.Join(dest, filepath.Base(m))
			}
			if err := copyFile(m, target); err != nil {
				return err
			}
			continue
		}
		err = filepath.WalkDir(m, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if skip(p) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			sub, _ := filepath.Rel(m, p)
			target := filepath.Join(dest, sub)
			if d.IsDir() {
				return os.MkdirAll(target, 0o755)
			}
			if !d.Type().IsRegular() {
				return nil
			}
			return copyFile(p, target)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fi.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// StaticBinary checks that a Go binary needs no dynamic loader (it runs on
// distroless static or scratch) and carries the commit in its link flags.
func StaticBinary(path, commit string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("open binary: %w", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked (has an ELF interpreter)", path)
		}
	}
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read build info: %w", err)
	}
	cgo := ""
	for _, s := range info.Settings {
		if s.Key == "CGO_ENABLED" {
			cgo = s.Value
		}
	}
	if cgo != "0" {
		return fmt.Errorf("%s was built with CGO_ENABLED=%q", path, cgo)
	}
	// -trimpath keeps -ldflags out of the build info, so look for the
	// value -X main.commit wrote into the binary's data.
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !bytes.Contains(b, []byte(commit)) {
		return fmt.Errorf("%s does not carry the commit %s (-X main.commit)", path, commit)
	}
	return nil
}
