// Package globaldb moves an Aurora global database's writer to another
// region through the RDS API, SwitchoverGlobalCluster (planned, no data
// lost) or FailoverGlobalCluster with AllowDataLoss (unplanned), and polls
// DescribeGlobalClusters until the chosen cluster is the writer and no
// operation is in progress, recording when each state was first seen.
package globaldb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"hyundai-poc.com/evidence/awsapi"
)

// Modes.
const (
	Switchover = "switchover"
	Failover   = "failover"
)

// Options of a move.
type Options struct {
	GlobalCluster string        // identifier, from terraform output global_cluster_identifier
	Mode          string        // switchover or failover
	To            string        // region whose cluster becomes the writer
	Poll          time.Duration // DescribeGlobalClusters interval
	Timeout       time.Duration // give up waiting after this
	Progress      io.Writer
	// Sleep waits between polls; tests replace it to run without waiting.
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
}

// Event is a state first seen at a time.
type Event struct {
	AtMs   int64  `json:"at_ms"` // since the request
	State  string `json:"state"`
	Writer string `json:"writer_region"`
}

// Result of a move.
type Result struct {
	Mode          string    `json:"mode"`
	GlobalCluster string    `json:"global_cluster"`
	From          string    `json:"from_region"`
	To            string    `json:"to_region"`
	TargetARN     string    `json:"target_cluster_arn"`
	RequestedAt   time.Time `json:"requested_at"`
	WriterMovedMs int64     `json:"writer_moved_ms"` // request -> target seen as writer
	CompletedMs   int64     `json:"completed_ms"`    // request -> writer moved and no operation in progress
	Polls         int       `json:"polls"`
	Events        []Event   `json:"events"`
}

// Member is one cluster of the global database.
type Member struct {
	ARN, Region string
	Writer      bool
}

// RegionOfARN returns the region field of an ARN (arn:aws:rds:REGION:...).
func RegionOfARN(arn string) string {
	p := strings.Split(arn, ":")
	if len(p) < 4 {
		return ""
	}
	return p[3]
}

// ClusterID is the last field of a cluster ARN (arn:...:cluster:ID).
func ClusterID(arn string) string {
	return arn[strings.LastIndex(arn, ":")+1:]
}

// Describe returns the members and the in-progress operation, if any.
func Describe(ctx context.Context, c awsapi.RDS, id string) ([]Member, string, error) {
	out, err := c.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(id)})
	if err != nil {
		return nil, "", fmt.Errorf("DescribeGlobalClusters %s: %w", id, err)
	}
	if len(out.GlobalClusters) != 1 {
		return nil, "", fmt.Errorf("global cluster %q not found", id)
	}
	g := out.GlobalClusters[0]
	var ms []Member
	for _, m := range g.GlobalClusterMembers {
		arn := aws.ToString(m.DBClusterArn)
		ms = append(ms, Member{ARN: arn, Region: RegionOfARN(arn), Writer: aws.ToBool(m.IsWriter)})
	}
	state := ""
	if g.FailoverState != nil && g.FailoverState.Status != "" {
		state = string(g.FailoverState.Status)
	}
	return ms, state, nil
}

func writerOf(ms []Member) Member {
	for _, m := range ms {
		if m.Writer {
			return m
		}
	}
	return Member{}
}

// Move runs the operation and waits for it to finish.
func Move(ctx context.Context, c awsapi.RDS, o Options) (*Result, error) {
	if o.GlobalCluster == "" {
		return nil, errors.New("the global cluster's name is required")
	}
	if o.Mode != Switchover && o.Mode != Failover {
		return nil, fmt.Errorf("mode must be %s or %s", Switchover, Failover)
	}
	if o.Poll <= 0 {
		o.Poll = 5 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Minute
	}
	if o.Sleep == nil {
		o.Sleep = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
				return nil
			}
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	logf := func(f string, a ...any) { fmt.Fprintf(o.Progress, f+"\n", a...) }

	ms, state, err := Describe(ctx, c, o.GlobalCluster)
	if err != nil {
		return nil, err
	}
	if state != "" {
		return nil, fmt.Errorf("global cluster %s already has an operation in progress (%s): wait for it to finish", o.GlobalCluster, state)
	}
	from := writerOf(ms)
	var target Member
	for _, m := range ms {
		if m.Region == o.To {
			target = m
		}
	}
	if target.ARN == "" {
		var rs []string
		for _, m := range ms {
			rs = append(rs, m.Region)
		}
		return nil, fmt.Errorf("global cluster %s has no member in %s (members: %s)", o.GlobalCluster, o.To, strings.Join(rs, ", "))
	}
	if target.Writer {
		return nil, fmt.Errorf("%s is already the writer of %s: nothing to move", o.To, o.GlobalCluster)
	}
	res := &Result{Mode: o.Mode, GlobalCluster: o.GlobalCluster, From: from.Region, To: o.To, TargetARN: target.ARN}
	res.RequestedAt = o.Now()
	logf("%s: %s -> %s (%s)", o.Mode, from.Region, o.To, target.ARN)
	switch o.Mode {
	case Switchover:
		_, err = c.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{
			GlobalClusterIdentifier: aws.String(o.GlobalCluster), TargetDbClusterIdentifier: aws.String(target.ARN)})
	case Failover:
		_, err = c.FailoverGlobalCluster(ctx, &rds.FailoverGlobalClusterInput{
			GlobalClusterIdentifier: aws.String(o.GlobalCluster), TargetDbClusterIdentifier: aws.String(target.ARN),
			AllowDataLoss: aws.Bool(true)})
	}
	if err != nil {
		return nil, fmt.Errorf("%s request refused: %w", o.Mode, err)
	}
	since := func() int64 { return o.Now().Sub(res.RequestedAt).Milliseconds() }
	lastState, lastWriter := "requested", from.Region
	res.Events = append(res.Events, Event{AtMs: 0, State: lastState, Writer: lastWriter})
	deadline := res.RequestedAt.Add(o.Timeout)
	for {
		if !o.Now().Before(deadline) {
			return res, fmt.Errorf("timed out after %s waiting for %s to become the writer (last state %q, writer %s)", o.Timeout, o.To, lastState, lastWriter)
		}
		if err := o.Sleep(ctx, o.Poll); err != nil {
			return res, err
		}
		ms, state, err := Describe(ctx, c, o.GlobalCluster)
		res.Polls++
		if err != nil {
			// During a failover the old primary's region may not answer:
			// keep polling until the deadline.
			logf("  poll %d: %v", res.Polls, err)
			continue
		}
		w := writerOf(ms).Region
		shown := state
		if shown == "" {
			shown = "available"
		}
		if shown != lastState || w != lastWriter {
			res.Events = append(res.Events, Event{AtMs: since(), State: shown, Writer: w})
			logf("  +%5.1fs state %s, writer %s", float64(since())/1000, shown, w)
			lastState, lastWriter = shown, w
		}
		if w == o.To && res.WriterMovedMs == 0 {
			res.WriterMovedMs = since()
		}
		if w == o.To && state == "" {
			res.CompletedMs = since()
			logf("%s done in %.1fs (writer moved after %.1fs)", o.Mode, float64(res.CompletedMs)/1000, float64(res.WriterMovedMs)/1000)
			return res, nil
		}
	}
}
