// Command lab runs the three-region lab and drives it from another terminal.
//
//	lab up [--timing lab|aws]   start everything, print the endpoints, run until Ctrl-C
//	lab down                    stop a lab started elsewhere and remove its data
//	lab status [--json]         writer, replication positions, lag, process health
//	lab switchover --to REGION  planned move of the writer (no loss)
//	lab failover --to REGION    unplanned: kill the writer, promote REGION
//	lab isolate|heal REGION     cut or restore every link of a region
//	lab rejoin REGION           rebuild a node a failover left down as a replica
//	lab stop|start reader|backend|queue REGION
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"hyundai-poc.com/lab"
	"hyundai-poc.com/lab/control"
	"hyundai-poc.com/lab/loopback"
	"hyundai-poc.com/lab/topology"
)

const usage = `usage: lab [--dir DIR] COMMAND
  up [--timing lab|aws] [--timing-file FILE] [--ttl 5s] [--monitor-interval 1s] [--rtt FILE] [--port-offset N --net N]
                                                        start the lab and run until Ctrl-C
  down                                                  stop the lab and remove its data
  status [--json]                                       who is writer, positions, lag, health
  switchover --to REGION                                planned writer move, no loss
  failover --to REGION                                  kill the writer, promote REGION
  isolate REGION | heal REGION                          cut or restore a region's links
  rejoin REGION                                         rebuild a node a failover left down
  stop reader|backend|queue REGION | start reader|backend|queue REGION`

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "lab:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("lab", flag.ContinueOnError)
	dir := fs.String("dir", lab.DefaultDir(), "the lab's directory (state, data, logs)")
	fs.Usage = func() { fmt.Fprintln(os.Stderr, usage) }
	if err := fs.Parse(args); err != nil {
		return err
	}
	args = fs.Args()
	if len(args) == 0 {
		fs.Usage()
		return errors.New("no command")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "up":
		return up(ctx, *dir, rest)
	case "down":
		return control.Down(ctx, *dir, func(f string, a ...any) { fmt.Printf(f+"\n", a...) })
	case "status":
		return status(ctx, *dir, rest)
	case "switchover", "failover":
		sf := flag.NewFlagSet(cmd, flag.ContinueOnError)
		to := sf.String("to", "", "region to promote")
		if err := sf.Parse(rest); err != nil {
			return err
		}
		if *to == "" || sf.NArg() != 0 {
			return fmt.Errorf("usage: lab %s --to REGION", cmd)
		}
		return op(ctx, *dir, "/v1/"+cmd, *to)
	case "isolate", "heal", "rejoin":
		if len(rest) != 1 {
			return fmt.Errorf("usage: lab %s REGION", cmd)
		}
		return op(ctx, *dir, "/v1/"+cmd, rest[0])
	case "stop", "start":
		if len(rest) != 2 || (rest[0] != "reader" && rest[0] != "backend" && rest[0] != "queue") {
			return fmt.Errorf("usage: lab %s reader|backend|queue REGION", cmd)
		}
		return op(ctx, *dir, "/v1/"+rest[0]+"/"+cmd, rest[1])
	default:
		fs.Usage()
		return fmt.Errorf("unknown command %q", cmd)
	}
}

func up(ctx context.Context, dir string, args []string) error {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	ttl := fs.Duration("ttl", 5*time.Second, "TTL of the DNS answers")
	monitor := fs.String("monitor-interval", "", "backends' MONITOR_INTERVAL (their default when empty)")
	rtt := fs.String("rtt", "", "RTT table (deploy/lab/rtt.json)")
	timingName := fs.String("timing", "", "timing profile: lab (moves at once, the default) or aws (AWS's documented switchover, failover and DNS times)")
	timingFile := fs.String("timing-file", "", "timing profiles (deploy/lab/timing.json)")
	backendBin := fs.String("backend-bin", "", "a prebuilt backend binary (built from the tree when empty)")
	portOffset := fs.Int("port-offset", 0, "added to every service port, to run beside another lab (e.g. -500)")
	netOctet := fs.Int("net", 10, "second octet of the database addresses (127.N.x.y)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	env := map[string]string{}
	if *monitor != "" {
		env["MONITOR_INTERVAL"] = *monitor
	}
	l, err := lab.Start(ctx, lab.Config{Dir: dir, Layout: loopback.Layout{Net: *netOctet, PortOffset: *portOffset}, DNSTTL: *ttl, RTTFile: *rtt,
		Timing: *timingName, TimingFile: *timingFile, BackendBin: *backendBin, BackendEnv: env, Progress: os.Stdout})
	if err != nil {
		return err
	}
	defer l.Close()
	fmt.Println()
	fmt.Print(l.Summary())
	fmt.Printf("\nready in %.1fs. Ctrl-C (or `make lab-down`) stops everything.\n", l.ReadyIn.Seconds())
	select {
	case <-ctx.Done():
		fmt.Println("\nlab: stopping...")
	case <-l.Done():
		fmt.Println("lab: stopped from the control socket")
	}
	l.Close()
	fmt.Println("lab: everything stopped, temporary data removed")
	return nil
}

func op(ctx context.Context, dir, path, region string) error {
	c, err := control.Dial(dir)
	if err != nil {
		return err
	}
	t := c.State.Timing
	if gap, move := map[string]time.Duration{"/v1/switchover": t.SwitchoverFence, "/v1/failover": t.FailoverNoWriter}[path]; move && (gap > 0 || t.DNSDelayMax > 0) {
		fmt.Printf("timing %s: no writable writer for at least %s, then each region's DNS follows within %s-%s; waiting...\n",
			t.Name, gap, t.DNSDelayMin, t.DNSDelayMax)
	}
	start := time.Now()
	var res topology.Result
	if err := c.Do(ctx, path, control.Request{Region: region}, &res); err != nil {
		if ctx.Err() != nil && (path == "/v1/switchover" || path == "/v1/failover") {
			return errors.New("interrupted: the lab finishes the move on its own; `lab status` shows where it is")
		}
		return err
	}
	var steps []string
	for _, s := range res.Steps {
		steps = append(steps, fmt.Sprintf("%s %s", s.Name, round(s.Took)))
	}
	fmt.Printf("%s: %s\n", res.Op, res.Message)
	if len(steps) > 0 {
		fmt.Printf("  steps: %s\n", strings.Join(steps, ", "))
	}
	if res.Timing != "" && (res.Unavailable > 0 || res.Held > 0) {
		fmt.Printf("  timing %s: no writable writer for at least %s (waited %s on top of the move's own work)\n",
			res.Timing, res.Unavailable, round(res.Held))
	}
	if len(res.DNS) > 0 {
		var dns []string
		for _, d := range res.DNS {
			dns = append(dns, fmt.Sprintf("%s +%s", d.Region, round(d.Delay)))
		}
		fmt.Printf("  each region's DNS followed the new writer: %s (clients may keep the old answer one TTL more)\n", strings.Join(dns, ", "))
	}
	fmt.Printf("  took %s (round trip %s)\n", round(res.Took), round(time.Since(start)))
	return nil
}

func round(d time.Duration) time.Duration {
	if d > time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(10 * time.Microsecond)
}

func status(ctx context.Context, dir string, args []string) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := control.Dial(dir)
	if err != nil {
		return err
	}
	var st control.Status
	if err := c.Do(ctx, "/v1/status", control.Request{}, &st); err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tROLE\tADDR\tPID\tREAD_ONLY\tGTID\tREPLICATING\tBEHIND\tREADER\tLINKS\tERROR")
	for _, n := range st.Nodes {
		behind := "-"
		if n.SecondsBehind != nil {
			behind = fmt.Sprintf("%ds", *n.SecondsBehind)
		}
		reader, links := "up", "up"
		if n.ReaderStopped {
			reader = "stopped"
		}
		if n.Isolated {
			links = "isolated"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%v\t%s\t%v\t%s\t%s\t%s\t%s\n", n.Region, n.Role, n.Addr, n.Pid, n.ReadOnly, n.GTID,
			n.Replicating, behind, reader, links, n.LastError)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "REGION\tBACKEND PID\tBACKEND\tFRONTEND\tEDGE PATH\tWRITER NAME ->\tLAG (ms)\tREADS FROM\tWRITER SEEN\tQUEUE\tDEPTH\tOLDEST")
	for _, r := range st.Regions {
		lag := "-"
		if r.LagMs != nil {
			lag = fmt.Sprintf("%.0f", *r.LagMs)
		}
		edge := "up"
		if r.EdgeCut {
			edge = "cut"
		}
		// The server's own state first; then what the backend sees of it.
		queue, depth, oldest := "running", "-", "-"
		if r.Queue.Pid == 0 {
			queue = "STOPPED"
		} else if r.Queue.Seen {
			queue = "UNREACHABLE"
			if r.Queue.Up {
				queue, depth, oldest = "up", fmt.Sprint(r.Queue.Depth), "0s"
				if r.Queue.Depth > 0 {
					oldest = round(time.Duration(r.Queue.OldestMs) * time.Millisecond).String()
				}
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Region, r.BackendPid, okWord(r.BackendReady), okWord(r.FrontendReady),
			edge, dash(r.WriterDNS), lag, dash(r.ReadSource), dash(r.WriterSeen), queue, depth, oldest)
	}
	tw.Flush()
	fmt.Printf("\nwriter: %s   edge: %s   DNS TTL: %dms\n", st.Writer, st.Settings.Edge, st.Settings.DNSTTLms)
	t := st.Settings.Timing
	fmt.Printf("timing: %s (switchover fence %s, failover without writer %s, DNS follows %s-%s after, per region)\n",
		dash(t.Name), t.SwitchoverFence, t.FailoverNoWriter, t.DNSDelayMin, t.DNSDelayMax)
	return nil
}

func okWord(b bool) string {
	if b {
		return "ready"
	}
	return "DOWN"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
