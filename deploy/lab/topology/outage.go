package topology

import (
	"errors"
	"fmt"
	"time"
)

// Isolate cuts (or with heal, restores) every link between region and the
// other regions: its backend loses the writer and the other regions'
// readers, and its node stops replicating. Its visitors still reach it: the
// edge is CloudFront, whose locations near them reach the region's load
// balancer over the internet, which a partition between regions does not
// cut. The region keeps serving them from its own reader, the catalogue's
// copy and its write queue.
func (c *GlobalDatabase) Isolate(region string, isolate bool) (Result, error) {
	if err := c.layout.Valid(region); err != nil {
		return Result{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	start := time.Now()
	if err := c.setOutage(c.isolated, region, isolate); err != nil {
		return Result{}, err
	}
	verb := "healed: links to and from " + region + " restored"
	op := "heal"
	if isolate {
		verb = "isolated: every link between " + region + " and the other regions cut"
		op = "isolate"
	}
	return Result{Op: op, Message: verb, Took: time.Since(start)}, nil
}

// SetReaderStopped takes region's reader endpoint away (every connection
// to its node is refused and open ones are closed, as when a reader
// instance fails) or brings it back. The writer's node cannot be stopped
// this way.
func (c *GlobalDatabase) SetReaderStopped(region string, stopped bool) (Result, error) {
	if err := c.layout.Valid(region); err != nil {
		return Result{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if stopped && region == c.Writer() {
		return Result{}, fmt.Errorf("%s's node is the writer; use switchover or failover", region)
	}
	start := time.Now()
	if err := c.setOutage(c.readerStopped, region, stopped); err != nil {
		return Result{}, err
	}
	msg := "reader " + region + " started: connections accepted again"
	op := "start-reader"
	if stopped {
		msg = "reader " + region + " stopped: its endpoint refuses connections"
		op = "stop-reader"
	}
	return Result{Op: op, Message: msg, Took: time.Since(start)}, nil
}

// setOutage records one of region's outages (isolated, reader stopped) as
// on or off and sets the links to match.
func (c *GlobalDatabase) setOutage(outage map[string]bool, region string, on bool) error {
	c.stateMu.Lock()
	outage[region] = on
	c.stateMu.Unlock()
	return c.applyLinks()
}

// applyLinks sets every link up or down from the cluster's state: a link is
// cut when it crosses regions and either end is isolated, or when it leads to
// a stopped reader or a dead node.
func (c *GlobalDatabase) applyLinks() error {
	c.stateMu.RLock()
	defer c.stateMu.RUnlock()
	var errs []error
	for _, l := range c.net.Links() {
		cross := l.From != l.To
		up := !(cross && (c.isolated[l.From] || c.isolated[l.To])) && !c.readerStopped[l.To] && !c.dead[l.To]
		if err := l.SetUp(up); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
