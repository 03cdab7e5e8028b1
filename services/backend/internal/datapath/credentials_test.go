package datapath_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"hyundai-poc.com/backend/internal/datapath"
	"hyundai-poc.com/dbserver"
)

// fakeSecretStore stands in for Secrets Manager: it holds the current
// password and counts how often it is asked.
type fakeSecretStore struct {
	mu       sync.Mutex
	password string
	reads    int
}

func (f *fakeSecretStore) fetch(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	return f.password, nil
}

func (f *fakeSecretStore) rotate(pw string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.password = pw
}

// A rotation changes the password on the server and in the store; the
// backend keeps serving reads and writes, reading the password again when
// a new connection is refused.
func TestRotatedPasswordIsReadAgain(t *testing.T) {
	t.Parallel()
	p := startPair(t)
	store := &fakeSecretStore{password: p.primary.AppPass}
	s := p.backend(t, "us-east-1", func(o *datapath.Options) {
		o.Credentials = datapath.NewCredentials(o.Password, store.fetch)
		// Connections are replaced often, so new ones meet the new password soon.
		o.ConnMaxLifetime = 200 * time.Millisecond
	})
	if r := call(t, "POST", s.URL+"/api/health-checks", map[string]string{"Idempotency-Key": "before-rotation"}, ""); r.status != 201 {
		t.Fatalf("write before the rotation: %d", r.status)
	}

	// The rotation, as the single-user function does it: the user's new
	// password on the server (replicated to the reader), then in the store.
	root, err := sql.Open("mysql", p.primary.RootDSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if _, err := root.Exec("ALTER USER '" + dbserver.AppUser + "'@'%' IDENTIFIED BY 'rotated-Secret-1'"); err != nil {
		t.Fatal(err)
	}
	p.waitReplicated(t)
	store.rotate("rotated-Secret-1")

	deadline := time.Now().Add(2 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		if r := call(t, "GET", s.URL+"/api/vehicles", nil, ""); r.status != 200 {
			t.Fatalf("read %d after the rotation: %d %v", i, r.status, r.body)
		}
		if r := call(t, "POST", s.URL+"/api/health-checks", map[string]string{"Idempotency-Key": "after-rotation-" + time.Now().Format("150405.000000")}, ""); r.status != 201 {
			t.Fatalf("write %d after the rotation: %d %v", i, r.status, r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	store.mu.Lock()
	reads := store.reads
	store.mu.Unlock()
	if reads == 0 {
		t.Fatal("the backend never read the rotated password: its connections were never refused, so the test proved nothing")
	}
	if reads > 5 {
		t.Errorf("the store was asked %d times in 2 s: a burst of refused connections must make one call", reads)
	}
}
