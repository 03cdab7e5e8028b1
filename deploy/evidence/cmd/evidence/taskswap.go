package main

import (
	"context"
	"errors"
	"fmt"
	"hyundai-poc.com/evidence/results"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"hyundai-poc.com/evidence/sitetraffic"
	"hyundai-poc.com/evidence/taskswap"
	"hyundai-poc.com/loadtest/traffic"
)

func runTaskReplacement(ctx context.Context, e *env, args []string) error {
	fs := e.flags(`
Task replacement. AWS: ecs StopTask on one running task of the region's
backend service, then the time until the service runs its desired count again
with a new task and the target group has that many healthy targets, while
reads go to the region's site every --every; counts the requests that failed.
Lab: stops the region's backend (bin/lab stop backend), starts it again after
--down (the lab has no scheduler; --down stands in for ECS noticing and
placing a new task), and times it back to ready, with the same traffic
through the edge. Writes task-replacement-<time>.json.`)
	region := fs.String("region", "ap-northeast-2", "region whose backend task is replaced")
	service := fs.String("service", "backend", "aws: service suffix (backend or frontend)")
	every := fs.Duration("every", 200*time.Millisecond, "a read this often")
	down := fs.Duration("down", 5*time.Second, "lab: how long the backend stays stopped")
	yes := fs.Bool("yes", false, "aws: really stop a task")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	res := results.TaskReplacement{Region: *region}
	settings := map[string]any{"region": *region, "every": every.String()}
	var topts sitetraffic.Options
	var replace func(context.Context) error
	if e.target == "lab" {
		if err := e.needLab(ctx); err != nil {
			return err
		}
		lab := filepath.Join(e.root, "bin", "lab")
		if _, err := os.Stat(lab); err != nil {
			return fmt.Errorf("bin/lab is missing: build it with `make lab-tools`")
		}
		topts = sitetraffic.Options{URLs: map[string]string{*region: e.edge + "/_region/" + *region}, ReadEvery: *every}
		settings["down"] = down.String()
		replace = func(ctx context.Context) error {
			labArgs := func(a ...string) []string {
				if e.labDir != "" {
					return append([]string{"--dir", e.labDir}, a...)
				}
				return a
			}
			start := time.Now()
			if out, err := exec.CommandContext(ctx, lab, labArgs("stop", "backend", *region)...).CombinedOutput(); err != nil {
				return fmt.Errorf("bin/lab stop backend: %v: %s", err, out)
			}
			_ = sleepCtx(ctx, *down)
			if out, err := exec.CommandContext(ctx, lab, labArgs("start", "backend", *region)...).CombinedOutput(); err != nil {
				return fmt.Errorf("bin/lab start backend: %v: %s", err, out)
			}
			res.LabDownMs = time.Since(start).Milliseconds()
			ready := labBackend(*region, e.portOffset) + "/readyz"
			for ctx.Err() == nil {
				if r, err := http.Get(ready); err == nil {
					r.Body.Close()
					if r.StatusCode == http.StatusOK {
						res.LabReadyMs = time.Since(start).Milliseconds()
						e.logf("  backend in %s stopped, started after %s, ready %.1f s after the stop", *region, *down, float64(res.LabReadyMs)/1000)
						return nil
					}
				}
				_ = sleepCtx(ctx, 100*time.Millisecond)
			}
			return ctx.Err()
		}
	} else {
		if !*yes {
			return errors.New("refusing: this stops a running task of the deployment. Run again with --yes")
		}
		clients, o, err := e.aws(ctx)
		if err != nil {
			return err
		}
		reg, ok := o.Regions[*region]
		if !ok {
			return fmt.Errorf("%s is not a region of the deployment", *region)
		}
		svc, err := reg.Service(*service)
		if err != nil {
			return err
		}
		topts = sitetraffic.Options{URLs: map[string]string{*region: reg.URL}, ReadEvery: *every}
		settings["cluster"], settings["service"] = reg.ClusterName, svc
		replace = func(ctx context.Context) error {
			r, err := taskswap.Replace(ctx, clients.ECS(*region), clients.ELB(*region), taskswap.Options{Cluster: reg.ClusterName, Service: svc, Progress: e.out})
			res.Replacement = r
			return err
		}
	}
	tctx, stop := context.WithCancel(ctx)
	done := make(chan []traffic.Sample, 1)
	go func() { done <- sitetraffic.Run(tctx, topts) }()
	_ = sleepCtx(ctx, 2*time.Second)
	err := replace(ctx)
	_ = sleepCtx(ctx, 3*time.Second)
	stop()
	samples := <-done
	res.Traffic = sitetraffic.Summarize(samples, 2*time.Second)
	for _, s := range samples {
		res.Requests++
		if !s.OK() {
			res.FailedReqs++
		}
		if s.OK() && s.Served != "" && s.Served != *region {
			res.ServedElsewhere++
		}
	}
	e.logf("task replacement in %s: %d of %d requests failed meanwhile, %d answered by another region", *region, res.FailedReqs, res.Requests, res.ServedElsewhere)
	if _, serr := save(e, "task-replacement", settings, res); serr != nil {
		return serr
	}
	return err
}
