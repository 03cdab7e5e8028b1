package topology

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"hyundai-poc.com/dbserver"
	"hyundai-poc.com/lab/loopback"
	"hyundai-poc.com/lab/timing"
)

// firstWrite tries, every few milliseconds until stop is closed, to write
// as the application's user through the links to each region's node, and
// says when each first took a write.
func firstWrite(t *testing.T, c *GlobalDatabase, l loopback.Layout, stop <-chan struct{}) func() map[string]time.Time {
	var mu sync.Mutex
	first := map[string]time.Time{}
	var wg sync.WaitGroup
	for _, r := range l.Regions {
		db, err := sql.Open("mysql", fmt.Sprintf("%s:%s@tcp(%s)/%s?timeout=1s", c.AppUser(), c.AppPassword(), l.LinkAddr(r, r), DBName))
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer db.Close()
			for {
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
				}
				if _, err := db.Exec("INSERT INTO t () VALUES ()"); err == nil {
					mu.Lock()
					if first[r].IsZero() {
						first[r] = time.Now()
					}
					mu.Unlock()
				}
			}
		}()
	}
	return func() map[string]time.Time {
		wg.Wait()
		return first
	}
}

// With a profile that has waits, a switchover keeps every node unwritable
// for at least the fence, a failover for at least the gap without writer,
// and each region's DNS follows within the profile's range after the
// promotion, and before the operation returns.
func TestMovesFollowTheTimingProfile(t *testing.T) {
	t.Parallel()
	prof := timing.Profile{Name: "test", SwitchoverFence: 300 * time.Millisecond, FailoverNoWriter: 500 * time.Millisecond,
		DNSDelayMin: 200 * time.Millisecond, DNSDelayMax: 400 * time.Millisecond}
	c, l := startGlobal(t, 76, 760, prof)
	ctx := context.Background()
	if err := c.Node("us-east-1").Exec(ctx, "CREATE TABLE "+DBName+".t (id INT AUTO_INCREMENT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitReplicated(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}

	for _, mv := range []struct {
		op, to string
		gap    time.Duration
		run    func(context.Context, string) (Result, error)
	}{
		{"switchover", "us-west-2", prof.SwitchoverFence, c.Switchover},
		{"failover", "ap-northeast-2", prof.FailoverNoWriter, c.Failover},
	} {
		from := c.Writer()
		stop := make(chan struct{})
		// Writes go to the old writer until the move begins.
		time.Sleep(50 * time.Millisecond)
		started := time.Now()
		collect := firstWriteAfter(t, c, l, stop, started)
		res, err := mv.run(ctx, mv.to)
		close(stop)
		if err != nil {
			t.Fatalf("%s: %v", mv.op, err)
		}
		first := collect()
		t.Logf("%s: %s; steps %v; held %s; dns %+v", mv.op, res.Message, res.Steps, res.Held, res.DNS)
		if res.Timing != "test" || res.Unavailable != mv.gap || res.Held <= 0 {
			t.Errorf("%s result: timing %q, unavailable %s, held %s; want the profile's %s held", mv.op, res.Timing, res.Unavailable, res.Held, mv.gap)
		}
		if !hasStep(res.Steps, "no writer until") {
			t.Errorf("%s steps %v do not show the wait", mv.op, res.Steps)
		}
		// No node took a write during the gap; the new writer did after it.
		for r, at := range first {
			if r != from && at.Before(started.Add(mv.gap)) {
				t.Errorf("%s: %s took a write %s after the move began, inside the %s without writer", mv.op, r, at.Sub(started), mv.gap)
			}
		}
		if first[mv.to].IsZero() {
			t.Errorf("%s: the new writer %s never took a write", mv.op, mv.to)
		}
		if len(res.DNS) != len(l.Regions) {
			t.Fatalf("%s: DNS changes for %d regions, want %d", mv.op, len(res.DNS), len(l.Regions))
		}
		for _, d := range res.DNS {
			if d.Delay < prof.DNSDelayMin || d.ChangedAt.Before(res.PromotedAt.Add(prof.DNSDelayMin)) {
				t.Errorf("%s: %s's DNS followed %s after the promotion, before the profile's %s", mv.op, d.Region, d.Delay, prof.DNSDelayMin)
			}
			if d.Delay > prof.DNSDelayMax+2*time.Second {
				t.Errorf("%s: %s's DNS followed only %s after the promotion (profile: at most %s)", mv.op, d.Region, d.Delay, prof.DNSDelayMax)
			}
			if got, want := c.WriterRecord(d.Region), l.LinkHost(d.Region, mv.to); got != want {
				t.Errorf("%s returned while %s's DNS still answers %s, want %s", mv.op, d.Region, got, want)
			}
		}
	}
}

// firstWriteAfter is firstWrite counting only writes after since.
func firstWriteAfter(t *testing.T, c *GlobalDatabase, l loopback.Layout, stop <-chan struct{}, since time.Time) func() map[string]time.Time {
	collect := firstWrite(t, c, l, stop)
	return func() map[string]time.Time {
		out := map[string]time.Time{}
		for r, at := range collect() {
			if !at.Before(since) {
				out[r] = at
			}
		}
		return out
	}
}

func hasStep(steps []dbserver.Step, prefix string) bool {
	for _, s := range steps {
		if strings.HasPrefix(s.Name, prefix) {
			return true
		}
	}
	return false
}
