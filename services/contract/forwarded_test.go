package contract

import (
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	trusted := Within([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")})
	for _, c := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"untrusted peer's header is ignored", "203.0.113.1:5000", []string{"198.51.100.7"}, "203.0.113.1"},
		{"proxy names the client", "10.0.0.5:5000", []string{"198.51.100.7"}, "198.51.100.7"},
		{"spoofed entries left of the client", "10.0.0.5:5000", []string{"1.2.3.4, 198.51.100.7"}, "198.51.100.7"},
		{"chain of proxies", "10.0.0.5:5000", []string{"198.51.100.7, 10.1.1.1", "10.2.2.2"}, "198.51.100.7"},
		{"garbage ends the walk at the proxy", "10.0.0.5:5000", []string{"198.51.100.7, <script>"}, "10.0.0.5"},
		{"garbage left of the client", "10.0.0.5:5000", []string{"x, 198.51.100.7"}, "198.51.100.7"},
		{"only proxies", "10.0.0.5:5000", []string{"10.9.9.9"}, "10.9.9.9"},
		{"mapped IPv4", "[::ffff:10.0.0.5]:5000", []string{"::ffff:198.51.100.7"}, "198.51.100.7"},
		{"peer that is no address", "pipe", nil, ""},
	} {
		if got := ClientAddr(c.peer, c.xff, trusted); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
