package topology

import (
	"context"
	"fmt"
	"time"

	"hyundai-poc.com/dbserver"
)

// Result says what an operation did.
type Result struct {
	Op      string          `json:"op"`
	Message string          `json:"message"`
	Took    time.Duration   `json:"took_ns"`
	Steps   []dbserver.Step `json:"steps,omitempty"`
	// DNSChangedAt is when the writer name's record changed; every region's
	// resolver answers with it at the latest one TTL later (DNSVisibleBy).
	DNSChangedAt time.Time `json:"dns_changed_at,omitzero"`
	DNSVisibleBy time.Time `json:"dns_visible_by,omitzero"`
	// Timing names the profile the move followed. Unavailable is the least
	// time it left no writable writer by that profile (from the fence or
	// the kill until the promotion), Held what it waited for that on top of
	// its own work; PromotedAt is when the new writer became writable. DNS
	// is when each region's name followed (DNSChangedAt is the last of
	// them).
	Timing      string        `json:"timing,omitempty"`
	Unavailable time.Duration `json:"unavailable_ns,omitempty"`
	Held        time.Duration `json:"held_ns,omitempty"`
	PromotedAt  time.Time     `json:"promoted_at,omitzero"`
	DNS         []RegionDNS   `json:"dns,omitempty"`
	// Lacked is, for a failover, how many transactions the old writer had
	// logged that the promoted node never received.
	Lacked   int64  `json:"lacked_transactions"`
	OldPos   string `json:"old_writer_gtid,omitempty"`
	NewPos   string `json:"promoted_gtid,omitempty"`
	From, To string `json:"-"`
}

// Switchover moves the writer to region to with no loss, as
// switchover-global-cluster does (dbserver.Switchover): fence the writer,
// wait until to has applied everything, keep the writer fenced for the
// profile's switchover fence, promote to, repoint the others, then flip
// each region's DNS after its own delay.
func (c *GlobalDatabase) Switchover(ctx context.Context, to string) (Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	from, err := c.checkTarget(to)
	if err != nil {
		return Result{}, err
	}
	if c.timing.SwitchoverFence > 0 {
		c.logf("switchover %s -> %s, timing %s: %s fenced for at least %s", from, to, c.timing.Name, from, c.timing.SwitchoverFence)
	}
	var dns []RegionDNS
	m, err := dbserver.Switchover(ctx, c.move(from, to, c.timing.SwitchoverFence, func() {
		c.setWriter(to)
		dns = c.pointDNSLate(ctx, to)
	}))
	if err != nil {
		return Result{}, err
	}
	res := c.result("switchover", from, to, c.timing.SwitchoverFence, m, dns)
	res.Message = fmt.Sprintf("writer %s -> %s at GTID %s, no transaction left behind", from, to, m.NewPos)
	return res, nil
}

// Failover moves the writer to region to after killing the writer's
// process, as failover-global-cluster --allow-data-loss does after a
// regional outage (dbserver.Failover): the promoted node keeps only what it
// had received.
func (c *GlobalDatabase) Failover(ctx context.Context, to string) (Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	from, err := c.checkTarget(to)
	if err != nil {
		return Result{}, err
	}
	// The old writer's node is gone from here on, whatever else fails.
	c.stateMu.Lock()
	c.dead[from] = true
	c.stateMu.Unlock()
	if c.timing.FailoverNoWriter > 0 {
		c.logf("failover %s -> %s, timing %s: no writer for at least %s", from, to, c.timing.Name, c.timing.FailoverNoWriter)
	}
	var dns []RegionDNS
	m, err := dbserver.Failover(ctx, c.move(from, to, c.timing.FailoverNoWriter, func() {
		c.setWriter(to)
		_ = c.applyLinks()
		dns = c.pointDNSLate(ctx, to)
	}))
	if err != nil {
		return Result{}, err
	}
	res := c.result("failover", from, to, c.timing.FailoverNoWriter, m, dns)
	res.Lacked = m.Lacked
	res.Message = fmt.Sprintf("writer %s killed, %s promoted at GTID %s; old writer had logged %s: %d transaction(s) lost",
		from, to, m.NewPos, m.OldPos, m.Lacked)
	return res, nil
}

// result is what a writer move reports, whichever kind.
func (c *GlobalDatabase) result(op, from, to string, unavailable time.Duration, m dbserver.Moved, dns []RegionDNS) Result {
	return Result{Op: op, From: from, To: to, Took: m.Took, Steps: m.Steps,
		Timing: c.timing.Name, Unavailable: unavailable, Held: m.Held, PromotedAt: m.PromotedAt, DNS: dns,
		DNSChangedAt: m.NamePointedAt, DNSVisibleBy: m.NamePointedAt.Add(c.ttl), OldPos: m.OldPos, NewPos: m.NewPos}
}

// move is the writer's move from one region to another, leaving no writer
// for at least unavailable: every other live node follows the new writer
// through its own region's link.
func (c *GlobalDatabase) move(from, to string, unavailable time.Duration, pointName func()) dbserver.Move {
	m := dbserver.Move{From: c.nodes[from], To: c.nodes[to], PointName: pointName, Unavailable: unavailable}
	for _, r := range c.layout.Regions {
		if r == to || c.isDead(r) {
			continue
		}
		m.Replicas = append(m.Replicas, dbserver.Replica{Server: c.nodes[r], Source: c.layout.LinkAddr(r, to)})
	}
	return m
}

// Rejoin rebuilds a node that a failover left dead: a fresh server in its
// region that copies everything from the current writer's binlog and
// replicates from then on, as AWS rebuilds the old primary as a secondary.
func (c *GlobalDatabase) Rejoin(ctx context.Context, region string) (Result, error) {
	if err := c.layout.Valid(region); err != nil {
		return Result{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.isDead(region) {
		return Result{}, fmt.Errorf("%s's node is running; rejoin rebuilds a node a failover left down", region)
	}
	start := time.Now()
	c.nodes[region].Stop() // removes the dead node's data
	s, err := c.startNode(ctx, region)
	if err != nil {
		return Result{}, err
	}
	c.nodes[region] = s
	started := time.Now()
	w := c.nodes[c.Writer()]
	if err := s.ReplicateFrom(ctx, c.layout.LinkAddr(region, c.Writer()), w.ReplPass); err != nil {
		return Result{}, err
	}
	c.stateMu.Lock()
	c.dead[region] = false
	c.stateMu.Unlock()
	if err := c.applyLinks(); err != nil {
		return Result{}, err
	}
	pos, err := dbserver.WaitReplicated(ctx, w, 2*time.Minute, s)
	if err != nil {
		return Result{}, fmt.Errorf("%s copying from %s: %w", region, c.Writer(), err)
	}
	steps := []dbserver.Step{{Name: "start empty node", Took: started.Sub(start)}, {Name: "copy from writer", Took: time.Since(started)}}
	return Result{Op: "rejoin", Took: time.Since(start), Steps: steps,
		Message: fmt.Sprintf("%s rebuilt as a replica of %s, caught up to GTID %s", region, c.Writer(), pos)}, nil
}

func (c *GlobalDatabase) checkTarget(to string) (from string, err error) {
	if err := c.layout.Valid(to); err != nil {
		return "", err
	}
	from = c.Writer()
	if to == from {
		return "", fmt.Errorf("%s is already the writer", to)
	}
	if c.isDead(to) {
		return "", fmt.Errorf("%s's node is down", to)
	}
	return from, nil
}

func (c *GlobalDatabase) setWriter(r string) {
	c.stateMu.Lock()
	c.writer = r
	c.stateMu.Unlock()
}

func (c *GlobalDatabase) isDead(r string) bool {
	c.stateMu.RLock()
	defer c.stateMu.RUnlock()
	return c.dead[r]
}
