// Package writeup generates the documents the system is presented with
// (docs/talking-points.md, docs/failover-runbook.md, docs/dns-verification.md)
// from the newest committed results under test-results/lab/ and
// test-results/aws/. Every figure names the file it came from; a figure not
// measured yet names the command that measures it. The output depends only
// on the files read, so generating twice changes nothing.
package writeup

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"hyundai-poc.com/evidence/cost"
	"hyundai-poc.com/evidence/record"
	"hyundai-poc.com/evidence/results"
)

// Source is where a figure comes from.
type Source struct {
	Path   string // relative to the repository root
	Target string // lab or aws
	Time   time.Time
	Commit string
}

// Cite names the source in the form every figure carries.
func (s Source) Cite() string {
	who := "lab"
	if s.Target == record.AWS {
		who = "AWS"
	}
	return fmt.Sprintf("%s, [%s](../%s), %s, commit `%s`", who, s.Path, s.Path, s.Time.UTC().Format("2006-01-02"), s.Commit)
}

// Of is a loaded result and its source; nil when not measured yet.
type Of[T any] struct {
	Source
	R T
}

// Data is every result the documents quote.
type Data struct {
	Root string

	LabLatency, AWSLatency *Of[results.Latency]
	LabLag, AWSLag         *Of[results.Lag]
	LabQuery, AWSQuery     *Of[results.Query]
	LabGeo, AWSGeo         *Of[results.Geo]
	LabTask, AWSTask       *Of[results.TaskReplacement]
	AWSDrill               *Of[results.Drill]
	Cost                   *Of[results.Cost]
	LabDrills              map[string]*Of[results.LabDrill] // by scenario
	// Terraform is the configuration as the variables set it (configured,
	// not measured); nil when they cannot be read.
	Terraform *cost.Settings
}

func load[T any](root, target, kind string) (*Of[T], error) {
	f, path, err := record.ReadNewest[T](filepath.Join(root, "test-results", target), kind)
	if record.IsMissing(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rel, _ := filepath.Rel(root, path)
	return &Of[T]{Source: Source{Path: filepath.ToSlash(rel), Target: f.Target, Time: f.Time, Commit: f.Commit}, R: f.Result}, nil
}

// Scenarios of the lab drill, in the order the documents show them.
var Scenarios = []string{"switchover", "failover", "reader-outage", "region-outage"}

// Load reads the newest result of every kind.
func Load(root string) (*Data, error) {
	d := &Data{Root: root, LabDrills: map[string]*Of[results.LabDrill]{}}
	var err error
	set := func(e error) {
		if err == nil {
			err = e
		}
	}
	var e error
	d.LabLatency, e = load[results.Latency](root, "lab", "latency")
	set(e)
	d.AWSLatency, e = load[results.Latency](root, "aws", "latency")
	set(e)
	d.LabLag, e = load[results.Lag](root, "lab", "lag")
	set(e)
	d.AWSLag, e = load[results.Lag](root, "aws", "lag")
	set(e)
	d.LabQuery, e = load[results.Query](root, "lab", "query")
	set(e)
	d.AWSQuery, e = load[results.Query](root, "aws", "query")
	set(e)
	d.LabGeo, e = load[results.Geo](root, "lab", "geo")
	set(e)
	d.AWSGeo, e = load[results.Geo](root, "aws", "geo")
	set(e)
	d.LabTask, e = load[results.TaskReplacement](root, "lab", "task-replacement")
	set(e)
	d.AWSTask, e = load[results.TaskReplacement](root, "aws", "task-replacement")
	set(e)
	d.AWSDrill, e = load[results.Drill](root, "aws", "drill")
	set(e)
	d.Cost, e = load[results.Cost](root, "aws", "cost")
	set(e)
	if err != nil {
		return nil, err
	}
	if s, err := cost.FromTerraform(filepath.Join(root, "deploy", "terraform", "poc")); err == nil {
		d.Terraform = &s
	}
	for _, sc := range Scenarios {
		path, err := record.Newest(filepath.Join(root, "test-results", "lab"), "drill-"+sc)
		if record.IsMissing(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var r results.LabDrill
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		rel, _ := filepath.Rel(root, path)
		d.LabDrills[sc] = &Of[results.LabDrill]{Source: Source{Path: filepath.ToSlash(rel), Target: "lab", Time: r.StartedAt, Commit: r.Commit}, R: r}
	}
	return d, nil
}

// Cmd is how a document names a command that measures a missing figure.
func Cmd(c string) string { return "not measured yet: run `" + c + "`" }

// svgOf returns the picture beside a result file, when it exists.
func (d *Data) svgOf(s Source) string {
	p := strings.TrimSuffix(s.Path, ".json") + ".svg"
	if _, err := os.Stat(filepath.Join(d.Root, p)); err == nil {
		return p
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	sort.Strings(k)
	return k
}
