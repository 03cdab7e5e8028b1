package catalogcache_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"hyundai-poc.com/backend/internal/catalogcache"
	"hyundai-poc.com/backend/internal/datapath"
	"hyundai-poc.com/backend/internal/marketing"
	"hyundai-poc.com/backend/internal/store"
	"hyundai-poc.com/contract"
	"hyundai-poc.com/dbserver"
	"hyundai-poc.com/migrations"
)

// A region whose only database dies keeps serving the catalogue from the
// copy, marked as such, and still validates vehicles.
func TestCatalogueOutlivesTheDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a database server")
	}
	ctx := context.Background()
	srv, err := dbserver.Start(ctx, dbserver.Options{Name: "catalogcache"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	if err := srv.CreateDatabase(ctx, "marketing"); err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("mysql", srv.RootDSN("marketing"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := migrations.Up(ctx, admin); err != nil {
		t.Fatal(err)
	}
	c, err := datapath.New(datapath.Options{Region: "us-east-1", WriterAddr: srv.Addr(), ReaderAddr: srv.Addr(), DBName: "marketing",
		User: dbserver.AppUser, Password: srv.AppPass, ConnectTimeout: 300 * time.Millisecond, QueryTimeout: time.Second,
		ConnMaxLifetime: time.Minute, MonitorInterval: time.Second, ConsistencyWait: 100 * time.Millisecond, MaxReaderLag: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cs := catalogcache.New(store.New(c, "us-east-1"), []string{"US", "KR"})
	if err := cs.Load(ctx); err != nil {
		t.Fatal(err)
	}
	live, src, err := cs.Vehicles(ctx)
	if err != nil || src == contract.FromCache || len(live) == 0 {
		t.Fatalf("live read: %d vehicles from %q, %v", len(live), src, err)
	}
	liveCampaigns, _, err := cs.Campaigns(ctx, "KR")
	if err != nil {
		t.Fatal(err)
	}

	srv.Kill()

	vs, src, err := cs.Vehicles(ctx)
	if err != nil || src != contract.FromCache || len(vs) != len(live) {
		t.Fatalf("after the kill: %d vehicles from %q, %v", len(vs), src, err)
	}
	v, src, err := cs.Vehicle(ctx, live[0].ID)
	if err != nil || src != contract.FromCache || v.ID != live[0].ID || len(v.Prices) == 0 {
		t.Fatalf("vehicle: %+v from %q, %v", v, src, err)
	}
	if _, _, err := cs.Vehicle(ctx, "no-such-car"); !isCode(err, marketing.ENotFound) {
		t.Fatalf("unknown vehicle: %v", err)
	}
	camp, src, err := cs.Campaigns(ctx, "KR")
	if err != nil || src != contract.FromCache || len(camp) != len(liveCampaigns) {
		t.Fatalf("campaigns: %d from %q, %v", len(camp), src, err)
	}
	ok, err := cs.VehicleExists(ctx, live[0].ID)
	if err != nil || !ok {
		t.Fatalf("VehicleExists with no database: %v %v", ok, err)
	}
	if ok, _ := cs.VehicleExists(ctx, "no-such-car"); ok {
		t.Fatal("an unknown vehicle exists")
	}
	if cs.Age() <= 0 {
		t.Fatal("no age for the copy")
	}
}

func isCode(err error, code string) bool {
	me, ok := err.(*marketing.Error)
	return ok && me.Code == code
}
