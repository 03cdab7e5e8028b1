// Package results defines what each evidence command writes as its result,
// so the commands that write them and the document generator that reads
// them share one definition.
package results

import (
	"time"

	"hyundai-poc.com/evidence/cost"
	"hyundai-poc.com/evidence/geo"
	"hyundai-poc.com/evidence/globaldb"
	"hyundai-poc.com/evidence/lag"
	"hyundai-poc.com/evidence/latency"
	"hyundai-poc.com/evidence/query"
	"hyundai-poc.com/evidence/sitetraffic"
	"hyundai-poc.com/evidence/taskswap"
	"hyundai-poc.com/loadtest/stats"
	"hyundai-poc.com/loadtest/traffic"
)

// Latency is the latency command's result (kind "latency").
type Latency struct {
	Cells []latency.Cell `json:"cells"`
	// ProbeErrors lists regions whose in-region probe could not run, and why.
	ProbeErrors map[string]string `json:"probe_errors,omitempty"`
}

// Lag is the lag command's result (kind "lag").
type Lag struct {
	Heartbeat map[string]lag.Heartbeat `json:"heartbeat"`
	// CloudWatch is, per secondary region, each metric's summary over the
	// window (AWS only).
	CloudWatch map[string]map[string]stats.Summary `json:"cloudwatch,omitempty"`
}

// Query is the query command's result (kind "query").
type Query struct {
	Regions []query.Region    `json:"regions"`
	Errors  map[string]string `json:"errors,omitempty"`
}

// Geo is the geo command's result (kind "geo").
type Geo struct {
	Rows   []geo.Row `json:"rows"`
	Server string    `json:"server"`
	Domain string    `json:"domain,omitempty"`
	Wrong  int       `json:"wrong"`
}

// Cost is the cost command's result (kind "cost").
type Cost struct {
	Settings cost.Settings `json:"terraform"`
	Estimate cost.Estimate `json:"estimate"`
	Actual   *cost.Actual  `json:"actual,omitempty"`
}

// Drill is an AWS drill's result (kind "drill"; lab drills are written by
// bin/drill as drill-<scenario>-<time>.json).
type Drill struct {
	Operation    *globaldb.Result              `json:"operation"`
	Regions      map[string]sitetraffic.Region `json:"regions"`
	Verification sitetraffic.Verification      `json:"verification"`
	StartedAt    time.Time                     `json:"started_at"`
	Timeline     []traffic.Second              `json:"timeline"`
}

// TaskReplacement is the task-replacement command's result.
type TaskReplacement struct {
	Region      string                        `json:"region"`
	Replacement *taskswap.Result              `json:"replacement,omitempty"`
	LabDownMs   int64                         `json:"lab_down_ms,omitempty"`
	LabReadyMs  int64                         `json:"lab_back_ready_ms,omitempty"`
	Traffic     map[string]sitetraffic.Region `json:"traffic"`
	FailedReqs  int                           `json:"failed_requests"`
	Requests    int                           `json:"requests"`
	// ServedElsewhere counts answers another region gave (in the lab, the
	// edge's failover of reads to the secondary origin).
	ServedElsewhere int `json:"served_by_other_region"`
}

// LabDrill is the part of bin/drill's report the documents and pictures use.
type LabDrill struct {
	Scenario        string `json:"scenario"`
	Timing          string `json:"timing"`
	AckedWrites     int    `json:"acked_writes"`
	LostWrites      int    `json:"lost_writes"`
	DuplicateWrites int    `json:"duplicate_writes"`
	FailedWrites    int    `json:"failed_writes"`
	QueuedWrites    int    `json:"queued_writes"`
	Drain           struct {
		FromWritableMs struct {
			P99 float64 `json:"p99"`
			Max float64 `json:"max"`
		} `json:"from_writable_ms"`
	} `json:"drain"`
	Failed5xx   map[string]int   `json:"failed_5xx"`
	TimedOut    map[string]int   `json:"timed_out"`
	RTOms       map[string]int64 `json:"rto_ms"`
	FailedReads map[string]int   `json:"failed_reads"`
	LagMs       struct {
		P50 float64 `json:"p50"`
		P95 float64 `json:"p95"`
		P99 float64 `json:"p99"`
		Max float64 `json:"max"`
	} `json:"lag_ms"`
	Target       string `json:"target"`
	WriterBefore string `json:"writer_before"`
	WriterAfter  string `json:"writer_after"`
	Lacked       *int64 `json:"lacked_transactions"`
	Operations   []struct {
		Op           string        `json:"op"`
		Took         time.Duration `json:"took_ns"`
		DNSChangedAt time.Time     `json:"dns_changed_at"`
		DNSVisibleBy time.Time     `json:"dns_visible_by"`
	} `json:"operations"`
	Regions map[string]struct {
		WritesBackAfterDNSms *int64 `json:"writes_back_after_dns_visible_ms"`
	} `json:"regions"`
	StartedAt   time.Time `json:"started_at"`
	TriggeredAt time.Time `json:"triggered_at"`
	// EventEndedAt is when the new writer was writable, or the outage
	// repaired (drills from before it was recorded lack it).
	EventEndedAt time.Time `json:"event_ended_at"`
	RecoveredAt  time.Time `json:"recovered_at"`
	Commit       string    `json:"commit"`
	Settings     struct {
		DNSTTLms int64 `json:"dns_ttl_ms"`
	} `json:"settings"`
	Timeline []traffic.Second `json:"timeline"`
}
