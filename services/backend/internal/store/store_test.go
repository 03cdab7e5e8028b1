package store_test

import (
	"context"
	"database/sql"
	"net"
	"testing"
	"time"

	"hyundai-poc.com/backend/internal/datapath"
	"hyundai-poc.com/backend/internal/marketing"
	"hyundai-poc.com/backend/internal/store"
	"hyundai-poc.com/dbserver/dbtest"
	"hyundai-poc.com/migrations"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func deadAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// A region cut off from the writer still answers a lead read with a
// consistency token from its reader, when the reader has the lead: no
// heartbeat can arrive to vouch for the token, yet the row is the write.
func TestTokenReadWithoutWriterAnswersFromReader(t *testing.T) {
	in := dbtest.Shared(t)
	name, _ := in.NewDatabase(t)
	admin, err := sql.Open("mysql", in.AdminDSN(name))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := migrations.Up(context.Background(), admin); err != nil {
		t.Fatal(err)
	}
	c, err := datapath.New(datapath.Options{Region: "us-west-2", WriterAddr: deadAddr(t), ReaderAddr: in.Addr, DBName: name,
		User: in.User, Password: in.Password, ConnectTimeout: 500 * time.Millisecond, QueryTimeout: 2 * time.Second,
		ConnMaxLifetime: 30 * time.Second, MonitorInterval: 100 * time.Millisecond, ConsistencyWait: 100 * time.Millisecond,
		MaxReaderLag: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Run(ctx)
	defer c.Close()
	for deadline := time.Now().Add(10 * time.Second); !c.Status().Reader.Healthy; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("reader never healthy")
		}
	}
	// The lead reached this region's reader before the cut.
	id := marketing.NewLeadID()
	if _, err := admin.Exec("INSERT INTO leads (id, idempotency_key, request_hash, kind, name, email, vehicle_id, market, consent, region, created_at) "+
		"VALUES (?, 'k-cut', 'h', 'brochure', 'Ann', 'ann@example.com', 'ioniq-5', 'US', 1, 'us-west-2', UTC_TIMESTAMP())", id); err != nil {
		t.Fatal(err)
	}
	st := store.New(c, "us-west-2")
	l, src, err := st.Lead(ctx, id, c.Token().String())
	if err != nil || l.ID != id || src != "reader" {
		t.Fatalf("token read with the writer out of reach: %+v from %q, %v; want the lead from the reader", l, src, err)
	}
	// A lead the reader lacks is still not found, not made up.
	if _, _, err := st.Lead(ctx, marketing.NewLeadID(), c.Token().String()); err == nil {
		t.Fatal("a lead nobody has was found")
	}
}
