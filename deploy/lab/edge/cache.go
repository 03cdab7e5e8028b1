package edge

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Bounds of the cache: whatever clients request, it holds at most
// maxEntries answers of at most maxBody bytes each.
const (
	maxEntries = 512
	maxBody    = 1 << 20
)

// cache is CloudFront's cache as the edge models it: one per viewer
// region (CloudFront's edge locations do not share a cache), keyed by the
// behavior's cache policy, kept as long as the policy and the origin's
// Cache-Control allow.
type cache struct {
	mu      sync.Mutex
	entries map[string]*cached
	order   []string // insertion order, oldest first, for eviction
	now     func() time.Time
}

type cached struct {
	status  int
	header  http.Header
	body    []byte
	stored  time.Time
	expires time.Time
}

func newCache(now func() time.Time) *cache {
	return &cache{entries: map[string]*cached{}, now: now}
}

// key is the cache key: the viewer's region (its edge location), the
// path, and the query strings and cookies the policy names.
func key(viewerRegion string, r *http.Request, p CachePolicy) string {
	var b strings.Builder
	b.WriteString(viewerRegion)
	b.WriteString("\x00")
	b.WriteString(r.URL.Path)
	b.WriteString("\x00")
	q := r.URL.Query()
	names := p.Query.Names
	if p.Query.All {
		names = nil
		for n := range q {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		if vs, ok := q[n]; ok {
			b.WriteString(url.QueryEscape(n) + "=" + url.QueryEscape(strings.Join(vs, ",")) + "&")
		}
	}
	b.WriteString("\x00")
	cookies := slices.Clone(p.Cookies)
	slices.Sort(cookies)
	for _, n := range cookies {
		if c, err := r.Cookie(n); err == nil {
			b.WriteString(n + "=" + c.Value + ";")
		}
	}
	return b.String()
}

func (c *cache) get(k string) (*cached, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok {
		return nil, false
	}
	if !c.now().Before(e.expires) {
		delete(c.entries, k)
		return nil, false
	}
	return e, true
}

func (c *cache) put(k string, e *cached) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; !ok {
		c.order = append(c.order, k)
	}
	c.entries[k] = e
	for len(c.entries) > maxEntries && len(c.order) > 0 {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
	if len(c.order) > 2*maxEntries {
		c.order = slices.DeleteFunc(c.order, func(k string) bool { _, ok := c.entries[k]; return !ok })
	}
}

// ttl is how long CloudFront keeps an answer: the origin's s-maxage or
// max-age (none when it says no-store, no-cache or private), else the
// policy's default, held between the policy's minimum and maximum. A
// minimum above 0 wins even over no-store: that is CloudFront's rule.
func ttl(h http.Header, p CachePolicy) time.Duration {
	origin, set := int64(-1), false
	for _, part := range strings.Split(strings.ToLower(strings.Join(h.Values("Cache-Control"), ",")), ",") {
		name, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch name {
		case "no-store", "no-cache", "private":
			origin, set = 0, true
		case "s-maxage":
			if n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64); err == nil && origin != 0 {
				origin, set = n, true
			}
		case "max-age":
			if n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64); err == nil && !set {
				origin, set = n, true
			}
		}
	}
	if !set {
		origin = p.DefaultTTL
	}
	origin = max(origin, p.MinTTL)
	origin = min(origin, p.MaxTTL)
	return time.Duration(origin) * time.Second
}
