package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"hyundai-poc.com/dbserver"
	"hyundai-poc.com/lab/edge"
	"hyundai-poc.com/lab/geo"
	"hyundai-poc.com/lab/link"
)

// Config is what a person (or a test) can change about the lab.
type Config struct {
	Dir           string        // temporary data, logs, state file; removed on stop
	Layout        Layout        // addresses; DefaultLayout when Regions is empty
	RTTFile       string        // deploy/lab/rtt.json
	LocationsFile string        // deploy/geo/locations.json
	RepoRoot      string        // where go.work is; found from the working directory when empty
	DNSTTL        time.Duration // 5 s, as Aurora's endpoints
	Writer        string        // first writer region, the first region of the RTT table by default
	// BackendEnv adds to every backend's environment (tuning knobs such as
	// MONITOR_INTERVAL); it cannot override the lab's own settings.
	BackendEnv map[string]string
	// BackendBin is a prebuilt backend binary; empty builds
	// hyundai-poc.com/backend/cmd/backend from RepoRoot.
	BackendBin string
	// Progress receives one line per start-up step.
	Progress io.Writer
}

// Settings is the part of the configuration results record.
type Settings struct {
	Regions    []string          `json:"regions"`
	Writer     string            `json:"writer"`
	DNSTTLms   int64             `json:"dns_ttl_ms"`
	RTTms      map[string]int64  `json:"rtt_ms"`
	BackendEnv map[string]string `json:"backend_env"`
	Edge       string            `json:"edge"`
}

// Lab is a running lab.
type Lab struct {
	cfg       Config
	Layout    Layout
	Table     *link.Table
	Geo       *geo.Table
	Cluster   *Cluster
	Edge      *edge.Edge
	backends  map[string]*proc
	frontends map[string]*proc
	servers   []*http.Server
	control   *http.Server
	started   time.Time
	ReadyIn   time.Duration
	stateMu   sync.Mutex
	closeOnce sync.Once
	done      chan struct{}
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
	l = &Lab{cfg: cfg, started: time.Now(), backends: map[string]*proc{}, frontends: map[string]*proc{}, done: make(chan struct{})}
	if cfg.RepoRoot == "" {
		wd, _ := os.Getwd()
		if cfg.RepoRoot, err = RepoRoot(wd); err != nil {
			return nil, err
		}
		l.cfg.RepoRoot = cfg.RepoRoot
	}
	if cfg.RTTFile == "" {
		l.cfg.RTTFile = filepath.Join(cfg.RepoRoot, "deploy", "lab", "rtt.json")
	}
	if cfg.LocationsFile == "" {
		l.cfg.LocationsFile = filepath.Join(cfg.RepoRoot, "deploy", "geo", "locations.json")
	}
	if cfg.Dir == "" {
		l.cfg.Dir = DefaultDir()
	}
	if cfg.DNSTTL == 0 {
		l.cfg.DNSTTL = 5 * time.Second
	}
	if l.Table, err = link.LoadTable(l.cfg.RTTFile); err != nil {
		return nil, err
	}
	if l.Geo, err = geo.Load(l.cfg.LocationsFile); err != nil {
		return nil, err
	}
	l.Layout = cfg.Layout
	if len(l.Layout.Regions) == 0 {
		lay := DefaultLayout(l.Table.Regions())
		lay.Net, lay.PortOffset, lay.Host = orInt(cfg.Layout.Net, lay.Net), cfg.Layout.PortOffset, orStr(cfg.Layout.Host, lay.Host)
		if cfg.Layout.EdgePort != 0 {
			lay.EdgePort = cfg.Layout.EdgePort
		}
		l.Layout = lay
	}
	if l.cfg.Writer == "" {
		l.cfg.Writer = l.Layout.Regions[0]
	}
	for r := range l.Geo.Regions() {
		if err := l.Layout.Valid(r); err != nil {
			return nil, fmt.Errorf("locations table: %w", err)
		}
	}
	if _, err := dbserver.FindBinaries(); err != nil {
		if os.Geteuid() != 0 {
			return nil, err
		}
		// As root the lab installs what it needs, as `make lab` would.
		l.progress("no MariaDB server found; installing it from Debian packages")
		cmd := exec.CommandContext(ctx, filepath.Join(l.cfg.RepoRoot, "scripts", "install-deps.sh"), "mariadb")
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		cmd.Stdout, cmd.Stderr = l.cfg.Progress, l.cfg.Progress
		if cmd.Stdout == nil {
			cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		}
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("install MariaDB: %w", err)
		}
	}
	if err := claimDir(l.cfg.Dir); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			l.progress("start-up failed, stopping what started")
			l.Close()
			l = nil
		}
	}()
	if err := l.writeState(); err != nil {
		return l, err
	}

	// Binaries build while the databases start.
	type built struct {
		backend, frontend string
		err               error
	}
	buildc := make(chan built, 1)
	go func() {
		var b built
		bin := filepath.Join(l.cfg.Dir, "bin")
		if b.backend = cfg.BackendBin; b.backend == "" {
			b.backend, b.err = build(ctx, cfg.RepoRoot, bin, "hyundai-poc.com/backend/cmd/backend", "backend")
		}
		if b.err == nil {
			if _, err := os.Stat(filepath.Join(cfg.RepoRoot, "services", "frontend", "cmd", "frontend")); err == nil {
				b.frontend, b.err = build(ctx, cfg.RepoRoot, bin, "hyundai-poc.com/frontend/cmd/frontend", "frontend")
			}
		}
		buildc <- b
	}()

	l.Cluster, err = StartCluster(ctx, ClusterConfig{
		Layout: l.Layout, Table: l.Table, Dir: l.cfg.Dir, TTL: l.cfg.DNSTTL, Writer: l.cfg.Writer, Log: l.progress,
	})
	if err != nil {
		<-buildc
		return l, err
	}
	_ = l.writeState()
	b := <-buildc
	if b.err != nil {
		return l, b.err
	}
	l.progress("binaries built: backend%s", map[bool]string{true: ", frontend", false: " (frontend slot: a proxy to the backend)"}[b.frontend != ""])

	writer := l.cfg.Writer
	mig := &proc{Name: "migrate", Bin: b.backend, Args: []string{"migrate", "up"}, Env: l.backendEnv(writer),
		LogPath: filepath.Join(l.cfg.Dir, "logs", "migrate.log")}
	if err := mig.start(ctx); err != nil {
		return l, err
	}
	<-mig.exited
	if code := mig.cmd.ProcessState.ExitCode(); code != 0 {
		return l, fmt.Errorf("backend migrate up exited %d:\n%s", code, tail(mig.LogPath, 8))
	}
	if err := l.Cluster.WaitReplicated(ctx, 30*time.Second); err != nil {
		return l, fmt.Errorf("schema replication: %w", err)
	}
	l.progress("schema migrated on %s and replicated", writer)

	for _, r := range l.Layout.Regions {
		p := &proc{Name: "backend-" + r, Bin: b.backend, Env: l.backendEnv(r),
			LogPath: filepath.Join(l.cfg.Dir, "logs", "backend-"+r+".log"),
			Ready:   "http://" + l.Layout.BackendAddr(r) + "/readyz"}
		l.backends[r] = p
		if err := p.start(ctx); err != nil {
			return l, err
		}
	}
	_ = l.writeState()
	if err := l.waitAll(ctx, l.backends); err != nil {
		return l, err
	}
	l.progress("backends ready: %s", strings.Join(l.Layout.Regions, ", "))

	for _, r := range l.Layout.Regions {
		if b.frontend == "" {
			if err := l.serveProxy(r); err != nil {
				return l, err
			}
			continue
		}
		p := &proc{Name: "frontend-" + r, Bin: b.frontend, Env: l.frontendEnv(r),
			LogPath: filepath.Join(l.cfg.Dir, "logs", "frontend-"+r+".log"),
			Ready:   "http://" + l.Layout.FrontendAddr(r) + "/healthz"}
		l.frontends[r] = p
		if err := p.start(ctx); err != nil {
			return l, err
		}
	}
	if err := l.waitAll(ctx, l.frontends); err != nil {
		return l, err
	}
	l.progress("frontends ready")

	origins := map[string]string{}
	for _, r := range l.Layout.Regions {
		origins[r] = "http://" + l.Layout.FrontendAddr(r)
	}
	// CloudFront's behaviors, from the file Terraform builds them from.
	def, err := edge.LoadDefinition(filepath.Join(filepath.Dir(l.cfg.LocationsFile), "edge.json"))
	if err != nil {
		return l, err
	}
	l.Edge, err = edge.New(edge.Config{Geo: l.Geo, Origins: origins, Definition: def, ClientRTT: l.Table.RTT,
		ConnectTimeout: 2 * time.Second, ResponseTimeout: 10 * time.Second})
	if err != nil {
		return l, err
	}
	l.Cluster.OnRegionCut = l.Edge.SetDown
	if err := l.serve(l.Layout.EdgeAddr(), l.Edge); err != nil {
		return l, err
	}
	l.progress("edge on http://%s", l.Layout.EdgeAddr())

	if err := l.serveControl(); err != nil {
		return l, err
	}
	l.ReadyIn = time.Since(l.started)
	if err := l.writeState(); err != nil {
		return l, err
	}
	l.progress("ready in %.1fs", l.ReadyIn.Seconds())
	return l, nil
}

func orInt(v, d int) int {
	if v != 0 {
		return v
	}
	return d
}

func orStr(v, d string) string {
	if v != "" {
		return v
	}
	return d
}

func (l *Lab) waitAll(ctx context.Context, ps map[string]*proc) error {
	var wg sync.WaitGroup
	errs := make([]error, len(l.Layout.Regions))
	for i, r := range l.Layout.Regions {
		p := ps[r]
		if p == nil {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = p.waitReady(ctx, 60*time.Second) }()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// backendEnv is region's backend environment, as its ECS task definition
// would set it.
func (l *Lab) backendEnv(region string) map[string]string {
	env := maps.Clone(l.cfg.BackendEnv)
	if env == nil {
		env = map[string]string{}
	}
	_, port, _ := net.SplitHostPort(l.Layout.BackendAddr(region))
	maps.Copy(env, map[string]string{
		"REGION":         region,
		"PORT":           port,
		"DB_WRITER_HOST": l.Layout.WriterName() + ":3306",
		"DB_READER_HOST": l.Layout.ReaderName(region) + ":3306",
		"DB_PORT":        "3306",
		"DB_NAME":        DBName,
		"DB_USER":        l.Cluster.AppUser(),
		"DB_PASSWORD":    l.Cluster.AppPassword(),
		"DB_RESOLVER":    l.Layout.DNSAddr(region),
	})
	if env["LOG_LEVEL"] == "" {
		env["LOG_LEVEL"] = "info"
	}
	return env
}

func (l *Lab) frontendEnv(region string) map[string]string {
	_, port, _ := net.SplitHostPort(l.Layout.FrontendAddr(region))
	var eps []string
	// Through the edge, pinned to each region: the dashboard's latency
	// panel then measures from the visitor's simulated location, as a
	// browser in Seoul measuring three regional load balancers would.
	for _, r := range l.Layout.Regions {
		eps = append(eps, r+"=http://"+l.Layout.EdgeAddr()+edge.PathPrefixRegion+r)
	}
	return map[string]string{
		"REGION":           region,
		"PORT":             port,
		"BACKEND_URL":      "http://" + l.Layout.BackendAddr(region),
		"REGION_ENDPOINTS": strings.Join(eps, ","),
	}
}

// serveProxy fills region's frontend slot with a proxy to its backend,
// for trees without the frontend.
func (l *Lab) serveProxy(region string) error {
	u, _ := url.Parse("http://" + l.Layout.BackendAddr(region))
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadGateway)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": "backend_unreachable", "message": err.Error()}})
	}
	return l.serve(l.Layout.FrontendAddr(region), rp)
}

func (l *Lab) serve(addr string, h http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	l.servers = append(l.servers, srv)
	go func() { _ = srv.Serve(ln) }()
	return nil
}

// Settings records the lab's configuration for results files.
func (l *Lab) Settings() Settings {
	s := Settings{Regions: l.Layout.Regions, Writer: l.Cluster.Writer(), DNSTTLms: l.cfg.DNSTTL.Milliseconds(),
		RTTms: map[string]int64{}, BackendEnv: maps.Clone(l.cfg.BackendEnv), Edge: "http://" + l.Layout.EdgeAddr()}
	for i, a := range l.Layout.Regions {
		for _, b := range l.Layout.Regions[i:] {
			s.RTTms[a+"<->"+b] = l.Table.RTT(a, b).Milliseconds()
		}
	}
	return s
}

// Summary is the table of every endpoint, printed when the lab is ready.
func (l *Lab) Summary() string {
	var sb strings.Builder
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "REGION\tROLE\tFRONTEND\tBACKEND\tDNS\tDB NODE\tWRITER NAME -> \tREADER NAME -> \n")
	for _, r := range l.Layout.Regions {
		role := "replica"
		if r == l.Cluster.Writer() {
			role = "writer"
		}
		fmt.Fprintf(tw, "%s\t%s\thttp://%s\thttp://%s\t%s\t%s\t%s\t%s\n", r, role, l.Layout.FrontendAddr(r), l.Layout.BackendAddr(r),
			l.Layout.DNSAddr(r), l.Layout.NodeAddr(r), l.Layout.LinkAddr(r, l.Cluster.Writer()), l.Layout.LinkAddr(r, r))
	}
	tw.Flush()
	fmt.Fprintf(&sb, "\nedge (Route53 geolocation + CloudFront): http://%s  (pick a location: -H 'X-Client-Location: KR', cookie loc=US-CA or ?loc=US-VA)\n", l.Layout.EdgeAddr())
	fmt.Fprintf(&sb, "names: %s, %s (TTL %s)\n", l.Layout.WriterName(), l.Layout.ReaderName("<region>"), l.cfg.DNSTTL)
	fmt.Fprintf(&sb, "logs: %s\ncontrol: lab status | switchover --to R | failover --to R | isolate R | heal R | stop|start reader|backend R\n",
		filepath.Join(l.cfg.Dir, "logs"))
	return sb.String()
}

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
		for _, ps := range []map[string]*proc{l.frontends, l.backends} {
			for _, p := range ps {
				wg.Add(1)
				go func() { defer wg.Done(); p.stop(5 * time.Second) }()
			}
		}
		wg.Wait()
		if l.Cluster != nil {
			l.Cluster.Close()
		}
		_ = os.RemoveAll(l.cfg.Dir)
		close(l.done)
	})
}

// State is what the state file records, so `lab down` and the control
// commands find a lab started in another terminal.
type State struct {
	Pid      int       `json:"pid"`
	Dir      string    `json:"dir"`
	Control  string    `json:"control"`
	Edge     string    `json:"edge"`
	Started  time.Time `json:"started"`
	Ready    bool      `json:"ready"`
	Children []Child   `json:"children"`
}

// Child is a process the lab started.
type Child struct {
	Name string `json:"name"`
	Pid  int    `json:"pid"`
}

// StatePath is the state file of a lab directory.
func StatePath(dir string) string { return filepath.Join(dir, "state.json") }

func (l *Lab) writeState() error {
	l.stateMu.Lock()
	defer l.stateMu.Unlock()
	st := State{Pid: os.Getpid(), Dir: l.cfg.Dir, Control: filepath.Join(l.cfg.Dir, "control.sock"),
		Started: l.started, Ready: l.ReadyIn > 0}
	if len(l.Layout.Regions) > 0 {
		st.Edge = "http://" + l.Layout.EdgeAddr()
	}
	if l.Cluster != nil {
		for _, r := range l.Layout.Regions {
			if n := l.Cluster.Node(r); n != nil && n.Pid() != 0 {
				st.Children = append(st.Children, Child{"db-" + r, n.Pid()})
			}
		}
	}
	for _, ps := range []map[string]*proc{l.backends, l.frontends} {
		for _, p := range ps {
			if pid := p.Pid(); pid != 0 {
				st.Children = append(st.Children, Child{p.Name, pid})
			}
		}
	}
	sort.Slice(st.Children, func(i, j int) bool { return st.Children[i].Name < st.Children[j].Name })
	b, _ := json.MarshalIndent(st, "", "  ")
	tmp := StatePath(l.cfg.Dir) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, StatePath(l.cfg.Dir))
}

// ReadState reads dir's state file.
func ReadState(dir string) (State, error) {
	var st State
	b, err := os.ReadFile(StatePath(dir))
	if err != nil {
		return st, err
	}
	return st, json.Unmarshal(b, &st)
}

// claimDir makes dir for this lab. A directory left by a lab that still
// runs is refused; one left by a dead lab is cleaned first.
func claimDir(dir string) error {
	if st, err := ReadState(dir); err == nil {
		if alive(st.Pid) {
			return fmt.Errorf("a lab is already running (pid %d, %s): stop it with `make lab-down`", st.Pid, dir)
		}
		Reap(st)
	}
	_ = os.RemoveAll(dir)
	return os.MkdirAll(filepath.Join(dir, "logs"), 0o700)
}

func alive(pid int) bool {
	return pid > 0 && syscall.Kill(pid, 0) == nil
}

// Reap kills the children a dead lab left (normally Pdeathsig already has)
// and removes its directory.
func Reap(st State) {
	for _, c := range st.Children {
		if alive(c.Pid) && ownedBy(c.Pid, st.Dir) {
			_ = syscall.Kill(c.Pid, syscall.SIGKILL)
		}
	}
	if st.Dir != "" {
		_ = os.RemoveAll(st.Dir)
	}
}

// ownedBy checks that pid still runs something from the lab's directory
// (its binary or its data), so a reused pid is never killed.
func ownedBy(pid int, dir string) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return err == nil && strings.Contains(string(b), dir)
}
