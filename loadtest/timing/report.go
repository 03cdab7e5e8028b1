package timing

import (
	"encoding/json"
	"strings"
)

// Report is what the backend's probe subcommand prints, as one line of
// JSON, so the evidence kit can find it in the task's log stream.
type Report struct {
	From    string   `json:"from"` // the region the probe ran in
	Results []Result `json:"results"`
	// Queries are simple database reads the probe timed itself (probe
	// --query N), per pool.
	Queries []Query `json:"queries,omitempty"`
}

// Query summarises simple database calls through one pool.
type Query struct {
	Pool   string  `json:"pool"` // reader or writer
	Count  int     `json:"count"`
	Failed int     `json:"failed"`
	P50ms  float64 `json:"p50_ms"`
	MeanMs float64 `json:"mean_ms"`
}

// reportKey marks the line among whatever else the task logs.
const reportKey = `{"probe_report":`

// Line renders the report as a single log line.
func (r Report) Line() string {
	b, _ := json.Marshal(struct {
		Report Report `json:"probe_report"`
	}{r})
	return string(b)
}

// ParseLine reads a line written by Line; ok is false for any other line.
func ParseLine(s string) (Report, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, reportKey) {
		return Report{}, false
	}
	var w struct {
		Report Report `json:"probe_report"`
	}
	if err := json.Unmarshal([]byte(s), &w); err != nil {
		return Report{}, false
	}
	return w.Report, true
}
