package datapath

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// RemoteReader is another region's reader endpoint. In AWS it is reached
// over the inter-region connectivity of the deployment (peering or a
// transit gateway); the lab gives each region a link to the others.
type RemoteReader struct {
	Region string
	Addr   string // host:port
}

// ErrNoReaderElsewhere says no reader outside the writer's region answered.
var ErrNoReaderElsewhere = errors.New("no reader in another region than the writer's answered")

// remoteTimeout bounds one query on another region's reader for the
// queue's confirm step and for reads by id: a few round trips to the
// farthest region, so a reader that stopped answering costs the drainer a
// second once, not a query timeout every round.
const remoteTimeout = time.Second

// remoteRetry is how often a reader found down is probed again, in the
// background; until it answers, nobody waits for it.
const remoteRetry = time.Second

// openRemotes opens one pool per remote reader; none is probed by the
// monitor: they are only asked when the local nodes cannot answer, or to
// confirm that a write left the writer's region. One that fails is
// skipped until a background probe finds it answering again.
func (c *Databases) openRemotes(creds *Credentials) error {
	for _, r := range c.opts.RemoteReaders {
		if r.Region == "" || r.Addr == "" {
			return fmt.Errorf("remote reader %+v: region and address are both needed", r)
		}
		p, err := newPool("remote-reader", r.Addr, c.base, c.resolver, c.opts.ConnectTimeout, c.opts.ConnMaxLifetime, nil, creds, c.obs)
		if err != nil {
			return err
		}
		c.remotes = append(c.remotes, &remote{region: r.Region, pool: p})
	}
	return nil
}

type remote struct {
	region string
	pool   *pool
	// down is set while a failed reader is being probed in the background.
	down atomic.Bool
}

// query runs fn on the remote reader within remoteTimeout. A failure that
// is not the caller's marks it down and starts probing it.
func (c *Databases) queryRemote(ctx context.Context, r *remote, fn ReadFunc) error {
	db, gen := r.pool.db()
	qctx, cancel := context.WithTimeout(ctx, min(remoteTimeout, c.opts.QueryTimeout))
	err := fn(qctx, db)
	cancel()
	if err == nil || errors.Is(err, errNoRows) || ctx.Err() != nil {
		return err
	}
	if isNodeFailure(err) || errors.Is(err, context.DeadlineExceeded) {
		r.pool.reset(gen)
		c.markRemoteDown(r, err)
	}
	return err
}

func (c *Databases) markRemoteDown(r *remote, err error) {
	if !r.down.CompareAndSwap(false, true) {
		return
	}
	c.log.Warn("another region's reader does not answer; skipped until it does", "region", r.region, "error", err.Error())
	go func() {
		t := time.NewTicker(remoteRetry)
		defer t.Stop()
		for {
			select {
			case <-c.closed:
				return
			case <-t.C:
			}
			db, gen := r.pool.db()
			ctx, cancel := context.WithTimeout(context.Background(), remoteTimeout)
			err := db.PingContext(ctx)
			if err == nil {
				err = db.QueryRowContext(ctx, "SELECT 1").Err()
			}
			cancel()
			if err == nil {
				r.down.Store(false)
				c.log.Info("another region's reader answers again", "region", r.region)
				return
			}
			r.pool.reset(gen)
		}
	}()
}

// ReadRemote runs fn on the other regions' readers in the configured order
// until one answers (a not-found answer counts as an answer), for a read
// that neither the local reader nor the writer could serve. It says which
// region answered. Readers found down are skipped.
func (c *Databases) ReadRemote(ctx context.Context, fn ReadFunc) (string, error) {
	var last error = ErrNoReaderElsewhere
	for _, r := range c.remotes {
		if r.region == c.opts.Region || r.down.Load() {
			continue
		}
		err := c.queryRemote(ctx, r, fn)
		if err == nil || errors.Is(err, errNoRows) {
			c.obs.ReadFallback("remote_reader")
			return r.region, err
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		last = fmt.Errorf("%s: %w", r.region, err)
	}
	return "", fmt.Errorf("%w: %v", ErrNoReaderElsewhere, last)
}

// ReadOutside runs fn on the readers outside the writer's region that
// answer: this region's reader when the writer is elsewhere, and the other
// regions' readers, all at once, each within a second. A reader that is
// down (the monitor's view for the local one; a failed query for the
// others) is skipped, not waited for: it cannot be promoted while down,
// and when it comes back it replicates from the writer what it missed. It
// fails unless at least one reader outside the writer's region answered.
// It returns the regions that answered.
func (c *Databases) ReadOutside(ctx context.Context, fn ReadFunc) ([]string, error) {
	c.mu.Lock()
	writerRegion, readerRegion, readerUp := c.wstat.Region, c.rstat.Region, c.rstat.Healthy
	c.mu.Unlock()
	if writerRegion == "" {
		return nil, fmt.Errorf("%w: the writer's region is not known yet", ErrNoReaderElsewhere)
	}
	type answer struct {
		region string
		err    error
	}
	var asks []func() answer
	if readerRegion != writerRegion && readerUp && readerRegion != "" {
		asks = append(asks, func() answer {
			db, _ := c.reader.db()
			qctx, cancel := context.WithTimeout(ctx, min(remoteTimeout, c.opts.QueryTimeout))
			defer cancel()
			err := fn(qctx, db)
			if err != nil && !errors.Is(err, errNoRows) && ctx.Err() == nil && (isNodeFailure(err) || errors.Is(err, context.DeadlineExceeded)) {
				c.markReaderDown(err)
			}
			return answer{readerRegion, err}
		})
	}
	for _, r := range c.remotes {
		if r.region == writerRegion || r.region == c.opts.Region || r.down.Load() {
			continue
		}
		asks = append(asks, func() answer { return answer{r.region, c.queryRemote(ctx, r, fn)} })
	}
	answers := make([]answer, len(asks))
	var wg sync.WaitGroup
	for i, ask := range asks {
		wg.Add(1)
		go func() { defer wg.Done(); answers[i] = ask() }()
	}
	wg.Wait()
	var answered []string
	var errs []error
	for _, a := range answers {
		if a.err != nil && !errors.Is(a.err, errNoRows) {
			errs = append(errs, fmt.Errorf("%s: %w", a.region, a.err))
			continue
		}
		answered = append(answered, a.region)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if len(answered) == 0 {
		return nil, fmt.Errorf("%w: %v", ErrNoReaderElsewhere, errors.Join(errs...))
	}
	return answered, nil
}
