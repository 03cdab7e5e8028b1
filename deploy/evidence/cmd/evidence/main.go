// Command evidence measures what the system's presentation quotes, against
// the lab (default) or the AWS deployment (--target aws, names and regions
// from `terraform output -json`), and writes each result as JSON under
// test-results/<target>/ with the commit, time, target and settings.
//
//	evidence latency | lag | query | drill | task-replacement | geo | cost  [flags]
//	evidence docs                 regenerate the documents from test-results/
//	evidence picture FILE.json    redraw a result's SVG
//
// `evidence COMMAND --help` explains each.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"hyundai-poc.com/evidence/awsapi"
	"hyundai-poc.com/evidence/record"
	"hyundai-poc.com/evidence/tfout"
	"hyundai-poc.com/loadtest/revision"
)

type command struct {
	name, summary string
	run           func(ctx context.Context, e *env, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"latency", "latency matrix: p50/p95/p99, multiple of local, DNS/connect/TLS/first byte", runLatency},
		{"lag", "replication lag: backends' heartbeat in every region; on AWS also CloudWatch AuroraGlobalDB*Lag", runLag},
		{"query", "a simple query's p50 and mean in every region, from the backend's histogram", runQuery},
		{"drill", "switchover or failover under traffic: lost, duplicated, failed, RTO per region", runDrill},
		{"task-replacement", "stop one backend task and time the way back to desired count and healthy targets", runTaskReplacement},
		{"geo", "which region answers visitors from Seoul, Virginia, Oregon, Tokyo, Sao Paulo, ...", runGeo},
		{"cost", "daily cost estimate from the Terraform variables; --actual: Cost Explorer by Project tag", runCost},
		{"docs", "regenerate docs/talking-points.md, failover-runbook.md, dns-verification.md from test-results/", runDocs},
		{"picture", "redraw the SVG of a result file (latency heat map, drill timeline)", runPicture},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: evidence COMMAND [--target lab|aws] [flags]   (evidence COMMAND --help for its flags)")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-17s %s\n", c.name, c.summary)
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, deps{loadAWS: awsapi.Load, loadOutputs: tfout.Load, now: time.Now})
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "evidence:", err)
		os.Exit(1)
	}
}

// deps are what the commands reach outside the process through; tests
// pass a fake AWS and outputs of their own.
type deps struct {
	loadAWS     func(ctx context.Context) (awsapi.Clients, error)
	loadOutputs func(ctx context.Context, file, dir string) (*tfout.Outputs, error)
	now         func() time.Time
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, dp deps) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return errors.New("no command")
		}
		return nil
	}
	for _, c := range commands {
		if c.name == args[0] {
			e := &env{out: stdout, errw: stderr, name: c.name, now: dp.now, loadAWS: dp.loadAWS, loadOutputs: dp.loadOutputs}
			return c.run(ctx, e, args[1:])
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

// env is what every command shares: common flags, where results go, and
// how AWS clients and Terraform outputs are obtained (tests replace both).
type env struct {
	out, errw io.Writer
	name      string
	now       func() time.Time

	target     string
	outDir     string
	root       string
	tfDir      string
	outputs    string
	edge       string
	portOffset int
	labDir     string

	loadAWS     func(ctx context.Context) (awsapi.Clients, error)
	loadOutputs func(ctx context.Context, file, dir string) (*tfout.Outputs, error)
}

// flags returns a flag set with the common flags; describe is the
// command's help text.
func (e *env) flags(describe string) *flag.FlagSet {
	fs := flag.NewFlagSet("evidence "+e.name, flag.ContinueOnError)
	fs.SetOutput(e.out)
	fs.StringVar(&e.target, "target", record.Lab, "lab or aws")
	fs.StringVar(&e.outDir, "out", "", "results directory (default test-results/<target> of the repository)")
	fs.StringVar(&e.tfDir, "tf-dir", "", "Terraform root whose outputs name the deployment (default deploy/terraform/poc)")
	fs.StringVar(&e.outputs, "outputs", "", "read `terraform output -json` from this file instead of running terraform")
	fs.StringVar(&e.edge, "edge", "", "the lab's edge (default http://127.0.0.1:8080 plus --port-offset)")
	fs.IntVar(&e.portOffset, "port-offset", 0, "the lab's port offset (bin/lab up --port-offset)")
	fs.StringVar(&e.labDir, "lab-dir", "", "the lab's directory, for commands that drive it (bin/lab --dir)")
	fs.Usage = func() {
		fmt.Fprintf(e.out, "usage: evidence %s [flags]\n\n%s\n\nflags:\n", e.name, strings.TrimSpace(describe))
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args and settles the common values; it refuses an unknown
// target and stray arguments.
func (e *env) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected argument %q (see evidence %s --help)", fs.Arg(0), e.name)
	}
	if err := record.CheckTarget(e.target); err != nil {
		return err
	}
	wd, _ := os.Getwd()
	root, err := record.RepoRoot(wd)
	if err != nil {
		return err
	}
	e.root = root
	if e.outDir == "" {
		e.outDir = filepath.Join(root, "test-results", e.target)
	}
	if e.tfDir == "" {
		e.tfDir = filepath.Join(root, "deploy", "terraform", "poc")
	}
	if e.edge == "" {
		e.edge = "http://127.0.0.1:" + strconv.Itoa(8080+e.portOffset)
	}
	return nil
}

// aws returns clients and outputs, or says what is missing.
func (e *env) aws(ctx context.Context) (awsapi.Clients, *tfout.Outputs, error) {
	o, err := e.loadOutputs(ctx, e.outputs, e.tfDir)
	if err != nil {
		return nil, nil, fmt.Errorf("no deployment to measure: %w", err)
	}
	c, err := e.loadAWS(ctx)
	if err != nil {
		return nil, nil, err
	}
	return c, o, nil
}

// needLab checks that a lab answers at the edge.
func (e *env) needLab(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.edge+"/_edge/route", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("no lab answers at %s: start one with `make lab` (another terminal), or pass --edge/--port-offset of yours", e.edge)
	}
	resp.Body.Close()
	return nil
}

// save writes a result and says where.
func save[T any](e *env, kind string, settings map[string]any, result T) (string, error) {
	path, err := record.Write(e.outDir, record.Meta{Kind: kind, Target: e.target, Commit: revision.Of(e.root), Time: e.now(), Settings: settings}, result)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(e.out, "results: %s\n", rel(e.root, path))
	return path, nil
}

func rel(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil {
		return r
	}
	return p
}

func (e *env) logf(f string, a ...any) { fmt.Fprintf(e.out, f+"\n", a...) }
