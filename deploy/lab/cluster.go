package lab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"hyundai-poc.com/dbserver"
	"hyundai-poc.com/lab/link"
	"hyundai-poc.com/lab/resolver"
)

// DBName is the application's database.
const DBName = "marketing"

// Cluster is the database side of the lab: one node per region, the links
// between regions, and each region's DNS server. Its methods change the
// topology the way AWS's global database operations do; only one runs at
// a time.
type Cluster struct {
	layout  Layout
	table   *link.Table
	net     *link.Network
	nodes   map[string]*dbserver.Server
	dns     map[string]*resolver.Server
	appPass string
	ttl     time.Duration
	dir     string
	// OnRegionCut is told when a region is cut off or joined again, so the
	// edge can follow.
	OnRegionCut func(region string, cut bool)

	mu            sync.Mutex // serialises topology changes
	stateMu       sync.RWMutex
	writer        string
	dead          map[string]bool
	isolated      map[string]bool
	readerStopped map[string]bool
}

// ClusterConfig describes the database side.
type ClusterConfig struct {
	Layout Layout
	Table  *link.Table
	Dir    string // data directories and logs go under it
	TTL    time.Duration
	Writer string // the region that starts as writer
	Log    func(format string, args ...any)
}

// StartCluster starts every node, link and DNS server and wires
// replication. On error everything already started is stopped.
func StartCluster(ctx context.Context, cfg ClusterConfig) (c *Cluster, err error) {
	logf := cfg.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	c = &Cluster{
		layout: cfg.Layout, table: cfg.Table, net: link.NewNetwork(cfg.Table), ttl: cfg.TTL, dir: cfg.Dir,
		nodes: map[string]*dbserver.Server{}, dns: map[string]*resolver.Server{},
		writer: cfg.Writer, dead: map[string]bool{}, isolated: map[string]bool{}, readerStopped: map[string]bool{},
	}
	defer func() {
		if err != nil {
			c.Close()
			c = nil
		}
	}()
	if c.layout.Valid(cfg.Writer) != nil {
		return nil, fmt.Errorf("writer: %w", c.layout.Valid(cfg.Writer))
	}
	c.appPass = secret()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, r := range c.layout.Regions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := c.startNode(ctx, r)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("database %s: %w", r, err))
				return
			}
			c.nodes[r] = s
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	logf("databases up: %s", strings.Join(c.layout.Regions, ", "))

	for _, from := range c.layout.Regions {
		for _, to := range c.layout.Regions {
			name := from + ">" + to
			if _, err := c.net.Add(name, from, to, c.layout.LinkAddr(from, to), c.layout.NodeAddr(to)); err != nil {
				return c, err
			}
		}
	}
	logf("links up: %d, delays from the RTT table", len(c.net.Links()))

	w := c.nodes[c.writer]
	if err := w.CreateDatabase(ctx, DBName); err != nil {
		return c, err
	}
	for _, r := range c.layout.Regions {
		if r == c.writer {
			continue
		}
		if err := c.nodes[r].ReplicateFrom(ctx, c.layout.LinkAddr(r, c.writer), w.ReplPass); err != nil {
			return c, fmt.Errorf("replication %s from %s: %w", r, c.writer, err)
		}
	}
	logf("replication: %s -> others, GTID", c.writer)

	for _, r := range c.layout.Regions {
		s, err := resolver.Start(ctx, c.layout.DNSAddr(r), cfg.TTL)
		if err != nil {
			return c, err
		}
		c.dns[r] = s
		for _, to := range c.layout.Regions {
			s.Set(c.layout.ReaderName(to), net.ParseIP(c.layout.LinkHost(r, to)))
		}
	}
	c.pointDNS(c.writer)
	logf("DNS up: one server per region, TTL %s", cfg.TTL)
	return c, nil
}

// startNode starts region's database server with the cluster's shared
// application password.
func (c *Cluster) startNode(ctx context.Context, region string) (*dbserver.Server, error) {
	var w io.Writer
	if lf, err := os.OpenFile(filepath.Join(c.dir, "logs", "db-"+region+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err == nil {
		w = lf
	}
	return dbserver.Start(ctx, dbserver.Options{
		Name: region, Host: c.layout.NodeHost(region), Port: 3306, ReportHost: region,
		Dir: filepath.Join(c.dir, "db"), Log: w, AppPassword: c.appPass,
	})
}

func secret() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// AppUser and AppPassword are the credentials the backends use on every node.
func (c *Cluster) AppUser() string     { return dbserver.AppUser }
func (c *Cluster) AppPassword() string { return c.appPass }

// Writer is the region whose node takes writes now.
func (c *Cluster) Writer() string {
	c.stateMu.RLock()
	defer c.stateMu.RUnlock()
	return c.writer
}

// Node is region's database server.
func (c *Cluster) Node(region string) *dbserver.Server { return c.nodes[region] }

// WriterRecord is what region's DNS holds for the writer name now (its
// clients may still have the previous answer cached for up to a TTL).
func (c *Cluster) WriterRecord(region string) string {
	s, ok := c.dns[region]
	if !ok {
		return ""
	}
	ip, ok := s.Record(c.layout.WriterName())
	if !ok {
		return ""
	}
	return ip.String()
}

// pointDNS makes every region's writer name answer with that region's link
// to writer's node.
func (c *Cluster) pointDNS(writer string) {
	for r, s := range c.dns {
		s.Set(c.layout.WriterName(), net.ParseIP(c.layout.LinkHost(r, writer)))
	}
}

// applyLinks sets every link up or down from the cluster's state: a link is
// cut when it crosses regions and either end is isolated, or when it leads to
// a stopped reader or a dead node.
func (c *Cluster) applyLinks() error {
	c.stateMu.RLock()
	defer c.stateMu.RUnlock()
	var errs []error
	for _, l := range c.net.Links() {
		cross := l.From != l.To
		up := !(cross && (c.isolated[l.From] || c.isolated[l.To])) && !c.readerStopped[l.To] && !c.dead[l.To]
		if err := l.SetUp(up); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Step is one timed part of an operation.
type Step struct {
	Name string        `json:"name"`
	Took time.Duration `json:"took_ns"`
}

// Result says what an operation did.
type Result struct {
	Op      string        `json:"op"`
	Message string        `json:"message"`
	Took    time.Duration `json:"took_ns"`
	Steps   []Step        `json:"steps,omitempty"`
	// DNSChangedAt is when the writer name's record changed; every region's
	// resolver answers with it at the latest one TTL later (DNSVisibleBy).
	DNSChangedAt time.Time `json:"dns_changed_at,omitzero"`
	DNSVisibleBy time.Time `json:"dns_visible_by,omitzero"`
	// Lacked is, for a failover, how many transactions the old writer had
	// logged that the promoted node never received.
	Lacked   int64  `json:"lacked_transactions"`
	OldPos   string `json:"old_writer_gtid,omitempty"`
	NewPos   string `json:"promoted_gtid,omitempty"`
	From, To string `json:"-"`
}

type stepper struct {
	start, last time.Time
	steps       []Step
}

func newStepper() *stepper { now := time.Now(); return &stepper{start: now, last: now} }

func (s *stepper) done(name string) {
	now := time.Now()
	s.steps = append(s.steps, Step{name, now.Sub(s.last)})
	s.last = now
}

// Switchover moves the writer to region to with no loss, as
// switchover-global-cluster does: fence the writer, wait until to has
// applied everything, promote it, repoint the others, then flip DNS.
func (c *Cluster) Switchover(ctx context.Context, to string) (Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	from, err := c.checkTarget(to)
	if err != nil {
		return Result{}, err
	}
	old, target := c.nodes[from], c.nodes[to]
	st := newStepper()
	if err := old.SetReadOnly(ctx, true); err != nil {
		return Result{}, fmt.Errorf("fence %s: %w", from, err)
	}
	st.done("fence " + from)
	pos, err := old.GTIDBinlogPos(ctx)
	if err != nil {
		_ = old.SetReadOnly(ctx, false)
		return Result{}, fmt.Errorf("read %s position: %w", from, err)
	}
	if err := target.WaitForGTID(ctx, pos, 30*time.Second); err != nil {
		_ = old.SetReadOnly(ctx, false)
		return Result{}, fmt.Errorf("%s catching up to %s (writer unfenced again): %w", to, pos, err)
	}
	st.done("catch-up " + to)
	if err := target.Promote(ctx); err != nil {
		return Result{}, fmt.Errorf("promote %s: %w", to, err)
	}
	st.done("promote " + to)
	if err := c.repointAll(ctx, to); err != nil {
		return Result{}, err
	}
	st.done("repoint replicas")
	c.setWriter(to)
	c.pointDNS(to)
	dnsAt := time.Now()
	st.done("flip DNS")
	return Result{Op: "switchover", From: from, To: to, Took: time.Since(st.start), Steps: st.steps, DNSChangedAt: dnsAt, DNSVisibleBy: dnsAt.Add(c.ttl),
		OldPos: pos, NewPos: pos,
		Message: fmt.Sprintf("writer %s -> %s at GTID %s, no transaction left behind", from, to, pos)}, nil
}

// Failover moves the writer to region to after killing the writer's
// process, as failover-global-cluster --allow-data-loss does after a
// regional outage: the promoted node keeps only what it had received.
func (c *Cluster) Failover(ctx context.Context, to string) (Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	from, err := c.checkTarget(to)
	if err != nil {
		return Result{}, err
	}
	old, target := c.nodes[from], c.nodes[to]
	st := newStepper()
	before, _ := old.GTIDBinlogPos(ctx)
	old.Kill()
	c.stateMu.Lock()
	c.dead[from] = true
	c.stateMu.Unlock()
	st.done("kill " + from)
	// The binlog on disk is the truth about what the dead writer committed;
	// the position read just before the kill is the fallback.
	oldPos, err := old.LastLoggedGTID(ctx)
	if err != nil || oldPos == "" {
		oldPos = before
	}
	for _, r := range c.layout.Regions {
		if r == from || c.isDead(r) {
			continue
		}
		if err := c.nodes[r].ApplyReceived(ctx, 10*time.Second); err != nil {
			return Result{}, fmt.Errorf("%s applying what it received: %w", r, err)
		}
	}
	st.done("apply relay logs")
	newPos, err := target.GTIDBinlogPos(ctx)
	if err != nil {
		return Result{}, err
	}
	if err := target.Promote(ctx); err != nil {
		return Result{}, fmt.Errorf("promote %s: %w", to, err)
	}
	st.done("promote " + to)
	if err := c.repointAll(ctx, to); err != nil {
		return Result{}, err
	}
	st.done("repoint replicas")
	c.setWriter(to)
	_ = c.applyLinks()
	c.pointDNS(to)
	dnsAt := time.Now()
	st.done("flip DNS")
	lacked := dbserver.GTIDSeq(oldPos, 0) - dbserver.GTIDSeq(newPos, 0)
	if lacked < 0 {
		lacked = 0
	}
	return Result{Op: "failover", From: from, To: to, Took: time.Since(st.start), Steps: st.steps, DNSChangedAt: dnsAt, DNSVisibleBy: dnsAt.Add(c.ttl),
		Lacked: lacked, OldPos: oldPos, NewPos: newPos,
		Message: fmt.Sprintf("writer %s killed, %s promoted at GTID %s; old writer had logged %s: %d transaction(s) lost",
			from, to, newPos, oldPos, lacked)}, nil
}

// Rejoin rebuilds a node that a failover left dead: a fresh server in its
// region that copies everything from the current writer's binlog and
// replicates from then on, as AWS rebuilds the old primary as a secondary.
func (c *Cluster) Rejoin(ctx context.Context, region string) (Result, error) {
	if err := c.layout.Valid(region); err != nil {
		return Result{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.isDead(region) {
		return Result{}, fmt.Errorf("%s's node is running; rejoin rebuilds a node a failover left down", region)
	}
	st := newStepper()
	c.nodes[region].Stop() // removes the dead node's data
	s, err := c.startNode(ctx, region)
	if err != nil {
		return Result{}, err
	}
	c.nodes[region] = s
	st.done("start empty node")
	w := c.nodes[c.Writer()]
	if err := s.ReplicateFrom(ctx, c.layout.LinkAddr(region, c.Writer()), w.ReplPass); err != nil {
		return Result{}, err
	}
	c.stateMu.Lock()
	c.dead[region] = false
	c.stateMu.Unlock()
	if err := c.applyLinks(); err != nil {
		return Result{}, err
	}
	pos, err := w.GTIDBinlogPos(ctx)
	if err != nil {
		return Result{}, err
	}
	if err := s.WaitForGTID(ctx, pos, 2*time.Minute); err != nil {
		return Result{}, fmt.Errorf("%s copying from %s: %w", region, c.Writer(), err)
	}
	st.done("copy from writer")
	return Result{Op: "rejoin", Took: time.Since(st.start), Steps: st.steps,
		Message: fmt.Sprintf("%s rebuilt as a replica of %s, caught up to GTID %s", region, c.Writer(), pos)}, nil
}

func (c *Cluster) checkTarget(to string) (from string, err error) {
	if err := c.layout.Valid(to); err != nil {
		return "", err
	}
	from = c.Writer()
	if to == from {
		return "", fmt.Errorf("%s is already the writer", to)
	}
	if c.isDead(to) {
		return "", fmt.Errorf("%s's node is down", to)
	}
	return from, nil
}

// repointAll makes every live node except to a replica of to, through the
// link from its own region.
func (c *Cluster) repointAll(ctx context.Context, to string) error {
	for _, r := range c.layout.Regions {
		if r == to || c.isDead(r) {
			continue
		}
		if err := c.nodes[r].Repoint(ctx, c.layout.LinkAddr(r, to), c.nodes[to].ReplPass); err != nil {
			return fmt.Errorf("repoint %s to %s: %w", r, to, err)
		}
	}
	return nil
}

func (c *Cluster) setWriter(r string) {
	c.stateMu.Lock()
	c.writer = r
	c.stateMu.Unlock()
}

func (c *Cluster) isDead(r string) bool {
	c.stateMu.RLock()
	defer c.stateMu.RUnlock()
	return c.dead[r]
}

// Isolate cuts (or with heal, restores) every link between region and the
// other regions, including the edge's path to it.
func (c *Cluster) Isolate(region string, isolate bool) (Result, error) {
	if err := c.layout.Valid(region); err != nil {
		return Result{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	start := time.Now()
	c.stateMu.Lock()
	c.isolated[region] = isolate
	c.stateMu.Unlock()
	if err := c.applyLinks(); err != nil {
		return Result{}, err
	}
	if c.OnRegionCut != nil {
		c.OnRegionCut(region, isolate)
	}
	verb := "healed: links to and from " + region + " restored"
	op := "heal"
	if isolate {
		verb = "isolated: every link between " + region + " and the other regions cut"
		op = "isolate"
	}
	return Result{Op: op, Message: verb, Took: time.Since(start)}, nil
}

// SetReaderStopped takes region's reader endpoint away (every connection
// to its node is refused and open ones are closed, as when a reader
// instance fails) or brings it back. The writer's node cannot be stopped
// this way.
func (c *Cluster) SetReaderStopped(region string, stopped bool) (Result, error) {
	if err := c.layout.Valid(region); err != nil {
		return Result{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if stopped && region == c.Writer() {
		return Result{}, fmt.Errorf("%s's node is the writer; use switchover or failover", region)
	}
	start := time.Now()
	c.stateMu.Lock()
	c.readerStopped[region] = stopped
	c.stateMu.Unlock()
	if err := c.applyLinks(); err != nil {
		return Result{}, err
	}
	msg := "reader " + region + " started: connections accepted again"
	op := "start-reader"
	if stopped {
		msg = "reader " + region + " stopped: its endpoint refuses connections"
		op = "stop-reader"
	}
	return Result{Op: op, Message: msg, Took: time.Since(start)}, nil
}

// NodeStatus is one node's row in the status table.
type NodeStatus struct {
	Region        string `json:"region"`
	Role          string `json:"role"` // writer, replica, down
	Addr          string `json:"addr"`
	Pid           int    `json:"pid"`
	ReadOnly      bool   `json:"read_only"`
	GTID          string `json:"gtid_binlog_pos"`
	Replicating   bool   `json:"replicating"`
	SecondsBehind *int64 `json:"seconds_behind,omitempty"`
	LastError     string `json:"last_error,omitempty"`
	ReaderStopped bool   `json:"reader_stopped"`
	Isolated      bool   `json:"isolated"`
}

// Status reads every node's state.
func (c *Cluster) Status(ctx context.Context) []NodeStatus {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	w := c.Writer()
	out := make([]NodeStatus, 0, len(c.layout.Regions))
	for _, r := range c.layout.Regions {
		n := c.nodes[r]
		c.stateMu.RLock()
		ns := NodeStatus{Region: r, Role: "replica", Addr: c.layout.NodeAddr(r), ReaderStopped: c.readerStopped[r], Isolated: c.isolated[r]}
		dead := c.dead[r]
		c.stateMu.RUnlock()
		if r == w {
			ns.Role = "writer"
		}
		if dead || !n.Running() {
			ns.Role = "down"
			out = append(out, ns)
			continue
		}
		ns.Pid = n.Pid()
		ns.GTID, _ = n.GTIDBinlogPos(ctx)
		var ro int
		if err := n.Admin().QueryRowContext(ctx, "SELECT @@GLOBAL.read_only").Scan(&ro); err == nil {
			ns.ReadOnly = ro == 1
		}
		if st, ok, err := n.ReplicaStatus(ctx); err == nil && ok {
			ns.Replicating = st.IORunning && st.SQLRunning
			ns.LastError = st.LastError
			if st.SecondsBehind.Valid {
				v := st.SecondsBehind.Int64
				ns.SecondsBehind = &v
			}
		}
		out = append(out, ns)
	}
	return out
}

// WaitReplicated waits until every live replica has applied everything the
// writer has logged.
func (c *Cluster) WaitReplicated(ctx context.Context, timeout time.Duration) error {
	w := c.nodes[c.Writer()]
	pos, err := w.GTIDBinlogPos(ctx)
	if err != nil {
		return err
	}
	for _, r := range c.layout.Regions {
		if r == c.Writer() || c.isDead(r) {
			continue
		}
		if err := c.nodes[r].WaitForGTID(ctx, pos, timeout); err != nil {
			return err
		}
	}
	return nil
}

// CountKeys counts, on the writer, the rows of table (health_checks or
// leads) holding each idempotency key.
func (c *Cluster) CountKeys(ctx context.Context, table string, keys []string) (map[string]int, error) {
	if table != "health_checks" && table != "leads" {
		return nil, fmt.Errorf("table must be health_checks or leads, not %q", table)
	}
	db := c.nodes[c.Writer()].Admin()
	out := make(map[string]int, len(keys))
	for len(keys) > 0 {
		n := min(len(keys), 500)
		batch := keys[:n]
		keys = keys[n:]
		args := make([]any, len(batch))
		for i, k := range batch {
			args[i] = k
		}
		q := fmt.Sprintf("SELECT idempotency_key, COUNT(*) FROM `%s`.`%s` WHERE idempotency_key IN (?%s) GROUP BY idempotency_key",
			DBName, table, strings.Repeat(",?", n-1))
		rows, err := db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k string
			var cnt int
			if err := rows.Scan(&k, &cnt); err != nil {
				rows.Close()
				return nil, err
			}
			out[k] = cnt
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Close stops DNS, links and nodes.
func (c *Cluster) Close() {
	for _, s := range c.dns {
		s.Close()
	}
	c.net.Close()
	var wg sync.WaitGroup
	for _, n := range c.nodes {
		wg.Add(1)
		go func() { defer wg.Done(); n.Stop() }()
	}
	wg.Wait()
}
