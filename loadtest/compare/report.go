package compare

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Description says what a path is.
type Description struct {
	Path        string `json:"path"`
	Description string `json:"description"`
}

// Report is what `make compare` writes.
type Report struct {
	Tool          string            `json:"tool"` // "compare"
	Where         string            `json:"where"`
	Commit        string            `json:"commit"`
	StartedAt     time.Time         `json:"started_at"`
	EndedAt       time.Time         `json:"ended_at"`
	Options       map[string]string `json:"options"`
	Descriptions  []Description     `json:"descriptions"`
	Events        []Event           `json:"events"`
	Paths         []PathResult      `json:"paths"`
	Ratios        []Ratio           `json:"ratios_ours_over_peer"`
	HAProxyConfig string            `json:"haproxy_config_us_east_1"`
	LabSettings   any               `json:"lab_settings"`
}

// Save writes the report as compare-STAMP.json in dir.
func (r *Report) Save(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("compare-%s.json", r.StartedAt.UTC().Format("20060102T150405Z")))
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}
