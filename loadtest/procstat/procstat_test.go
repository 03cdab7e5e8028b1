package procstat

import (
	"os"
	"testing"
	"time"
)

func TestParseStatCPUCountsFromLastParen(t *testing.T) {
	// A command name with spaces and a ')' must not shift the fields.
	stat := []byte("1234 (we (ird) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 8 0 100 1000 200")
	got, err := parseStatCPU(stat)
	if err != nil {
		t.Fatal(err)
	}
	if want := 3 * time.Second; got != want { // (250+50) ticks at 100 Hz
		t.Fatalf("cpu = %s, want %s", got, want)
	}
	if _, err := parseStatCPU([]byte("garbage")); err == nil {
		t.Fatal("no error for malformed stat")
	}
}

func TestParseStatusRSS(t *testing.T) {
	got, err := parseStatusRSS([]byte("Name:\tbackend\nVmPeak:\t 9000 kB\nVmRSS:\t   20480 kB\nThreads: 8\n"))
	if err != nil || got != 20480 {
		t.Fatalf("rss = %d, %v", got, err)
	}
	if _, err := parseStatusRSS([]byte("Name: x\n")); err == nil {
		t.Fatal("no error without VmRSS")
	}
}

func TestBetween(t *testing.T) {
	t0 := time.Unix(0, 0)
	u := Between([]Sample{
		{At: t0, RSSKiB: 10240, CPU: time.Second},
		{At: t0.Add(time.Second), RSSKiB: 30720, CPU: 1500 * time.Millisecond},
		{At: t0.Add(2 * time.Second), RSSKiB: 20480, CPU: 2 * time.Second},
	})
	if u.RSSMiB != 20 || u.MaxRSSMiB != 30 || u.CPUPercent != 50 {
		t.Fatalf("usage = %+v", u)
	}
}

func TestReadSelf(t *testing.T) {
	s, err := Read(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.RSSKiB <= 0 {
		t.Fatalf("rss %d", s.RSSKiB)
	}
}
