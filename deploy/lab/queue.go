package lab

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"hyundai-poc.com/lab/topology"
	"hyundai-poc.com/redisserver"
)

// startQueues starts each region's write queue: a redis-server whose
// append-only file is fsynced before each write is answered, as a MemoryDB
// cluster's Multi-AZ transaction log keeps every acknowledged write in AWS.
// Only the region's own backend uses it, so no link stands between them.
func (l *Lab) startQueues(ctx context.Context) error {
	for _, r := range l.Layout.Regions {
		host, port, _ := net.SplitHostPort(l.Layout.QueueAddr(r))
		p, _ := strconv.Atoi(port)
		lf, err := os.OpenFile(filepath.Join(l.cfg.Dir, "logs", "queue-"+r+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return err
		}
		l.logs = append(l.logs, lf)
		s, err := redisserver.Start(ctx, redisserver.Options{Name: "queue-" + r, Host: host, Port: p,
			Dir: filepath.Join(l.cfg.Dir, "queue", r), Log: lf})
		if err != nil {
			return fmt.Errorf("write queue %s: %w", r, err)
		}
		l.queues[r] = s
	}
	_ = l.SaveState()
	l.progress("write queues up: one redis-server per region, append-only, fsync on every write")
	return nil
}

// Queue is region's write queue server (nil for an unknown region).
func (l *Lab) Queue(region string) *redisserver.Server { return l.queues[region] }

// remoteReaders is REMOTE_READERS for region's backend: the other regions'
// reader endpoints by name, which region's DNS resolves to its links to
// them, so a cut link or a stopped reader takes them away as it would in AWS.
func (l *Lab) remoteReaders(region string) string {
	var rs []string
	for _, o := range l.Layout.Regions {
		if o != region {
			rs = append(rs, o+"="+l.Layout.ReaderName(o)+":3306")
		}
	}
	return strings.Join(rs, ",")
}

// StopQueue kills region's queue server, as a crash would: what it
// acknowledged stays in its append-only file for StartQueue.
func (l *Lab) StopQueue(ctx context.Context, region string) (topology.Result, error) {
	q := l.queues[region]
	if q == nil {
		return topology.Result{}, l.Layout.Valid(region)
	}
	if !q.Running() {
		return topology.Result{}, fmt.Errorf("queue %s is not running", region)
	}
	start := time.Now()
	q.Kill()
	_ = l.SaveState()
	return topology.Result{Op: "stop-queue", Message: "queue " + region + " killed (its append-only file is kept)", Took: time.Since(start)}, nil
}

// StartQueue starts region's queue server again on its directory; it
// answers once it has replayed its append-only file.
func (l *Lab) StartQueue(ctx context.Context, region string) (topology.Result, error) {
	q := l.queues[region]
	if q == nil {
		return topology.Result{}, l.Layout.Valid(region)
	}
	start := time.Now()
	if err := q.Restart(ctx); err != nil {
		return topology.Result{}, err
	}
	_ = l.SaveState()
	return topology.Result{Op: "start-queue", Message: "queue " + region + " started on its append-only file", Took: time.Since(start)}, nil
}
