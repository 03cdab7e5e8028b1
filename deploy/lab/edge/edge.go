// Package edge is the lab's stand-in for CloudFront in front of Route53
// geolocation records: it places the client, picks the region that serves
// that location from the shared locations table, adds the network delay
// between the client and that region, and answers by CloudFront's
// behaviors as deploy/geo/edge.json defines them (the file Terraform builds
// the distribution from): 403 to a method a behavior does not allow,
// caching by the behavior's cache policy (X-Cache, Age), and failover to
// the region's stand-in only in an origin group and only for GET, HEAD and
// OPTIONS.
package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"hyundai-poc.com/lab/geo"
)

// Headers the edge reads and writes.
const (
	HeaderLocation = "X-Client-Location" // in: "KR" or "US-CA"
	HeaderRegion   = "X-Edge-Region"     // in: pin the origin region (the lab's way to address one region's ALB)
	HeaderOrigin   = "X-Edge-Origin"     // out: the region whose origin answered
	HeaderFailover = "X-Edge-Failover"   // out: "true" when the secondary origin answered
	HeaderRecord   = "X-Edge-Record"     // out: which geolocation record matched
	HeaderCache    = "X-Cache"           // out: CloudFront's "Hit from cloudfront" / "Miss from cloudfront"
)

// CloudFront's X-Cache values.
const (
	CacheHit   = "Hit from cloudfront"
	CacheMiss  = "Miss from cloudfront"
	CacheError = "Error from cloudfront"
)

// Config describes the edge.
type Config struct {
	Geo *geo.Table
	// Origins maps a region to its origin's base URL (the region's frontend).
	Origins map[string]string
	// Definition is CloudFront's behaviors (deploy/geo/edge.json); its
	// failover_regions say which region backs up each region.
	Definition *Definition
	// Now is the cache's clock (time.Now when nil).
	Now func() time.Time
	// ClientRTT is the round trip between a client served by region from and
	// the origin in region to.
	ClientRTT func(from, to string) time.Duration
	// ConnectTimeout and ResponseTimeout bound one origin attempt
	// (CloudFront's defaults are 10 s and 30 s; the lab uses less).
	ConnectTimeout  time.Duration
	ResponseTimeout time.Duration
	// SourceIP, when set, is the address the edge connects to origins
	// from, so an origin can trust exactly the edge as a proxy while
	// clients on the same machine stay untrusted.
	SourceIP string
	// Limits on clients; zero values take DefaultLimits.
	Limits Limits
}

// Limits are what the edge allows a client, modelled on CloudFront in
// front of an ALB (docs/security.md lists the documented values).
type Limits struct {
	// MaxRequestBytes bounds the request line plus headers (CloudFront:
	// 20,480 bytes); beyond it the answer is 431.
	MaxRequestBytes int
	// MaxURLBytes bounds the URL (CloudFront: 8,192 bytes); beyond it 414.
	MaxURLBytes int
	// MaxBodyBytes bounds a request body; beyond it 413.
	MaxBodyBytes int64
	// HeaderTimeout is how long a client has to send its headers.
	HeaderTimeout time.Duration
	// ReadTimeout is how long a client has to send a whole request, body
	// included; a slower one gets 408 and its connection is closed.
	ReadTimeout time.Duration
	// WriteTimeout bounds the time from the end of the headers to the end
	// of the answer, so a client that stops reading is cut.
	WriteTimeout time.Duration
	// IdleTimeout closes a kept-alive connection with no request (the
	// ALB's connection idle timeout is 60 s by default).
	IdleTimeout time.Duration
}

// DefaultLimits are the lab's: CloudFront's documented request and URL
// lengths, the ALB's 60 s idle timeout, and a 1 MiB body.
var DefaultLimits = Limits{
	MaxRequestBytes: 20480,
	MaxURLBytes:     8192,
	MaxBodyBytes:    1 << 20,
	HeaderTimeout:   10 * time.Second,
	ReadTimeout:     60 * time.Second,
	WriteTimeout:    60 * time.Second,
	IdleTimeout:     60 * time.Second,
}

func (l Limits) orDefaults() Limits {
	d := DefaultLimits
	if l.MaxRequestBytes == 0 {
		l.MaxRequestBytes = d.MaxRequestBytes
	}
	if l.MaxURLBytes == 0 {
		l.MaxURLBytes = d.MaxURLBytes
	}
	if l.MaxBodyBytes == 0 {
		l.MaxBodyBytes = d.MaxBodyBytes
	}
	if l.HeaderTimeout == 0 {
		l.HeaderTimeout = d.HeaderTimeout
	}
	if l.ReadTimeout == 0 {
		l.ReadTimeout = d.ReadTimeout
	}
	if l.WriteTimeout == 0 {
		l.WriteTimeout = d.WriteTimeout
	}
	if l.IdleTimeout == 0 {
		l.IdleTimeout = d.IdleTimeout
	}
	return l
}

// Edge is an http.Handler.
type Edge struct {
	cfg       Config
	transport *http.Transport
	cache     *cache
	mu        sync.RWMutex
	down      map[string]bool
}

// New checks cfg and builds the edge.
func New(cfg Config) (*Edge, error) {
	if cfg.Geo == nil {
		return nil, errors.New("edge: no locations table")
	}
	if cfg.Definition == nil {
		return nil, errors.New("edge: no behaviors (deploy/geo/edge.json)")
	}
	for r := range cfg.Geo.Regions() {
		if _, ok := cfg.Origins[r]; !ok {
			return nil, fmt.Errorf("edge: locations table routes to %s, which has no origin", r)
		}
	}
	for r, u := range cfg.Origins {
		if _, err := url.Parse(u); err != nil {
			return nil, fmt.Errorf("edge: origin %s: %w", r, err)
		}
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 2 * time.Second
	}
	if cfg.ResponseTimeout == 0 {
		cfg.ResponseTimeout = 10 * time.Second
	}
	if cfg.ClientRTT == nil {
		cfg.ClientRTT = func(string, string) time.Duration { return 0 }
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Limits = cfg.Limits.orDefaults()
	d := &net.Dialer{Timeout: cfg.ConnectTimeout}
	if cfg.SourceIP != "" {
		ip := net.ParseIP(cfg.SourceIP)
		if ip == nil {
			return nil, fmt.Errorf("edge: source address %q is not an IP", cfg.SourceIP)
		}
		d.LocalAddr = &net.TCPAddr{IP: ip}
	}
	e := &Edge{cfg: cfg, down: map[string]bool{}, cache: newCache(cfg.Now)}
	e.transport = &http.Transport{
		DialContext:           e.dial(d),
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       30 * time.Second,
		ResponseHeaderTimeout: cfg.ResponseTimeout,
	}
	return e, nil
}

// Server is an HTTP server for the edge with its client limits applied.
// Requests whose headers exceed the limit by more than net/http's slack are
// refused with 431 by net/http itself; ServeHTTP refuses the rest.
func (e *Edge) Server() *http.Server {
	l := e.cfg.Limits
	return &http.Server{
		Handler:           e,
		ReadHeaderTimeout: l.HeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxRequestBytes,
	}
}

type regionKey struct{}

// dial refuses connections to a region that is cut off, as a partition
// between the edge and that region's load balancer would.
func (e *Edge) dial(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if r, _ := ctx.Value(regionKey{}).(string); r != "" && e.Down(r) {
			return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf("region %s unreachable: %w", r, errRefused)}
		}
		return d.DialContext(ctx, network, addr)
	}
}

var errRefused = errors.New("connection refused")

// SetDown marks region's origin unreachable (true) or reachable again.
func (e *Edge) SetDown(region string, down bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.down[region] = down
	e.transport.CloseIdleConnections()
}

// Down reports whether region's origin is cut off.
func (e *Edge) Down(region string) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.down[region]
}

// Route is the edge's decision for one request.
type Route struct {
	Location  string `json:"location"`
	Record    string `json:"record"`
	Region    string `json:"region"`
	Primary   string `json:"primary"`
	Secondary string `json:"secondary"`
}

// Route places a request and picks its origins.
func (e *Edge) Route(r *http.Request) (Route, error) {
	// The header (a test client's), then ?loc= (a choice made just now),
	// then the cookie (a choice made before).
	loc := r.Header.Get(HeaderLocation)
	if loc == "" {
		loc = r.URL.Query().Get("loc")
	}
	if loc == "" {
		if c, err := r.Cookie("loc"); err == nil {
			loc = c.Value
		}
	}
	m, err := e.cfg.Geo.Resolve(loc)
	if err != nil {
		return Route{}, err
	}
	rt := Route{Location: m.Location, Record: m.Record, Region: m.Region, Primary: m.Region}
	pin := r.Header.Get(HeaderRegion)
	if p, ok := pinnedPath(r.URL.Path); ok {
		pin = p
	}
	if pin != "" {
		if _, ok := e.cfg.Origins[pin]; !ok {
			return Route{}, fmt.Errorf("%s: unknown region %q", HeaderRegion, pin)
		}
		rt.Primary = pin
	}
	rt.Secondary = e.cfg.Definition.FailoverRegions[rt.Primary]
	return rt, nil
}

// PathPrefixRegion addresses one region's load balancer by path, for
// clients that cannot set HeaderRegion: /_region/us-west-2/healthz goes to
// us-west-2's /healthz, paying the delay from the client's location. The
// dashboard's latency panel measures each region this way in the lab.
const PathPrefixRegion = "/_region/"

func pinnedPath(path string) (region string, ok bool) {
	rest, ok := strings.CutPrefix(path, PathPrefixRegion)
	if !ok {
		return "", false
	}
	region, _, _ = strings.Cut(rest, "/")
	return region, true
}

// requestBytes is the size of the request line and headers as the client
// sent them, near enough: what CloudFront's request length quota counts.
func requestBytes(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2 + len("Host: ") + len(r.Host) + 2
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	return n + 2
}

// checkClient refuses what CloudFront refuses before any origin sees it.
func (e *Edge) checkClient(w http.ResponseWriter, r *http.Request) bool {
	l := e.cfg.Limits
	// A refused request's connection is closed: its body is never read.
	w.Header().Set("Connection", "close")
	switch {
	case len(r.RequestURI) > l.MaxURLBytes:
		writeError(w, http.StatusRequestURITooLong, "uri_too_long", fmt.Sprintf("the URL is longer than %d bytes", l.MaxURLBytes))
	case requestBytes(r) > l.MaxRequestBytes:
		writeError(w, http.StatusRequestHeaderFieldsTooLarge, "headers_too_large",
			fmt.Sprintf("the request line and headers exceed %d bytes", l.MaxRequestBytes))
	case (r.Method == http.MethodGet || r.Method == http.MethodHead) && (r.ContentLength != 0 || len(r.TransferEncoding) > 0):
		// CloudFront answers a GET with a body 403; HEAD is treated alike.
		writeError(w, http.StatusForbidden, "body_not_allowed", r.Method+" requests may not carry a body")
	case r.ContentLength > l.MaxBodyBytes:
		writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("the body is larger than %d bytes", l.MaxBodyBytes))
	default:
		w.Header().Del("Connection")
		return true
	}
	return false
}

// ServeHTTP answers /_edge/route itself and forwards everything else.
func (e *Edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !e.checkClient(w, r) {
		return
	}
	rt, err := e.Route(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	viewerPath := r.URL.Path
	if region, ok := pinnedPath(r.URL.Path); ok {
		r.URL.Path = strings.TrimPrefix(r.URL.Path, PathPrefixRegion+region)
		if r.URL.Path == "" {
			r.URL.Path = "/"
		}
		r.URL.RawPath = ""
	}
	// A location chosen with ?loc= sticks, as a browser's location would:
	// the pages it links to carry no parameter.
	if r.URL.Query().Get("loc") != "" && r.Header.Get(HeaderLocation) == "" && rt.Location != "" {
		http.SetCookie(w, &http.Cookie{Name: "loc", Value: rt.Location, Path: "/", SameSite: http.SameSiteLaxMode})
	}
	if r.URL.Path == "/_edge/route" {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(rt)
		return
	}
	b := e.cfg.Definition.Match(viewerPath)
	if !b.Allows(r.Method) {
		forbidden(w, r.Method)
		return
	}
	policy := e.cfg.Definition.CachePolicies[b.CachePolicy]
	cacheable := (r.Method == http.MethodGet || r.Method == http.MethodHead) && policy.MaxTTL > 0
	k := ""
	if cacheable {
		k = key(rt.Region, r, policy)
		if hit, ok := e.cache.get(k); ok {
			e.serveCached(w, r, hit, rt)
			return
		}
	}

	// The origin: one region, or an origin group's primary with its
	// stand-in behind it. Only a group fails over, and only GET, HEAD and
	// OPTIONS (CloudFront's rule); a pinned region is one origin.
	group, isGroup := e.cfg.Definition.OriginGroups[b.Target]
	primary, secondary := rt.Primary, ""
	if isGroup && b.region == "" && r.Header.Get(HeaderRegion) == "" {
		secondary = rt.Secondary
	}
	idempotent := r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions
	canFailOver := secondary != "" && idempotent
	// The client's body is read under the body limit, and whatever goes
	// wrong reading it is the client's mistake, not the origin's.
	in := &clientBody{r: http.MaxBytesReader(w, r.Body, e.cfg.Limits.MaxBodyBytes)}
	r.Body = in
	if idempotent {
		// A second attempt needs the body again; these methods carry little
		// (GET and HEAD none at all: checkClient refused it).
		buf, err := io.ReadAll(in)
		if err != nil {
			e.clientFailed(w, in.err)
			return
		}
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }
		r.Body, _ = r.GetBody()
		// The origin gets the length of what is forwarded, never a
		// length the client claimed.
		r.ContentLength = int64(len(buf))
		r.TransferEncoding = nil
	}
	resp, served, err := e.try(r, rt.Region, primary)
	// A client that went away or sent a bad body is not an origin failure:
	// no second attempt, and a 4xx rather than a 5xx.
	if in.err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		e.clientFailed(w, in.err)
		return
	}
	if r.Context().Err() != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return
	}
	if canFailOver && failed(resp, err, group.StatusCodes) {
		if resp != nil {
			resp.Body.Close()
		}
		resp, served, err = e.try(r, rt.Region, secondary)
	}
	if err != nil {
		status := http.StatusBadGateway
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			status = http.StatusGatewayTimeout
		}
		w.Header().Set(HeaderOrigin, served)
		w.Header().Set(HeaderCache, CacheError)
		writeError(w, status, "origin_unreachable", fmt.Sprintf("origin %s: %v", served, err))
		return
	}
	defer resp.Body.Close()
	h := w.Header()
	for k, vs := range resp.Header {
		if hopHeader(k) {
			continue
		}
		h[k] = vs
	}
	h.Set(HeaderOrigin, served)
	h.Set(HeaderRecord, rt.Record)
	h.Set(HeaderCache, CacheMiss)
	if served != rt.Primary {
		h.Set(HeaderFailover, "true")
	}
	life := ttl(resp.Header, policy)
	if !cacheable || resp.StatusCode != http.StatusOK || life <= 0 {
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
		return
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err == nil && len(body) <= maxBody && r.Method == http.MethodGet {
		now := e.cfg.Now()
		hdr := resp.Header.Clone()
		for k := range hdr {
			if hopHeader(k) {
				hdr.Del(k)
			}
		}
		e.cache.put(k, &cached{status: resp.StatusCode, header: hdr, body: body, stored: now, expires: now.Add(life)})
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
	_, _ = io.Copy(w, resp.Body)
}

// serveCached answers from the cache as CloudFront does: the stored
// answer, its Age, and X-Cache: Hit from cloudfront.
func (e *Edge) serveCached(w http.ResponseWriter, r *http.Request, c *cached, rt Route) {
	h := w.Header()
	for k, vs := range c.header {
		h[k] = vs
	}
	h.Set("Age", strconv.FormatInt(int64(e.cfg.Now().Sub(c.stored)/time.Second), 10))
	h.Set(HeaderCache, CacheHit)
	h.Set(HeaderRecord, rt.Record)
	w.WriteHeader(c.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(c.body)
	}
}

// forbidden is CloudFront's answer to a method the behavior does not
// allow: 403, from CloudFront itself.
func forbidden(w http.ResponseWriter, method string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set(HeaderCache, CacheError)
	w.WriteHeader(http.StatusForbidden)
	_, _ = io.WriteString(w, "<html><head><title>403 ERROR</title></head><body><h1>403 ERROR</h1>"+
		"<h2>The request could not be satisfied.</h2>This distribution is not configured to allow the HTTP request method "+
		template.HTMLEscapeString(method)+" for this path.</body></html>\n")
}

// clientBody remembers the first error reading the client's body, so an
// origin attempt that failed because of it is blamed on the client.
type clientBody struct {
	r   io.ReadCloser
	err error
}

func (b *clientBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

func (b *clientBody) Close() error { return b.r.Close() }

// clientFailed answers a request whose body could not be read: too large,
// too slow, or badly framed. The connection is closed after it.
func (e *Edge) clientFailed(w http.ResponseWriter, err error) {
	w.Header().Set("Connection", "close")
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("the body is larger than %d bytes", mbe.Limit))
	case isTimeout(err):
		writeError(w, http.StatusRequestTimeout, "request_timeout", "the request body did not arrive in time")
	default:
		writeError(w, http.StatusBadRequest, "bad_request", "the request body could not be read")
	}
}

// try sends r to region's origin after the client's network delay to it.
func (e *Edge) try(r *http.Request, clientRegion, region string) (*http.Response, string, error) {
	base, ok := e.cfg.Origins[region]
	if !ok {
		return nil, region, fmt.Errorf("no origin for %s", region)
	}
	if d := e.cfg.ClientRTT(clientRegion, region); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return nil, region, r.Context().Err()
		}
	}
	u, _ := url.Parse(base)
	out := r.Clone(context.WithValue(r.Context(), regionKey{}, region))
	out.RequestURI = ""
	if r.GetBody != nil {
		out.Body, _ = r.GetBody()
	}
	out.URL.Scheme, out.URL.Host = u.Scheme, u.Host
	out.Host = u.Host
	for k := range out.Header {
		if hopHeader(k) {
			out.Header.Del(k)
		}
	}
	out.Header.Del(HeaderRegion)
	// As CloudFront does: the address the connection came from is appended
	// to whatever X-Forwarded-For the client sent. Only the rightmost entry
	// is the edge's word; the origin trusts nothing to the left of it.
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		if prior := out.Header.Values("X-Forwarded-For"); len(prior) > 0 {
			ip = strings.Join(prior, ", ") + ", " + ip
		}
		out.Header.Set("X-Forwarded-For", ip)
	}
	out.Header.Set("X-Forwarded-Proto", "http")
	resp, err := e.transport.RoundTrip(out)
	return resp, region, err
}

// failed reports whether an origin group sends the request to its
// secondary: no answer, or a status code it fails over on.
func failed(resp *http.Response, err error, codes []int) bool {
	return err != nil || slices.Contains(codes, resp.StatusCode)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func hopHeader(k string) bool {
	switch http.CanonicalHeaderKey(k) {
	case "Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return true
	}
	return false
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": strings.TrimSpace(msg)}})
}

// Close drops idle origin connections.
func (e *Edge) Close() { e.transport.CloseIdleConnections() }
