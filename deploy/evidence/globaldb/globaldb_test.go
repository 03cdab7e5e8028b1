package globaldb

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"

	"hyundai-poc.com/evidence/fakeaws"
)

const (
	east = "arn:aws:rds:us-east-1:111122223333:cluster:hyundai-poc-use1"
	west = "arn:aws:rds:us-west-2:111122223333:cluster:hyundai-poc-usw2"
	kr   = "arn:aws:rds:ap-northeast-2:111122223333:cluster:hyundai-poc-apne2"
)

// state is one DescribeGlobalClusters answer: the writer's ARN and the
// operation in progress ("" for none).
type state struct{ writer, op string }

func describer(seq []state, i *int) func(string, *rds.DescribeGlobalClustersInput) (*rds.DescribeGlobalClustersOutput, error) {
	return func(_ string, in *rds.DescribeGlobalClustersInput) (*rds.DescribeGlobalClustersOutput, error) {
		s := seq[min(*i, len(seq)-1)]
		*i++
		g := types.GlobalCluster{GlobalClusterIdentifier: in.GlobalClusterIdentifier}
		for _, a := range []string{east, west, kr} {
			g.GlobalClusterMembers = append(g.GlobalClusterMembers, types.GlobalClusterMember{DBClusterArn: aws.String(a), IsWriter: aws.Bool(a == s.writer)})
		}
		if s.op != "" {
			g.FailoverState = &types.FailoverState{Status: types.FailoverStatus(s.op)}
		}
		return &rds.DescribeGlobalClustersOutput{GlobalClusters: []types.GlobalCluster{g}}, nil
	}
}

// clock advances by the poll interval on every Sleep, so tests never wait.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }
func (c *clock) sleep(_ context.Context, d time.Duration) error {
	c.t = c.t.Add(d)
	return nil
}

func TestSwitchoverPollsUntilTheTargetWrites(t *testing.T) {
	i := 0
	f := &fakeaws.AWS{}
	f.DescribeGlobalClusters = describer([]state{{east, ""}, {east, "pending"}, {east, "switching-over"}, {west, "switching-over"}, {west, ""}}, &i)
	var got *rds.SwitchoverGlobalClusterInput
	f.SwitchoverGlobalCluster = func(_ string, in *rds.SwitchoverGlobalClusterInput) (*rds.SwitchoverGlobalClusterOutput, error) {
		got = in
		return &rds.SwitchoverGlobalClusterOutput{}, nil
	}
	c := &clock{t: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	res, err := Move(context.Background(), f.RDS("us-west-2"), Options{GlobalCluster: "hyundai-poc", Mode: Switchover, To: "us-west-2", Poll: 5 * time.Second, Sleep: c.sleep, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.GlobalClusterIdentifier) != "hyundai-poc" || aws.ToString(got.TargetDbClusterIdentifier) != west {
		t.Fatalf("switchover input %+v", got)
	}
	want := []string{"rds.DescribeGlobalClusters@us-west-2", "rds.SwitchoverGlobalCluster@us-west-2",
		"rds.DescribeGlobalClusters@us-west-2", "rds.DescribeGlobalClusters@us-west-2", "rds.DescribeGlobalClusters@us-west-2", "rds.DescribeGlobalClusters@us-west-2"}
	if strings.Join(f.Ops(), " ") != strings.Join(want, " ") {
		t.Fatalf("calls\n got %v\nwant %v", f.Ops(), want)
	}
	if res.From != "us-east-1" || res.WriterMovedMs != 15000 || res.CompletedMs != 20000 || res.Polls != 4 {
		t.Fatalf("result %+v", res)
	}
	if len(res.Events) != 5 || res.Events[3].Writer != "us-west-2" || res.Events[4].State != "available" {
		t.Fatalf("events %+v", res.Events)
	}
}

func TestFailoverAllowsDataLoss(t *testing.T) {
	i := 0
	f := &fakeaws.AWS{}
	f.DescribeGlobalClusters = describer([]state{{east, ""}, {kr, "failing-over"}, {kr, ""}}, &i)
	var got *rds.FailoverGlobalClusterInput
	f.FailoverGlobalCluster = func(_ string, in *rds.FailoverGlobalClusterInput) (*rds.FailoverGlobalClusterOutput, error) {
		got = in
		return &rds.FailoverGlobalClusterOutput{}, nil
	}
	c := &clock{t: time.Unix(0, 0)}
	if _, err := Move(context.Background(), f.RDS("ap-northeast-2"), Options{GlobalCluster: "g", Mode: Failover, To: "ap-northeast-2", Sleep: c.sleep, Now: c.now}); err != nil {
		t.Fatal(err)
	}
	if got == nil || !aws.ToBool(got.AllowDataLoss) || got.Switchover != nil || aws.ToString(got.TargetDbClusterIdentifier) != kr {
		t.Fatalf("failover input %+v", got)
	}
	for _, op := range f.Ops() {
		if strings.Contains(op, "Switchover") {
			t.Fatalf("a failover must not switch over: %v", f.Ops())
		}
	}
}

func TestRefusals(t *testing.T) {
	cases := []struct {
		name string
		seq  []state
		o    Options
		want string
	}{
		{"no name", []state{{east, ""}}, Options{Mode: Switchover, To: "us-west-2"}, "name is required"},
		{"bad mode", []state{{east, ""}}, Options{GlobalCluster: "g", Mode: "flip", To: "us-west-2"}, "mode must be"},
		{"already writer", []state{{east, ""}}, Options{GlobalCluster: "g", Mode: Switchover, To: "us-east-1"}, "already the writer"},
		{"unknown region", []state{{east, ""}}, Options{GlobalCluster: "g", Mode: Switchover, To: "eu-west-1"}, "no member in eu-west-1"},
		{"busy", []state{{east, "switching-over"}}, Options{GlobalCluster: "g", Mode: Switchover, To: "us-west-2"}, "in progress"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			i := 0
			f := &fakeaws.AWS{DescribeGlobalClusters: describer(tc.seq, &i)}
			_, err := Move(context.Background(), f.RDS("us-east-1"), tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			for _, op := range f.Ops() {
				if !strings.Contains(op, "Describe") {
					t.Fatalf("refused move still called %s", op)
				}
			}
		})
	}
}

func TestTimesOut(t *testing.T) {
	i := 0
	f := &fakeaws.AWS{}
	f.DescribeGlobalClusters = describer([]state{{east, ""}, {east, "switching-over"}}, &i)
	f.SwitchoverGlobalCluster = func(string, *rds.SwitchoverGlobalClusterInput) (*rds.SwitchoverGlobalClusterOutput, error) {
		return &rds.SwitchoverGlobalClusterOutput{}, nil
	}
	c := &clock{t: time.Unix(0, 0)}
	res, err := Move(context.Background(), f.RDS("us-west-2"), Options{GlobalCluster: "g", Mode: Switchover, To: "us-west-2", Poll: 10 * time.Second, Timeout: time.Minute, Sleep: c.sleep, Now: c.now})
	if err == nil || !strings.Contains(err.Error(), "timed out after 1m0s") || !strings.Contains(err.Error(), "switching-over") {
		t.Fatalf("err %v", err)
	}
	if res == nil || res.Polls != 6 || res.CompletedMs != 0 {
		t.Fatalf("result %+v", res)
	}
}
