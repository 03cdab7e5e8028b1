package compare

import (
	"fmt"
	"strings"
)

// HAProxyServer is one writer candidate behind the proxy.
type HAProxyServer struct {
	Name string
	Addr string // host:port
}

// HAProxyCheckUser is the passwordless user HAProxy's MySQL check logs in
// as; the tool creates it on the writer and replication copies it.
const HAProxyCheckUser = "haproxy_check"

// HAProxyConfig is the proxy peer's configuration, as HAProxy's
// configuration manual (section 4, "option mysql-check", and section 5.2,
// "backup", "on-marked-down") describes a database with one primary and
// backups: TCP mode, a MySQL check that logs in as an unprivileged user
// without a password, the first server as primary and the others as
// backups, used only when the primary is down, one at a time. Checks every
// second (the manual's default is 2 s; 1 s matches our monitor and
// ProxySQL's published setting), down after 3 failed checks and up after
// 2 (the defaults), and connections to a server marked down are cut so
// clients reconnect through the proxy.
func HAProxyConfig(bind string, primary HAProxyServer, backups []HAProxyServer) string {
	var b strings.Builder
	fmt.Fprintf(&b, `global
    maxconn 4096

defaults
    mode tcp
    timeout connect 2s
    timeout client 1h
    timeout server 1h

listen writer
    bind %s
    option mysql-check user %s post-41
    default-server inter 1s fall 3 rise 2 on-marked-down shutdown-sessions
    server %s %s check
`, bind, HAProxyCheckUser, primary.Name, primary.Addr)
	for _, s := range backups {
		fmt.Fprintf(&b, "    server %s %s check backup\n", s.Name, s.Addr)
	}
	return b.String()
}
