// Package ratelimit limits how often each client may do something: a token
// bucket per key, refilled at a steady rate, with a bound on how many keys
// it remembers so that many clients cannot grow it without limit.
package ratelimit

import (
	"math"
	"sync"
	"time"
)

// Limiter is safe for concurrent use.
type Limiter struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	maxKeys int
	buckets map[string]*bucket
	now     func() time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// overflow is the key every client shares once maxKeys clients are
// remembered and none of them is idle: a flood of addresses then competes
// for one bucket instead of growing memory.
const overflow = "\x00overflow"

// New allows each key perMinute actions a minute on average and burst at
// once, remembering at most maxKeys keys.
func New(perMinute, burst, maxKeys int) *Limiter {
	return &Limiter{rate: float64(perMinute) / 60, burst: float64(max(burst, 1)), maxKeys: max(maxKeys, 1),
		buckets: map[string]*bucket{}, now: time.Now}
}

// Allow takes a token for key. When there is none it says how long until
// there is one.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.maxKeys {
			l.sweep(now)
		}
		if len(l.buckets) >= l.maxKeys {
			key = overflow
			b = l.buckets[key]
		}
		if b == nil {
			b = &bucket{tokens: l.burst, at: now}
			l.buckets[key] = b
		}
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	if l.rate <= 0 {
		return false, time.Hour
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// sweep forgets buckets that have refilled: their clients are idle, and a
// new bucket for them would start full anyway.
func (l *Limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
}

// Len is how many keys are remembered.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
