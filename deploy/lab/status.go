package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"hyundai-poc.com/contract"
	"hyundai-poc.com/lab/control"
)

// Settings records the lab's configuration for results files.
func (l *Lab) Settings() control.Settings {
	s := control.Settings{Regions: l.Layout.Regions, Writer: l.db.Writer(), DNSTTLms: l.cfg.DNSTTL.Milliseconds(),
		RTTms: map[string]int64{}, BackendEnv: maps.Clone(l.cfg.BackendEnv), Edge: "http://" + l.Layout.EdgeAddr(), Timing: l.Timing}
	for i, a := range l.Layout.Regions {
		for _, b := range l.Layout.Regions[i:] {
			s.RTTms[a+"<->"+b] = l.Table.RTT(a, b).Milliseconds()
		}
	}
	return s
}

// Summary is the table of every endpoint, printed when the lab is ready.
func (l *Lab) Summary() string {
	var sb strings.Builder
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "REGION\tROLE\tFRONTEND\tBACKEND\tDNS\tDB NODE\tQUEUE\tWRITER NAME -> \tREADER NAME -> \n")
	for _, r := range l.Layout.Regions {
		role := "replica"
		if r == l.db.Writer() {
			role = "writer"
		}
		fmt.Fprintf(tw, "%s\t%s\thttp://%s\thttp://%s\t%s\t%s\t%s\t%s\t%s\n", r, role, l.Layout.FrontendAddr(r), l.Layout.BackendAddr(r),
			l.Layout.DNSAddr(r), l.Layout.NodeAddr(r), l.Layout.QueueAddr(r), l.Layout.LinkAddr(r, l.db.Writer()), l.Layout.LinkAddr(r, r))
	}
	tw.Flush()
	fmt.Fprintf(&sb, "\nedge (Route53 geolocation + CloudFront): http://%s  (pick a location: -H 'X-Client-Location: KR', cookie loc=US-CA or ?loc=US-VA)\n", l.Layout.EdgeAddr())
	fmt.Fprintf(&sb, "names: %s, %s (TTL %s)\n", l.Layout.WriterName(), l.Layout.ReaderName("<region>"), l.cfg.DNSTTL)
	t := l.Timing
	fmt.Fprintf(&sb, "timing: %s (switchover fence %s, failover without writer %s, DNS follows %s-%s after, per region; %s)\n",
		t.Name, t.SwitchoverFence, t.FailoverNoWriter, t.DNSDelayMin, t.DNSDelayMax, l.cfg.TimingFile)
	fmt.Fprintf(&sb, "logs: %s\ncontrol: lab status | switchover --to R | failover --to R | isolate R | heal R | stop|start reader|backend|queue R\n",
		filepath.Join(l.cfg.Dir, "logs"))
	return sb.String()
}

// Status gathers the lab's state.
func (l *Lab) Status(ctx context.Context) control.Status {
	st := control.Status{Writer: l.db.Writer(), Nodes: l.db.Status(ctx), Settings: l.Settings(), ReadyMs: l.ReadyIn.Milliseconds()}
	client := &http.Client{Timeout: 2 * time.Second}
	for _, r := range l.Layout.Regions {
		rs := control.RegionStatus{Region: r, EdgeCut: l.Edge != nil && l.Edge.Down(r), WriterDNS: l.db.WriterRecord(r)}
		if p := l.backends[r]; p != nil {
			rs.BackendPid = p.Pid()
		}
		if q := l.queues[r]; q != nil {
			rs.Queue.Addr, rs.Queue.Pid = q.Addr(), q.Pid()
		}
		rs.BackendReady = get(ctx, client, "http://"+l.Layout.BackendAddr(r)+"/readyz") == 200
		rs.FrontendReady = get(ctx, client, "http://"+l.Layout.FrontendAddr(r)+"/healthz") == 200 ||
			get(ctx, client, "http://"+l.Layout.FrontendAddr(r)+"/readyz") == 200
		// The operators' view, straight from the backend: it names the
		// endpoints and nodes, which the public /api/region does not.
		if req, err := http.NewRequestWithContext(ctx, "GET", "http://"+l.Layout.BackendAddr(r)+contract.PathRegionDetail, nil); err == nil {
			if resp, err := client.Do(req); err == nil {
				b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
				resp.Body.Close()
				var ar contract.RegionDetail
				if resp.StatusCode == http.StatusOK && json.Unmarshal(b, &ar) == nil {
					if ar.ReplicationLagMS != nil {
						lag := float64(*ar.ReplicationLagMS)
						rs.LagMs = &lag
					}
					rs.ReadSource, rs.WriterSeen = string(ar.ReadSource), ar.WriterRegion
					if q := ar.Queue; q != nil {
						rs.Queue.Seen, rs.Queue.Up, rs.Queue.Depth, rs.Queue.OldestMs, rs.Queue.Error = true, q.Up, q.Depth, q.OldestMS, q.Error
					}
					rs.API = b
				}
			}
		}
		st.Regions = append(st.Regions, rs)
	}
	return st
}

func get(ctx context.Context, c *http.Client, url string) int {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return 0
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
