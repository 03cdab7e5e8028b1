// Package queue is the region's durable write queue: a Redis stream (Debian's
// redis-server in the lab and tests, Amazon MemoryDB in AWS) that holds every
// lead until the database has it on the writer and another region has
// replicated it. Entries are unique by idempotency key, drained oldest first
// through a consumer group, and removed only once applied, so a write the
// queue accepted is applied exactly once even if the backend that accepted it
// dies: another backend claims what it left pending.
package queue

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Options configure a Queue.
type Options struct {
	// Addr is host:port of the server (any node of a MemoryDB cluster).
	Addr     string
	Username string
	Password string
	// TLS is on for MemoryDB, whose clusters require it in transit.
	TLS bool
	// Cluster speaks the cluster protocol, as MemoryDB needs; the lab's
	// single redis-server speaks the plain one.
	Cluster bool
	// Name names the stream; every key of the queue carries it as a hash
	// tag ({name}), so a script touching several keys stays on one shard.
	Name string
	// Consumer names this process in the consumer group; it must differ
	// between processes draining the same queue.
	Consumer string
	// MinAge leaves younger entries alone: a journal entry's own request
	// is still writing it, and a second writer would only race it.
	MinAge time.Duration
	// ClaimIdle is how long an entry delivered to another consumer may sit
	// unacknowledged before this one takes it over (its backend died).
	ClaimIdle time.Duration
	// Poll bounds how long the drainer sleeps with nothing to do, and how
	// often it rechecks entries whose apply said ErrNotYet.
	Poll time.Duration
	// MaxBackoff caps the wait after a failed apply; it doubles from
	// Poll/4 up to this.
	MaxBackoff time.Duration
	// Timeout bounds each command; the queue must answer fast or be
	// treated as down, since a request waits on it.
	Timeout time.Duration
	// Batch is how many entries one apply call gets, oldest first: the
	// apply writes them in one statement, so a region far from the writer
	// pays its round trips per batch, not per entry, and a backlog of
	// thousands drains in a handful of writes. 1 when zero.
	Batch int
	// MaxHeld is how many held entries one round looks at (1024 when
	// zero); the next round goes on from there.
	MaxHeld int
	// OnDone, when set, is told of each entry the drainer removed and how
	// long it was queued.
	OnDone func(e Entry, queued time.Duration, outcome Outcome)
}

// Outcome says how an entry left the queue.
type Outcome string

const (
	Applied   Outcome = "applied"   // the drainer's apply succeeded
	Confirmed Outcome = "confirmed" // seen on another region's reader
	Rejected  Outcome = "rejected"  // can never apply: dead-letter stream
)

// Entry is one write in the queue.
type Entry struct {
	ID         string // stream id: orders entries, oldest first
	Key        string // idempotency key: at most one entry per key
	Ref        string // the id the client was given (a lead's id)
	Kind       string // what Body holds
	Body       []byte
	EnqueuedAt time.Time
}

// Stats is the queue's state for metrics and /api/region.
type Stats struct {
	Depth  int64         `json:"depth"`
	Oldest time.Duration `json:"-"`
}

// Errors an ApplyFunc returns, per entry, to steer the drainer.
var (
	// ErrNotYet keeps the entry without counting a failure: the write is
	// done but not yet safe (not replicated to another region).
	ErrNotYet = errors.New("queue: entry not done yet")
	// ErrReject marks an entry that can never be applied (its key was used
	// with another body); it moves to the dead-letter stream.
	ErrReject = errors.New("queue: entry rejected")
)

// ApplyFunc makes the database hold es, oldest first, and returns one
// error per entry: nil once the database has it, ErrNotYet, an error
// wrapping ErrReject, or any other error for a failed write (which stops
// the round, so nothing newer overtakes it). It must be idempotent by key:
// the drainer may call it again for entries a dead backend had applied.
type ApplyFunc func(ctx context.Context, es []Entry) []error

// Queue is a handle on one region's queue.
type Queue struct {
	opts   Options
	rdb    redis.UniversalClient
	stream string
	keys   string
	refs   string
	dead   string
	group  string
	wake   chan struct{}
	// cursor is where the drainer's next page of held entries starts
	// (only Run touches it).
	cursor string
}

// Open connects and makes sure the stream and its consumer group exist. It
// does not fail when the server is down: the queue is then reported
// unavailable per call, and the group is created on first use.
func Open(opts Options) (*Queue, error) {
	if opts.Addr == "" {
		return nil, errors.New("queue: no address")
	}
	if opts.Name == "" {
		opts.Name = "writes"
	}
	if opts.Consumer == "" {
		return nil, errors.New("queue: no consumer name")
	}
	if opts.Poll == 0 {
		opts.Poll = 250 * time.Millisecond
	}
	if opts.ClaimIdle == 0 {
		opts.ClaimIdle = 10 * time.Second
	}
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = 2 * time.Second
	}
	if opts.Timeout == 0 {
		opts.Timeout = time.Second
	}
	if opts.Batch <= 0 {
		opts.Batch = 1
	}
	if opts.MaxHeld <= 0 {
		opts.MaxHeld = 1024
	}
	uo := &redis.UniversalOptions{
		Addrs:        []string{opts.Addr},
		Username:     opts.Username,
		Password:     opts.Password,
		DialTimeout:  opts.Timeout,
		ReadTimeout:  opts.Timeout,
		WriteTimeout: opts.Timeout,
		// One retry: every command here is safe to repeat (the add script
		// is idempotent by key), and more would stretch a request's wait.
		MaxRetries:      1,
		IsClusterMode:   opts.Cluster,
		DisableIdentity: true,
	}
	if opts.TLS {
		uo.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tag := "{" + opts.Name + "}"
	return &Queue{
		opts:   opts,
		rdb:    redis.NewUniversalClient(uo),
		stream: tag + ":stream",
		keys:   tag + ":keys",
		refs:   tag + ":refs",
		dead:   tag + ":dead",
		group:  "drainers",
		wake:   make(chan struct{}, 1),
	}, nil
}

// Close releases the connections.
func (q *Queue) Close() error { return q.rdb.Close() }

// Ping says whether the server answers.
func (q *Queue) Ping(ctx context.Context) error { return q.rdb.Ping(ctx).Err() }

// addScript appends an entry unless its key is already queued, and indexes
// it by key and by ref, all at once: the key check and the append cannot be
// split by another backend's add of the same key.
var addScript = redis.NewScript(`
local id = redis.call('HGET', KEYS[2], ARGV[1])
if id then return {id, 1} end
id = redis.call('XADD', KEYS[1], '*', 'key', ARGV[1], 'ref', ARGV[2], 'kind', ARGV[3], 'body', ARGV[4], 'at', ARGV[5])
redis.call('HSET', KEYS[2], ARGV[1], id)
if ARGV[2] ~= '' then redis.call('HSET', KEYS[3], ARGV[2], id) end
return {id, 0}
`)

// removeScript acknowledges and deletes an entry and its index lines. It
// checks the key still points at this entry, so a remove never drops
// another entry's index.
var removeScript = redis.NewScript(`
redis.call('XACK', KEYS[1], ARGV[4], ARGV[1])
local n = redis.call('XDEL', KEYS[1], ARGV[1])
if redis.call('HGET', KEYS[2], ARGV[2]) == ARGV[1] then redis.call('HDEL', KEYS[2], ARGV[2]) end
if ARGV[3] ~= '' and redis.call('HGET', KEYS[3], ARGV[3]) == ARGV[1] then redis.call('HDEL', KEYS[3], ARGV[3]) end
return n
`)

// Add puts e on the queue (its ID and EnqueuedAt are set here) and returns
// the entry as stored. When e.Key is already queued, the stored entry comes
// back with existed true and nothing is added. The server has the entry on
// disk (appendfsync always; MemoryDB's Multi-AZ log) before Add returns.
func (q *Queue) Add(ctx context.Context, e Entry) (Entry, bool, error) {
	if e.Key == "" {
		return Entry{}, false, errors.New("queue: entry without key")
	}
	e.EnqueuedAt = time.Now().UTC()
	ctx, cancel := context.WithTimeout(ctx, q.opts.Timeout)
	defer cancel()
	res, err := addScript.Run(ctx, q.rdb, []string{q.stream, q.keys, q.refs},
		e.Key, e.Ref, e.Kind, e.Body, strconv.FormatInt(e.EnqueuedAt.UnixMilli(), 10)).Slice()
	if err != nil {
		return Entry{}, false, fmt.Errorf("queue add: %w", err)
	}
	if len(res) != 2 {
		return Entry{}, false, fmt.Errorf("queue add: unexpected reply %v", res)
	}
	id, _ := res[0].(string)
	if existed, _ := res[1].(int64); existed == 1 {
		stored, ok, err := q.byID(ctx, id)
		if err != nil {
			return Entry{}, false, err
		}
		if ok {
			return stored, true, nil
		}
		// Removed between the script and the read: it was applied.
		return Entry{}, false, fmt.Errorf("queue add: entry %s for this key left the queue meanwhile", id)
	}
	e.ID = id
	q.Wake()
	return e, false, nil
}

// ByKey finds the queued entry for an idempotency key.
func (q *Queue) ByKey(ctx context.Context, key string) (Entry, bool, error) {
	return q.lookup(ctx, q.keys, key)
}

// ByRef finds the queued entry for a resource id (a lead's id).
func (q *Queue) ByRef(ctx context.Context, ref string) (Entry, bool, error) {
	return q.lookup(ctx, q.refs, ref)
}

func (q *Queue) lookup(ctx context.Context, index, field string) (Entry, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, q.opts.Timeout)
	defer cancel()
	id, err := q.rdb.HGet(ctx, index, field).Result()
	if errors.Is(err, redis.Nil) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("queue lookup: %w", err)
	}
	return q.byID(ctx, id)
}

func (q *Queue) byID(ctx context.Context, id string) (Entry, bool, error) {
	msgs, err := q.rdb.XRangeN(ctx, q.stream, id, id, 1).Result()
	if err != nil {
		return Entry{}, false, fmt.Errorf("queue read: %w", err)
	}
	if len(msgs) == 0 {
		return Entry{}, false, nil
	}
	e, ok := decode(msgs[0])
	return e, ok, nil
}

// Remove drops an entry: the request that journaled it saw it replicated,
// or the drainer applied it.
func (q *Queue) Remove(ctx context.Context, e Entry) error {
	ctx, cancel := context.WithTimeout(ctx, q.opts.Timeout)
	defer cancel()
	if err := removeScript.Run(ctx, q.rdb, []string{q.stream, q.keys, q.refs}, e.ID, e.Key, e.Ref, q.group).Err(); err != nil {
		return fmt.Errorf("queue remove: %w", err)
	}
	return nil
}

// removeAll is Remove for many entries in one round trip: the drainer
// takes a batch off the queue at once, as it wrote it.
func (q *Queue) removeAll(ctx context.Context, es []Entry) error {
	if len(es) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, q.opts.Timeout)
	defer cancel()
	pipe := q.rdb.Pipeline()
	for _, e := range es {
		// Eval, not EvalSha: a pipeline cannot fall back on NOSCRIPT after
		// the server restarted, and the script is short.
		removeScript.Eval(ctx, pipe, []string{q.stream, q.keys, q.refs}, e.ID, e.Key, e.Ref, q.group)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("queue remove: %w", err)
	}
	return nil
}

// Stats reads the depth and the age of the oldest entry.
func (q *Queue) Stats(ctx context.Context) (Stats, error) {
	ctx, cancel := context.WithTimeout(ctx, q.opts.Timeout)
	defer cancel()
	pipe := q.rdb.Pipeline()
	n := pipe.XLen(ctx, q.stream)
	first := pipe.XRangeN(ctx, q.stream, "-", "+", 1)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return Stats{}, fmt.Errorf("queue stats: %w", err)
	}
	s := Stats{Depth: n.Val()}
	if msgs := first.Val(); len(msgs) > 0 {
		if e, ok := decode(msgs[0]); ok {
			s.Oldest = time.Since(e.EnqueuedAt)
		}
	}
	return s, nil
}

// Wake makes a sleeping drainer look at the queue now: a new entry, or a
// writer that became writable again.
func (q *Queue) Wake() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func decode(m redis.XMessage) (Entry, bool) {
	str := func(k string) string { s, _ := m.Values[k].(string); return s }
	if len(m.Values) == 0 || str("key") == "" {
		return Entry{}, false
	}
	e := Entry{ID: m.ID, Key: str("key"), Ref: str("ref"), Kind: str("kind"), Body: []byte(str("body"))}
	if ms, err := strconv.ParseInt(str("at"), 10, 64); err == nil {
		e.EnqueuedAt = time.UnixMilli(ms).UTC()
	}
	return e, true
}

func isBusyGroup(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "BUSYGROUP")
}
