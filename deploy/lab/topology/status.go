package topology

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"hyundai-poc.com/dbserver"
)

// NodeState is one node's row in the status table.
type NodeState struct {
	Region        string `json:"region"`
	Role          string `json:"role"` // writer, replica, down
	Addr          string `json:"addr"`
	Pid           int    `json:"pid"`
	ReadOnly      bool   `json:"read_only"`
	GTID          string `json:"gtid_binlog_pos"`
	Replicating   bool   `json:"replicating"`
	SecondsBehind *int64 `json:"seconds_behind,omitempty"`
	LastError     string `json:"last_error,omitempty"`
	ReaderStopped bool   `json:"reader_stopped"`
	Isolated      bool   `json:"isolated"`
}

// Status reads every node's state.
func (c *GlobalDatabase) Status(ctx context.Context) []NodeState {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	w := c.Writer()
	out := make([]NodeState, 0, len(c.layout.Regions))
	for _, r := range c.layout.Regions {
		n := c.nodes[r]
		c.stateMu.RLock()
		ns := NodeState{Region: r, Role: "replica", Addr: c.layout.NodeAddr(r), ReaderStopped: c.readerStopped[r], Isolated: c.isolated[r]}
		dead := c.dead[r]
		c.stateMu.RUnlock()
		if r == w {
			ns.Role = "writer"
		}
		if dead || !n.Running() {
			ns.Role = "down"
			out = append(out, ns)
			continue
		}
		ns.Pid = n.Pid()
		ns.GTID, _ = n.GTIDBinlogPos(ctx)
		var ro int
		if err := n.Admin().QueryRowContext(ctx, "SELECT @@GLOBAL.read_only").Scan(&ro); err == nil {
			ns.ReadOnly = ro == 1
		}
		if st, ok, err := n.ReplicaStatus(ctx); err == nil && ok {
			ns.Replicating = st.IORunning && st.SQLRunning
			ns.LastError = st.LastError
			if st.SecondsBehind.Valid {
				v := st.SecondsBehind.Int64
				ns.SecondsBehind = &v
			}
		}
		out = append(out, ns)
	}
	return out
}

// WaitReplicated waits until every live replica has applied everything the
// writer has logged.
func (c *GlobalDatabase) WaitReplicated(ctx context.Context, timeout time.Duration) error {
	w := c.Writer()
	var replicas []*dbserver.Server
	for _, r := range c.layout.Regions {
		if r != w && !c.isDead(r) {
			replicas = append(replicas, c.nodes[r])
		}
	}
	_, err := dbserver.WaitReplicated(ctx, c.nodes[w], timeout, replicas...)
	return err
}

// CountKeys counts, on the writer, the rows of table (health_checks or
// leads) holding each idempotency key.
func (c *GlobalDatabase) CountKeys(ctx context.Context, table string, keys []string) (map[string]int, error) {
	if table != "health_checks" && table != "leads" {
		return nil, fmt.Errorf("table must be health_checks or leads, not %q", table)
	}
	out := make(map[string]int, len(keys))
	err := c.byKeys(ctx, "SELECT idempotency_key, COUNT(*) FROM `"+DBName+"`.`"+table+"` WHERE idempotency_key IN (%s) GROUP BY idempotency_key", keys,
		func(rows *sql.Rows) error {
			var k string
			var cnt int
			if err := rows.Scan(&k, &cnt); err != nil {
				return err
			}
			out[k] = cnt
			return nil
		})
	return out, err
}

// StoredLead is what the writer holds for one idempotency key.
type StoredLead struct {
	Count    int       `json:"count"`
	ID       string    `json:"id"`
	StoredAt time.Time `json:"stored_at"`
}

// LeadsByKey reads, on the writer, each key's lead: how many rows, the id
// and when the writer stored it (the drills' drain times).
func (c *GlobalDatabase) LeadsByKey(ctx context.Context, keys []string) (map[string]StoredLead, error) {
	out := make(map[string]StoredLead, len(keys))
	err := c.byKeys(ctx, "SELECT idempotency_key, id, UNIX_TIMESTAMP(stored_at) FROM `"+DBName+"`.leads WHERE idempotency_key IN (%s)", keys,
		func(rows *sql.Rows) error {
			var k, id string
			var at float64
			if err := rows.Scan(&k, &id, &at); err != nil {
				return err
			}
			s := out[k]
			s.Count++
			s.ID = id
			s.StoredAt = time.UnixMicro(int64(at * 1e6)).UTC()
			out[k] = s
			return nil
		})
	return out, err
}

// byKeys runs query on the writer for keys, 500 at a time so the IN list
// stays far below the server's placeholder limit, and hands every row to
// scan. query has one %s where the placeholders go.
func (c *GlobalDatabase) byKeys(ctx context.Context, query string, keys []string, scan func(*sql.Rows) error) error {
	db := c.nodes[c.Writer()].Admin()
	for len(keys) > 0 {
		batch := keys[:min(len(keys), 500)]
		keys = keys[len(batch):]
		args := make([]any, len(batch))
		for i, k := range batch {
			args[i] = k
		}
		rows, err := db.QueryContext(ctx, fmt.Sprintf(query, "?"+strings.Repeat(",?", len(batch)-1)), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}
