// Package control is the lab's control API and its client: HTTP on a unix
// socket in the lab's directory, so only this machine's users with access to
// the directory can drive the lab. `lab switchover`, `lab status`, the drill
// and the latency tool all go through it.
package control

import (
	"encoding/json"

	"hyundai-poc.com/lab/timing"
	"hyundai-poc.com/lab/topology"
)

// Request is the body of a control operation.
type Request struct {
	Region string   `json:"region,omitempty"`
	Table  string   `json:"table,omitempty"`
	Keys   []string `json:"keys,omitempty"`
}

// Status is the lab's state as `lab status` prints it.
type Status struct {
	Writer   string               `json:"writer"`
	Nodes    []topology.NodeState `json:"nodes"`
	Regions  []RegionStatus       `json:"regions"`
	Settings Settings             `json:"settings"`
	ReadyMs  int64                `json:"ready_ms"`
}

// RegionStatus is a region's processes and what its backend reports.
type RegionStatus struct {
	Region        string          `json:"region"`
	BackendPid    int             `json:"backend_pid"`
	BackendReady  bool            `json:"backend_ready"`
	FrontendReady bool            `json:"frontend_ready"`
	EdgeCut       bool            `json:"edge_cut"`
	WriterDNS     string          `json:"writer_dns"`
	LagMs         *float64        `json:"replication_lag_ms,omitempty"`
	ReadSource    string          `json:"read_source,omitempty"`
	WriterSeen    string          `json:"writer_region_seen,omitempty"`
	Queue         QueueStatus     `json:"queue"`
	API           json.RawMessage `json:"api_region,omitempty"`
}

// QueueStatus is a region's write queue: its server, and its depth and
// oldest entry as the region's backend last saw them (/api/region).
type QueueStatus struct {
	Addr     string `json:"addr"`
	Pid      int    `json:"pid"`
	Seen     bool   `json:"seen"` // the backend reported on its queue
	Up       bool   `json:"up"`
	Depth    int64  `json:"depth"`
	OldestMs int64  `json:"oldest_ms"`
	Error    string `json:"error,omitempty"`
}

// Settings is the part of the lab's configuration that results record.
type Settings struct {
	Regions    []string          `json:"regions"`
	Writer     string            `json:"writer"`
	DNSTTLms   int64             `json:"dns_ttl_ms"`
	RTTms      map[string]int64  `json:"rtt_ms"`
	BackendEnv map[string]string `json:"backend_env"`
	Edge       string            `json:"edge"`
	// Timing is the profile switchover, failover and DNS follow.
	Timing timing.Profile `json:"timing"`
}
