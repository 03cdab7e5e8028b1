// Command compare runs the drill's traffic against three data paths at
// once, in one lab, through the same events (a switchover, then a
// failover), and checks every acknowledged write of each on the writer:
//
//	ours   the backend as it is (the lab's own backends)
//	naive  loadtest/peers/naive: one default database/sql pool to the
//	       writer name, no writability check, one blind retry
//	proxy  our backend with its writer address pointed at HAProxy (Debian's
//	       package) in front of the writer candidates, primary and backups
//	       with a MySQL check
//
// It prints a side-by-side table and writes test-results/lab/compare-*.json
// with ours/peer ratios. It always starts its own lab (a failover leaves a
// node down) and stops everything it started, also on Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"hyundai-poc.com/loadtest/revision"
	"hyundai-poc.com/reporoot"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"hyundai-poc.com/lab"
	"hyundai-poc.com/lab/control"
	"hyundai-poc.com/lab/edge"
	"hyundai-poc.com/lab/loopback"
	"hyundai-poc.com/lab/topology"
	"hyundai-poc.com/loadtest/compare"
	"hyundai-poc.com/loadtest/traffic"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

type options struct {
	dir, out                      string
	netOctet, portOffset          int
	warmup, before, settle, after time.Duration
	recovery, stall               time.Duration
	readEvery, writeEvery         time.Duration
}

func parse(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.StringVar(&o.dir, "dir", filepath.Join(os.TempDir(), "hyundai-poc-compare"), "directory of the lab it starts")
	fs.IntVar(&o.netOctet, "net", 40, "database address octet of its lab (127.N.x.y); the default keeps clear of `make lab`")
	fs.IntVar(&o.portOffset, "port-offset", 500, "service port offset of its lab; the default keeps clear of `make lab`")
	fs.StringVar(&o.out, "out", "", "results directory (test-results/lab of the repository)")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "traffic before the measured part, to fill connection pools")
	fs.DurationVar(&o.before, "before", 5*time.Second, "steady traffic before the first event")
	fs.DurationVar(&o.settle, "settle", 5*time.Second, "steady traffic after every path recovered from an event, before the next")
	fs.DurationVar(&o.after, "after", 5*time.Second, "steady traffic after the last event")
	fs.DurationVar(&o.recovery, "recovery-timeout", 20*time.Second, "stop waiting for a path to recover after this (its RTO then runs to the end of the event)")
	fs.DurationVar(&o.stall, "stall-after", 2*time.Second, "a write slower than this counts toward RTO, as in the drill")
	fs.DurationVar(&o.readEvery, "read-every", 100*time.Millisecond, "one read per region and path this often")
	fs.DurationVar(&o.writeEvery, "write-every", 100*time.Millisecond, "one write per region and path this often")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() != 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, d := range []time.Duration{o.before, o.settle, o.after, o.recovery, o.stall, o.readEvery, o.writeEvery} {
		if d <= 0 {
			return o, errors.New("durations must be positive")
		}
	}
	return o, nil
}

// path is one data path under test.
type path struct {
	name, description string
	addr              map[string]string // region -> host:port of its API
	edge              string            // base URL of its own edge
}

func run() error {
	o, err := parse(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if _, err := exec.LookPath("haproxy"); err != nil {
		return errors.New("haproxy not found: run scripts/install-deps.sh haproxy (as root)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root, err := reporoot.Here()
	if err != nil {
		return err
	}
	if o.out == "" {
		o.out = filepath.Join(root, "test-results", "lab")
	}
	work, err := os.MkdirTemp("", "hyundai-poc-compare-work-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	logf := func(format string, a ...any) {
		fmt.Printf("compare [%s] %s\n", time.Now().UTC().Format("15:04:05.0"), fmt.Sprintf(format, a...))
	}

	logf("building the backend and the naive peer")
	bins := map[string]string{}
	for name, pkg := range map[string]string{"backend": "hyundai-poc.com/backend/cmd/backend", "naive": "hyundai-poc.com/loadtest/peers/naive"} {
		bins[name] = filepath.Join(work, name)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bins[name], pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	}

	l, err := lab.Start(ctx, lab.Config{Dir: o.dir, RepoRoot: root, Layout: loopback.Layout{Net: o.netOctet, PortOffset: o.portOffset},
		BackendBin: bins["backend"], Progress: os.Stdout})
	if err != nil {
		return err
	}
	defer l.Close()
	c, err := control.Dial(o.dir)
	if err != nil {
		return err
	}
	lay := l.Layout
	regions := lay.Regions

	var procs []*proc
	defer func() {
		var wg sync.WaitGroup
		for _, p := range procs {
			wg.Add(1)
			go func() { defer wg.Done(); p.stop() }()
		}
		wg.Wait()
	}()

	// The proxy's MySQL check logs in as a passwordless user with no
	// privileges; created on the writer, replication copies it.
	writer := l.Database().Writer()
	if err := l.Database().Node(writer).Exec(ctx, fmt.Sprintf("CREATE USER IF NOT EXISTS '%s'@'%%'", compare.HAProxyCheckUser)); err != nil {
		return fmt.Errorf("haproxy check user: %w", err)
	}
	if err := l.Database().WaitReplicated(ctx, 30*time.Second); err != nil {
		return err
	}

	ours := path{name: "ours", description: "the backend as it is", addr: map[string]string{}}
	naive := path{name: "naive", description: "one database/sql pool to the writer name with default settings, no writability check, one blind retry on error (loadtest/peers/naive)", addr: map[string]string{}}
	proxy := path{name: "proxy", description: "our backend with DB_WRITER_HOST pointed at HAProxy in its region: the writer candidates as primary and backups, MySQL check every second", addr: map[string]string{}}
	var haproxyCfg string
	for i, r := range regions {
		ours.addr[r] = lay.BackendAddr(r)
		env, err := procEnv(c, "backend-"+r)
		if err != nil {
			return err
		}
		// The peers listen on ports the kernel picks: fixed ones next to the
		// lab's could be another lab's, started with another offset.
		naivePort, err := freePort()
		if err != nil {
			return err
		}
		proxyPort, err := freePort()
		if err != nil {
			return err
		}

		naive.addr[r] = net.JoinHostPort(lay.Host, strconv.Itoa(naivePort))
		np, err := startProc(ctx, "naive-"+r, bins["naive"], nil, withEnv(env, map[string]string{"PORT": strconv.Itoa(naivePort)}), filepath.Join(work, "naive-"+r+".log"))
		if err != nil {
			return err
		}
		procs = append(procs, np)

		// HAProxy in each region reaches every candidate through that
		// region's links, as the backend does, so cross-region delays hold.
		bind := fmt.Sprintf("127.%d.%d.100:3306", lay.Net, i+1)
		var primary compare.HAProxyServer
		var backups []compare.HAProxyServer
		for _, x := range regions {
			s := compare.HAProxyServer{Name: x, Addr: lay.LinkAddr(r, x)}
			if x == writer {
				primary = s
			} else {
				backups = append(backups, s)
			}
		}
		cfg := compare.HAProxyConfig(bind, primary, backups)
		if i == 0 {
			haproxyCfg = cfg
		}
		cfgPath := filepath.Join(work, "haproxy-"+r+".cfg")
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
			return err
		}
		hp, err := startProc(ctx, "haproxy-"+r, "haproxy", []string{"-db", "-f", cfgPath}, nil, filepath.Join(work, "haproxy-"+r+".log"))
		if err != nil {
			return err
		}
		procs = append(procs, hp)
		if err := waitTCP(ctx, bind, 10*time.Second); err != nil {
			return fmt.Errorf("haproxy %s: %w", r, err)
		}
		proxy.addr[r] = net.JoinHostPort(lay.Host, strconv.Itoa(proxyPort))
		pp, err := startProc(ctx, "proxy-backend-"+r, bins["backend"], nil,
			withEnv(env, map[string]string{"PORT": strconv.Itoa(proxyPort), "DB_WRITER_HOST": bind}), filepath.Join(work, "proxy-backend-"+r+".log"))
		if err != nil {
			return err
		}
		procs = append(procs, pp)
	}
	for _, pth := range []path{naive, proxy} {
		for _, r := range regions {
			if err := waitReady(ctx, "http://"+pth.addr[r]+"/readyz", 30*time.Second); err != nil {
				return fmt.Errorf("%s in %s: %w (log: %s)", pth.name, r, err, tailOf(procs, pth.name, r))
			}
		}
	}
	paths := []path{ours, naive, proxy}
	// Each path gets an edge of its own, built like the lab's (geolocation,
	// client-to-region delay, CloudFront's behaviors from
	// deploy/geo/edge.json) with that path's APIs as origins, so every path
	// is reached the way visitors reach ours.
	def, err := edge.LoadDefinition(filepath.Join(root, "deploy", "geo", "edge.json"))
	if err != nil {
		return err
	}
	for i := range paths {
		origins := map[string]string{}
		for _, r := range regions {
			origins[r] = "http://" + paths[i].addr[r]
		}
		e, err := edge.New(edge.Config{Geo: l.Geo, Origins: origins, Definition: def, ClientRTT: l.Table.RTT,
			ConnectTimeout: 2 * time.Second, ResponseTimeout: 10 * time.Second})
		if err != nil {
			return err
		}
		defer e.Close()
		ln, err := net.Listen("tcp", net.JoinHostPort(lay.Host, "0"))
		if err != nil {
			return fmt.Errorf("edge of %s: %w", paths[i].name, err)
		}
		srv := &http.Server{Handler: e, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		paths[i].edge = "http://" + ln.Addr().String()
	}
	logf("three data paths ready in %s: ours, naive, proxy, each behind its own edge", strings.Join(regions, ", "))

	rep, err := drive(ctx, o, c, paths, regions, l.OperatorToken(), logf)
	if err != nil {
		return err
	}
	rep.Commit = revision.Of(root)
	rep.HAProxyConfig = haproxyCfg
	rep.LabSettings = l.Settings()
	fmt.Println()
	compare.Print(os.Stdout, rep.Paths, rep.Ratios)
	file, err := rep.Save(o.out)
	if err != nil {
		return err
	}
	fmt.Println("results:", file)
	return nil
}

// drive plays the traffic and the events and measures every path.
// Health-check writes are the operators' (the drill's traffic), so they
// carry the operators' token, as the drill's do.
func drive(ctx context.Context, o options, c *control.Client, paths []path, regions []string, operatorToken string, logf func(string, ...any)) (*compare.Report, error) {
	home := map[string]string{"us-east-1": "US-VA", "us-west-2": "US-OR", "ap-northeast-2": "KR"}
	stamp := time.Now().UnixNano()
	cfgFor := func(p path, suffix string) traffic.Config {
		var clients []traffic.Client
		for _, r := range regions {
			clients = append(clients, traffic.Client{Region: r, Location: home[r]})
		}
		// A client waits as long as the edge waits for an origin (10 s).
		return traffic.Config{Edge: p.edge, Clients: clients, ReadEvery: o.readEvery, WriteEvery: o.writeEvery,
			ReadPath: "/api/vehicles", WritePath: "/api/health-checks", Timeout: 10 * time.Second,
			KeyPrefix: fmt.Sprintf("compare-%s-%d%s", p.name, stamp, suffix),
			Headers:   map[string]string{"Authorization": "Bearer " + operatorToken}}
	}
	warm := make([]traffic.Recorder, len(paths))
	if o.warmup > 0 {
		logf("warming up for %s", o.warmup)
		wctx, cancel := context.WithTimeout(ctx, o.warmup)
		var wg sync.WaitGroup
		for i, p := range paths {
			wg.Add(1)
			go func() { defer wg.Done(); traffic.Run(wctx, cfgFor(p, "-warmup"), &warm[i]) }()
		}
		wg.Wait()
		cancel()
	}
	recs := make([]traffic.Recorder, len(paths))
	tctx, stopTraffic := context.WithCancel(context.Background())
	defer stopTraffic()
	var wg sync.WaitGroup
	for i, p := range paths {
		wg.Add(1)
		go func() { defer wg.Done(); traffic.Run(tctx, cfgFor(p, ""), &recs[i]) }()
	}
	rep := &compare.Report{Tool: "compare", Where: "lab", StartedAt: time.Now(), Options: map[string]string{
		"warmup": o.warmup.String(), "before": o.before.String(), "settle": o.settle.String(), "after": o.after.String(),
		"recovery_timeout": o.recovery.String(), "stall_after": o.stall.String(), "read_every": o.readEvery.String(), "write_every": o.writeEvery.String()}}
	for _, p := range paths {
		rep.Descriptions = append(rep.Descriptions, compare.Description{Path: p.name, Description: p.description})
	}
	logf("steady traffic on every path in every region (a read and a write every %s each) for %s", o.writeEvery, o.before)
	if err := sleep(ctx, o.before); err != nil {
		return nil, err
	}
	var events []compare.Event
	for i, name := range []string{"switchover", "failover"} {
		var st control.Status
		if err := c.Do(ctx, "/v1/status", control.Request{}, &st); err != nil {
			return nil, err
		}
		// The region `make drill` would pick: the first that is not the writer.
		target := ""
		for _, r := range st.Settings.Regions {
			if r != st.Writer {
				target = r
				break
			}
		}
		ev := compare.Event{Name: name, Target: target, WriterFrom: st.Writer, TriggeredAt: time.Now()}
		var res topology.Result
		if err := c.Do(ctx, "/v1/"+name, control.Request{Region: target}, &res); err != nil {
			return nil, fmt.Errorf("%s to %s: %w", name, target, err)
		}
		ev.Message = res.Message
		logf("%s %s -> %s: %s", name, st.Writer, target, res.Message)
		deadline := ev.TriggeredAt.Add(o.recovery)
		for {
			waiting := []string{}
			for pi, p := range paths {
				samples := recs[pi].Samples()
				for _, r := range regions {
					if !compare.Streak(samples, r, ev.TriggeredAt, time.Now(), 3) {
						waiting = append(waiting, p.name+"/"+r)
					}
				}
			}
			if len(waiting) == 0 {
				logf("every path writes again in every region, %.1fs after the %s", time.Since(ev.TriggeredAt).Seconds(), name)
				break
			}
			if time.Now().After(deadline) {
				logf("gave up waiting after %s; still failing: %s", o.recovery, strings.Join(waiting, ", "))
				break
			}
			if err := sleep(ctx, 200*time.Millisecond); err != nil {
				return nil, err
			}
		}
		ev.SettledAt = time.Now()
		rest := o.settle
		if i == 1 {
			rest = o.after
		}
		if err := sleep(ctx, rest); err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	stopTraffic()
	wg.Wait()
	rep.EndedAt = time.Now()
	for i := range events {
		if i+1 < len(events) {
			events[i].End = events[i+1].TriggeredAt
		} else {
			events[i].End = rep.EndedAt
		}
	}
	rep.Events = events
	for i, p := range paths {
		samples := recs[i].Samples()
		pr := compare.Analyse(p.name, samples, regions, events, o.stall)
		pr.Description = p.description
		keys := compare.AckedKeys(append(warm[i].Samples(), samples...))
		var counts map[string]int
		if err := c.Do(ctx, "/v1/count-keys", control.Request{Table: "health_checks", Keys: keys}, &counts); err != nil {
			return nil, fmt.Errorf("check %s's acknowledged writes: %w", p.name, err)
		}
		compare.Verify(&pr, keys, counts)
		rep.Paths = append(rep.Paths, pr)
	}
	rep.Ratios = compare.Ratios(rep.Paths[0], rep.Paths[1:])
	return rep, nil
}

// procEnv is the environment of one of the lab's processes, so the peers
// run with exactly what the lab gives its own backend.
func procEnv(c *control.Client, name string) (map[string]string, error) {
	for _, ch := range c.State.Children {
		if ch.Name != name {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", ch.Pid))
		if err != nil {
			return nil, fmt.Errorf("environment of %s: %w", name, err)
		}
		env := map[string]string{}
		for _, kv := range strings.Split(string(b), "\x00") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
		return env, nil
	}
	return nil, fmt.Errorf("the lab has no process %s", name)
}

func withEnv(base, over map[string]string) []string {
	var out []string
	for k, v := range base {
		if _, ok := over[k]; !ok {
			out = append(out, k+"="+v)
		}
	}
	for k, v := range over {
		out = append(out, k+"="+v)
	}
	return out
}

// freePort asks the kernel for a port free on every address: the peers
// listen on all of them, and a port free on host alone may be the local
// port of a connection from another loopback address (the visitors').
func freePort() (int, error) {
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func waitReady(ctx context.Context, url string, timeout time.Duration) error {
	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s", url, timeout)
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}

func waitTCP(ctx context.Context, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not listening after %s", addr, timeout)
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
