package api_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"hyundai-poc.com/backend/backendtest"
	"hyundai-poc.com/backend/internal/backend"
	"hyundai-poc.com/backend/internal/datapath"
	"hyundai-poc.com/backend/internal/queue"
	"hyundai-poc.com/dbserver/dbtest"
	"hyundai-poc.com/redisserver"
)

var (
	queueOnce   sync.Once
	queueServer *redisserver.Server
	queueErr    error
	queueNames  int
)

func regionQueue(t *testing.T) *redisserver.Server {
	t.Helper()
	queueOnce.Do(func() {
		queueServer, queueErr = redisserver.Start(context.Background(), redisserver.Options{Name: "api-test-queue"})
		if queueErr == nil {
			dbtest.AtExit(queueServer.Stop)
		}
	})
	if queueErr != nil {
		t.Fatal(queueErr)
	}
	return queueServer
}

func writesTo(t *testing.T, name string, hold time.Duration) backend.Writes {
	q := regionQueue(t)
	return backend.Writes{Hold: hold, Queue: &queue.Options{Addr: q.Addr(), Password: q.Password, Name: name,
		Poll: 30 * time.Millisecond, ClaimIdle: time.Second, MaxBackoff: 200 * time.Millisecond}}
}

func deadAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// With no writable writer, a lead is acknowledged 202 from the region's
// queue within the hold; reading it says pending, the same key gets the
// same lead, and once a backend with a writer drains the queue the lead
// reads 200, written once.
func TestLeadAcceptedWhileNoWriter(t *testing.T) {
	queueNames++
	name := fmt.Sprintf("api-%d-%d", time.Now().UnixNano(), queueNames)
	down := backendtest.NewServer(t, backendtest.InProcessOptions{
		Tune:   func(o *datapath.Options) { o.WriterAddr = deadAddr(t) },
		Writes: writesTo(t, name, 300*time.Millisecond),
	})
	waitCatalog(t, down.URL)
	key := map[string]string{"Idempotency-Key": "queued-1"}
	a := do(t, "POST", down.URL+"/api/leads", "application/json", goodLead, key)
	if a.status != 202 || a.body["status"] != "pending" {
		t.Fatalf("POST with no writer: %d %s", a.status, a.raw)
	}
	lead, _ := a.body["lead"].(map[string]any)
	id, _ := lead["id"].(string)
	if loc := a.header.Get("Location"); id == "" || loc != "/api/leads/"+id {
		t.Fatalf("Location %q for lead %q", loc, id)
	}
	if a.header.Get("X-Consistency-Token") != "" {
		t.Fatal("a pending lead carries a consistency token")
	}
	g := do(t, "GET", down.URL+"/api/leads/"+id, "", "", nil)
	if g.status != 202 || g.body["status"] != "pending" {
		t.Fatalf("GET pending lead: %d %s", g.status, g.raw)
	}
	b := do(t, "POST", down.URL+"/api/leads", "application/json", goodLead, key)
	lb, _ := b.body["lead"].(map[string]any)
	if b.status != 202 || lb["id"] != id || b.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("same key again: %d %s", b.status, b.raw)
	}

	// A backend of the same region that has a writer drains the queue.
	in := dbtest.Shared(t)
	var dbName string
	if err := down.DB.QueryRow("SELECT DATABASE()").Scan(&dbName); err != nil {
		t.Fatal(err)
	}
	backendtest.NewServer(t, backendtest.InProcessOptions{WriterAddr: in.Addr, DBName: dbName, User: in.User, Password: in.Password,
		Writes: writesTo(t, name, 300*time.Millisecond)})
	deadline := time.Now().Add(20 * time.Second)
	for {
		g = do(t, "GET", down.URL+"/api/leads/"+id, "", "", nil)
		if g.status == 200 {
			break
		}
		if g.status != 202 || time.Now().After(deadline) {
			t.Fatalf("GET while draining: %d %s", g.status, g.raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if g.body["status"] != "confirmed" {
		t.Fatalf("applied lead: %s", g.raw)
	}
	var n int
	if err := down.DB.QueryRow("SELECT COUNT(*) FROM leads WHERE idempotency_key = 'queued-1'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d rows for the key (%v)", n, err)
	}
}

// With a writer, a lead is created (201) as before, journaled on the way.
func TestLeadCreatedWithQueue(t *testing.T) {
	queueNames++
	s := backendtest.NewServer(t, backendtest.InProcessOptions{Writes: writesTo(t, fmt.Sprintf("api-up-%d-%d", time.Now().UnixNano(), queueNames), time.Second)})
	a := do(t, "POST", s.URL+"/api/leads", "application/json", goodLead, map[string]string{"Idempotency-Key": "with-queue"})
	if a.status != 201 || a.body["status"] != "confirmed" || a.header.Get("X-Consistency-Token") == "" {
		t.Fatalf("POST: %d %s", a.status, a.raw)
	}
	r := do(t, "GET", s.URL+"/api/region", "", "", nil)
	q, _ := r.body["queue"].(map[string]any)
	if r.status != 200 || q == nil {
		t.Fatalf("/api/region has no queue: %s", r.raw)
	}
}

// waitCatalog waits for the backend's copy of the catalogue, which lets it
// validate a lead with no database.
func waitCatalog(t *testing.T, url string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		r := do(t, "GET", url+"/api/region", "", "", nil)
		if _, ok := r.body["catalog_age_ms"]; ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("catalogue never loaded: %s", r.raw)
		}
	}
}
