package datapath

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"hyundai-poc.com/contract"
)

var errNoRows = sql.ErrNoRows

// Run checks the writer and the reader every MonitorInterval, writes this
// process's heartbeat, and measures replication lag, until ctx ends. A
// writer move is found here, before a user request runs into it.
func (c *Databases) Run(ctx context.Context) {
	go c.heartbeatLoop(ctx)
	go c.lagLoop(ctx)
	go c.watchHeartbeats(ctx)
	t := time.NewTicker(c.opts.MonitorInterval)
	defer t.Stop()
	for {
		c.checkWriter(ctx)
		c.checkReader(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// nodeInfo is what a node says about itself.
type nodeInfo struct {
	node     string
	region   string
	readOnly bool
}

// probe asks a node who it is. SHOW GLOBAL VARIABLES answers on MySQL 8,
// Aurora MySQL and MariaDB alike; a variable a server lacks is just absent.
func probe(ctx context.Context, db *sqlx.DB) (nodeInfo, error) {
	rows, err := db.QueryContext(ctx, "SHOW GLOBAL VARIABLES WHERE Variable_name IN "+
		"('read_only','innodb_read_only','report_host','hostname','aurora_server_id')")
	if err != nil {
		return nodeInfo{}, err
	}
	defer rows.Close()
	vars := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nodeInfo{}, err
		}
		vars[strings.ToLower(k)] = v
	}
	if err := rows.Err(); err != nil {
		return nodeInfo{}, err
	}
	var ni nodeInfo
	ni.readOnly = truthy(vars["read_only"]) || truthy(vars["innodb_read_only"])
	switch {
	case vars["aurora_server_id"] != "":
		ni.node = vars["aurora_server_id"]
		// Aurora Global Database lists every instance with its region
		// (information_schema table, Aurora MySQL 3.04.0 and later).
		var region sql.NullString
		if err := db.QueryRowContext(ctx, "SELECT AWS_REGION FROM information_schema.aurora_global_db_instance_status WHERE SERVER_ID = ?", ni.node).Scan(&region); err == nil {
			ni.region = region.String
		}
	case vars["report_host"] != "":
		// Servers outside AWS (the lab, compose) name themselves in
		// report_host as "region" or "region/node".
		ni.node = vars["report_host"]
		ni.region, _, _ = strings.Cut(vars["report_host"], "/")
	default:
		ni.node = vars["hostname"]
	}
	return ni, nil
}

func (c *Databases) checkTimeout() time.Duration {
	return max(c.opts.MonitorInterval, c.opts.ConnectTimeout+time.Second)
}

// probeEndpoint resolves p's endpoint and asks the node behind it who it
// is. A changed DNS answer drops the pool first, so the probe (and every
// request after it) reaches the node the endpoint names now; a probe that
// fails on the node, or times out, drops it too. With mustWrite a
// read-only node counts as a failure.
func (c *Databases) probeEndpoint(ctx context.Context, p *pool, prevIPs []string, mustWrite bool) (ni nodeInfo, ips []string, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.checkTimeout())
	defer cancel()
	_, _, ips, rerr := p.resolve(ctx)
	if rerr != nil {
		ips = prevIPs
	}
	db, gen := p.db()
	if rerr == nil && len(prevIPs) > 0 && !sameSet(prevIPs, ips) {
		if p.reset(gen) {
			c.log.Info(p.role+" endpoint resolves elsewhere; pool dropped", "from", prevIPs, "to", ips)
		}
		db, gen = p.db()
	}
	start := time.Now()
	ni, err = probe(ctx, db)
	c.obs.QueryDone(p.role, outcome(err), time.Since(start))
	if err == nil && mustWrite && ni.readOnly {
		err = ErrReadOnlyNode
	}
	// Our own check timing out means the node is not answering.
	if err != nil && (isNodeFailure(err) || ctx.Err() != nil) {
		p.reset(gen)
	}
	return ni, ips, err
}

func (c *Databases) checkWriter(ctx context.Context) {
	c.mu.Lock()
	prevIPs := c.wstat.Resolved
	c.mu.Unlock()
	ni, ips, err := c.probeEndpoint(ctx, c.writer, prevIPs, true)
	now := time.Now().UTC()
	c.mu.Lock()
	if err != nil {
		c.wstat.Healthy, c.wstat.Error, c.wstat.CheckedAt, c.wstat.Resolved = false, err.Error(), now, ips
		c.mu.Unlock()
		return
	}
	prev, wasHealthy := c.wstat.Node, c.wstat.Healthy
	c.wstat = NodeCheck{Endpoint: c.opts.WriterAddr, Resolved: ips, Node: ni.node, Region: ni.region,
		Healthy: true, ReadOnly: false, CheckedAt: now}
	if c.up != nil {
		close(c.up) // wake writes waiting for a writer
		c.up = nil
	}
	if !wasHealthy && c.back != nil {
		close(c.back)
		c.back = nil
	}
	c.mu.Unlock()
	if prev != "" && prev != ni.node {
		c.obs.WriterChanged(prev, ni.node)
		c.log.Info("writer moved", "from", prev, "to", ni.node, "region", ni.region)
	}
}

func (c *Databases) checkReader(ctx context.Context) {
	c.mu.Lock()
	prevIPs := c.rstat.Resolved
	c.mu.Unlock()
	ni, ips, err := c.probeEndpoint(ctx, c.reader, prevIPs, false)
	now := time.Now().UTC()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		if c.rstat.Healthy {
			c.log.Warn("reader unhealthy; reads fall back to the writer", "error", err.Error())
		}
		c.rstat.Healthy, c.rstat.Error, c.rstat.CheckedAt, c.rstat.Resolved = false, err.Error(), now, ips
		return
	}
	if !c.rstat.Healthy && !c.rstat.CheckedAt.IsZero() {
		c.log.Info("reader healthy again", "node", ni.node)
	}
	c.rstat = NodeCheck{Endpoint: c.opts.ReaderAddr, Resolved: ips, Node: ni.node, Region: ni.region,
		Healthy: true, ReadOnly: ni.readOnly, CheckedAt: now}
}

// markWriterDown and markReaderDown record a failure seen by a request, so
// reads stop trying a dead reader before the next monitor tick.
func (c *Databases) markWriterDown(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wstat.Healthy = false
	c.wstat.Error = err.Error()
}

func (c *Databases) markReaderDown(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rstat.Healthy {
		c.log.Warn("reader failed a request; reads fall back to the writer", "error", err.Error())
	}
	c.rstat.Healthy = false
	c.rstat.Error = err.Error()
}

// heartbeatLoop writes this process's heartbeat row every interval and soon
// after each acknowledged write, so a consistency token is vouched for by
// the next heartbeat rather than up to a second later.
func (c *Databases) heartbeatLoop(ctx context.Context) {
	t := time.NewTicker(c.opts.MonitorInterval)
	defer t.Stop()
	lastCleanup := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-c.hbKick:
		}
		seq := c.hbStarted.Add(1)
		err := c.write(ctx, "heartbeat", nil, func(ctx context.Context, db *sqlx.DB, _ int) error {
			_, err := db.ExecContext(ctx,
				"INSERT INTO heartbeat (source, region, seq, ts, writer_node) VALUES (?, ?, ?, UTC_TIMESTAMP(6), ?) "+
					"ON DUPLICATE KEY UPDATE seq = VALUES(seq), ts = VALUES(ts), writer_node = VALUES(writer_node)",
				c.source, c.opts.Region, seq, c.writerNode())
			return err
		})
		if err != nil {
			if ctx.Err() == nil {
				c.log.Debug("heartbeat not written", "error", err.Error())
			}
			continue
		}
		c.mu.Lock()
		c.hbSent[seq] = time.Now()
		c.mu.Unlock()
		select {
		case c.lagKick <- struct{}{}:
		default:
		}
		if time.Since(lastCleanup) > 10*time.Minute {
			lastCleanup = time.Now()
			_ = c.write(ctx, "heartbeat_cleanup", nil, func(ctx context.Context, db *sqlx.DB, _ int) error {
				_, err := db.ExecContext(ctx, "DELETE FROM heartbeat WHERE ts < UTC_TIMESTAMP(6) - INTERVAL 1 DAY")
				return err
			})
		}
	}
}

func (c *Databases) writerNode() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wstat.Node
}

// lagLoop watches the local reader for this process's heartbeats. When a
// new one shows up, lag is the reader's clock minus the writer's clock in
// the row (as pt-heartbeat measures it); while one is missing, lag is at
// least its age. Polling stops when nothing is outstanding.
func (c *Databases) lagLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.lagKick:
		}
		for c.pending() > 0 {
			var seq, micros int64
			err := c.readOn(ctx, contract.FromReader, func(ctx context.Context, db *sqlx.DB) error {
				return db.QueryRowContext(ctx,
					"SELECT seq, TIMESTAMPDIFF(MICROSECOND, ts, UTC_TIMESTAMP(6)) FROM heartbeat WHERE source = ?", c.source).Scan(&seq, &micros)
			})
			c.mu.Lock()
			seen := false
			for s := range c.hbSent {
				if err == nil && s <= seq {
					delete(c.hbSent, s)
					seen = true
				}
			}
			if seen {
				c.lag = time.Duration(max(micros, 0)) * time.Microsecond
			}
			var oldest time.Time
			for _, at := range c.hbSent {
				if oldest.IsZero() || at.Before(oldest) {
					oldest = at
				}
			}
			if !oldest.IsZero() {
				if age := time.Since(oldest); age > c.lag {
					c.lag = age
				}
				// Keep the map bounded while a reader is stopped for long.
				for len(c.hbSent) > 1000 {
					for s := range c.hbSent {
						delete(c.hbSent, s)
						break
					}
				}
			}
			lag := c.lag
			c.mu.Unlock()
			c.obs.ReplicationLag(lag)
			select {
			case <-ctx.Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
}

func (c *Databases) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.hbSent)
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
