package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"hyundai-poc.com/evidence/globaldb"
	"hyundai-poc.com/evidence/operatortoken"
	"hyundai-poc.com/evidence/picture"
	"hyundai-poc.com/evidence/record"
	"hyundai-poc.com/evidence/results"
	"hyundai-poc.com/evidence/sitetraffic"
	"hyundai-poc.com/loadtest/traffic"
)

func runDrill(ctx context.Context, e *env, args []string) error {
	fs := e.flags(`
Switchover or failover under traffic. Lab: runs bin/drill (make lab-tools
builds it) with the scenario, against the running lab or one it starts, and
draws its timeline. AWS: sends a read and a write every --every to each
region's site, then SwitchoverGlobalCluster (planned, RPO 0) or
FailoverGlobalCluster with AllowDataLoss (unplanned), polls
DescribeGlobalClusters until --to is the writer, keeps the traffic for --after,
and replays every acknowledged write's Idempotency-Key to find lost ones.
Reports acknowledged, lost, failed, RTO per region and how long the operation
took. On AWS it refuses to run without --yes and --global-cluster naming the
deployment's global cluster: it moves a real database's writer. Its writes
carry the operators' token, HEALTH_CHECK_TOKEN when set, else read from the
database secret (Terraform output database_secret_arns) as make deploy does.
Writes drill-<time>.json (AWS) or drill-<scenario>-<time>.json (lab) and an
SVG timeline beside it. Lab: arguments after -- go to bin/drill unchanged.`)
	scenario := fs.String("scenario", "switchover", "switchover or failover (the lab also knows reader-outage, region-outage)")
	to := fs.String("to", "", "region that becomes the writer (aws: required)")
	yes := fs.Bool("yes", false, "aws: really move the writer")
	global := fs.String("global-cluster", "", "aws: the global cluster's name, as terraform output global_cluster_identifier says")
	before := fs.Duration("before", 30*time.Second, "aws: traffic before the operation")
	after := fs.Duration("after", 60*time.Second, "aws: traffic after the writer moved")
	every := fs.Duration("every", 500*time.Millisecond, "aws: a read and a write per region this often")
	stall := fs.Duration("stall-after", 2*time.Second, "a write slower than this counts toward RTO")
	timeout := fs.Duration("timeout", 20*time.Minute, "aws: give up waiting for the writer to move")
	poll := fs.Duration("poll", 5*time.Second, "aws: DescribeGlobalClusters interval")
	netOctet := fs.Int("net", 10, "lab: database address octet when bin/drill starts its own lab")
	timingName := fs.String("timing", "", "lab: timing profile, lab or aws (deploy/lab/timing.json); a running lab must follow it (empty: the running lab's, or lab)")
	// Arguments after "--" go to bin/drill as they are (--timing aws, --ttl ...).
	var passThrough []string
	for i, a := range args {
		if a == "--" {
			args, passThrough = args[:i], args[i+1:]
			break
		}
	}
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if e.target == "lab" {
		if *timingName != "" {
			passThrough = append([]string{"--timing", *timingName}, passThrough...)
		}
		return labDrill(ctx, e, *scenario, *to, *netOctet, passThrough)
	}
	if len(passThrough) > 0 {
		return fmt.Errorf("arguments after -- are for the lab's bin/drill, not for --target aws")
	}
	if *timingName != "" {
		return fmt.Errorf("--timing is the lab's: AWS moves at its own speed")
	}
	mode := *scenario
	if mode != globaldb.Switchover && mode != globaldb.Failover {
		return fmt.Errorf("on AWS --scenario is switchover or failover, not %q", mode)
	}
	if !*yes || *global == "" {
		return errors.New("refusing: this moves the writer of a real database. Run again with --yes and --global-cluster NAME (terraform output global_cluster_identifier)")
	}
	if *to == "" {
		return errors.New("--to REGION is required on AWS")
	}
	clients, o, err := e.aws(ctx)
	if err != nil {
		return err
	}
	if *global != o.GlobalClusterIdentifier {
		return fmt.Errorf("refusing: --global-cluster %q is not this deployment's global cluster (%q)", *global, o.GlobalClusterIdentifier)
	}
	if _, ok := o.Regions[*to]; !ok {
		return fmt.Errorf("--to %s is not a region of the deployment (%s)", *to, strings.Join(o.RegionNames(), ", "))
	}
	urls := map[string]string{}
	for r, reg := range o.Regions {
		urls[r] = reg.URL
	}
	// Health-check writes are for operators: without the token every write
	// would be 403 and the drill would measure nothing.
	token := os.Getenv("HEALTH_CHECK_TOKEN")
	if token == "" {
		regions := append([]string{*to}, slices.DeleteFunc(o.RegionNames(), func(r string) bool { return r == *to })...)
		if token, err = operatortoken.Read(ctx, clients, o.DatabaseSecretARNs, regions); err != nil {
			return fmt.Errorf("the operators' token for health-check writes (set HEALTH_CHECK_TOKEN, or allow secretsmanager:GetSecretValue on the database secret): %w", err)
		}
	}
	topts := sitetraffic.Options{URLs: urls, ReadEvery: *every, WriteEvery: *every, KeyPrefix: "drill-" + strconv.FormatInt(e.now().Unix(), 36),
		OperatorToken: token}
	res := results.Drill{StartedAt: e.now()}
	tctx, stopTraffic := context.WithCancel(ctx)
	done := make(chan []traffic.Sample, 1)
	go func() { done <- sitetraffic.Run(tctx, topts) }()
	e.logf("drill: traffic to %d regions every %s; %s to %s in %s", len(urls), *every, mode, *to, *before)
	var moveErr error
	if err := sleepCtx(ctx, *before); err == nil {
		// The RDS call goes to the target's region: during a failover the
		// old primary's region may be the one that is down.
		res.Operation, moveErr = globaldb.Move(ctx, clients.RDS(*to), globaldb.Options{GlobalCluster: *global, Mode: mode, To: *to, Poll: *poll, Timeout: *timeout, Progress: e.out})
		if moveErr == nil {
			e.logf("drill: writer moved; traffic for %s more", *after)
			_ = sleepCtx(ctx, *after)
		}
	}
	stopTraffic()
	samples := <-done
	res.Regions = sitetraffic.Summarize(samples, *stall)
	res.Timeline = traffic.PerSecond(samples, res.StartedAt)
	e.logf("drill: replaying acknowledged writes to check each is stored")
	res.Verification = sitetraffic.Verify(context.WithoutCancel(ctx), topts, samples)
	for _, r := range sortedKeys(res.Regions) {
		v := res.Regions[r]
		e.logf("  %-15s writes %d (failed %d), reads %d (failed %d), write RTO %d ms", r, v.Writes, v.WritesFailed, v.Reads, v.ReadsFailed, v.RTOms)
	}
	e.logf("  acknowledged %d, present %d, lost %d, unverified %d", res.Verification.Acked, res.Verification.Present, res.Verification.Lost, res.Verification.Unknown)
	path, err := save(e, "drill", map[string]any{"mode": mode, "to": *to, "global_cluster": *global, "before": before.String(), "after": after.String(), "every": every.String(), "stall_after": stall.String()}, res)
	if err != nil {
		return err
	}
	if err := writeAWSDrillPicture(path, res); err != nil {
		return err
	}
	return moveErr
}

func sortedKeys[V any](m map[string]V) []string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	sort.Strings(k)
	return k
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func writeAWSDrillPicture(path string, res results.Drill) error {
	var marks []picture.Mark
	if op := res.Operation; op != nil {
		at := op.RequestedAt.Sub(res.StartedAt).Seconds()
		marks = append(marks, picture.Mark{T: at, Label: op.Mode + " requested", Colour: "#444"})
		if op.WriterMovedMs > 0 {
			marks = append(marks, picture.Mark{T: at + float64(op.WriterMovedMs)/1000, Label: "writer in " + op.To, Colour: "#9467bd"})
		}
		if op.CompletedMs > 0 {
			marks = append(marks, picture.Mark{T: at + float64(op.CompletedMs)/1000, Label: "operation complete", Colour: "#8c564b"})
		}
	}
	svg := strings.TrimSuffix(path, ".json") + ".svg"
	return os.WriteFile(svg, []byte(picture.Timeline("AWS drill: requests per second by region", res.Timeline, marks)), 0o644)
}

func labDrill(ctx context.Context, e *env, scenario, to string, netOctet int, extra []string) error {
	bin := filepath.Join(e.root, "bin", "drill")
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%s is missing: build it with `make lab-tools`", rel(e.root, bin))
	}
	args := []string{"--scenario", scenario, "--out", e.outDir, "--port-offset", strconv.Itoa(e.portOffset), "--net", strconv.Itoa(netOctet)}
	if to != "" {
		args = append(args, "--to", to)
	}
	if e.labDir != "" {
		args = append(args, "--dir", e.labDir)
	}
	args = append(args, extra...)
	startedAt := e.now()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr, cmd.Dir = e.out, e.errw, e.root
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("bin/drill: %w", err)
	}
	// Under the aws timing the file is drill-<scenario>-aws-<time>.json:
	// the newer of the two kinds is this run's.
	path, err := record.Newest(e.outDir, "drill-"+scenario)
	if aws, aerr := record.Newest(e.outDir, "drill-"+scenario+"-aws"); aerr == nil && (err != nil || newerFile(aws, path)) {
		path, err = aws, nil
	}
	if err != nil {
		return err
	}
	if fi, err := os.Stat(path); err != nil || fi.ModTime().Before(startedAt.Add(-time.Second)) {
		return fmt.Errorf("bin/drill wrote no new result in %s", rel(e.root, e.outDir))
	}
	svg, err := labDrillPicture(path)
	if err != nil {
		return err
	}
	e.logf("picture: %s", rel(e.root, svg))
	return nil
}

// newerFile says whether a was written after b.
func newerFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && (errB != nil || fa.ModTime().After(fb.ModTime()))
}

// labDrillPicture draws the timeline of a lab drill's result file.
func labDrillPicture(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var r results.LabDrill
	if err := json.Unmarshal(b, &r); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if len(r.Timeline) == 0 {
		return "", fmt.Errorf("%s has no timeline (a drill from before timelines were recorded)", path)
	}
	since := func(t time.Time) float64 { return t.Sub(r.StartedAt).Seconds() }
	marks := []picture.Mark{{T: since(r.TriggeredAt), Label: r.Scenario + " starts", Colour: "#444"}}
	for _, op := range r.Operations {
		if !op.DNSChangedAt.IsZero() {
			marks = append(marks, picture.Mark{T: since(op.DNSChangedAt), Label: "writer changed, DNS updated", Colour: "#9467bd"})
		}
		if !op.DNSVisibleBy.IsZero() {
			marks = append(marks, picture.Mark{T: since(op.DNSVisibleBy), Label: "DNS visible everywhere", Colour: "#ff7f0e"})
		}
	}
	if !r.EventEndedAt.IsZero() && r.EventEndedAt.Sub(r.TriggeredAt) > time.Second {
		marks = append(marks, picture.Mark{T: since(r.EventEndedAt), Label: r.Scenario + " over", Colour: "#444"})
	}
	if !r.RecoveredAt.IsZero() {
		marks = append(marks, picture.Mark{T: since(r.RecoveredAt), Label: "recovered", Colour: "#17becf"})
	}
	svg := strings.TrimSuffix(path, ".json") + ".svg"
	timing := ""
	if r.Timing != "" {
		timing = ", " + r.Timing + " timing"
	}
	title := fmt.Sprintf("Lab drill %s%s (%s UTC): requests per second by region", r.Scenario, timing, r.StartedAt.UTC().Format("2006-01-02 15:04"))
	return svg, os.WriteFile(svg, []byte(picture.Timeline(title, r.Timeline, marks)), 0o644)
}
