package link

import (
	"bufio"
	"net"
	"testing"
	"time"
)

// echo serves one line back per line read.
func echo(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := c.Write([]byte(line)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

func TestLinkDelaysAndCuts(t *testing.T) {
	t.Parallel()
	tb, err := ParseTable([]byte(`{"intra_region_rtt_ms":1,"links":[{"a":"x","b":"y","rtt_ms":80}]}`))
	if err != nil {
		t.Fatal(err)
	}
	n := NewNetwork(tb)
	t.Cleanup(n.Close)
	l, err := n.Add("x->y", "x", "y", "127.0.0.1:0", echo(t))
	if err != nil {
		t.Fatal(err)
	}
	addr := l.proxy.Listen
	roundTrip := func() (time.Duration, error) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(3 * time.Second))
		start := time.Now()
		if _, err := c.Write([]byte("ping\n")); err != nil {
			return 0, err
		}
		if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
			return 0, err
		}
		return time.Since(start), nil
	}
	d, err := roundTrip()
	if err != nil {
		t.Fatal(err)
	}
	// The delay is a lower bound: the toxic never lets data through early.
	if d < 80*time.Millisecond {
		t.Fatalf("round trip %s, want at least the table's 80ms", d)
	}
	if err := l.SetUp(false); err != nil {
		t.Fatal(err)
	}
	if l.Up() {
		t.Fatal("still up after cut")
	}
	if _, err := roundTrip(); err == nil {
		t.Fatal("cut link passed traffic")
	}
	if err := l.SetUp(true); err != nil {
		t.Fatal(err)
	}
	if _, err := roundTrip(); err != nil {
		t.Fatalf("healed link: %v", err)
	}
	if _, err := n.Add("bad", "x", "nowhere", "127.0.0.1:0", "127.0.0.1:1"); err == nil {
		t.Fatal("unknown region accepted")
	}
}
