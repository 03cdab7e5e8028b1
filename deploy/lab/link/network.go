package link

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/rs/zerolog"
)

// Network is a set of Toxiproxy proxies run in this process, one per link.
// A link carries traffic from clients in region From to a server in region
// To, delayed by the table's RTT for that pair.
type Network struct {
	table  *Table
	server *toxiproxy.ApiServer
	mu     sync.Mutex
	links  map[string]*Link
}

// Link is one proxy.
type Link struct {
	Name     string
	From, To string
	Listen   string
	Upstream string
	proxy    *toxiproxy.Proxy
}

// NewNetwork makes an empty network whose links take delays from t.
func NewNetwork(t *Table) *Network {
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
	return &Network{table: t, server: srv, links: map[string]*Link{}}
}

// Add starts a proxy on listen that forwards to upstream with the delay of
// from<->to, half the RTT each way.
func (n *Network) Add(name, from, to, listen, upstream string) (*Link, error) {
	if !n.table.Has(from) || !n.table.Has(to) {
		return nil, fmt.Errorf("link %s: unknown region %s or %s", name, from, to)
	}
	p := toxiproxy.NewProxy(n.server, name, listen, upstream)
	if err := p.Start(); err != nil {
		return nil, fmt.Errorf("link %s on %s: %w", name, listen, err)
	}
	up, down := n.table.OneWay(from, to)
	for _, t := range []struct {
		stream string
		d      time.Duration
	}{{"upstream", up}, {"downstream", down}} {
		if t.d <= 0 {
			continue
		}
		body, _ := json.Marshal(map[string]any{
			"name": "latency_" + t.stream, "type": "latency", "stream": t.stream,
			"attributes": map[string]any{"latency": t.d.Milliseconds()},
		})
		if _, err := p.Toxics.AddToxicJson(bytes.NewReader(body)); err != nil {
			p.Stop()
			return nil, fmt.Errorf("link %s: latency: %w", name, err)
		}
	}
	l := &Link{Name: name, From: from, To: to, Listen: listen, Upstream: upstream, proxy: p}
	n.mu.Lock()
	n.links[name] = l
	n.mu.Unlock()
	return l, nil
}

// Up reports whether the link passes traffic.
func (l *Link) Up() bool {
	l.proxy.Lock()
	defer l.proxy.Unlock()
	return l.proxy.Enabled
}

// SetUp opens (true) or cuts (false) the link. Cutting closes every open
// connection and refuses new ones, as a network partition seen from a
// client whose packets are rejected.
func (l *Link) SetUp(up bool) error {
	if up == l.Up() {
		return nil
	}
	if !up {
		l.proxy.Stop()
		return nil
	}
	if err := l.proxy.Start(); err != nil {
		return fmt.Errorf("link %s: %w", l.Name, err)
	}
	return nil
}

// Links lists every link, sorted by name.
func (n *Network) Links() []*Link {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]*Link, 0, len(n.links))
	for _, l := range n.links {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Close stops every proxy.
func (n *Network) Close() {
	for _, l := range n.Links() {
		l.proxy.Stop()
	}
}
