// Package dbserver starts real MySQL-compatible servers (MariaDB) as child
// processes, each with its own data directory, port and socket, and wires them
// into GTID replication. Tests and the three-region lab both use it, so there
// is exactly one place that knows how to run a database server here.
package dbserver

import (
	"bufio"
	"context"
	"database/sql"
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

	"github.com/go-sql-driver/mysql"
)

// Replication and application accounts created on every server. The passwords
// are generated per process run and never leave it except through DSNs the
// caller asks for.
const (
	ReplUser = "repl"
	AppUser  = "app"
)

// Options describe one server.
type Options struct {
	// Name labels the server in logs and in its directory name.
	Name string
	// Host is the loopback address to bind, 127.0.0.1 by default. On Linux any
	// 127.x.y.z works, so servers can share a port and differ by address.
	Host string
	// Port to listen on; 0 picks a free one.
	Port int
	// ServerID must differ between servers that replicate; 0 picks one.
	ServerID int
	// ReportHost is exposed as @@report_host. The backend reads it to learn
	// which region a node belongs to, so the lab sets it to the region name.
	ReportHost string
	// Dir is the parent directory; a temporary one is made when empty.
	Dir string
	// Log receives the server's error log lines; nil discards them.
	Log io.Writer
	// ExtraArgs are appended to the mariadbd command line.
	ExtraArgs []string
	// AppPassword and ReplPassword set the application's and replication's
	// passwords; random when empty. Servers that stand in for one cluster
	// share them, as Aurora instances share their users.
	AppPassword  string
	ReplPassword string
}

// Server is a running mariadbd.
type Server struct {
	Name       string
	Host       string
	Port       int
	ServerID   int
	Dir        string
	Socket     string
	ReplPass   string
	AppPass    string
	ownDir     bool
	cmd        *exec.Cmd
	exited     chan struct{}
	stopOnce   sync.Once
	mu         sync.Mutex
	admin      *sql.DB
	logWriters []io.Writer
}

var idCounter struct {
	sync.Mutex
	n int
}

func nextServerID() int {
	idCounter.Lock()
	defer idCounter.Unlock()
	idCounter.n++
	return os.Getpid()%10000*100 + idCounter.n
}

// Start initialises a data directory and starts mariadbd on it, returning once
// the server accepts connections and the replication and application users
// exist. The process is killed if this process dies (Pdeathsig), and Stop
// removes everything it created.
func Start(ctx context.Context, opts Options) (*Server, error) {
	bins, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	if opts.Name == "" {
		opts.Name = "db"
	}
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.ServerID == 0 {
		opts.ServerID = nextServerID()
	}
	s := &Server{Name: opts.Name, Host: opts.Host, ServerID: opts.ServerID, exited: make(chan struct{})}
	if opts.Log != nil {
		s.logWriters = append(s.logWriters, opts.Log)
	}
	parent := opts.Dir
	if parent == "" {
		sweepStaleDirs()
		parent, err = os.MkdirTemp("", fmt.Sprintf("hyundai-poc-db-%d-", os.Getpid()))
		if err != nil {
			return nil, err
		}
		s.ownDir = true
	}
	s.Dir = filepath.Join(parent, opts.Name)
	fail := func(err error) (*Server, error) {
		s.Stop()
		return nil, err
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fail(err)
	}
	if err := initDataDir(ctx, bins, filepath.Join(s.Dir, "data")); err != nil {
		return fail(err)
	}
	s.Socket = filepath.Join(s.Dir, "mysqld.sock")
	s.ReplPass, s.AppPass = opts.ReplPassword, opts.AppPassword
	if s.ReplPass == "" {
		s.ReplPass = randomPassword()
	}
	if s.AppPass == "" {
		s.AppPass = randomPassword()
	}

	port := opts.Port
	if port == 0 {
		if port, err = FreePort(opts.Host); err != nil {
			return fail(err)
		}
	}
	s.Port = port
	args := []string{
		"--no-defaults",
		"--datadir=" + filepath.Join(s.Dir, "data"),
		"--socket=" + s.Socket,
		"--pid-file=" + filepath.Join(s.Dir, "mysqld.pid"),
		"--bind-address=" + opts.Host,
		"--port=" + strconv.Itoa(port),
		"--server-id=" + strconv.Itoa(opts.ServerID),
		"--log-bin=" + filepath.Join(s.Dir, "data", "binlog"),
		"--log-basename=" + opts.Name,
		"--binlog-format=ROW",
		"--log-slave-updates=ON",
		"--gtid-strict-mode=ON",
		"--skip-name-resolve",
		"--character-set-server=utf8mb4",
		"--collation-server=utf8mb4_unicode_ci",
		"--innodb-buffer-pool-size=32M",
		"--innodb-log-file-size=16M",
		// Survives a killed process (the failover drill) but not a machine
		// crash, which is all a local server needs and much faster to start.
		"--innodb-flush-log-at-trx-commit=2",
		"--sync-binlog=0",
		"--max-connections=500",
		"--slave-net-timeout=10",
		"--performance-schema=OFF",
	}
	if opts.ReportHost != "" {
		args = append(args, "--report-host="+opts.ReportHost)
	}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	args = append(args, opts.ExtraArgs...)
	cmd := exec.Command(bins.Server, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return fail(err)
	}
	cmd.Stdout = nil
	if err := cmd.Start(); err != nil {
		return fail(fmt.Errorf("start %s: %w", bins.Server, err))
	}
	s.cmd = cmd
	var tail LogTail
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			tail.Add(line)
			s.mu.Lock()
			for _, w := range s.logWriters {
				fmt.Fprintf(w, "[%s] %s\n", s.Name, line)
			}
			s.mu.Unlock()
		}
	}()
	go func() {
		_ = cmd.Wait()
		close(s.exited)
	}()

	if err := s.waitReady(ctx); err != nil {
		return fail(fmt.Errorf("%s did not become ready: %w\n%s", s.Name, err, tail.String()))
	}
	if err := s.createUsers(ctx); err != nil {
		return fail(err)
	}
	return s, nil
}

func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	db, err := sql.Open("mysql", s.RootDSN(""))
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(4)
	for {
		select {
		case <-s.exited:
			db.Close()
			return errors.New("server process exited")
		default:
		}
		pctx, pcancel := context.WithTimeout(ctx, time.Second)
		err = db.PingContext(pctx)
		pcancel()
		if err == nil {
			s.admin = db
			return nil
		}
		select {
		case <-ctx.Done():
			db.Close()
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// The application's user gets neither SUPER nor READ ONLY ADMIN: MariaDB lets
// either write to a read_only server, which would make the backend's
// read-only checks prove nothing. Users are created with sql_log_bin=0 so
// every server has its own and no server's binlog holds them.
func (s *Server) createUsers(ctx context.Context) error {
	conn, err := s.admin.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	stmts := []string{
		"SET SESSION sql_log_bin = 0",
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", ReplUser, s.ReplPass),
		fmt.Sprintf("GRANT REPLICATION SLAVE, REPLICATION CLIENT, BINLOG MONITOR ON *.* TO '%s'@'%%'", ReplUser),
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", AppUser, s.AppPass),
		fmt.Sprintf("GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, REFERENCES, CREATE VIEW, SHOW VIEW ON *.* TO '%s'@'%%'", AppUser),
		fmt.Sprintf("GRANT SLAVE MONITOR, BINLOG MONITOR ON *.* TO '%s'@'%%'", AppUser),
		// Root over TCP lets tools on other loopback addresses (the lab's
		// proxies) administer the server; it needs the socket password-free.
		"CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''",
		"GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION",
		"SET SESSION sql_log_bin = 1",
	}
	for _, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %s: %w", s.Name, strings.SplitN(q, " IDENTIFIED", 2)[0], err)
		}
	}
	return nil
}

// Addr is host:port of the server's TCP listener.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// RootDSN connects as root over the unix socket.
func (s *Server) RootDSN(db string) string {
	c := mysql.NewConfig()
	c.User = "root"
	c.Net = "unix"
	c.Addr = s.Socket
	c.DBName = db
	c.ParseTime = true
	c.MultiStatements = true
	return c.FormatDSN()
}

// AppDSN connects as the application's user over TCP to addr (the server's
// own address when empty), as the backend would.
func (s *Server) AppDSN(addr, db string) string {
	if addr == "" {
		addr = s.Addr()
	}
	c := mysql.NewConfig()
	c.User = AppUser
	c.Passwd = s.AppPass
	c.Net = "tcp"
	c.Addr = addr
	c.DBName = db
	c.ParseTime = true
	return c.FormatDSN()
}

// Admin is a root connection pool over the socket; the Server owns it.
func (s *Server) Admin() *sql.DB { return s.admin }

// Exec runs statements as root, in order, on one connection.
func (s *Server) Exec(ctx context.Context, stmts ...string) error {
	if s.admin == nil {
		return errors.New("server not running")
	}
	conn, err := s.admin.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %q: %w", s.Name, q, err)
		}
	}
	return nil
}

// CreateDatabase creates db (if missing) with the server's default charset.
func (s *Server) CreateDatabase(ctx context.Context, db string) error {
	return s.Exec(ctx, fmt.Sprintf("CREATE DATABASE IF NOT EXISTS `%s`", db))
}

// ReplicateFrom makes s a GTID replica of the server reachable at addr
// (host:port, which may be a proxy in front of the primary). The replica is
// made read_only, so only the replication thread writes to it.
func (s *Server) ReplicateFrom(ctx context.Context, addr, replPass string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	return s.Exec(ctx,
		"SET GLOBAL read_only = 1",
		"STOP SLAVE",
		fmt.Sprintf("CHANGE MASTER TO MASTER_HOST='%s', MASTER_PORT=%s, MASTER_USER='%s', MASTER_PASSWORD='%s', "+
			"MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=1",
			host, port, ReplUser, replPass),
		"START SLAVE",
	)
}

// Promote turns a replica into a writable primary.
func (s *Server) Promote(ctx context.Context) error {
	return s.Exec(ctx, "STOP SLAVE", "RESET SLAVE ALL", "SET GLOBAL read_only = 0")
}

// SetReadOnly fences (true) or opens (false) the server for ordinary users.
func (s *Server) SetReadOnly(ctx context.Context, ro bool) error {
	v := 0
	if ro {
		v = 1
	}
	return s.Exec(ctx, fmt.Sprintf("SET GLOBAL read_only = %d", v))
}

// GTIDBinlogPos is the GTID set of everything in this server's binlog,
// including what it replicated (log_slave_updates is on).
func (s *Server) GTIDBinlogPos(ctx context.Context) (string, error) {
	var pos string
	err := s.admin.QueryRowContext(ctx, "SELECT @@GLOBAL.gtid_binlog_pos").Scan(&pos)
	return pos, err
}

// WaitForGTID waits until this replica has applied pos, or timeout passes.
func (s *Server) WaitForGTID(ctx context.Context, pos string, timeout time.Duration) error {
	var rc int
	err := s.admin.QueryRowContext(ctx, "SELECT MASTER_GTID_WAIT(?, ?)", pos, timeout.Seconds()).Scan(&rc)
	if err != nil {
		return err
	}
	if rc != 0 {
		return fmt.Errorf("%s: GTID %s not applied within %s", s.Name, pos, timeout)
	}
	return nil
}

// ReplicaStatus is the part of SHOW SLAVE STATUS the tools report.
type ReplicaStatus struct {
	IORunning     bool
	SQLRunning    bool
	SecondsBehind sql.NullInt64
	LastError     string
	GTIDSlavePos  string
}

// ReplicaStatus reads SHOW SLAVE STATUS; ok is false when s replicates from nothing.
func (s *Server) ReplicaStatus(ctx context.Context) (st ReplicaStatus, ok bool, err error) {
	rows, err := s.admin.QueryContext(ctx, "SHOW SLAVE STATUS")
	if err != nil {
		return st, false, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return st, false, err
	}
	if !rows.Next() {
		return st, false, rows.Err()
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return st, false, err
	}
	for i, c := range cols {
		v := vals[i].String
		switch c {
		case "Slave_IO_Running":
			st.IORunning = v == "Yes"
		case "Slave_SQL_Running":
			st.SQLRunning = v == "Yes"
		case "Seconds_Behind_Master":
			if vals[i].Valid {
				n, _ := strconv.ParseInt(v, 10, 64)
				st.SecondsBehind = sql.NullInt64{Int64: n, Valid: true}
			}
		case "Last_Error", "Last_IO_Error", "Last_SQL_Error":
			if v != "" && st.LastError == "" {
				st.LastError = v
			}
		case "Gtid_Slave_Pos":
			st.GTIDSlavePos = v
		}
	}
	return st, true, nil
}

// Running reports whether the server process is alive.
func (s *Server) Running() bool {
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

// Kill ends the server process at once (SIGKILL), as a crashed node would,
// and keeps its data directory. Stop still cleans up afterwards.
func (s *Server) Kill() {
	if s.admin != nil {
		s.admin.Close()
	}
	if s.cmd != nil && s.cmd.Process != nil && s.Running() {
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// Stop shuts the server down (SIGTERM, then SIGKILL after 10 s) and removes
// its directory. It is safe to call more than once and after Kill.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		if s.admin != nil {
			s.admin.Close()
		}
		if s.cmd != nil && s.cmd.Process != nil && s.Running() {
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.exited:
			case <-time.After(10 * time.Second):
				_ = s.cmd.Process.Kill()
				<-s.exited
			}
		}
		if s.Dir != "" {
			if s.ownDir {
				_ = os.RemoveAll(filepath.Dir(s.Dir))
			} else {
				_ = os.RemoveAll(s.Dir)
			}
		}
	})
}

// FreePort asks the kernel for a TCP port free on host and on every other
// address. A port free on 127.0.0.1 alone may be held on another loopback
// address (the lab's links, the drill's visitors), and a server that then
// listens on every address, as the backend does, would find it taken.
func FreePort(host string) (int, error) {
	l, err := net.Listen("tcp", ":0")
	if err != nil {
		return 0, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	// The port is free on every address, so on host too unless host is not
	// an address of this machine: say so now rather than at the server's start.
	if host != "" {
		h, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			return 0, err
		}
		h.Close()
	}
	return port, nil
}

// LogTail keeps the last lines of a server's log, for the error that says
// why the server did not start. Safe for concurrent use.
type LogTail struct {
	mu    sync.Mutex
	lines []string
}

// Add keeps l, dropping all but the last 20 lines.
func (t *LogTail) Add(l string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, l)
	if len(t.lines) > 20 {
		t.lines = t.lines[len(t.lines)-20:]
	}
}

func (t *LogTail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}
