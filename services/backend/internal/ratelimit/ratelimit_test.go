package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

func TestBurstThenRate(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(60, 3, 10)
	l.now = func() time.Time { return now }
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("past the burst: ok %v, retry after %s; want refused, about 1 s", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another client paid for the first")
	}
	now = now.Add(time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("a token did not come back after a second")
	}
}

func TestKeysAreBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(60, 2, 100)
	l.now = func() time.Time { return now }
	for i := range 10000 {
		l.Allow(fmt.Sprintf("10.0.%d.%d", i/256, i%256))
		l.Allow(fmt.Sprintf("10.0.%d.%d", i/256, i%256))
	}
	if n := l.Len(); n > 101 {
		t.Fatalf("10,000 clients left %d buckets, want at most 101", n)
	}
	// Once they are idle long enough to refill, they are forgotten.
	now = now.Add(time.Minute)
	l.Allow("new")
	if n := l.Len(); n > 2 {
		t.Errorf("after a quiet minute %d buckets remain", n)
	}
}
