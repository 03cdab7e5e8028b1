package queue_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"hyundai-poc.com/backend/internal/queue"
	"hyundai-poc.com/redisserver"
)

var server *redisserver.Server

// One real redis-server for the run; each test has its own stream.
func TestMain(m *testing.M) {
	if _, err := redisserver.FindBinary(); err != nil {
		if os.Getenv("CI") != "" {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "skipping queue tests:", err)
		os.Exit(0)
	}
	var err error
	server, err = redisserver.Start(context.Background(), redisserver.Options{Name: "queue-test"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		server.Stop()
		os.Exit(130)
	}()
	code := m.Run()
	server.Stop()
	os.Exit(code)
}

func open(t *testing.T, consumer string, mod func(*queue.Options)) *queue.Queue {
	t.Helper()
	o := queue.Options{Addr: server.Addr(), Password: server.Password, Name: streamName(t), Consumer: consumer,
		Poll: 20 * time.Millisecond, ClaimIdle: 200 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}
	if mod != nil {
		mod(&o)
	}
	q, err := queue.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

var (
	namesMu sync.Mutex
	names   = map[string]string{}
	runs    int
)

// streamName is unique per test run (go test -count=N reuses the server)
// and the same for every queue one test opens.
func streamName(t *testing.T) string {
	namesMu.Lock()
	defer namesMu.Unlock()
	if n, ok := names[t.Name()]; ok {
		return n
	}
	runs++
	n := fmt.Sprintf("%s-%d", t.Name(), runs)
	names[t.Name()] = n
	t.Cleanup(func() { namesMu.Lock(); delete(names, t.Name()); namesMu.Unlock() })
	return n
}

// store stands in for the database's leads table: a unique index on the
// idempotency key, which is what makes an apply repeatable.
type store struct {
	mu      sync.Mutex
	rows    map[string]string // key -> body
	inserts map[string]int    // key -> rows inserted for it
	order   []string
}

func newStore() *store { return &store{rows: map[string]string{}, inserts: map[string]int{}} }

func (s *store) apply(_ context.Context, e queue.Entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if body, ok := s.rows[e.Key]; ok {
		if body != string(e.Body) {
			return fmt.Errorf("%w: key used with another body", queue.ErrReject)
		}
		return nil
	}
	s.rows[e.Key] = string(e.Body)
	s.inserts[e.Key]++
	s.order = append(s.order, e.Key)
	return nil
}

func (s *store) has(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.rows[key]
	return ok
}

// each makes an apply of batches from an apply of one entry.
func each(apply func(context.Context, queue.Entry) error) queue.ApplyFunc {
	return func(ctx context.Context, es []queue.Entry) []error {
		errs := make([]error, len(es))
		for i, e := range es {
			errs[i] = apply(ctx, e)
		}
		return errs
	}
}

func run(t *testing.T, q *queue.Queue, apply func(context.Context, queue.Entry) error) context.CancelFunc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = q.Run(ctx, nil, each(apply)) }()
	t.Cleanup(func() { cancel(); <-done })
	return cancel
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func depth(t *testing.T, q *queue.Queue) int64 {
	t.Helper()
	st, err := q.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st.Depth
}

func TestAddIsIdempotentByKey(t *testing.T) {
	q := open(t, "a", nil)
	ctx := context.Background()
	first, existed, err := q.Add(ctx, queue.Entry{Key: "k1", Ref: "lead-1", Kind: "lead", Body: []byte(`{"n":1}`)})
	if err != nil || existed {
		t.Fatalf("first add: existed=%v err=%v", existed, err)
	}
	again, existed, err := q.Add(ctx, queue.Entry{Key: "k1", Ref: "lead-2", Kind: "lead", Body: []byte(`{"n":1}`)})
	if err != nil || !existed {
		t.Fatalf("second add: existed=%v err=%v", existed, err)
	}
	if again.ID != first.ID || again.Ref != "lead-1" {
		t.Fatalf("second add returned %+v, want the first entry %+v", again, first)
	}
	if got := depth(t, q); got != 1 {
		t.Fatalf("depth %d, want 1", got)
	}
	byRef, ok, err := q.ByRef(ctx, "lead-1")
	if err != nil || !ok || byRef.Key != "k1" || string(byRef.Body) != `{"n":1}` {
		t.Fatalf("ByRef: %+v %v %v", byRef, ok, err)
	}
	if _, ok, _ := q.ByRef(ctx, "lead-2"); ok {
		t.Fatal("the refused second add was indexed")
	}
}

// Two backends drain one queue: every entry is applied, none twice, and
// each drainer goes oldest first.
func TestTwoDrainersApplyEveryEntryOnce(t *testing.T) {
	a, b := open(t, "a", nil), open(t, "b", nil)
	st := newStore()
	ctx := context.Background()
	const n = 200
	for i := range n {
		if _, _, err := a.Add(ctx, queue.Entry{Key: fmt.Sprintf("k%03d", i), Ref: fmt.Sprintf("r%03d", i), Kind: "lead", Body: []byte("b")}); err != nil {
			t.Fatal(err)
		}
	}
	run(t, a, st.apply)
	run(t, b, st.apply)
	eventually(t, "an empty queue", func() bool { return depth(t, a) == 0 })
	for i := range n {
		k := fmt.Sprintf("k%03d", i)
		if st.inserts[k] != 1 {
			t.Errorf("%s inserted %d times", k, st.inserts[k])
		}
		if _, ok, _ := a.ByKey(ctx, k); ok {
			t.Errorf("%s still indexed after it was applied", k)
		}
	}
}

func TestOldestFirst(t *testing.T) {
	q := open(t, "a", nil)
	st := newStore()
	for i := range 50 {
		if _, _, err := q.Add(context.Background(), queue.Entry{Key: fmt.Sprintf("k%02d", i), Body: []byte("b")}); err != nil {
			t.Fatal(err)
		}
	}
	run(t, q, st.apply)
	eventually(t, "an empty queue", func() bool { return depth(t, q) == 0 })
	for i, k := range st.order {
		if want := fmt.Sprintf("k%02d", i); k != want {
			t.Fatalf("applied %s at position %d, want %s", k, i, want)
		}
	}
}

// While the database refuses, the entry stays and nothing overtakes it;
// once the database answers, both are applied in order.
func TestFailedApplyBacksOffAndKeepsOrder(t *testing.T) {
	q := open(t, "a", nil)
	st := newStore()
	var mu sync.Mutex
	down := true
	attempts := 0
	apply := func(ctx context.Context, e queue.Entry) error {
		mu.Lock()
		if down {
			attempts++
			mu.Unlock()
			return errors.New("no writable writer")
		}
		mu.Unlock()
		return st.apply(ctx, e)
	}
	for _, k := range []string{"first", "second"} {
		if _, _, err := q.Add(context.Background(), queue.Entry{Key: k, Body: []byte("b")}); err != nil {
			t.Fatal(err)
		}
	}
	run(t, q, apply)
	eventually(t, "several failed attempts", func() bool { mu.Lock(); defer mu.Unlock(); return attempts >= 3 })
	if got := depth(t, q); got != 2 {
		t.Fatalf("depth %d while the database refuses, want 2", got)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	q.Wake()
	eventually(t, "an empty queue", func() bool { return depth(t, q) == 0 })
	if len(st.order) != 2 || st.order[0] != "first" {
		t.Fatalf("applied %v, want [first second]", st.order)
	}
}

// A backend that applied an entry and died before removing it leaves the
// entry pending; another backend claims it, and the key lookup inside the
// apply keeps it from being inserted twice.
func TestClaimAfterCrashDoesNotDouble(t *testing.T) {
	a, b := open(t, "a", nil), open(t, "b", nil)
	st := newStore()
	if _, _, err := a.Add(context.Background(), queue.Entry{Key: "k", Body: []byte("b")}); err != nil {
		t.Fatal(err)
	}
	crashed := make(chan struct{})
	var once sync.Once
	stopA := run(t, a, func(ctx context.Context, e queue.Entry) error {
		_ = st.apply(ctx, e)
		once.Do(func() { close(crashed) })
		<-ctx.Done() // dies before it can remove the entry
		return ctx.Err()
	})
	<-crashed
	stopA()
	if got := depth(t, a); got != 1 {
		t.Fatalf("depth %d after the crash, want 1", got)
	}
	var reapplied sync.WaitGroup
	reapplied.Add(1)
	var ronce sync.Once
	run(t, b, func(ctx context.Context, e queue.Entry) error {
		defer ronce.Do(reapplied.Done)
		return st.apply(ctx, e)
	})
	reapplied.Wait()
	eventually(t, "an empty queue", func() bool { return depth(t, b) == 0 })
	if st.inserts["k"] != 1 {
		t.Fatalf("inserted %d times, want 1", st.inserts["k"])
	}
}

func TestRejectedEntryMovesToDeadLetter(t *testing.T) {
	q := open(t, "a", nil)
	st := newStore()
	st.rows["k"] = "other body"
	if _, _, err := q.Add(context.Background(), queue.Entry{Key: "k", Body: []byte("b")}); err != nil {
		t.Fatal(err)
	}
	var outcomes []queue.Outcome
	var mu sync.Mutex
	q2 := open(t, "a", func(o *queue.Options) {
		o.OnDone = func(_ queue.Entry, _ time.Duration, out queue.Outcome) {
			mu.Lock()
			outcomes = append(outcomes, out)
			mu.Unlock()
		}
	})
	run(t, q2, st.apply)
	eventually(t, "an empty queue", func() bool { return depth(t, q) == 0 })
	dead, err := q.Rejected(context.Background())
	if err != nil || len(dead) != 1 || dead[0].Key != "k" {
		t.Fatalf("dead letters %+v, %v", dead, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(outcomes) != 1 || outcomes[0] != queue.Rejected {
		t.Fatalf("outcomes %v", outcomes)
	}
}

// Journal semantics: an entry written before the database write is left to
// its request for MinAge; the request removes it once the write is safe,
// and then the drainer never applies it.
func TestJournalEntryLeftToItsRequest(t *testing.T) {
	q := open(t, "a", func(o *queue.Options) { o.MinAge = 300 * time.Millisecond })
	st := newStore()
	applied := make(chan string, 4)
	run(t, q, func(ctx context.Context, e queue.Entry) error {
		applied <- e.Key
		return st.apply(ctx, e)
	})
	ctx := context.Background()
	j, _, err := q.Add(ctx, queue.Entry{Key: "journaled", Body: []byte("b")})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Remove(ctx, j); err != nil {
		t.Fatal(err)
	}
	// An entry its request never removed (the request's process died) is
	// applied by the drainer once it is old enough.
	if _, _, err := q.Add(ctx, queue.Entry{Key: "orphan", Body: []byte("b")}); err != nil {
		t.Fatal(err)
	}
	select {
	case k := <-applied:
		if k != "orphan" {
			t.Fatalf("drainer applied %s", k)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("orphaned entry never applied")
	}
	if st.has("journaled") {
		t.Fatal("a removed journal entry was applied")
	}
}

// Entries waiting for replication (ErrNotYet) stay, and do not hold back
// a newer entry.
func TestNotYetKeepsEntryWithoutBlockingOthers(t *testing.T) {
	q := open(t, "a", nil)
	st := newStore()
	var mu sync.Mutex
	replicated := false
	run(t, q, func(ctx context.Context, e queue.Entry) error {
		if err := st.apply(ctx, e); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		if e.Key == "waiting" && !replicated {
			return queue.ErrNotYet
		}
		return nil
	})
	for _, k := range []string{"waiting", "newer"} {
		if _, _, err := q.Add(context.Background(), queue.Entry{Key: k, Body: []byte("b")}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the newer entry applied", func() bool { return st.has("newer") && depth(t, q) == 1 })
	mu.Lock()
	replicated = true
	mu.Unlock()
	eventually(t, "an empty queue", func() bool { return depth(t, q) == 0 })
}

// What Add acknowledged survives the server being killed and restarted.
func TestEntriesSurviveServerKill(t *testing.T) {
	s, err := redisserver.Start(context.Background(), redisserver.Options{Name: "kill"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	q, err := queue.Open(queue.Options{Addr: s.Addr(), Password: s.Password, Consumer: "a", Poll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	ctx := context.Background()
	if _, _, err := q.Add(ctx, queue.Entry{Key: "k", Ref: "r", Body: []byte("b")}); err != nil {
		t.Fatal(err)
	}
	s.Kill()
	if _, _, err := q.Add(ctx, queue.Entry{Key: "k2", Body: []byte("b")}); err == nil {
		t.Fatal("add succeeded with the server down")
	}
	if err := s.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	e, ok, err := q.ByRef(ctx, "r")
	if err != nil || !ok || e.Key != "k" {
		t.Fatalf("after restart: %+v %v %v", e, ok, err)
	}
}

func TestStatsOldest(t *testing.T) {
	q := open(t, "a", nil)
	if _, _, err := q.Add(context.Background(), queue.Entry{Key: "k", Body: []byte("b")}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(30 * time.Millisecond)
	st, err := q.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Depth != 1 || st.Oldest < 30*time.Millisecond {
		t.Fatalf("stats %+v", st)
	}
}

// Entries the confirm step finds safe leave without an apply.
func TestConfirmedEntriesLeaveWithoutApply(t *testing.T) {
	q := open(t, "a", nil)
	ctx := context.Background()
	for _, k := range []string{"replicated", "lost"} {
		if _, _, err := q.Add(ctx, queue.Entry{Key: k, Body: []byte("b")}); err != nil {
			t.Fatal(err)
		}
	}
	st := newStore()
	c, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = q.Run(c, func(_ context.Context, es []queue.Entry) (map[string]bool, error) {
			out := map[string]bool{}
			for _, e := range es {
				if e.Key == "replicated" {
					out[e.ID] = true
				}
			}
			return out, nil
		}, each(st.apply))
	}()
	t.Cleanup(func() { cancel(); <-done })
	eventually(t, "an empty queue", func() bool { return depth(t, q) == 0 })
	if st.has("replicated") || !st.has("lost") {
		t.Fatalf("applied %v: want only the entry that was not confirmed", st.order)
	}
}

// More entries wait to be confirmed than one round looks at: the rounds
// page through them, so a newer entry still gets written.
func TestLongWaitingListDoesNotHideNewerEntries(t *testing.T) {
	q := open(t, "a", func(o *queue.Options) { o.MaxHeld = 64 })
	st := newStore()
	run(t, q, func(ctx context.Context, e queue.Entry) error {
		if err := st.apply(ctx, e); err != nil {
			return err
		}
		return queue.ErrNotYet // never confirmed: every entry stays held
	})
	for i := range 300 {
		if _, _, err := q.Add(context.Background(), queue.Entry{Key: fmt.Sprintf("k%03d", i), Body: []byte("b")}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "every entry written", func() bool {
		st.mu.Lock()
		defer st.mu.Unlock()
		return len(st.rows) == 300
	})
}

// A backlog is handed to apply a batch at a time, oldest first, each entry
// in exactly one successful batch.
func TestBacklogDrainsInBatches(t *testing.T) {
	q := open(t, "a", func(o *queue.Options) { o.Batch = 100 })
	ctx := context.Background()
	const n = 1000
	for i := range n {
		if _, _, err := q.Add(ctx, queue.Entry{Key: fmt.Sprintf("k%04d", i), Body: []byte("b")}); err != nil {
			t.Fatal(err)
		}
	}
	st := newStore()
	var mu sync.Mutex
	var sizes []int
	c, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = q.Run(c, nil, func(ctx context.Context, es []queue.Entry) []error {
			mu.Lock()
			sizes = append(sizes, len(es))
			mu.Unlock()
			return each(st.apply)(ctx, es)
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	eventually(t, "an empty queue", func() bool { return depth(t, q) == 0 })
	mu.Lock()
	defer mu.Unlock()
	// Rounds read what the stream has in pages, so a batch may come short
	// at a page's end; never one call per entry.
	if len(sizes) > 2*n/100 {
		t.Fatalf("%d apply calls for %d entries in batches of 100: %v", len(sizes), n, sizes)
	}
	for i, k := range st.order {
		if want := fmt.Sprintf("k%04d", i); k != want {
			t.Fatalf("applied %s at position %d, want %s", k, i, want)
		}
	}
	for k, c := range st.inserts {
		if c != 1 {
			t.Fatalf("%s inserted %d times", k, c)
		}
	}
}
