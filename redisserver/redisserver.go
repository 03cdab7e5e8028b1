// Package redisserver starts real Redis servers (Debian's redis-server) as
// child processes, each with its own port and directory, with an append-only
// file synced on every write. Tests and the three-region lab both use it, so
// there is one place that knows how to run the write queue's server here.
package redisserver

import (
	"hyundai-poc.com/dbserver"

	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrNotInstalled says no redis-server was found; scripts/install-deps.sh
// installs it from Debian's packages.
var ErrNotInstalled = errors.New("no redis-server found; run `sudo scripts/install-deps.sh redis` or `apt-get install -y redis-server`")

// Options describe one server.
type Options struct {
	// Name labels the server in logs and names its directory.
	Name string
	// Host is the loopback address to bind, 127.0.0.1 by default.
	Host string
	// Port to listen on; 0 picks a free one.
	Port int
	// Dir holds the server's files; a temporary directory is made (and
	// removed by Stop) when empty. A server started again on the same Dir
	// finds what the previous one wrote to its append-only file.
	Dir string
	// Password is required of clients (AUTH); random when empty.
	Password string
	// Log receives the server's log lines; nil discards them.
	Log io.Writer
}

// Server is a running redis-server.
type Server struct {
	Name     string
	Host     string
	Port     int
	Dir      string
	Password string

	ownDir   bool
	log      io.Writer
	mu       sync.Mutex
	cmd      *exec.Cmd
	exited   chan struct{}
	stopOnce sync.Once
}

// FindBinary looks for redis-server on PATH and where Debian puts it.
func FindBinary() (string, error) {
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/bin", "/usr/sbin", "/usr/local/bin"} {
		p := filepath.Join(dir, "redis-server")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", ErrNotInstalled
}

// Start starts redis-server with appendonly yes and appendfsync always, so
// an entry a client was told is written survives the process being killed,
// and returns once the server answers PING. The process is killed if this
// process dies (Pdeathsig); Stop removes what Start created.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Name == "" {
		opts.Name = "queue"
	}
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.Password == "" {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		opts.Password = hex.EncodeToString(b)
	}
	s := &Server{Name: opts.Name, Host: opts.Host, Port: opts.Port, Dir: opts.Dir, Password: opts.Password, log: opts.Log}
	if s.Dir == "" {
		sweepStaleDirs()
		d, err := os.MkdirTemp("", fmt.Sprintf("hyundai-poc-redis-%d-", os.Getpid()))
		if err != nil {
			return nil, err
		}
		s.Dir, s.ownDir = filepath.Join(d, opts.Name), true
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		s.Stop()
		return nil, err
	}
	if s.Port == 0 {
		p, err := dbserver.FreePort(s.Host)
		if err != nil {
			s.Stop()
			return nil, err
		}
		s.Port = p
	}
	if err := s.start(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// The password goes in a config file of mode 0600 rather than on the
// command line, where any local user could read it in the process list.
func (s *Server) writeConfig() (string, error) {
	conf := strings.Join([]string{
		"bind " + s.Host,
		"port " + strconv.Itoa(s.Port),
		"dir " + s.Dir,
		"daemonize no",
		"protected-mode no",
		"requirepass " + s.Password,
		// Every write is in the append-only file, fsynced, before the
		// client's command returns: the queue's promise rests on this.
		"appendonly yes",
		"appendfsync always",
		"appenddirname aof",
		`save ""`,
		"logfile \"\"",
		"loglevel notice",
		// Keep the command line (it names the config file, under the
		// owner's directory), so a reaper can tell the process is ours.
		"set-proc-title no",
		// A queue must refuse writes when full, never drop entries.
		"maxmemory-policy noeviction",
		"",
	}, "\n")
	path := filepath.Join(s.Dir, "redis.conf")
	return path, os.WriteFile(path, []byte(conf), 0o600)
}

func (s *Server) start(ctx context.Context) error {
	bin, err := FindBinary()
	if err != nil {
		return err
	}
	conf, err := s.writeConfig()
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, conf)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", bin, err)
	}
	exited := make(chan struct{})
	var tail dbserver.LogTail
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			tail.Add(sc.Text())
			if s.log != nil {
				fmt.Fprintf(s.log, "[%s] %s\n", s.Name, sc.Text())
			}
		}
	}()
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	s.mu.Lock()
	s.cmd, s.exited = cmd, exited
	s.mu.Unlock()
	if err := s.waitReady(ctx, exited); err != nil {
		return fmt.Errorf("%s did not become ready: %w\n%s", s.Name, err, tail.String())
	}
	return nil
}

func (s *Server) waitReady(ctx context.Context, exited chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var last error
	for {
		select {
		case <-exited:
			return errors.New("server process exited")
		default:
		}
		if last = s.Ping(ctx); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), last)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Ping authenticates and sends PING over a fresh connection, speaking the
// protocol by hand so the harness needs no client library.
func (s *Server) Ping(ctx context.Context) error {
	d := net.Dialer{Timeout: time.Second}
	c, err := d.DialContext(ctx, "tcp", s.Addr())
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	r := bufio.NewReader(c)
	for _, args := range [][]string{{"AUTH", s.Password}, {"PING"}} {
		if _, err := io.WriteString(c, encodeCommand(args...)); err != nil {
			return err
		}
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		// -LOADING means the append-only file is still being replayed.
		if strings.HasPrefix(line, "-") {
			return errors.New(strings.TrimSpace(line[1:]))
		}
	}
	return nil
}

func encodeCommand(args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

// Addr is host:port of the server.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Pid is the server's process id; 0 when it is not running.
func (s *Server) Pid() int {
	if !s.Running() {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd.Process.Pid
}

// Running reports whether the server process is alive.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// Kill ends the process at once (SIGKILL), as a crash would, and keeps its
// directory, so Restart shows what the append-only file kept.
func (s *Server) Kill() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		_ = cmd.Process.Kill()
		<-exited
	}
}

// Restart starts a killed or stopped server again on the same directory,
// port and password.
func (s *Server) Restart(ctx context.Context) error {
	if s.Running() {
		return errors.New("server is running")
	}
	return s.start(ctx)
}

// Stop shuts the server down (SIGTERM, then SIGKILL after 10 s) and removes
// a directory Start made. It is safe to call more than once and after Kill.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		s.mu.Lock()
		cmd, exited := s.cmd, s.exited
		s.mu.Unlock()
		if cmd != nil && cmd.Process != nil {
			select {
			case <-exited:
			default:
				_ = cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-exited:
				case <-time.After(10 * time.Second):
					_ = cmd.Process.Kill()
					<-exited
				}
			}
		}
		if s.ownDir && s.Dir != "" {
			_ = os.RemoveAll(filepath.Dir(s.Dir))
		}
	})
}

// sweepStaleDirs removes directories left by processes that died without
// cleaning up (killed test binaries): their names carry the pid.
func sweepStaleDirs() {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "hyundai-poc-redis-*-*"))
	for _, m := range matches {
		parts := strings.Split(filepath.Base(m), "-")
		if len(parts) < 5 {
			continue
		}
		pid, err := strconv.Atoi(parts[3])
		if err != nil || pid == os.Getpid() {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			_ = os.RemoveAll(m)
		}
	}
}
