// Package record writes and reads the kit's result files: one JSON file per
// run under test-results/<target>/, named <kind>-<UTC time>.json, carrying
// the commit, the time, the target and the settings beside the result, so a
// document that quotes a number can name the file it came from.
package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"hyundai-poc.com/loadtest/resultfile"
)

// Targets the kit measures.
const (
	Lab = "lab"
	AWS = "aws"
)

// CheckTarget refuses anything but lab and aws.
func CheckTarget(t string) error {
	if t != Lab && t != AWS {
		return fmt.Errorf("--target must be lab or aws, not %q", t)
	}
	return nil
}

// Meta is what every result file carries.
type Meta struct {
	Kind     string         `json:"kind"`
	Target   string         `json:"target"`
	Commit   string         `json:"commit"`
	Time     time.Time      `json:"time"`
	Settings map[string]any `json:"settings"`
}

// File is a result file: Meta plus the result itself.
type File[T any] struct {
	Meta
	Result T `json:"result"`
}

// TimeFormat names files so that they sort by time.
const TimeFormat = resultfile.TimeFormat

// Write saves result under dir as <kind>-<time>.json and returns the path.
func Write[T any](dir string, m Meta, result T) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if m.Time.IsZero() {
		m.Time = time.Now()
	}
	m.Time = m.Time.UTC().Truncate(time.Second)
	b, err := json.MarshalIndent(File[T]{Meta: m, Result: result}, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, m.Kind+"-"+m.Time.Format(TimeFormat)+".json")
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}

// Newest returns the newest file of a kind in dir, or an error that
// IsMissing recognises.
func Newest(dir, kind string) (string, error) { return resultfile.Newest(dir, kind) }

// Read loads a result file.
func Read[T any](path string) (*File[T], error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f File[T]
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &f, nil
}

// ReadNewest loads the newest file of a kind; ok is false when there is none.
func ReadNewest[T any](dir, kind string) (f *File[T], path string, err error) {
	path, err = Newest(dir, kind)
	if err != nil {
		return nil, "", err
	}
	f, err = Read[T](path)
	return f, path, err
}

// IsMissing reports whether err means "no such result yet".
func IsMissing(err error) bool { return errors.Is(err, os.ErrNotExist) }

// RepoRoot walks up from dir to the directory holding go.work.
func RepoRoot(dir string) (string, error) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
			return d, nil
		}
		p := filepath.Dir(d)
		if p == d {
			return "", fmt.Errorf("no go.work above %s: run from the repository", dir)
		}
		d = p
	}
}
