package lab

import (
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
)

// reservedPortsFile lists the ports the kernel never hands out as the
// local port of an outgoing connection (Linux).
const reservedPortsFile = "/proc/sys/net/ipv4/ip_local_reserved_ports"

// reservePorts takes the lab's service ports out of the kernel's range of
// ephemeral ports. Region 3's ports (33000 and up) lie inside it, and the
// lab's own processes open database connections before the frontends
// listen: a connection that happened to leave from port 33000 made the
// frontend's listen fail with "address already in use", and went on doing
// so for a minute in TIME_WAIT. Ports already reserved stay reserved.
// Best effort: without root, or off Linux, nothing changes.
func (l *Lab) reservePorts() {
	old, err := os.ReadFile(reservedPortsFile)
	if err != nil {
		return
	}
	set := map[string]bool{}
	var list []string
	add := func(p string) {
		if p != "" && !set[p] {
			set[p] = true
			list = append(list, p)
		}
	}
	for _, p := range strings.Split(strings.TrimSpace(string(old)), ",") {
		add(p)
	}
	before := len(list)
	addrs := []string{l.Layout.EdgeAddr()}
	for _, r := range l.Layout.Regions {
		addrs = append(addrs, l.Layout.FrontendAddr(r), l.Layout.FrontendMetricsAddr(r), l.Layout.BackendAddr(r), l.Layout.DNSAddr(r))
	}
	for _, a := range addrs {
		if _, port, err := net.SplitHostPort(a); err == nil {
			if n, err := strconv.Atoi(port); err == nil && n > 0 && !reservedIn(list, n) {
				add(port)
			}
		}
	}
	if len(list) == before {
		return
	}
	sort.Strings(list[before:])
	if err := os.WriteFile(reservedPortsFile, []byte(strings.Join(list, ",")+"\n"), 0o644); err != nil {
		l.progress("could not keep the lab's ports out of the ephemeral range (%v); a start may fail on a port in use", err)
		return
	}
	// The setting is the machine's and outlives the lab: say so.
	l.progress("ports %s kept out of the kernel's ephemeral range (%s, until reboot)", strings.Join(list[before:], ","), reservedPortsFile)
}

// reservedIn reports whether port is in list, whose entries are ports or
// ranges ("33000-33002").
func reservedIn(list []string, port int) bool {
	for _, e := range list {
		lo, hi, isRange := strings.Cut(e, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		if port >= a && port <= b {
			return true
		}
	}
	return false
}
