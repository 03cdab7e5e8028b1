package contract

import (
	"net"
	"net/netip"
	"strings"
)

// ClientAddr is the client's address as the trusted proxy chain gives it.
// The peer's own address counts unless trusted says it is a proxy; then
// X-Forwarded-For is walked from the right, where each proxy appends the
// address it saw, for as long as entries are trusted proxies. The first
// entry that is not is the client. An entry that is not an address ends
// the walk at the last proxy, so the result is always a valid address (or
// "" for a peer that is none).
func ClientAddr(remoteAddr string, forwardedFor []string, trusted func(netip.Addr) bool) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return ""
	}
	a = a.Unmap()
	if !trusted(a) {
		return a.String()
	}
	var hops []string
	for _, v := range forwardedFor {
		for _, h := range strings.Split(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				hops = append(hops, h)
			}
		}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		h, err := netip.ParseAddr(hops[i])
		if err != nil {
			break
		}
		a = h.Unmap()
		if !trusted(a) {
			break
		}
	}
	return a.String()
}

// Within reports whether a is in one of the prefixes.
func Within(prefixes []netip.Prefix) func(netip.Addr) bool {
	return func(a netip.Addr) bool {
		for _, p := range prefixes {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
}
