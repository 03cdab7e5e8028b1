// Package traffic plays steady clients in each region against the edge:
// reads, and writes that each carry a unique Idempotency-Key, recording
// every attempt so tools can compute availability, latency and which writes
// were acknowledged.
package traffic

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Headers the generator sets and reads.
const (
	HeaderLocation   = "X-Client-Location"
	HeaderPinRegion  = "X-Edge-Region"
	HeaderEdgeOrigin = "X-Edge-Origin"
)

// Client is one simulated user population.
type Client struct {
	Region   string // the region it is expected to be served by (labels results)
	Location string // X-Client-Location it sends
}

// Config describes the traffic.
type Config struct {
	Edge       string // base URL of the edge
	Clients    []Client
	ReadEvery  time.Duration // per client; 0 sends no reads
	WriteEvery time.Duration // per client; 0 sends no writes
	ReadPath   string        // GET, e.g. /api/vehicles
	WritePath  string        // POST, e.g. /api/health-checks
	WriteBody  string        // JSON body of each write ("{}" when empty)
	Timeout    time.Duration // per attempt
	KeyPrefix  string        // prefix of every Idempotency-Key
	// Headers go on every request (an operator's Authorization for
	// health-check writes).
	Headers map[string]string
	// Visitors is how many client addresses the traffic comes from when
	// the edge is on loopback (DefaultVisitors when 0): requests take them
	// in turn, so the edge and the backends see many visitors, as behind
	// CloudFront, not one client their per-client limits would throttle.
	Visitors int
}

// DefaultVisitors spreads traffic thinly enough that each visitor stays
// below the backends' per-client write limit (30 a minute in the lab) up to
// about 200 writes a second.
const DefaultVisitors = 512

// VisitorTransport is the transport of simulated visitor i: its
// connections leave from 127.250.x.y, an address of its own. On Linux all
// of 127.0.0.0/8 is loopback, and the lab's own parts use other 127.N nets.
func VisitorTransport(i int) *http.Transport {
	ip := net.IPv4(127, 250, byte(i>>8), byte(i))
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 10 * time.Second}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			// Closed without TIME_WAIT: hundreds of visitors' closed
			// connections would otherwise hold as many ephemeral ports
			// for a minute, where tests on this machine pick free ports.
			_ = tc.SetLinger(0)
		}
		return c, err
	}
	return &http.Transport{DialContext: dial, MaxIdleConnsPerHost: 1, IdleConnTimeout: 30 * time.Second}
}

// Visitors is a transport that sends each request through the next of n
// simulated visitors (VisitorTransport; DefaultVisitors when n <= 0), for
// any tool that drives the lab's edge on loopback.
func Visitors(n int) http.RoundTripper {
	if n <= 0 {
		n = DefaultVisitors
	}
	v := &visitors{ts: make([]*http.Transport, n)}
	for i := range v.ts {
		v.ts[i] = VisitorTransport(i)
	}
	return v
}

// visitors sends each request through the next visitor's transport.
type visitors struct {
	next atomic.Uint64
	ts   []*http.Transport
}

func (v *visitors) RoundTrip(r *http.Request) (*http.Response, error) {
	return v.ts[(v.next.Add(1)-1)%uint64(len(v.ts))].RoundTrip(r)
}

func (v *visitors) CloseIdleConnections() {
	for _, t := range v.ts {
		t.CloseIdleConnections()
	}
}

// transport is what Run sends through: many visitors when the edge is on
// this machine, one ordinary transport otherwise (a real CloudFront sees
// this machine's one address, as it would see one office).
func transport(cfg Config) http.RoundTripper {
	if u, err := url.Parse(cfg.Edge); err == nil {
		if ip := net.ParseIP(u.Hostname()); (ip != nil && ip.IsLoopback()) || u.Hostname() == "localhost" {
			return Visitors(cfg.Visitors)
		}
	}
	return &http.Transport{MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second}
}

// Kind of attempt.
type Kind string

// Kinds.
const (
	Read  Kind = "read"
	Write Kind = "write"
)

// Sample is one attempt.
type Sample struct {
	Kind       Kind
	Region     string
	Start, End time.Time
	Status     int // 0 when no answer
	Err        string
	Key        string // writes only
	Path       string // what was asked for
	ReadSource string // X-Read-Source
	ReadRegion string // X-Read-Region: another region's reader answered
	Served     string // X-Edge-Origin, else X-Region
	// ID is the id an acknowledged write was given (a lead's), and Token
	// its X-Consistency-Token, when the answer had them.
	ID    string
	Token string
}

// OK reports a 2xx answer: for writes, an acknowledgement.
func (s Sample) OK() bool { return s.Status >= 200 && s.Status < 300 }

// Latency of the attempt.
func (s Sample) Latency() time.Duration { return s.End.Sub(s.Start) }

// Recorder collects samples; safe for concurrent use.
type Recorder struct {
	mu      sync.Mutex
	samples []Sample
}

// Add records s.
func (r *Recorder) Add(s Sample) {
	r.mu.Lock()
	r.samples = append(r.samples, s)
	r.mu.Unlock()
}

// Samples returns a copy of everything recorded.
func (r *Recorder) Samples() []Sample {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Sample(nil), r.samples...)
}

// Count returns how many samples match f.
func (r *Recorder) Count(f func(Sample) bool) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, s := range r.samples {
		if f(s) {
			n++
		}
	}
	return n
}

// withDefaults fills what cfg leaves unset: a 5 s timeout, an empty JSON
// body, and a random key prefix so two runs never share idempotency keys.
func (cfg Config) withDefaults() Config {
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.WriteBody == "" {
		cfg.WriteBody = "{}"
	}
	if cfg.KeyPrefix == "" {
		cfg.KeyPrefix = randomHex(4)
	}
	return cfg
}

// Run sends traffic until ctx ends, then waits for attempts in flight. It
// is open-loop: a slow answer does not delay the next attempt, so an outage
// shows as failures and latency rather than as fewer attempts.
func Run(ctx context.Context, cfg Config, rec *Recorder) {
	cfg = cfg.withDefaults()
	hc := &http.Client{Transport: transport(cfg)}
	var inflight sync.WaitGroup
	var loops sync.WaitGroup
	var seq struct {
		sync.Mutex
		n int
	}
	nextKey := func(region string) string {
		seq.Lock()
		defer seq.Unlock()
		seq.n++
		return fmt.Sprintf("%s-%s-%d", cfg.KeyPrefix, region, seq.n)
	}
	loop := func(every time.Duration, fire func()) {
		defer loops.Done()
		if every <= 0 {
			return
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				inflight.Add(1)
				go func() { defer inflight.Done(); fire() }()
			}
		}
	}
	for _, c := range cfg.Clients {
		loops.Add(2)
		go loop(cfg.ReadEvery, func() {
			rec.Add(Do(hc, cfg, Read, c, "", nil))
		})
		go loop(cfg.WriteEvery, func() {
			rec.Add(Do(hc, cfg, Write, c, nextKey(c.Region), nil))
		})
	}
	loops.Wait()
	inflight.Wait()
	hc.CloseIdleConnections()
}

// Do makes one attempt. extra headers are added to the request.
func Do(hc *http.Client, cfg Config, kind Kind, c Client, key string, extra map[string]string) Sample {
	path := cfg.ReadPath
	if kind == Write {
		path = cfg.WritePath
	}
	return DoPath(hc, cfg, kind, path, c, key, extra)
}

// DoPath is Do for a path of its own (a read of one lead).
func DoPath(hc *http.Client, cfg Config, kind Kind, path string, c Client, key string, extra map[string]string) Sample {
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
	defer cancel()
	s := Sample{Kind: kind, Region: c.Region, Key: key, Path: path, Start: time.Now()}
	method, body := http.MethodGet, io.Reader(nil)
	if kind == Write {
		method, body = http.MethodPost, strings.NewReader(cfg.WriteBody)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(cfg.Edge, "/")+path, body)
	if err != nil {
		s.End, s.Err = time.Now(), err.Error()
		return s
	}
	req.Header.Set(HeaderLocation, c.Location)
	if kind == Write {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
	}
	for k, v := range cfg.Headers {
		req.Header.Set(k, v)
	}
	for k, v := range extra {
		req.Header.Set(k, v)
	}
	resp, err := hc.Do(req)
	if err != nil {
		s.End, s.Err = time.Now(), err.Error()
		return s
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	s.End = time.Now()
	s.Status = resp.StatusCode
	if kind == Write && s.OK() {
		// A lead's answer nests it ({"lead":{"id":...}}); others are flat.
		var ans struct {
			Lead struct {
				ID string `json:"id"`
			} `json:"lead"`
		}
		if json.Unmarshal(b, &ans) == nil {
			s.ID = ans.Lead.ID
		}
		s.Token = resp.Header.Get("X-Consistency-Token")
	}
	s.ReadSource = resp.Header.Get("X-Read-Source")
	s.ReadRegion = resp.Header.Get("X-Read-Region")
	s.Served = resp.Header.Get(HeaderEdgeOrigin)
	if s.Served == "" {
		s.Served = resp.Header.Get("X-Region")
	}
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
