package redisserver

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// do runs one command as an authenticated client and returns the first
// line of the reply.
func do(t *testing.T, s *Server, args ...string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	var line string
	for _, cmd := range [][]string{{"AUTH", s.Password}, args} {
		if _, err := io.WriteString(c, encodeCommand(cmd...)); err != nil {
			t.Fatal(err)
		}
		if line, err = r.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, "$") && line != "$-1\r\n" {
			if line, err = r.ReadString('\n'); err != nil {
				t.Fatal(err)
			}
		}
	}
	return strings.TrimSpace(line)
}

func start(t *testing.T) *Server {
	t.Helper()
	if _, err := FindBinary(); errors.Is(err, ErrNotInstalled) {
		// CI installs it (scripts/install-deps.sh): there its absence fails.
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	s, err := Start(context.Background(), Options{Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// A write the server acknowledged is still there after the process is
// killed: appendfsync always put it on disk before the reply.
func TestAcknowledgedWriteSurvivesKill(t *testing.T) {
	s := start(t)
	if got := do(t, s, "XADD", "writes", "*", "key", "k1"); !strings.Contains(got, "-") {
		t.Fatalf("XADD answered %q", got)
	}
	if got := do(t, s, "CONFIG", "GET", "appendfsync"); got != "*2" {
		t.Fatalf("CONFIG GET answered %q", got)
	}
	s.Kill()
	if s.Running() {
		t.Fatal("still running after Kill")
	}
	if err := s.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := do(t, s, "XLEN", "writes"); got != ":1" {
		t.Fatalf("after restart XLEN = %q, want :1", got)
	}
}

func TestPasswordRequired(t *testing.T) {
	s := start(t)
	c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, encodeCommand("XLEN", "writes")); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(line, "-NOAUTH") {
		t.Fatalf("unauthenticated command answered %q, want -NOAUTH", strings.TrimSpace(line))
	}
}

func TestStopRemovesDirectory(t *testing.T) {
	s := start(t)
	dir := s.Dir
	s.Stop()
	if s.Running() {
		t.Fatal("running after Stop")
	}
	if _, err := net.DialTimeout("tcp", s.Addr(), 200*time.Millisecond); err == nil {
		t.Fatal("port still open after Stop")
	}
	if _, err := FindBinary(); err != nil {
		t.Fatal(err)
	}
	if fileExists(dir) {
		t.Fatalf("%s left behind", dir)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
