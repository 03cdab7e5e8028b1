package dbserver

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Pid is the server process's id, 0 when it is not running.
func (s *Server) Pid() int {
	if s.cmd == nil || s.cmd.Process == nil || !s.Running() {
		return 0
	}
	return s.cmd.Process.Pid
}

// Repoint makes s a replica of the server at addr, continuing from
// everything s already has in its binlog. Unlike ReplicateFrom alone it is
// right for a former primary too, whose replication position is stale.
func (s *Server) Repoint(ctx context.Context, addr, replPass string) error {
	if err := s.Exec(ctx,
		"SET GLOBAL read_only = 1",
		"STOP SLAVE",
		"SET GLOBAL gtid_slave_pos = @@GLOBAL.gtid_binlog_pos",
	); err != nil {
		return err
	}
	return s.ReplicateFrom(ctx, addr, replPass)
}

// ApplyReceived stops fetching from the primary and waits until everything
// already received has been applied, so a promotion keeps all of it.
func (s *Server) ApplyReceived(ctx context.Context, timeout time.Duration) error {
	if err := s.Exec(ctx, "STOP SLAVE IO_THREAD"); err != nil {
		return err
	}
	ioPos, err := s.slaveStatusColumn(ctx, "Gtid_IO_Pos")
	if err != nil {
		return err
	}
	if ioPos == "" {
		return nil
	}
	return s.WaitForGTID(ctx, ioPos, timeout)
}

var gtidLine = regexp.MustCompile(`\bGTID (\d+-\d+-\d+)\b`)

// LastLoggedGTID reads the binlog files of a stopped (or killed) server and
// returns the last GTID written, per domain ("0-1-42,1-2-7"). It needs
// mariadb-binlog (package mariadb-client).
func (s *Server) LastLoggedGTID(ctx context.Context) (string, error) {
	tool := ""
	for _, n := range []string{"mariadb-binlog", "mysqlbinlog"} {
		if p, err := exec.LookPath(n); err == nil {
			tool = p
			break
		}
	}
	if tool == "" {
		return "", fmt.Errorf("mariadb-binlog not found")
	}
	data := filepath.Join(s.Dir, "data")
	idx, err := os.ReadFile(filepath.Join(data, "binlog.index"))
	if err != nil {
		return "", err
	}
	var files []string
	for _, l := range strings.Split(strings.TrimSpace(string(idx)), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if !filepath.IsAbs(l) {
				l = filepath.Join(data, filepath.Base(l))
			}
			files = append(files, l)
		}
	}
	if len(files) == 0 {
		return "", nil
	}
	out, err := exec.CommandContext(ctx, tool, files...).Output()
	if err != nil && len(out) == 0 {
		return "", fmt.Errorf("%s: %w", tool, err)
	}
	last := map[string]string{}
	var order []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		m := gtidLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		dom := strings.SplitN(m[1], "-", 2)[0]
		if _, ok := last[dom]; !ok {
			order = append(order, dom)
		}
		last[dom] = m[1]
	}
	parts := make([]string, 0, len(order))
	for _, d := range order {
		parts = append(parts, last[d])
	}
	return strings.Join(parts, ","), nil
}

// GTIDSeq is the sequence number of domain's GTID in a position such as
// "0-1-42,1-2-7"; 0 when the domain is absent.
func GTIDSeq(pos string, domain int) int64 {
	for _, g := range strings.Split(pos, ",") {
		f := strings.Split(strings.TrimSpace(g), "-")
		if len(f) != 3 {
			continue
		}
		if d, err := strconv.Atoi(f[0]); err != nil || d != domain {
			continue
		}
		n, _ := strconv.ParseInt(f[2], 10, 64)
		return n
	}
	return 0
}

// slaveStatusColumn reads one column of SHOW SLAVE STATUS ("" when s
// replicates from nothing).
func (s *Server) slaveStatusColumn(ctx context.Context, name string) (string, error) {
	rows, err := s.admin.QueryContext(ctx, "SHOW SLAVE STATUS")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil || !rows.Next() {
		return "", err
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return "", err
	}
	for i, c := range cols {
		if c == name {
			return vals[i].String, nil
		}
	}
	return "", fmt.Errorf("SHOW SLAVE STATUS has no %s", name)
}
