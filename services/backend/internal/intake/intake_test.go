package intake_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hyundai-poc.com/backend/internal/datapath"
	"hyundai-poc.com/backend/internal/intake"
	"hyundai-poc.com/backend/internal/marketing"
	"hyundai-poc.com/backend/internal/queue"
	"hyundai-poc.com/backend/internal/store"
	"hyundai-poc.com/dbserver/dbtest"
	"hyundai-poc.com/migrations"
	"hyundai-poc.com/redisserver"
)

var (
	redisOnce sync.Once
	redisSrv  *redisserver.Server
	redisErr  error
)

func TestMain(m *testing.M) {
	dbtest.AtExit(func() {
		if redisSrv != nil {
			redisSrv.Stop()
		}
	})
	dbtest.Main(m)
}

func sharedRedis(t *testing.T) *redisserver.Server {
	t.Helper()
	redisOnce.Do(func() {
		redisSrv, redisErr = redisserver.Start(context.Background(), redisserver.Options{Name: "intake-test"})
	})
	if redisErr != nil {
		t.Fatal(redisErr)
	}
	return redisSrv
}

// env is one test's database and queue; backends made from it share both,
// as the backends of one region do.
type env struct {
	t      *testing.T
	db     string
	in     *dbtest.Instance
	admin  *sql.DB
	stream string
}

var streams int

func newEnv(t *testing.T) *env {
	t.Helper()
	in := dbtest.Shared(t)
	name, _ := in.NewDatabase(t)
	admin, err := sql.Open("mysql", in.AdminDSN(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	if _, err := migrations.Up(context.Background(), admin); err != nil {
		t.Fatal(err)
	}
	streams++
	return &env{t: t, db: name, in: in, admin: admin, stream: fmt.Sprintf("%s-%d", name, streams)}
}

type backendOpts struct {
	writerDown bool          // the writer endpoint refuses connections
	hold       time.Duration // WRITE_HOLD
	queueAddr  string        // default: the shared redis-server
	noConfirm  bool
	replicated func() bool // nil: replication is instant
	batch      int         // queue.Options.Batch
	noDrain    bool        // takes leads in, runs no drainer
	writer     func(intake.Writer) intake.Writer
}

// backend wires one backend's intake: a real data path and store over the
// test database, and the region's queue.
func (e *env) backend(name string, o backendOpts) *intake.Intake {
	t := e.t
	t.Helper()
	writer := e.in.Addr
	if o.writerDown {
		writer = closedAddr(t)
	}
	c, err := datapath.New(datapath.Options{Region: "us-east-1", WriterAddr: writer, ReaderAddr: e.in.Addr, DBName: e.db,
		User: e.in.User, Password: e.in.Password, ConnectTimeout: 500 * time.Millisecond, QueryTimeout: 2 * time.Second,
		ConnMaxLifetime: 30 * time.Second, MonitorInterval: 100 * time.Millisecond, ConsistencyWait: 200 * time.Millisecond,
		MaxReaderLag: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go c.Run(ctx)
	r := sharedRedis(t)
	addr, pass := r.Addr(), r.Password
	if o.queueAddr != "" {
		addr = o.queueAddr
	}
	hold := o.hold
	if hold == 0 {
		hold = 300 * time.Millisecond
	}
	q, err := queue.Open(queue.Options{Addr: addr, Password: pass, Name: e.stream, Consumer: name,
		MinAge: hold + 200*time.Millisecond, Poll: 30 * time.Millisecond, ClaimIdle: time.Second, MaxBackoff: 200 * time.Millisecond, Timeout: 500 * time.Millisecond,
		Batch: max(o.batch, 16)})
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(c, "us-east-1")
	var w intake.Writer = st
	if o.writer != nil {
		w = o.writer(st)
	}
	opts := intake.Options{Queue: q, Writer: w, Hold: hold, Reapply: 500 * time.Millisecond}
	if !o.noConfirm {
		// Stands in for "another region's reader has it": the test's
		// database read directly, which is where replication would copy it.
		opts.Confirmer = tableConfirmer{db: e.admin, replicated: o.replicated}
	}
	in := intake.New(opts)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if o.noDrain {
			<-ctx.Done()
			return
		}
		_ = in.Drain(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done; q.Close(); c.Close() })
	return in
}

// tableConfirmer stands in for the readers outside the writer's region:
// the test database read directly, which is where replication would copy a
// lead; replicated, when set, says whether replication has happened yet.
type tableConfirmer struct {
	db         *sql.DB
	replicated func() bool
}

func (c tableConfirmer) LeadsElsewhere(ctx context.Context, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	if c.replicated != nil && !c.replicated() {
		return out, nil
	}
	for _, k := range keys {
		var n int
		if err := c.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM leads WHERE idempotency_key = ?", k).Scan(&n); err != nil {
			return nil, err
		}
		out[k] = n > 0
	}
	return out, nil
}

func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func lead(t *testing.T, key, name string) marketing.Lead {
	yes := true
	t.Helper()
	in := marketing.LeadInput{Type: "brochure", Name: name, Email: "person@example.com", VehicleID: "ioniq-5", Market: "US", Consent: &yes}
	l, err := in.Validate("us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	l.ID, l.IdempotencyKey, l.CreatedAt = marketing.NewLeadID(), key, time.Now().UTC().Truncate(time.Second)
	return l
}

func (e *env) rows(key string) int {
	var n int
	if err := e.admin.QueryRow("SELECT COUNT(*) FROM leads WHERE idempotency_key = ?", key).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func pending(t *testing.T, in *intake.Intake, id string) bool {
	_, ok, err := in.Pending(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestCreatedWhenTheWriterTakesIt(t *testing.T) {
	e := newEnv(t)
	in := e.backend("a", backendOpts{})
	l := lead(t, "k-created", "Ann")
	res, err := in.Create(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != intake.Created || res.Token == "" || res.Lead.ID != l.ID {
		t.Fatalf("result %+v", res)
	}
	if e.rows("k-created") != 1 {
		t.Fatal("lead not on the writer")
	}
	// The journal entry leaves once the lead is seen elsewhere.
	eventually(t, "the journal entry to leave", func() bool { return !pending(t, in, l.ID) })
}

// No writer: the lead is acknowledged as pending within the hold, the same
// key gets the same pending lead, and another backend's drainer writes it
// once, when it has a writer.
func TestPendingThenDrainedOnce(t *testing.T) {
	e := newEnv(t)
	down := e.backend("down", backendOpts{writerDown: true})
	l := lead(t, "k-pending", "Bo")
	res, err := down.Create(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != intake.Pending || res.Lead.ID != l.ID || res.Token != "" {
		t.Fatalf("result %+v, want pending", res)
	}
	again := l
	again.ID = marketing.NewLeadID() // a retry gets a fresh id from the API
	res2, err := down.Create(context.Background(), again)
	if err != nil {
		t.Fatal(err)
	}
	if res2.Status != intake.Pending || res2.Lead.ID != l.ID || !res2.Replayed {
		t.Fatalf("retry %+v, want the first pending lead, replayed", res2)
	}
	if !pending(t, down, l.ID) {
		t.Fatal("queue does not hold the pending lead")
	}
	e.backend("up", backendOpts{})
	eventually(t, "the lead on the writer", func() bool { return e.rows("k-pending") == 1 })
	eventually(t, "the queue to let it go", func() bool { return !pending(t, down, l.ID) })
	if n := e.rows("k-pending"); n != 1 {
		t.Fatalf("%d rows for the key", n)
	}
	var id string
	if err := e.admin.QueryRow("SELECT id FROM leads WHERE idempotency_key = 'k-pending'").Scan(&id); err != nil || id != l.ID {
		t.Fatalf("stored id %q (%v), want the acknowledged %q", id, err, l.ID)
	}
}

func TestSameKeyOtherRequestIsAConflict(t *testing.T) {
	e := newEnv(t)
	down := e.backend("down", backendOpts{writerDown: true})
	if _, err := down.Create(context.Background(), lead(t, "k-conflict", "Cy")); err != nil {
		t.Fatal(err)
	}
	_, err := down.Create(context.Background(), lead(t, "k-conflict", "Someone Else"))
	var me *marketing.Error
	if !errors.As(err, &me) || me.Code != marketing.EConflict {
		t.Fatalf("got %v, want a conflict", err)
	}
}

// A failover promoted a writer that lacks an acknowledged lead (its row is
// gone): the journal entry was never confirmed elsewhere, so the drainer
// writes it again, once.
func TestLeadLostByFailoverIsRestored(t *testing.T) {
	e := newEnv(t)
	// Replication has not reached any other region when the writer dies.
	var lostDone atomic.Bool
	in := e.backend("a", backendOpts{hold: time.Second, replicated: lostDone.Load})
	l := lead(t, "k-lost", "Di")
	res, err := in.Create(context.Background(), l)
	if err != nil || res.Status != intake.Created {
		t.Fatalf("%+v %v", res, err)
	}
	if _, err := e.admin.Exec("DELETE FROM leads WHERE idempotency_key = 'k-lost'"); err != nil {
		t.Fatal(err)
	}
	lostDone.Store(true)
	eventually(t, "the lead restored", func() bool { return e.rows("k-lost") == 1 })
	eventually(t, "the entry confirmed", func() bool { return !pending(t, in, l.ID) })
	if n := e.rows("k-lost"); n != 1 {
		t.Fatalf("%d rows", n)
	}
}

// When the queue is down the lead goes to the writer alone; when both
// refuse, Create fails (the API answers 503).
func TestQueueDown(t *testing.T) {
	e := newEnv(t)
	gone := closedAddr(t)
	up := e.backend("up", backendOpts{queueAddr: gone})
	res, err := up.Create(context.Background(), lead(t, "k-direct", "Ed"))
	if err != nil || res.Status != intake.Created || e.rows("k-direct") != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	both := e.backend("both", backendOpts{queueAddr: gone, writerDown: true})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := both.Create(ctx, lead(t, "k-none", "Fi")); err == nil {
		t.Fatal("acknowledged with neither the queue nor a writer")
	}
	if e.rows("k-none") != 0 {
		t.Fatal("written anyway")
	}
}

func TestManyPendingLeadsAllApplied(t *testing.T) {
	e := newEnv(t)
	down := e.backend("down", backendOpts{writerDown: true, hold: 50 * time.Millisecond})
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := down.Create(context.Background(), lead(t, "k-many-"+strconv.Itoa(i), "Gu")); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	e.backend("up", backendOpts{})
	eventually(t, "every lead written", func() bool {
		var c int
		_ = e.admin.QueryRow("SELECT COUNT(*) FROM leads WHERE idempotency_key LIKE 'k-many-%'").Scan(&c)
		return c == n
	})
	var dup int
	if err := e.admin.QueryRow("SELECT COUNT(*) FROM (SELECT idempotency_key FROM leads GROUP BY idempotency_key HAVING COUNT(*) > 1) d").Scan(&dup); err != nil || dup != 0 {
		t.Fatalf("%d keys doubled (%v)", dup, err)
	}
}

// batchLog records the drainer's batch writes as they reach the database.
type batchLog struct {
	intake.Writer
	mu      sync.Mutex
	batches [][]string // keys of each successful batch write, in order
	failed  int
}

func (b *batchLog) ApplyLeads(ctx context.Context, ls []marketing.Lead) ([]marketing.LeadWrite, error) {
	res, err := b.Writer.ApplyLeads(ctx, ls)
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil {
		b.failed++
		return res, err
	}
	var keys []string
	for i, l := range ls {
		if res[i] == marketing.LeadInserted {
			keys = append(keys, l.IdempotencyKey)
		}
	}
	b.batches = append(b.batches, keys)
	return res, err
}

// A backlog of thousands queued while there was no writer is written in
// batches (many leads per write), oldest first, each lead exactly once.
func TestBacklogDrainsInBatchesOldestFirst(t *testing.T) {
	if testing.Short() {
		t.Skip("real servers")
	}
	e := newEnv(t)
	// Its drainer would hold entries of its own that another drainer only
	// claims later: one drainer's order is what is checked here.
	down := e.backend("down", backendOpts{writerDown: true, hold: 20 * time.Millisecond, noDrain: true})
	const n = 3000
	keys := make([]string, n)
	// Queued in order, a few at a time, so the queue's order is known.
	for i := range n {
		keys[i] = fmt.Sprintf("k-backlog-%05d", i)
	}
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for i := 0; i < n; i += 32 {
		for j := i; j < min(i+32, n); j++ {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				res, err := down.Create(context.Background(), lead(t, keys[j], "Ha"))
				if err != nil || res.Status != intake.Pending {
					t.Errorf("%s: %+v %v", keys[j], res, err)
				}
			}()
		}
		wg.Wait()
	}
	if t.Failed() {
		return
	}
	log := &batchLog{}
	e.backend("up", backendOpts{batch: 256, writer: func(w intake.Writer) intake.Writer { log.Writer = w; return log }})
	eventually(t, "every lead written", func() bool {
		var c int
		_ = e.admin.QueryRow("SELECT COUNT(*) FROM leads WHERE idempotency_key LIKE 'k-backlog-%'").Scan(&c)
		return c == n
	})
	var dup int
	if err := e.admin.QueryRow("SELECT COUNT(*) FROM (SELECT idempotency_key FROM leads WHERE idempotency_key LIKE 'k-backlog-%' GROUP BY idempotency_key HAVING COUNT(*) > 1) d").Scan(&dup); err != nil || dup != 0 {
		t.Fatalf("%d keys doubled (%v)", dup, err)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	var order []string
	writes := 0
	for _, b := range log.batches {
		if len(b) > 0 {
			writes++
		}
		order = append(order, b...)
	}
	// Batches of 256, and a round's read may end one short: a few dozen
	// writes at most, never one per lead.
	t.Logf("%d leads in %d batch writes (%d failed while no writer)", n, writes, log.failed)
	if writes > 2*n/256+2 {
		t.Fatalf("%d batch writes for %d leads", writes, n)
	}
	if len(order) != n {
		t.Fatalf("%d leads inserted by the drainer, want %d", len(order), n)
	}
	// Each write holds leads queued after every lead of the writes before
	// it (within a batch the queue's order may differ from the order the
	// requests reached the queue, which concurrency blurs within a group).
	pos := map[string]int{}
	for i, k := range keys {
		pos[k] = i / 32
	}
	last := -1
	for _, b := range log.batches {
		lo, hi := n, -1
		for _, k := range b {
			lo, hi = min(lo, pos[k]), max(hi, pos[k])
		}
		if len(b) > 0 && lo < last {
			t.Fatalf("a batch holds a lead of group %d after a batch that held group %d", lo, last)
		}
		last = max(last, hi)
	}
}
