package main

import (
	"context"
	"sync"

	"hyundai-poc.com/evidence/awsapi"
	"hyundai-poc.com/evidence/probe"
	"hyundai-poc.com/evidence/tfout"
	"hyundai-poc.com/loadtest/timing"
)

// probeEveryRegion runs the backend image's probe subcommand with args as
// a one-off task in every region at once, so a measurement "from Seoul" is
// taken in Seoul. use gets each region's report, one call at a time; the
// regions whose probe could not run are returned with the reason.
func (e *env) probeEveryRegion(ctx context.Context, clients awsapi.Clients, o *tfout.Outputs, args []string, use func(region string, rep *timing.Report)) map[string]string {
	failed := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, r := range o.RegionNames() {
		reg := o.Regions[r]
		svc, err := reg.Service("backend")
		if err != nil {
			failed[r] = err.Error()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, err := probe.Run(ctx, clients.ECS(r), clients.Logs(r), probe.Options{Region: r, Cluster: reg.ClusterName, Service: svc, Args: args, Progress: e.out})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed[r] = err.Error()
				e.logf("  %s: probe failed: %v", r, err)
				return
			}
			use(r, rep)
		}()
	}
	wg.Wait()
	return failed
}
