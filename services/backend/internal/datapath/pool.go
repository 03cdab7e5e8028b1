package datapath

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// maxConns bounds each pool's connections, open and idle alike.
const maxConns = 50

// pool is one endpoint's connection pool. Reset swaps in a fresh pool, so
// connections to a node that lost its role are dropped at once and every
// new connection resolves the endpoint again.
type pool struct {
	role     string // "writer" or "reader"
	endpoint string // host:port as configured
	base     *mysql.Config
	resolver *net.Resolver
	connect  time.Duration
	lifetime time.Duration
	check    func(ctx context.Context, c driver.Conn) error // run on every new connection
	creds    *Credentials
	obs      Observer
	// readSpan starts every read's span: built once, as a read is the
	// hottest path there is.
	readSpan []trace.SpanStartOption

	mu      sync.Mutex
	current *sqlx.DB
	closed  bool
	gen     atomic.Int64

	lastResolved atomic.Pointer[[]string]

	watchMu sync.Mutex
	moved   chan struct{} // closed when the endpoint resolves elsewhere; nil when nobody watches
}

func newPool(role, endpoint string, base *mysql.Config, r *net.Resolver, connect, lifetime time.Duration,
	check func(context.Context, driver.Conn) error, creds *Credentials, obs Observer) (*pool, error) {
	p := &pool{role: role, endpoint: endpoint, base: base, resolver: r, connect: connect, lifetime: lifetime, check: check, creds: creds, obs: obs,
		readSpan: []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String("db.system", "mysql"), attribute.String("db.pool", role))}}
	db, err := p.open()
	if err != nil {
		return nil, err
	}
	p.current = db
	return p, nil
}

func (p *pool) open() (*sqlx.DB, error) {
	cfg := p.base.Clone()
	cfg.Addr = p.endpoint
	cfg.Timeout = p.connect
	cfg.DialFunc = p.dial
	// Every new connection takes the password current then.
	if err := cfg.Apply(mysql.BeforeConnect(func(_ context.Context, c *mysql.Config) error {
		c.Passwd = p.creds.Password()
		return nil
	})); err != nil {
		return nil, err
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(checkedConnector{base: conn, check: p.check, creds: p.creds})
	// As many idle connections may stay as may be open: with fewer, a
	// burst above the idle limit closes connections as they come back and
	// opens new ones for the next burst, three round trips each (to a
	// writer maybe 180 ms away) plus the writability check. Idle ones still
	// go after ConnMaxIdleTime.
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxLifetime(p.lifetime)
	db.SetConnMaxIdleTime(p.lifetime)
	return sqlx.NewDb(db, "mysql"), nil
}

// db returns the current pool and its generation.
func (p *pool) db() (*sqlx.DB, int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.current, p.gen.Load()
}

// reset replaces the pool unless another caller already did since gen, so a
// burst of failing requests causes one reset, not one each.
func (p *pool) reset(gen int64) bool {
	p.mu.Lock()
	if p.closed || p.gen.Load() != gen {
		p.mu.Unlock()
		return false
	}
	fresh, err := p.open()
	if err != nil {
		p.mu.Unlock()
		return false
	}
	old := p.current
	p.current = fresh
	p.gen.Add(1)
	p.mu.Unlock()
	p.obs.Reresolved(p.role)
	// Requests that fetched the old pool a moment ago may still use it, so
	// it is not closed at once: its idle connections go now, connections in
	// use are closed when they come back, and any new one resolves and is
	// checked like every other. Closing follows once no request can hold it.
	old.SetMaxIdleConns(0)
	old.SetConnMaxLifetime(time.Millisecond)
	time.AfterFunc(time.Minute, func() { old.Close() })
	return true
}

func (p *pool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	p.current.Close()
}

// resolve looks the endpoint's host up through the configured resolver; IP
// literals pass through.
func (p *pool) resolve(ctx context.Context) (host, port string, ips []string, err error) {
	host, port, err = net.SplitHostPort(p.endpoint)
	if err != nil {
		return "", "", nil, err
	}
	if ip := net.ParseIP(host); ip != nil {
		return host, port, []string{host}, nil
	}
	addrs, err := p.resolver.LookupHost(ctx, host)
	if err != nil {
		return host, port, nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	return host, port, addrs, nil
}

// dial resolves the endpoint on every new connection (the pool never caches
// an address) and tries each answer in turn.
func (p *pool) dial(ctx context.Context, network, _ string) (net.Conn, error) {
	_, port, ips, err := p.resolve(ctx)
	if err != nil {
		return nil, err
	}
	p.lastResolved.Store(&ips)
	d := net.Dialer{Timeout: p.connect, KeepAlive: 15 * time.Second}
	var errs []error
	for _, ip := range ips {
		c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(ip, port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// moveSignal returns a channel that is closed when the endpoint resolves
// to another address than the pool last dialled (or after two seconds).
// One watcher serves every waiting request.
func (p *pool) moveSignal() <-chan struct{} {
	p.watchMu.Lock()
	defer p.watchMu.Unlock()
	if p.moved == nil {
		ch := make(chan struct{})
		p.moved = ch
		go p.watchDNS(ch, p.resolved())
	}
	return p.moved
}

// watchDNS closes ch when the endpoint's answer differs from last, or
// after two seconds, whichever comes first.
func (p *pool) watchDNS(ch chan struct{}, last []string) {
	defer func() {
		p.watchMu.Lock()
		p.moved = nil
		p.watchMu.Unlock()
		close(ch)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if _, _, ips, err := p.resolve(ctx); err == nil && len(last) > 0 && !sameSet(ips, last) {
				return
			}
		}
	}
}

func (p *pool) resolved() []string {
	if v := p.lastResolved.Load(); v != nil {
		return *v
	}
	return nil
}

// checkedConnector runs a check on every new connection before the pool
// hands it out: the writer pool refuses read-only nodes this way, because a
// DNS answer is no proof of a node's role.
type checkedConnector struct {
	base  driver.Connector
	check func(ctx context.Context, c driver.Conn) error
	creds *Credentials
}

func (c checkedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	// A refused password after a rotation: read it again and retry once,
	// so the request that met the rotation still succeeds.
	if IsAccessDenied(err) {
		if changed, _ := c.creds.Refresh(ctx); changed {
			conn, err = c.base.Connect(ctx)
		}
	}
	if err != nil {
		return nil, err
	}
	if c.check != nil {
		if err := c.check(ctx, conn); err != nil {
			conn.Close()
			return nil, err
		}
	}
	return conn, nil
}

func (c checkedConnector) Driver() driver.Driver { return c.base.Driver() }

// writableCheck refuses nodes where @@read_only (MySQL, MariaDB) or
// @@innodb_read_only (Aurora replicas) is set.
func writableCheck(obs Observer) func(context.Context, driver.Conn) error {
	return func(ctx context.Context, c driver.Conn) error {
		q, ok := c.(driver.QueryerContext)
		if !ok {
			return errors.New("driver connection cannot query")
		}
		rows, err := q.QueryContext(ctx, "SELECT @@global.read_only, @@global.innodb_read_only", nil)
		if err != nil {
			return err
		}
		defer rows.Close()
		vals := make([]driver.Value, 2)
		if err := rows.Next(vals); err != nil {
			return err
		}
		if truthy(vals[0]) || truthy(vals[1]) {
			obs.WriterRefused()
			return ErrReadOnlyNode
		}
		return nil
	}
}

func truthy(v driver.Value) bool {
	switch x := v.(type) {
	case int64:
		return x != 0
	case []byte:
		n, _ := strconv.Atoi(string(x))
		return n != 0 || string(x) == "ON"
	case string:
		n, _ := strconv.Atoi(x)
		return n != 0 || x == "ON"
	case bool:
		return x
	}
	return false
}
