// Package datapath owns the backend's way to the databases: reads from this
// region's reader, writes to the global writer, and what happens when the
// writer moves or the reader fails. It checks every writer connection for
// writability, drops and re-resolves a pool whose node lost its role,
// monitors both endpoints every interval, writes the heartbeat behind
// replication lag and consistency tokens, and falls reads back to the
// writer when the reader cannot serve them.
package datapath

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"hyundai-poc.com/contract"
	"hyundai-poc.com/dnsresolver"
)

// Options configure the Databases.
type Options struct {
	Region     string
	WriterAddr string // host:port of the global writer endpoint
	ReaderAddr string // host:port of this region's reader endpoint
	DBName     string
	User       string
	Password   string
	// Credentials, when set, supply the password instead of Password and
	// read it again when the server refuses it (after a rotation).
	Credentials     *Credentials
	Resolver        string // host:port of a DNS server; empty: the system resolver
	ConnectTimeout  time.Duration
	QueryTimeout    time.Duration
	ConnMaxLifetime time.Duration
	MonitorInterval time.Duration
	ConsistencyWait time.Duration
	MaxReaderLag    time.Duration
	// WriteRetryBudget bounds how long a write waits for a writer across a
	// move before it fails with ErrUnavailable; 15 s when zero.
	WriteRetryBudget time.Duration
	// TokenKey signs consistency tokens; every backend of the deployment
	// must share it. Empty: a random key, so tokens hold only in this
	// process.
	TokenKey []byte
	// MaxTokenWaits bounds token reads waiting for the reader at once;
	// beyond it they read from the writer at once. 64 when zero.
	MaxTokenWaits int
	// RemoteReaders are other regions' reader endpoints, asked only when
	// the local nodes cannot answer a read, or to confirm that a write has
	// left the writer's region.
	RemoteReaders []RemoteReader
	Log           *slog.Logger
	Observer      Observer
}

// Databases is the backend's view of one writer and one local reader.
type Databases struct {
	opts    Options
	log     *slog.Logger
	obs     Observer
	tracer  trace.Tracer
	writer  *pool
	reader  *pool
	remotes []*remote
	closed  chan struct{} // closed by Close: background probes stop

	base     *mysql.Config
	resolver *net.Resolver

	// source names this process's heartbeat row; hbStarted is the highest
	// heartbeat seq whose write has begun.
	source    string
	hbStarted atomic.Int64
	hbKick    chan struct{}
	lagKick   chan struct{}

	tokens     signer
	tokenWaits chan struct{}
	hbView     *heartbeatView

	mu     sync.Mutex
	up     chan struct{} // closed when the monitor finds a healthy writer again
	back   chan struct{} // closed when the writer turns writable after it was not
	wstat  NodeCheck
	rstat  NodeCheck
	lag    time.Duration
	hbSent map[int64]time.Time // seq -> when its write was acknowledged, until the reader shows it
}

// NodeCheck is what the monitor last learned about an endpoint.
type NodeCheck struct {
	Endpoint  string
	Resolved  []string
	Node      string
	Region    string
	Healthy   bool
	ReadOnly  bool
	CheckedAt time.Time
	Error     string
}

// Status is the data path's state for /api/region and /readyz.
type Status struct {
	Writer     NodeCheck
	Reader     NodeCheck
	Lag        time.Duration
	ReadSource contract.ReadSource
}

// New opens the two pools; it does not wait for either node to answer, so
// the process can start while a database is still coming up.
func New(opts Options) (*Databases, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Observer == nil {
		opts.Observer = NopObserver{}
	}
	if opts.WriteRetryBudget == 0 {
		opts.WriteRetryBudget = 15 * time.Second
	}
	if opts.MaxTokenWaits == 0 {
		opts.MaxTokenWaits = 64
	}
	key := opts.TokenKey
	switch {
	case len(key) == 0:
		key = make([]byte, MinTokenKey)
		_, _ = rand.Read(key)
		opts.Log.Warn("no consistency token key: tokens hold only in this process")
	case len(key) < MinTokenKey:
		return nil, fmt.Errorf("consistency token key: %d bytes, want at least %d", len(key), MinTokenKey)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	c := &Databases{
		opts:       opts,
		log:        opts.Log,
		obs:        opts.Observer,
		tracer:     otel.Tracer("hyundai-poc.com/backend/internal/datapath"),
		source:     opts.Region + "/" + hex.EncodeToString(b),
		hbKick:     make(chan struct{}, 1),
		lagKick:    make(chan struct{}, 1),
		hbSent:     map[int64]time.Time{},
		tokens:     signer{key: key},
		tokenWaits: make(chan struct{}, opts.MaxTokenWaits),
		hbView:     newHeartbeatView(),
		closed:     make(chan struct{}),
	}
	c.wstat = NodeCheck{Endpoint: opts.WriterAddr}
	c.rstat = NodeCheck{Endpoint: opts.ReaderAddr}

	resolver := net.DefaultResolver
	if opts.Resolver != "" {
		resolver = dnsresolver.At(opts.Resolver)
	}
	base := mysql.NewConfig()
	base.User = opts.User
	base.Passwd = opts.Password
	base.Net = "tcp"
	base.DBName = opts.DBName
	base.ParseTime = true
	base.Loc = time.UTC
	// Parameters are interpolated client-side: a server-side prepared
	// statement costs two more round trips, and a writer can be 180 ms away.
	base.InterpolateParams = true

	c.base, c.resolver = base, resolver
	var err error
	creds := opts.Credentials
	if creds == nil {
		creds = NewCredentials(opts.Password, nil)
	}
	if c.writer, err = newPool("writer", opts.WriterAddr, base, resolver, opts.ConnectTimeout, opts.ConnMaxLifetime, writableCheck(c.obs), creds, c.obs); err != nil {
		return nil, err
	}
	if c.reader, err = newPool("reader", opts.ReaderAddr, base, resolver, opts.ConnectTimeout, opts.ConnMaxLifetime, nil, creds, c.obs); err != nil {
		return nil, err
	}
	if err := c.openRemotes(creds); err != nil {
		return nil, err
	}
	return c, nil
}

// Close closes both pools.
func (c *Databases) Close() {
	close(c.closed)
	c.writer.close()
	c.reader.close()
	for _, r := range c.remotes {
		r.pool.close()
	}
}

// Status returns the monitor's latest view.
func (c *Databases) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Status{Writer: c.wstat, Reader: c.rstat, Lag: c.lag, ReadSource: contract.FromReader}
	if !c.readerUsableLocked() {
		s.ReadSource = contract.FromWriter
	}
	return s
}

func (c *Databases) readerUsableLocked() bool {
	return c.rstat.Healthy && c.lag <= c.opts.MaxReaderLag
}

// WriteFunc does one write on the writer. attempt counts from 0; on a later
// attempt the previous one may have committed without an answer, so the
// function must look its idempotency key up before writing again.
type WriteFunc func(ctx context.Context, db *sqlx.DB, attempt int) error

// Write runs fn against the writer. When the writer moves (read-only
// errors, refused or dropped connections) it drops the writer's pool,
// resolves the endpoint again and retries, for up to WriteRetryBudget.
// A cancelled request or deadline ends it without blaming the node.
// The token it returns vouches for the write: taken before the heartbeat
// that follows is kicked, it names the first heartbeat not yet started.
func (c *Databases) Write(ctx context.Context, name string, fn WriteFunc) (Token, error) {
	var tok Token
	err := c.write(ctx, name, func() { tok = c.Token() }, fn)
	return tok, err
}

// write is Write; onAck, when set, runs after success and a heartbeat then
// follows soon (not for the heartbeat's own writes).
func (c *Databases) write(ctx context.Context, name string, onAck func(), fn WriteFunc) error {
	ctx, span := c.tracer.Start(ctx, "db.write "+name, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system", "mysql"), attribute.String("db.pool", "writer")))
	defer span.End()
	deadline := time.Now().Add(c.opts.WriteRetryBudget)
	backoff := 25 * time.Millisecond
	for attempt := 0; ; attempt++ {
		db, gen := c.writer.db()
		qctx, cancel := context.WithTimeout(ctx, c.opts.QueryTimeout)
		start := time.Now()
		err := fn(qctx, db, attempt)
		cancel()
		c.obs.QueryDone("writer", outcome(err), time.Since(start))
		if err == nil {
			if onAck != nil {
				onAck()
				c.kickHeartbeat()
			}
			return nil
		}
		if ctx.Err() != nil {
			span.SetStatus(codes.Error, "cancelled")
			return ctx.Err()
		}
		// Our own per-query deadline on a writer that stopped answering
		// counts as a failure of that node; a caller's deadline does not.
		timedOut := errors.Is(err, context.DeadlineExceeded)
		if !isNodeFailure(err) && !timedOut {
			span.RecordError(err)
			span.SetStatus(codes.Error, "query failed")
			return err
		}
		if c.writer.reset(gen) {
			c.log.Warn("writer connection failed; pool dropped, endpoint resolved again", "error", err.Error(), "attempt", attempt)
		}
		c.markWriterDown(err)
		if time.Now().Add(backoff).After(deadline) {
			span.SetStatus(codes.Error, "no writer")
			return fmt.Errorf("%w: no writable node within %s: %v", ErrUnavailable, c.opts.WriteRetryBudget, err)
		}
		// Wait for a sign of a new writer rather than redial the node that
		// just failed: each new connection costs three round trips to
		// another region. The monitor still probes every interval.
		wait := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			wait.Stop()
			return ctx.Err()
		case <-wait.C:
		case <-c.writer.moveSignal():
		case <-c.writerUp():
		}
		wait.Stop()
		backoff = min(backoff*2, 2*time.Second)
	}
}

// ReadFunc does one read on db.
type ReadFunc func(ctx context.Context, db *sqlx.DB) error

// Read runs fn on the local reader, or on the writer when the reader is
// down, too far behind, or fails with a connection error. It says which.
func (c *Databases) Read(ctx context.Context, fn ReadFunc) (contract.ReadSource, error) {
	c.mu.Lock()
	usable := c.readerUsableLocked()
	reason := "reader_down"
	if c.rstat.Healthy {
		reason = "reader_lagging"
	}
	c.mu.Unlock()
	if usable {
		err := c.readOn(ctx, contract.FromReader, fn)
		if err == nil || !isNodeFailure(err) && !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			return contract.FromReader, err
		}
		c.markReaderDown(err)
		reason = "reader_error"
	}
	c.obs.ReadFallback(reason)
	return contract.FromWriter, c.readOn(ctx, contract.FromWriter, fn)
}

// ReadAfter is Read for a client holding a consistency token: the local
// reader answers once it has replicated the token's write, waiting up to
// ConsistencyWait; after that the writer answers. A token this system did
// not sign is ErrBadToken before any query. What cannot end well costs no
// waiting: a token ahead of this process's own heartbeat, a source the
// reader has no heartbeat from, or more waits in flight than
// MaxTokenWaits go to the writer at once.
func (c *Databases) ReadAfter(ctx context.Context, tok Token, fn ReadFunc) (contract.ReadSource, error) {
	if !c.tokens.valid(tok) {
		return "", ErrBadToken
	}
	if tok.Source == c.source && tok.Seq > c.hbStarted.Load()+1 {
		c.obs.ReadFallback("token_ahead")
		return contract.FromWriter, c.readOn(ctx, contract.FromWriter, fn)
	}
	c.mu.Lock()
	usable := c.readerUsableLocked()
	c.mu.Unlock()
	if !usable {
		c.obs.ReadFallback("reader_down")
		return contract.FromWriter, c.readOn(ctx, contract.FromWriter, fn)
	}
	select {
	case c.tokenWaits <- struct{}{}:
	default:
		c.obs.ReadFallback("token_waits_full")
		return contract.FromWriter, c.readOn(ctx, contract.FromWriter, fn)
	}
	out, err := c.waitForToken(ctx, tok)
	<-c.tokenWaits
	if ctx.Err() != nil {
		return contract.FromReader, ctx.Err()
	}
	switch out {
	case readerHas:
		return contract.FromReader, c.readOn(ctx, contract.FromReader, fn)
	case unknownSource:
		c.obs.ReadFallback("token_unknown_source")
	case readerFailed:
		c.log.Debug("heartbeat read for a token failed", "error", err.Error())
		c.obs.ReadFallback("reader_error")
	default:
		c.obs.ReadFallback("token_wait")
	}
	return contract.FromWriter, c.readOn(ctx, contract.FromWriter, fn)
}

func (c *Databases) readOn(ctx context.Context, src contract.ReadSource, fn ReadFunc) error {
	p := c.reader
	if src == contract.FromWriter {
		p = c.writer
	}
	ctx, span := c.tracer.Start(ctx, "db.read", p.readSpan...)
	defer span.End()
	db, gen := p.db()
	qctx, cancel := context.WithTimeout(ctx, c.opts.QueryTimeout)
	defer cancel()
	start := time.Now()
	err := fn(qctx, db)
	c.obs.QueryDone(p.role, outcome(err), time.Since(start))
	if err != nil && ctx.Err() == nil && isNodeFailure(err) {
		p.reset(gen)
	}
	if err != nil && !errors.Is(err, errNoRows) {
		span.RecordError(err)
		span.SetStatus(codes.Error, "read failed")
	}
	return err
}

// writerUp returns a channel closed the next time the monitor finds a
// writable writer after it had been down.
func (c *Databases) writerUp() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.up == nil {
		c.up = make(chan struct{})
	}
	return c.up
}

// WriterBack returns a channel closed the next time the monitor finds a
// writable writer after one was not (down, read-only, or failing requests):
// the write queue's drainer starts at that moment rather than at the end
// of its back-off.
func (c *Databases) WriterBack() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.back == nil {
		c.back = make(chan struct{})
	}
	return c.back
}

// Token returns a consistency token for a write acknowledged before the
// call: the first heartbeat seq that had not started yet.
func (c *Databases) Token() Token {
	return c.tokens.sign(Token{Source: c.source, Seq: c.hbStarted.Load() + 1})
}

func (c *Databases) kickHeartbeat() {
	select {
	case c.hbKick <- struct{}{}:
	default:
	}
}

func outcome(err error) string {
	switch {
	case err == nil, errors.Is(err, errNoRows):
		return "ok"
	case IsCanceled(err):
		return "cancelled"
	case IsWriterMoved(err):
		return "read_only"
	case IsConnFailure(err):
		return "conn_error"
	default:
		return "error"
	}
}

// WriterStats and ReaderStats expose the current pools' statistics.
func (c *Databases) WriterStats() sql.DBStats { db, _ := c.writer.db(); return db.Stats() }

// ReaderStats is WriterStats for the reader pool.
func (c *Databases) ReaderStats() sql.DBStats { db, _ := c.reader.db(); return db.Stats() }
