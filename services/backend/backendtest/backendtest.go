// Package backendtest runs the real backend binary for tests in any module:
// built once per test binary, migrated, started with the environment ECS
// would give it, and stopped when the test ends.
package backendtest

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"hyundai-poc.com/dbserver"
	"hyundai-poc.com/dbserver/dbtest"
)

// HealthCheckToken is the operator token every backend a test starts
// takes, so tests can write health checks as drills do.
const HealthCheckToken = "test-only-operator-token"

// Options say how to start the backend.
type Options struct {
	Region     string // default us-east-1
	WriterAddr string // host:port
	ReaderAddr string // host:port; the writer when empty
	DBName     string
	User       string
	Password   string
	// Env adds or overrides environment variables (MONITOR_INTERVAL, ...).
	Env map[string]string
	// SkipMigrate leaves the schema alone.
	SkipMigrate bool
}

// Process is a running backend.
type Process struct {
	URL  string
	Port int
	cmd  *exec.Cmd
	logs *LogBuffer
	done chan struct{}
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds the backend once per test binary and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hyundai-poc-backend-bin-")
		if err != nil {
			buildErr = err
			return
		}
		// Removed when the test binary ends (dbtest.Main runs the hooks).
		dbtest.AtExit(func() { os.RemoveAll(dir) })
		binPath = filepath.Join(dir, "backend")
		cmd := exec.Command("go", "build", "-o", binPath, "hyundai-poc.com/backend/cmd/backend")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build backend: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func (o Options) env(port int) []string {
	region := o.Region
	if region == "" {
		region = "us-east-1"
	}
	reader := o.ReaderAddr
	if reader == "" {
		reader = o.WriterAddr
	}
	vars := map[string]string{
		"REGION": region, "PORT": strconv.Itoa(port), "DB_WRITER_HOST": o.WriterAddr, "DB_READER_HOST": reader,
		"DB_NAME": o.DBName, "DB_USER": o.User, "DB_PASSWORD": o.Password, "LOG_LEVEL": "info",
		"MONITOR_INTERVAL": "200ms", "HEALTH_CHECK_TOKEN": HealthCheckToken,
	}
	for k, v := range o.Env {
		vars[k] = v
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// Start migrates (unless told not to) and starts a backend, waiting until
// /healthz answers. It is stopped in t.Cleanup.
func Start(t testing.TB, o Options) *Process {
	t.Helper()
	bin := Binary(t)
	if !o.SkipMigrate {
		cmd := exec.Command(bin, "migrate", "up")
		cmd.Env = o.env(1)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("backend migrate up: %v\n%s", err, out)
		}
	}
	// FreePort closes the port it found before the backend binds it, so
	// another process (an outgoing connection takes its port from the same
	// range) can take it first; a backend that lost that race is started
	// again on a new port.
	for attempt := 1; ; attempt++ {
		p, lostPort := start(t, bin, o)
		if !lostPort {
			return p
		}
		if attempt == 5 {
			t.Fatalf("backend could not bind a free port in %d attempts:\n%s", attempt, p.logs.String())
		}
	}
}

// start starts the backend on a free port and waits for /healthz. It
// reports lostPort when the process exited because the port was taken.
func start(t testing.TB, bin string, o Options) (_ *Process, lostPort bool) {
	t.Helper()
	port, err := dbserver.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	p := &Process{Port: port, URL: "http://127.0.0.1:" + strconv.Itoa(port), logs: &LogBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin)
	p.cmd.Env = o.env(port)
	p.cmd.Stdout = p.logs
	p.cmd.Stderr = p.logs
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(p.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case <-p.done:
			if strings.Contains(p.logs.String(), "address already in use") {
				return p, true
			}
			t.Fatalf("backend exited at start:\n%s", p.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			p.Stop()
			t.Fatalf("backend did not answer /healthz: %v\n%s", err, p.logs.String())
		}
		time.Sleep(30 * time.Millisecond)
	}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("backend log:\n%s", p.logs.String())
		}
	})
	return p, false
}

// WaitReady waits until /readyz is 200 and the writer has been checked.
func (p *Process) WaitReady(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(p.URL + "/readyz")
		if err == nil {
			var b bytes.Buffer
			_, _ = b.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && bytes.Contains(b.Bytes(), []byte(`"writer":true`)) {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("backend not ready:\n%s", p.logs.String())
}

// ExitedCleanly reports whether the process has exited with status 0.
func (p *Process) ExitedCleanly() bool {
	select {
	case <-p.done:
		return p.cmd.ProcessState != nil && p.cmd.ProcessState.ExitCode() == 0
	default:
		return false
	}
}

// Logs returns what the backend wrote so far.
func (p *Process) Logs() string { return p.logs.String() }

// Stop sends SIGTERM and waits (SIGKILL after 10 s).
func (p *Process) Stop() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// WithDatabase starts a backend on a fresh database of the shared test
// server and returns it with the database's DSN for the application user.
func WithDatabase(t testing.TB, region string, env map[string]string) (*Process, string) {
	t.Helper()
	in := dbtest.Shared(t)
	name, dsn := in.NewDatabase(t)
	p := Start(t, Options{Region: region, WriterAddr: in.Addr, DBName: name,
		User: in.User, Password: in.Password, Env: env})
	p.WaitReady(t)
	return p, dsn
}

// LogBuffer collects a log written from several goroutines: a process's
// output, or an in-process server's slog handler.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *LogBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *LogBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
