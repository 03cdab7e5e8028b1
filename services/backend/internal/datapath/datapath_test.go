package datapath_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"hyundai-poc.com/backend/backendtest"
	"hyundai-poc.com/backend/internal/api"
	"hyundai-poc.com/backend/internal/datapath"
	"hyundai-poc.com/dbserver"
)

func (p *pair) backend(t *testing.T, region string, tune func(*datapath.Options)) *backendtest.Server {
	t.Helper()
	return p.backendWith(t, backendtest.InProcessOptions{Region: region, Tune: tune})
}

func (p *pair) backendWith(t *testing.T, o backendtest.InProcessOptions) *backendtest.Server {
	t.Helper()
	o.WriterAddr, o.ReaderAddr, o.DBName, o.Password, o.Resolver = p.writerAddr(), p.readerAddr(), p.db, p.primary.AppPass, p.dns.Addr
	s := backendtest.NewServer(t, o)
	waitFor(t, "writer and reader healthy", func() bool {
		st := s.Databases.Status()
		return st.Writer.Healthy && st.Reader.Healthy
	})
	return s
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type reply struct {
	status int
	header http.Header
	body   map[string]any
}

func call(t *testing.T, method, url string, headers map[string]string, body string) reply {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if strings.Contains(url, "/api/health-checks") {
		req.Header.Set("Authorization", "Bearer "+backendtest.HealthCheckToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func TestReadsFromReaderWritesToWriter(t *testing.T) {
	t.Parallel()
	p := startPair(t)
	s := p.backend(t, "us-west-2", nil)

	// A campaign only the replica has (written around replication) proves
	// where reads go.
	if err := p.replica.Exec(context.Background(), "SET SESSION sql_log_bin=0",
		"INSERT INTO marketing.campaigns (market, slug, title, body, starts_on, ends_on) VALUES ('US','replica-only','Replica only','x','2026-01-01','2027-01-01')"); err != nil {
		t.Fatal(err)
	}
	r := call(t, "GET", s.URL+"/api/campaigns?market=US", nil, "")
	if r.header.Get("X-Read-Source") != "reader" || !strings.Contains(fmt.Sprint(r.body), "replica-only") {
		t.Fatalf("campaigns did not come from the replica: %v %v", r.header, r.body)
	}

	r = call(t, "POST", s.URL+"/api/health-checks", map[string]string{"Idempotency-Key": "k1"}, "")
	hc, _ := r.body["health_check"].(map[string]any)
	if r.status != 201 || hc["writer_node"] != "us-east-1" || hc["writer_region"] != "us-east-1" {
		t.Fatalf("write: %d %v", r.status, r.body)
	}
	if n := count(t, p.primary, p.db, "SELECT COUNT(*) FROM {db}.health_checks WHERE idempotency_key='k1'"); n != 1 {
		t.Fatalf("primary has %d rows for k1", n)
	}

	r = call(t, "GET", s.URL+"/internal/region", nil, "")
	w, _ := r.body["writer"].(map[string]any)
	rd, _ := r.body["reader"].(map[string]any)
	if w["node"] != "us-east-1" || rd["node"] != "us-west-2" || r.body["writer_region"] != "us-east-1" ||
		!strings.Contains(fmt.Sprint(w["resolved"]), p.primary.Host) || !strings.Contains(fmt.Sprint(rd["resolved"]), p.replica.Host) {
		t.Fatalf("/internal/region: %v", r.body)
	}
}

func TestReadOnlyNodeBehindWriterNameIsRefused(t *testing.T) {
	t.Parallel()
	p := startPair(t)
	s := p.backend(t, "us-east-1", func(o *datapath.Options) { o.WriteRetryBudget = 800 * time.Millisecond })

	// DNS now sends the writer name to the read-only replica.
	p.setName(writerName, p.replica.Host)
	waitFor(t, "monitor to see the read-only node", func() bool { return !s.Databases.Status().Writer.Healthy })
	r := call(t, "POST", s.URL+"/api/health-checks", map[string]string{"Idempotency-Key": "refused"}, "")
	if r.status != 503 || r.header.Get("Retry-After") == "" {
		t.Fatalf("write to a read-only node: %d %v", r.status, r.body)
	}
	m := call(t, "GET", s.URL+"/metrics", nil, "")
	_ = m
	metrics := scrape(t, s.URL)
	if !strings.Contains(metrics, "db_writer_refused_total") || strings.Contains(metrics, "db_writer_refused_total 0\n") {
		t.Fatalf("refusals not counted:\n%s", grep(metrics, "db_writer"))
	}
	for _, srv := range []*dbserver.Server{p.primary, p.replica} {
		if n := count(t, srv, p.db, "SELECT COUNT(*) FROM {db}.health_checks"); n != 0 {
			t.Fatalf("%s has %d health checks", srv.Name, n)
		}
	}

	// DNS back to the writer: writes work again without a restart.
	p.setName(writerName, p.primary.Host)
	waitFor(t, "writer healthy again", func() bool { return s.Databases.Status().Writer.Healthy })
	r = call(t, "POST", s.URL+"/api/health-checks", map[string]string{"Idempotency-Key": "accepted"}, "")
	if r.status != 201 {
		t.Fatalf("write after DNS fix: %d %v", r.status, r.body)
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestSwitchoverUnderWriteLoad moves the writer the way a planned
// switchover does (fence, drain, promote, repoint DNS) while writers keep
// posting, and checks that every acknowledged write exists exactly once.
func TestSwitchoverUnderWriteLoad(t *testing.T) {
	t.Parallel()
	p := startPair(t)
	s := p.backend(t, "us-west-2", nil)

	type ack struct {
		key string
		at  time.Time
	}
	var mu sync.Mutex
	var acks []ack
	failures := 0
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			client := &http.Client{Timeout: 20 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				key := fmt.Sprintf("w%d-%d", w, i)
				req, _ := http.NewRequest("POST", s.URL+"/api/health-checks", nil)
				req.Header.Set("Authorization", "Bearer "+backendtest.HealthCheckToken)
				req.Header.Set("Idempotency-Key", key)
				resp, err := client.Do(req)
				mu.Lock()
				if err == nil && resp.StatusCode == 201 {
					acks = append(acks, ack{key, time.Now()})
				} else {
					failures++
					if err != nil {
						t.Logf("write %s: %v", key, err)
					} else {
						b, _ := io.ReadAll(resp.Body)
						t.Logf("write %s: %d %s", key, resp.StatusCode, b)
					}
				}
				mu.Unlock()
				if err == nil {
					resp.Body.Close()
				}
				time.Sleep(5 * time.Millisecond)
			}
		}(w)
	}
	time.Sleep(500 * time.Millisecond)

	fenced := time.Now()
	promoted := p.switchover(t)
	waitFor(t, "writes on the new writer", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acks) > 0 && acks[len(acks)-1].at.After(promoted)
	})
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()

	var pause time.Duration
	for i := 1; i < len(acks); i++ {
		if gap := acks[i].at.Sub(acks[i-1].at); gap > pause {
			pause = gap
		}
	}
	var firstAfter time.Time
	for _, a := range acks {
		if a.at.After(promoted) {
			firstAfter = a.at
			break
		}
	}
	t.Logf("acked %d writes, %d failed; longest pause between acks %s; first ack %s after DNS moved (fence to DNS: %s)",
		len(acks), failures, pause.Round(time.Millisecond), firstAfter.Sub(promoted).Round(time.Millisecond), promoted.Sub(fenced).Round(time.Millisecond))
	if failures != 0 {
		t.Errorf("%d writes failed during the switchover; the backend should have waited for the new writer", failures)
	}
	for _, a := range acks {
		if n := count(t, p.replica, p.db, "SELECT COUNT(*) FROM {db}.health_checks WHERE idempotency_key = ?", a.key); n != 1 {
			t.Fatalf("acknowledged write %s is present %d times on the new writer", a.key, n)
		}
	}
	total := count(t, p.replica, p.db, "SELECT COUNT(*) FROM {db}.health_checks")
	if total < len(acks) {
		t.Fatalf("new writer has %d rows for %d acks", total, len(acks))
	}
	r := call(t, "GET", s.URL+"/api/region", nil, "")
	if r.body["writer_region"] != "us-west-2" {
		t.Fatalf("writer region after switchover: %v", r.body)
	}
}

// TestConsistencyTokenWithLaggingReplica stops the replica's SQL thread so
// it lags, and checks that a token read still sees the write (from the
// writer), then from the reader once it catches up.
func TestConsistencyTokenWithLaggingReplica(t *testing.T) {
	t.Parallel()
	p := startPair(t)
	s := p.backend(t, "us-west-2", func(o *datapath.Options) { o.ConsistencyWait = 300 * time.Millisecond })
	ctx := context.Background()
	if err := p.replica.Exec(ctx, "STOP SLAVE SQL_THREAD"); err != nil {
		t.Fatal(err)
	}
	body := `{"type":"brochure","name":"Park","email":"park@example.com","vehicle_id":"ioniq-6","consent":true}`
	r := call(t, "POST", s.URL+"/api/leads", nil, body)
	if r.status != 201 {
		t.Fatalf("create: %d %v", r.status, r.body)
	}
	lead, _ := r.body["lead"].(map[string]any)
	id := lead["id"].(string)
	token := r.header.Get("X-Consistency-Token")

	plain := call(t, "GET", s.URL+"/api/leads/"+id, nil, "")
	if plain.status != 404 || plain.header.Get("X-Read-Source") != "reader" {
		t.Fatalf("the lagging reader should not have the lead yet: %d %v", plain.status, plain.header)
	}
	withToken := call(t, "GET", s.URL+"/api/leads/"+id, map[string]string{"X-Consistency-Token": token}, "")
	if withToken.status != 200 || withToken.header.Get("X-Read-Source") != "writer" {
		t.Fatalf("token read while lagging: %d %v %v", withToken.status, withToken.header, withToken.body)
	}
	waitFor(t, "lag to show", func() bool { return s.Databases.Status().Lag > 200*time.Millisecond })

	if err := p.replica.Exec(ctx, "START SLAVE SQL_THREAD"); err != nil {
		t.Fatal(err)
	}
	p.waitReplicated(t)
	waitFor(t, "token read from the reader", func() bool {
		r := call(t, "GET", s.URL+"/api/leads/"+id, map[string]string{"X-Consistency-Token": token}, "")
		return r.status == 200 && r.header.Get("X-Read-Source") == "reader"
	})
	waitFor(t, "lag to settle", func() bool { return s.Databases.Status().Lag < 200*time.Millisecond })
}

// TestReaderDownFallsBackToWriter sends the reader name to an address
// where nothing listens: reads go to the writer, and say so.
func TestReaderDownFallsBackToWriter(t *testing.T) {
	t.Parallel()
	p := startPair(t)
	s := p.backend(t, "ap-northeast-2", nil)
	p.setName(readerName, "127.0.0.254")
	waitFor(t, "reader marked down", func() bool { return !s.Databases.Status().Reader.Healthy })
	for i := 0; i < 5; i++ {
		r := call(t, "GET", s.URL+"/api/vehicles", nil, "")
		if r.status != 200 || r.header.Get("X-Read-Source") != "writer" {
			t.Fatalf("read with the reader down: %d %v", r.status, r.header)
		}
	}
	if r := call(t, "GET", s.URL+"/readyz", nil, ""); r.status != 200 {
		t.Fatalf("readyz with the writer still up: %d %v", r.status, r.body)
	}
	if !strings.Contains(grep(scrape(t, s.URL), "db_read_fallbacks_total"), "reader_down") {
		t.Fatal("fallbacks not counted")
	}
	p.setName(readerName, p.replica.Host)
	waitFor(t, "reader back", func() bool {
		r := call(t, "GET", s.URL+"/api/vehicles", nil, "")
		return r.header.Get("X-Read-Source") == "reader"
	})
}

// TestWritesWaitingForAWriterAreBounded fences the writer so writes wait
// for a new one; past the in-flight limit a write is refused with 429 at
// once instead of piling up.
func TestWritesWaitingForAWriterAreBounded(t *testing.T) {
	t.Parallel()
	p := startPair(t)
	s := p.backendWith(t, backendtest.InProcessOptions{Region: "us-east-1",
		Tune:    func(o *datapath.Options) { o.WriteRetryBudget = 3 * time.Second },
		TuneAPI: func(a *api.Server) { a.MaxInflightWrites = 1 }})
	if err := p.primary.SetReadOnly(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	first := make(chan reply, 1)
	go func() {
		first <- call(t, "POST", s.URL+"/api/health-checks", map[string]string{"Idempotency-Key": "waiting"}, "")
	}()
	waitFor(t, "the first write to be waiting", func() bool {
		return strings.Contains(grep(scrape(t, s.URL), "db_query_duration_seconds_count"), `outcome="read_only"`)
	})
	r := call(t, "POST", s.URL+"/api/health-checks", map[string]string{"Idempotency-Key": "refused"}, "")
	if r.status != 429 || r.header.Get("Retry-After") == "" {
		t.Fatalf("second write: %d %v", r.status, r.body)
	}
	// The writer comes back within the first write's budget: it succeeds.
	if err := p.primary.SetReadOnly(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if r := <-first; r.status != 201 {
		t.Fatalf("waiting write: %d %v", r.status, r.body)
	}
	if n := count(t, p.primary, p.db, "SELECT COUNT(*) FROM {db}.health_checks"); n != 1 {
		t.Fatalf("health checks = %d, want 1", n)
	}
}

// A request that gives up is not a failure of the node: the pools stay.
func TestCancelledRequestsDoNotBlameTheNode(t *testing.T) {
	t.Parallel()
	s := backendtest.NewServer(t, backendtest.InProcessOptions{})
	waitFor(t, "healthy", func() bool { return s.Databases.Status().Writer.Healthy })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Databases.Read(ctx, func(ctx context.Context, db *sqlx.DB) error {
		_, err := db.ExecContext(ctx, "SELECT SLEEP(1)")
		return err
	})
	if !datapath.IsCanceled(err) {
		t.Fatalf("err = %v, want cancellation", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = s.Databases.Write(ctx, "sleep", func(ctx context.Context, db *sqlx.DB, _ int) error {
		_, err := db.ExecContext(ctx, "SELECT SLEEP(1)")
		return err
	})
	if !datapath.IsCanceled(err) {
		t.Fatalf("err = %v, want deadline", err)
	}
	m := scrape(t, s.URL)
	if strings.Contains(m, "db_pool_reresolutions_total{") {
		t.Fatalf("a cancelled request dropped a pool:\n%s", grep(m, "reresolutions"))
	}
	if st := s.Databases.Status(); !st.Writer.Healthy || !st.Reader.Healthy {
		t.Fatalf("nodes marked down: %+v", st)
	}
}
