// Package lab runs the three-region system on one machine: a MariaDB node
// per region with GTID replication, links that carry the inter-region
// delays and a DNS server per region (package topology), each region's
// write queue (a redis-server), each region's backend and frontend as
// separate processes configured only through the environment (package
// supervise), an edge that routes like Route53
// geolocation behind CloudFront (package edge), and the control API through
// which other terminals drive it (package control). This package wires them
// together.
package lab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"hyundai-poc.com/dbserver"
	"hyundai-poc.com/lab/control"
	"hyundai-poc.com/lab/edge"
	"hyundai-poc.com/lab/geo"
	"hyundai-poc.com/lab/link"
	"hyundai-poc.com/lab/loopback"
	"hyundai-poc.com/lab/supervise"
	"hyundai-poc.com/lab/timing"
	"hyundai-poc.com/lab/topology"
	"hyundai-poc.com/redisserver"
	"hyundai-poc.com/reporoot"
)

// Config is what a person (or a test) can change about the lab.
type Config struct {
	Dir           string          // temporary data, logs, state file; removed on stop
	Layout        loopback.Layout // addresses; the default layout completed with these fields when Regions is empty
	RTTFile       string          // deploy/lab/rtt.json
	LocationsFile string          // deploy/geo/locations.json
	RepoRoot      string          // where go.work is; found from the working directory when empty
	DNSTTL        time.Duration   // 5 s, as Aurora's endpoints
	Writer        string          // first writer region, the first region of the RTT table by default
	TimingFile    string          // deploy/lab/timing.json
	// Timing names the profile in TimingFile (timing.Default when empty)
	// that sets how long switchover and failover leave no writer and how
	// late each region's DNS follows.
	Timing string
	// BackendEnv adds to every backend's environment (tuning knobs such as
	// MONITOR_INTERVAL); it cannot override the lab's own settings.
	BackendEnv map[string]string
	// BackendBin is a prebuilt backend binary; empty builds
	// hyundai-poc.com/backend/cmd/backend from RepoRoot.
	BackendBin string
	// Progress receives one line per start-up step.
	Progress io.Writer
	// EdgeLimits are the edge's client limits; zero values take
	// edge.DefaultLimits.
	EdgeLimits edge.Limits
}

// Lab is a running lab.
type Lab struct {
	cfg       Config
	Layout    loopback.Layout
	Table     *link.Table
	Geo       *geo.Table
	Timing    timing.Profile
	Edge      *edge.Edge
	db        *topology.GlobalDatabase
	queues    map[string]*redisserver.Server
	logs      []io.Closer
	backends  map[string]*supervise.Process
	frontends map[string]*supervise.Process
	servers   []*http.Server
	control   *http.Server
	started   time.Time
	ReadyIn   time.Duration
	// tokenKey signs consistency tokens, csrfKey form tokens, and
	// healthToken is the operators' token for health-check writes;
	// generated per lab and shared by its backends and frontends, as the
	// one replicated secret shares them in AWS.
	tokenKey, csrfKey, healthToken string
	stateMu                        sync.Mutex
	closeOnce                      sync.Once
	done                           chan struct{}
}

// DefaultDir is where `make lab` keeps its state.
func DefaultDir() string { return filepath.Join(os.TempDir(), "hyundai-poc-lab") }

func (l *Lab) progress(format string, args ...any) {
	if l.cfg.Progress == nil {
		return
	}
	fmt.Fprintf(l.cfg.Progress, "lab [%5.1fs] %s\n", time.Since(l.started).Seconds(), fmt.Sprintf(format, args...))
}

// Start brings the whole lab up and returns once every region serves. On
// any error everything started so far is stopped and the directory removed.
func Start(ctx context.Context, cfg Config) (l *Lab, err error) {
	if l, err = configure(cfg); err != nil {
		return nil, err
	}
	if err := l.installDeps(ctx); err != nil {
		return nil, err
	}
	l.reservePorts()
	if err := supervise.Claim(l.cfg.Dir); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			l.progress("start-up failed, stopping what started")
			l.Close()
			l = nil
		}
	}()
	if err := l.SaveState(); err != nil {
		return l, err
	}
	built := l.build(ctx) // binaries build while the databases start
	if err := l.startQueues(ctx); err != nil {
		<-built
		return l, err
	}
	l.db, err = topology.Start(ctx, topology.Config{
		Layout: l.Layout, Table: l.Table, Dir: l.cfg.Dir, TTL: l.cfg.DNSTTL, Writer: l.cfg.Writer, Timing: l.Timing, Log: l.progress,
	})
	if err != nil {
		<-built
		return l, err
	}
	_ = l.SaveState()
	bins := <-built
	if bins.err != nil {
		return l, bins.err
	}
	l.progress("binaries built: backend%s", map[bool]string{true: ", frontend", false: " (frontend slot: a proxy to the backend)"}[bins.frontend != ""])
	if err := l.migrate(ctx, bins.backend); err != nil {
		return l, err
	}
	if err := l.startBackends(ctx, bins.backend); err != nil {
		return l, err
	}
	if err := l.startFrontends(ctx, bins.frontend); err != nil {
		return l, err
	}
	if err := l.startEdge(); err != nil {
		return l, err
	}
	if l.control, err = control.Serve(supervise.ControlPath(l.cfg.Dir), l); err != nil {
		return l, err
	}
	l.ReadyIn = time.Since(l.started)
	if err := l.SaveState(); err != nil {
		return l, err
	}
	l.progress("ready in %.1fs", l.ReadyIn.Seconds())
	return l, nil
}

// configure fills cfg's defaults and reads the RTT and locations tables.
func configure(cfg Config) (*Lab, error) {
	l := &Lab{cfg: cfg, started: time.Now(), queues: map[string]*redisserver.Server{},
		backends: map[string]*supervise.Process{}, frontends: map[string]*supervise.Process{},
		done: make(chan struct{}), tokenKey: randomKey(), csrfKey: randomKey(), healthToken: randomKey()}
	var err error
	if l.cfg.RepoRoot == "" {
		if l.cfg.RepoRoot, err = reporoot.Here(); err != nil {
			return nil, err
		}
	}
	if l.cfg.RTTFile == "" {
		l.cfg.RTTFile = filepath.Join(l.cfg.RepoRoot, "deploy", "lab", "rtt.json")
	}
	if l.cfg.TimingFile == "" {
		l.cfg.TimingFile = filepath.Join(l.cfg.RepoRoot, "deploy", "lab", "timing.json")
	}
	if l.cfg.LocationsFile == "" {
		l.cfg.LocationsFile = filepath.Join(l.cfg.RepoRoot, "deploy", "geo", "locations.json")
	}
	if l.cfg.Dir == "" {
		l.cfg.Dir = DefaultDir()
	}
	if l.cfg.DNSTTL == 0 {
		l.cfg.DNSTTL = 5 * time.Second
	}
	if l.Table, err = link.LoadTable(l.cfg.RTTFile); err != nil {
		return nil, err
	}
	if l.Geo, err = geo.Load(l.cfg.LocationsFile); err != nil {
		return nil, err
	}
	if l.Timing, err = timing.Load(l.cfg.TimingFile, l.cfg.Timing); err != nil {
		return nil, err
	}
	l.Layout = cfg.Layout.Complete(l.Table.Regions())
	if l.cfg.Writer == "" {
		l.cfg.Writer = l.Layout.Regions[0]
	}
	for r := range l.Geo.Regions() {
		if err := l.Layout.Valid(r); err != nil {
			return nil, fmt.Errorf("locations table: %w", err)
		}
	}
	return l, nil
}

// installDeps installs the database and queue servers when they are
// missing and this process is root, as `make lab` would.
func (l *Lab) installDeps(ctx context.Context) error {
	var missing []string
	_, dbErr := dbserver.FindBinaries()
	if dbErr != nil {
		missing = append(missing, "mariadb")
	}
	_, queueErr := redisserver.FindBinary()
	if queueErr != nil {
		missing = append(missing, "redis")
	}
	if len(missing) == 0 || os.Geteuid() != 0 {
		return errors.Join(dbErr, queueErr)
	}
	l.progress("installing %s from Debian packages", strings.Join(missing, " and "))
	cmd := exec.CommandContext(ctx, filepath.Join(l.cfg.RepoRoot, "scripts", "install-deps.sh"), missing...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stdout, cmd.Stderr = l.cfg.Progress, l.cfg.Progress
	if cmd.Stdout == nil {
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("install %s: %w", strings.Join(missing, ", "), err)
	}
	return nil
}

// Database is the lab's database side: nodes, links and DNS.
func (l *Lab) Database() *topology.GlobalDatabase { return l.db }

// Done is closed when the lab has stopped (Close, or `lab down` from
// another terminal).
func (l *Lab) Done() <-chan struct{} { return l.done }

// Close stops everything in reverse order and removes the directory.
func (l *Lab) Close() {
	l.closeOnce.Do(func() {
		if l.control != nil {
			_ = l.control.Close()
		}
		for _, s := range l.servers {
			_ = s.Close()
		}
		if l.Edge != nil {
			l.Edge.Close()
		}
		var wg sync.WaitGroup
		for _, ps := range []map[string]*supervise.Process{l.frontends, l.backends} {
			for _, p := range ps {
				wg.Add(1)
				go func() { defer wg.Done(); p.Stop(5 * time.Second) }()
			}
		}
		wg.Wait()
		// The queues outlive the backends that write to them.
		for _, q := range l.queues {
			wg.Add(1)
			go func() { defer wg.Done(); q.Stop() }()
		}
		if l.db != nil {
			l.db.Close()
		}
		wg.Wait()
		for _, f := range l.logs {
			_ = f.Close()
		}
		_ = os.RemoveAll(l.cfg.Dir)
		close(l.done)
	})
}

// SaveState records the lab and every process it runs in the state file,
// so `lab down` finds them even after this process dies.
func (l *Lab) SaveState() error {
	l.stateMu.Lock()
	defer l.stateMu.Unlock()
	st := supervise.State{Pid: os.Getpid(), Dir: l.cfg.Dir, Control: supervise.ControlPath(l.cfg.Dir),
		Started: l.started, Ready: l.ReadyIn > 0, Timing: l.Timing}
	if len(l.Layout.Regions) > 0 {
		st.Edge = "http://" + l.Layout.EdgeAddr()
	}
	if l.db != nil {
		for _, r := range l.Layout.Regions {
			if n := l.db.Node(r); n != nil && n.Pid() != 0 {
				st.Children = append(st.Children, supervise.Child{Name: "db-" + r, Pid: n.Pid()})
			}
		}
	}
	for _, r := range l.Layout.Regions {
		if q := l.queues[r]; q != nil && q.Pid() != 0 {
			st.Children = append(st.Children, supervise.Child{Name: "queue-" + r, Pid: q.Pid()})
		}
	}
	for _, ps := range []map[string]*supervise.Process{l.backends, l.frontends} {
		for _, p := range ps {
			if pid := p.Pid(); pid != 0 {
				st.Children = append(st.Children, supervise.Child{Name: p.Name, Pid: pid})
			}
		}
	}
	return supervise.WriteState(st)
}

// DialOrStart finds the lab in cfg.Dir, or starts one in this process when
// none runs. stop ends a lab it started and does nothing otherwise. When
// cfg.Timing names a profile, a running lab must follow that same profile:
// results measured at one timing must not be labelled with another.
func DialOrStart(ctx context.Context, cfg Config) (c *control.Client, stop func(), err error) {
	if cfg.Dir == "" {
		cfg.Dir = DefaultDir()
	}
	c, err = control.Dial(cfg.Dir)
	if err == nil {
		if err := sameTiming(cfg, c.State); err != nil {
			return nil, nil, err
		}
		return c, func() {}, nil
	}
	if !errors.Is(err, control.ErrNoLab) {
		return nil, nil, err
	}
	if cfg.Progress != nil {
		fmt.Fprintln(cfg.Progress, "no lab running; starting one (stopped again at the end)")
	}
	l, err := Start(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	if c, err = control.Dial(cfg.Dir); err != nil {
		l.Close()
		return nil, nil, err
	}
	return c, l.Close, nil
}

// sameTiming checks that the running lab st follows the profile cfg asks
// for, if it asks for one.
func sameTiming(cfg Config, st supervise.State) error {
	if cfg.Timing == "" {
		return nil
	}
	file := cfg.TimingFile
	if file == "" {
		root := cfg.RepoRoot
		if root == "" {
			var err error
			if root, err = reporoot.Here(); err != nil {
				return err
			}
		}
		file = filepath.Join(root, "deploy", "lab", "timing.json")
	}
	want, err := timing.Load(file, cfg.Timing)
	if err != nil {
		return err
	}
	if st.Timing != want {
		running := st.Timing.Name
		if running == "" {
			running = "none recorded"
		}
		return fmt.Errorf("the running lab (pid %d, %s) follows timing %q, not the %q asked for (%s): stop it with `make lab-down`, or ask for its timing",
			st.Pid, st.Dir, running, want.Name, file)
	}
	return nil
}

// OperatorToken is the bearer token the lab's backends take for
// health-check writes.
func (l *Lab) OperatorToken() string { return l.healthToken }

func randomKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
