// Command drill runs a failure scenario under steady traffic in every
// region, against a running lab or one it starts, and reports what users
// saw and whether any acknowledged write was lost.
//
//	drill [--scenario switchover|failover|reader-outage|region-outage] [--to REGION]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"hyundai-poc.com/lab"
	"hyundai-poc.com/lab/drill"
	"hyundai-poc.com/loadtest/revision"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "drill:", err)
		os.Exit(1)
	}
}

func run() error {
	o := drill.Options{Progress: os.Stdout}
	var lf lab.ToolFlags
	lf.Register(flag.CommandLine)
	flag.StringVar(&o.Scenario, "scenario", "switchover", strings.Join(drill.Scenarios, "|"))
	flag.StringVar(&o.Target, "to", "", "region to promote or take out (picked when empty)")
	flag.DurationVar(&o.Warmup, "warmup", 3*time.Second, "traffic before the measured part, to fill connection pools (-1s for none)")
	flag.DurationVar(&o.Before, "before", 5*time.Second, "steady traffic before the trigger")
	flag.DurationVar(&o.After, "after", 5*time.Second, "steady traffic after recovery")
	flag.DurationVar(&o.Outage, "outage", 0, "length of a reader or region outage (0: 5 s, or the timing profile's failover gap when longer)")
	flag.IntVar(&o.Writers, "writers", 4, "people posting leads in each region, each waiting for the answer")
	flag.IntVar(&o.Readers, "readers", 2, "people reading the catalogue and their leads in each region")
	flag.DurationVar(&o.Pause, "pause", 100*time.Millisecond, "each person's pause between an answer and the next request")
	flag.DurationVar(&o.DrainTimeout, "drain-timeout", time.Minute, "after recovery, how long to wait for every queued lead to be stored")
	flag.DurationVar(&o.StallAfter, "stall-after", 2*time.Second, "a write slower than this counts toward RTO")
	ttl := flag.Duration("ttl", 5*time.Second, "DNS TTL when the drill starts its own lab")
	monitor := flag.String("monitor-interval", "", "backends' MONITOR_INTERVAL when the drill starts its own lab")
	flag.Parse()
	if flag.NArg() != 0 {
		return fmt.Errorf("unexpected argument %q", flag.Arg(0))
	}
	if err := drill.CheckScenario(o.Scenario); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := map[string]string{}
	if *monitor != "" {
		env["MONITOR_INTERVAL"] = *monitor
	}
	root, c, stopLab, err := lf.Open(ctx, lab.Config{DNSTTL: *ttl, BackendEnv: env, Progress: os.Stdout})
	if err != nil {
		return err
	}
	defer stopLab()
	o.Commit = revision.Of(root)
	rep, err := drill.Run(ctx, c, o)
	if rep != nil {
		rep.Print(os.Stdout)
		if path, serr := rep.Save(lf.Out); serr == nil {
			fmt.Println("results:", path)
		} else {
			fmt.Fprintln(os.Stderr, "drill: save results:", serr)
		}
	}
	if err != nil {
		return err
	}
	if rep.Scenario == "failover" {
		fmt.Printf("note: %s's node stays down; `bin/lab rejoin %s` rebuilds it as a replica\n", rep.WriterBefore, rep.WriterBefore)
	}
	if !rep.Recovered {
		return errors.New("writes did not recover in every region")
	}
	if !rep.Drained {
		return errors.New("queued leads were not all stored")
	}
	return nil
}
