package datapath_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"hyundai-poc.com/backend/backendtest"
	"hyundai-poc.com/backend/internal/datapath"
	"hyundai-poc.com/dbserver/dbtest"
)

var tokenKey = []byte(strings.Repeat("test-token-key-", 4))

// counter sums a metric's samples whose labels include want.
func counter(t *testing.T, g prometheus.Gatherer, name string, want map[string]string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if v, ok := want[l.GetName()]; ok && v != l.GetValue() {
					continue metrics
				}
			}
			switch {
			case m.GetCounter() != nil:
				sum += m.GetCounter().GetValue()
			case m.GetHistogram() != nil:
				sum += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return sum
}

// twoBackends are two backends of one deployment over one database: they
// share the token key, as every region's backends do. Their monitors run
// once at start and then rarely, so the queries a test counts are its own.
func twoBackends(t *testing.T, tune func(*datapath.Options)) (a, b *backendtest.Server) {
	t.Helper()
	opts := func(o *datapath.Options) {
		o.TokenKey = tokenKey
		o.MonitorInterval = time.Hour
		if tune != nil {
			tune(o)
		}
	}
	a = backendtest.NewServer(t, backendtest.InProcessOptions{Tune: opts})
	var db string
	if err := a.DB.QueryRow("SELECT DATABASE()").Scan(&db); err != nil {
		t.Fatal(err)
	}
	in := dbtest.Shared(t)
	b = backendtest.NewServer(t, backendtest.InProcessOptions{Region: "us-west-2", WriterAddr: in.Addr, DBName: db,
		User: in.User, Password: in.Password, Tune: opts})
	for _, s := range []*backendtest.Server{a, b} {
		waitFor(t, "writer and reader healthy", func() bool {
			st := s.Databases.Status()
			return st.Writer.Healthy && st.Reader.Healthy
		})
	}
	return a, b
}

// readerQueries waits until the backend's own reader queries settle (the
// lag watcher follows each write's heartbeat) and returns their count.
func readerQueries(t *testing.T, s *backendtest.Server) float64 {
	t.Helper()
	last := -1.0
	for range 100 {
		n := counter(t, s.API.Metrics.Registry, "db_query_duration_seconds", map[string]string{"pool": "reader"})
		if n == last {
			return n
		}
		last = n
		time.Sleep(150 * time.Millisecond)
	}
	t.Fatal("reader queries never settled")
	return 0
}

const tokenLead = `{"type":"brochure","name":"Park","email":"park@example.com","vehicle_id":"ioniq-6","consent":true}`

func TestForgedTokensCostNoQueries(t *testing.T) {
	t.Parallel()
	a, b := twoBackends(t, func(o *datapath.Options) { o.ConsistencyWait = 2 * time.Second })
	r := call(t, "POST", a.URL+"/api/leads", nil, tokenLead)
	if r.status != 201 {
		t.Fatalf("create: %d %v", r.status, r.body)
	}
	id := r.body["lead"].(map[string]any)["id"].(string)
	genuine := r.header.Get("X-Consistency-Token")
	src, seq, _ := strings.Cut(genuine, ":")
	seq, mac, _ := strings.Cut(seq, ":")

	before := readerQueries(t, a)
	for name, forged := range map[string]string{
		"old shape, unknown source": "us-east-1/0a1b2c3d:5",
		"unknown source":            "us-east-1/0a1b2c3d:" + seq + ":" + mac,
		"sequence far ahead":        src + ":9000000:" + mac,
		"signature of another key":  src + ":" + seq + ":" + strings.Repeat("A", len(mac)),
	} {
		got := call(t, "GET", a.URL+"/api/leads/"+id, map[string]string{"X-Consistency-Token": forged}, "")
		if got.status != 400 {
			t.Errorf("%s: status %d, want 400", name, got.status)
		}
	}
	if n := counter(t, a.API.Metrics.Registry, "db_query_duration_seconds", map[string]string{"pool": "reader"}) - before; n != 0 {
		t.Errorf("forged tokens cost %v reader queries, want none", n)
	}

	// A genuine token from a backend whose heartbeat the reader has never
	// seen (b has written nothing) cannot be waited for: the writer answers
	// at once instead of after the whole wait.
	stranger := b.Databases.Token().String()
	before = readerQueries(t, a)
	for range 10 {
		got := call(t, "GET", a.URL+"/api/leads/"+id, map[string]string{"X-Consistency-Token": stranger}, "")
		if got.status != 200 || got.header.Get("X-Read-Source") != "writer" {
			t.Fatalf("token of an unknown source: %d from %q", got.status, got.header.Get("X-Read-Source"))
		}
	}
	// Each read looks at the heartbeat table once or twice; polling for
	// the 2 s wait would be some 200 queries a read.
	if n := counter(t, a.API.Metrics.Registry, "db_query_duration_seconds", map[string]string{"pool": "reader"}) - before; n > 30 {
		t.Errorf("10 reads with an unknown source's token cost %v reader queries", n)
	}
	if n := counter(t, a.API.Metrics.Registry, "db_read_fallbacks_total", map[string]string{"reason": "token_unknown_source"}); n != 10 {
		t.Errorf("%v reads fell back for an unknown source, want 10", n)
	}
}

func TestTokenWaitsInFlightAreBounded(t *testing.T) {
	t.Parallel()
	a, b := twoBackends(t, func(o *datapath.Options) {
		o.ConsistencyWait = time.Second
		o.MaxTokenWaits = 2
	})
	// b writes once, so its heartbeat row exists; the token it gives once
	// that row is there names the next heartbeat, which nothing will kick:
	// a token read waits the whole ConsistencyWait.
	r := call(t, "POST", b.URL+"/api/leads", nil, tokenLead)
	if r.status != 201 {
		t.Fatalf("create: %d %v", r.status, r.body)
	}
	id := r.body["lead"].(map[string]any)["id"].(string)
	waitFor(t, "b's heartbeat on the reader", func() bool {
		var n int
		_ = a.DB.QueryRow("SELECT COUNT(*) FROM heartbeat WHERE region = 'us-west-2'").Scan(&n)
		return n == 1
	})
	pending := b.Databases.Token().String()

	before := readerQueries(t, a)
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := call(t, "GET", a.URL+"/api/leads/"+id, map[string]string{"X-Consistency-Token": pending}, "")
			if got.status != 200 || got.header.Get("X-Read-Source") != "writer" {
				t.Errorf("waiting token read: %d from %q", got.status, got.header.Get("X-Read-Source"))
			}
		}()
	}
	wg.Wait()
	full := counter(t, a.API.Metrics.Registry, "db_read_fallbacks_total", map[string]string{"reason": "token_waits_full"})
	waited := counter(t, a.API.Metrics.Registry, "db_read_fallbacks_total", map[string]string{"reason": "token_wait"})
	if waited > 2 || full+waited != 10 {
		t.Errorf("%v reads waited and %v went to the writer at once; want at most 2 waits of 10", waited, full)
	}
	// One watcher polls for every waiter: a second of waiting is some 100
	// heartbeat reads however many wait, not 100 per waiter.
	if n := counter(t, a.API.Metrics.Registry, "db_query_duration_seconds", map[string]string{"pool": "reader"}) - before; n > 250 {
		t.Errorf("two waits of a second cost %v reader queries", n)
	}
}
