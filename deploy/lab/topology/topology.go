// Package topology is the database side of the lab, standing in for an
// Aurora Global Database with its endpoints: one MariaDB node per region
// with GTID replication, the links that carry the delay between regions,
// and each region's DNS server for the endpoint names. Its operations change
// the topology the way AWS's do: switchover, failover, rejoin, a region cut
// off, a reader stopped.
package topology

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
	"hyundai-poc.com/dbserver/dnsserver"
	"hyundai-poc.com/lab/link"
	"hyundai-poc.com/lab/loopback"
	"hyundai-poc.com/lab/timing"
)

// DBName is the application's database.
const DBName = "marketing"

// GlobalDatabase is the database side of the lab: one node per region,
// the links between regions, and each region's DNS server. Its methods
// change the topology the way AWS's global database operations do; only one
// runs at a time.
type GlobalDatabase struct {
	layout  loopback.Layout
	table   *link.Table
	net     *link.Network
	nodes   map[string]*dbserver.Server
	dns     map[string]*dnsserver.Server
	appPass string
	ttl     time.Duration
	dir     string
	timing  timing.Profile
	logf    func(format string, args ...any)

	mu            sync.Mutex // serialises topology changes
	stateMu       sync.RWMutex
	writer        string
	dead          map[string]bool
	isolated      map[string]bool
	readerStopped map[string]bool
}

// Config describes the database side.
type Config struct {
	Layout loopback.Layout
	Table  *link.Table
	Dir    string // data directories and logs go under it
	TTL    time.Duration
	Writer string // the region that starts as writer
	// Timing is how long switchover and failover leave no writer and how
	// late each region's DNS follows; the zero profile moves at once.
	Timing timing.Profile
	Log    func(format string, args ...any)
}

// Start starts every node, link and DNS server and wires replication. On
// error everything already started is stopped.
func Start(ctx context.Context, cfg Config) (c *GlobalDatabase, err error) {
	logf := cfg.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	c = &GlobalDatabase{
		layout: cfg.Layout, table: cfg.Table, net: link.NewNetwork(cfg.Table), ttl: cfg.TTL, dir: cfg.Dir,
		timing: cfg.Timing, logf: logf,
		nodes: map[string]*dbserver.Server{}, dns: map[string]*dnsserver.Server{},
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
		s, err := dnsserver.Start(ctx, dnsserver.Options{Addr: c.layout.DNSAddr(r), TTL: cfg.TTL, Cache: true})
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
func (c *GlobalDatabase) startNode(ctx context.Context, region string) (*dbserver.Server, error) {
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
func (c *GlobalDatabase) AppUser() string     { return dbserver.AppUser }
func (c *GlobalDatabase) AppPassword() string { return c.appPass }

// Writer is the region whose node takes writes now.
func (c *GlobalDatabase) Writer() string {
	c.stateMu.RLock()
	defer c.stateMu.RUnlock()
	return c.writer
}

// Node is region's database server.
func (c *GlobalDatabase) Node(region string) *dbserver.Server { return c.nodes[region] }

// WriterRecord is what region's DNS holds for the writer name now (its
// clients may still have the previous answer cached for up to a TTL).
func (c *GlobalDatabase) WriterRecord(region string) string {
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

// Timing is the profile the database side follows.
func (c *GlobalDatabase) Timing() timing.Profile { return c.timing }

// pointDNS makes every region's writer name answer with that region's link
// to writer's node.
func (c *GlobalDatabase) pointDNS(writer string) {
	for r := range c.dns {
		c.pointRegionDNS(r, writer)
	}
}

func (c *GlobalDatabase) pointRegionDNS(region, writer string) {
	c.dns[region].Set(c.layout.WriterName(), net.ParseIP(c.layout.LinkHost(region, writer)))
}

// RegionDNS is when one region's DNS began to answer with the new writer:
// Delay after the move pointed the name (the new writer taking writes and
// the replicas following it), drawn from the timing profile. Its clients
// may hold the previous answer for one TTL more.
type RegionDNS struct {
	Region    string        `json:"region"`
	Delay     time.Duration `json:"delay_ns"`
	ChangedAt time.Time     `json:"changed_at"`
}

// pointDNSLate points each region's writer name at writer after that
// region's delay from the profile, as AWS's DNS reaches each region's
// resolvers at its own pace, and returns once every region has it. When ctx
// ends first, the regions still waiting are pointed at once: the name
// never stays on a writer that has moved.
func (c *GlobalDatabase) pointDNSLate(ctx context.Context, writer string) []RegionDNS {
	delays := c.timing.DNSDelays(c.layout.Regions, nil)
	start := time.Now()
	out := make([]RegionDNS, len(c.layout.Regions))
	var wg sync.WaitGroup
	for i, r := range c.layout.Regions {
		d := delays[r]
		if d <= 0 {
			c.pointRegionDNS(r, writer)
			out[i] = RegionDNS{Region: r, ChangedAt: time.Now()}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
			}
			c.pointRegionDNS(r, writer)
			now := time.Now()
			out[i] = RegionDNS{Region: r, Delay: now.Sub(start), ChangedAt: now}
			c.logf("DNS in %s now answers %s with %s's node, %s after the move", r, c.layout.WriterName(), writer, now.Sub(start).Round(time.Millisecond))
		}()
	}
	wg.Wait()
	return out
}

// Close stops DNS, links and nodes.
func (c *GlobalDatabase) Close() {
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
