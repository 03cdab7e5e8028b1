package datapath

import (
	"context"
	"errors"
	"fmt"
	"hyundai-poc.com/contract"
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

// openRemotes opens one pool per remote reader; none is probed by the
// monitor: they are only asked when the local nodes cannot answer, or to
// confirm that a write left the writer's region.
func (c *Databases) openRemotes(creds *Credentials) error {
	for _, r := range c.opts.RemoteReaders {
		if r.Region == "" || r.Addr == "" {
			return fmt.Errorf("remote reader %+v: region and address are both needed", r)
		}
		p, err := newPool("remote-reader", r.Addr, c.base, c.resolver, c.opts.ConnectTimeout, c.opts.ConnMaxLifetime, nil, creds, c.obs)
		if err != nil {
			return err
		}
		c.remotes = append(c.remotes, remote{region: r.Region, pool: p})
	}
	return nil
}

type remote struct {
	region string
	pool   *pool
}

// ReadRemote runs fn on the other regions' readers in the configured order
// until one answers (a not-found answer counts as an answer), for a read
// that neither the local reader nor the writer could serve. It says which
// region answered.
func (c *Databases) ReadRemote(ctx context.Context, fn ReadFunc) (string, error) {
	return c.readRemotes(ctx, "", fn)
}

// ReadOutside runs fn on every reader outside the writer's region: this
// region's reader when the writer is elsewhere, and the other regions'
// readers. It fails unless every one of them answered: a write the queue
// drops must be on whichever of them a failover promotes. What they have
// survives the loss of the writer's region.
func (c *Databases) ReadOutside(ctx context.Context, fn ReadFunc) ([]string, error) {
	c.mu.Lock()
	writerRegion, readerRegion, readerUp := c.wstat.Region, c.rstat.Region, c.rstat.Healthy
	c.mu.Unlock()
	if writerRegion == "" {
		return nil, fmt.Errorf("%w: the writer's region is not known yet", ErrNoReaderElsewhere)
	}
	var answered []string
	// A reader the monitor finds down cannot be promoted; when it comes
	// back it is rebuilt from the writer, so it is not waited for.
	if readerRegion != writerRegion && readerUp {
		if readerRegion == "" {
			return nil, fmt.Errorf("%w: this region's reader is not known yet", ErrNoReaderElsewhere)
		}
		if err := c.readOn(ctx, contract.FromReader, fn); err != nil && !errors.Is(err, errNoRows) {
			return nil, fmt.Errorf("%w: %s: %v", ErrNoReaderElsewhere, readerRegion, err)
		}
		answered = append(answered, readerRegion)
	}
	for _, r := range c.remotes {
		if r.region == writerRegion || r.region == c.opts.Region {
			continue
		}
		db, _ := r.pool.db()
		qctx, cancel := context.WithTimeout(ctx, c.opts.QueryTimeout)
		err := fn(qctx, db)
		cancel()
		if err != nil && !errors.Is(err, errNoRows) {
			return nil, fmt.Errorf("%w: %s: %v", ErrNoReaderElsewhere, r.region, err)
		}
		answered = append(answered, r.region)
	}
	if len(answered) == 0 {
		return nil, ErrNoReaderElsewhere
	}
	return answered, nil
}

func (c *Databases) readRemotes(ctx context.Context, skip string, fn ReadFunc) (string, error) {
	var last error = ErrNoReaderElsewhere
	for _, r := range c.remotes {
		if r.region == skip || r.region == c.opts.Region {
			continue
		}
		db, gen := r.pool.db()
		qctx, cancel := context.WithTimeout(ctx, c.opts.QueryTimeout)
		err := fn(qctx, db)
		cancel()
		if err == nil || errors.Is(err, errNoRows) {
			c.obs.ReadFallback("remote_reader")
			return r.region, err
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if isNodeFailure(err) {
			r.pool.reset(gen)
		}
		last = fmt.Errorf("%s: %w", r.region, err)
	}
	return "", fmt.Errorf("%w: %v", ErrNoReaderElsewhere, last)
}
