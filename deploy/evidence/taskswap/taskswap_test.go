package taskswap

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"hyundai-poc.com/evidence/fakeaws"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }
func (c *clock) sleep(_ context.Context, d time.Duration) error {
	c.t = c.t.Add(d)
	return nil
}

// service plays an ECS service of 2 tasks that loses one on StopTask and
// gets a new one running after two polls, healthy in the target group one
// poll later.
func service(f *fakeaws.AWS) {
	running := []string{"arn:task/a", "arn:task/b"}
	polls := 0
	f.DescribeServices = func(_ string, in *ecs.DescribeServicesInput) (*ecs.DescribeServicesOutput, error) {
		return &ecs.DescribeServicesOutput{Services: []ecstypes.Service{{ServiceName: aws.String(in.Services[0]), DesiredCount: 2, RunningCount: int32(len(running)),
			LoadBalancers: []ecstypes.LoadBalancer{{TargetGroupArn: aws.String("arn:tg/backend")}}}}}, nil
	}
	f.ListTasks = func(string, *ecs.ListTasksInput) (*ecs.ListTasksOutput, error) {
		polls++
		if len(running) == 1 && polls >= 3 {
			running = append(running, "arn:task/c")
		}
		return &ecs.ListTasksOutput{TaskArns: append([]string(nil), running...)}, nil
	}
	f.StopTask = func(_ string, in *ecs.StopTaskInput) (*ecs.StopTaskOutput, error) {
		running = running[1:]
		return &ecs.StopTaskOutput{}, nil
	}
	healthChecks := 0
	f.DescribeTargetHealth = func(string, *elb.DescribeTargetHealthInput) (*elb.DescribeTargetHealthOutput, error) {
		healthChecks++
		st := elbtypes.TargetHealthStateEnumInitial
		if healthChecks > 1 {
			st = elbtypes.TargetHealthStateEnumHealthy
		}
		return &elb.DescribeTargetHealthOutput{TargetHealthDescriptions: []elbtypes.TargetHealthDescription{
			{TargetHealth: &elbtypes.TargetHealth{State: elbtypes.TargetHealthStateEnumHealthy}},
			{TargetHealth: &elbtypes.TargetHealth{State: st}},
		}}, nil
	}
}

func TestReplaceWaitsForDesiredAndHealthy(t *testing.T) {
	f := &fakeaws.AWS{}
	service(f)
	c := &clock{t: time.Unix(0, 0)}
	res, err := Replace(context.Background(), f.ECS("us-west-2"), f.ELB("us-west-2"), Options{Cluster: "c", Service: "hyundai-poc-usw2-backend", Poll: 5 * time.Second, Sleep: c.sleep, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	if res.StoppedTask != "arn:task/a" || res.BackToDesiredMs != 15000 || res.HealthyMs != 20000 || res.TargetGroup != "arn:tg/backend" {
		t.Fatalf("result %+v", res)
	}
	ops := strings.Join(f.Ops(), " ")
	if !strings.HasPrefix(ops, "ecs.DescribeServices@us-west-2 ecs.ListTasks@us-west-2 ecs.StopTask@us-west-2 ") {
		t.Fatalf("order: %s", ops)
	}
	stop := f.Calls()[2].Input.(*ecs.StopTaskInput)
	if aws.ToString(stop.Task) != "arn:task/a" || aws.ToString(stop.Cluster) != "c" || aws.ToString(stop.Reason) == "" {
		t.Fatalf("stop input %+v", stop)
	}
}

func TestRefusesAnUnsteadyService(t *testing.T) {
	f := &fakeaws.AWS{}
	f.DescribeServices = func(string, *ecs.DescribeServicesInput) (*ecs.DescribeServicesOutput, error) {
		return &ecs.DescribeServicesOutput{Services: []ecstypes.Service{{DesiredCount: 2, RunningCount: 1}}}, nil
	}
	_, err := Replace(context.Background(), f.ECS("r"), f.ELB("r"), Options{Cluster: "c", Service: "s"})
	if err == nil || !strings.Contains(err.Error(), "not steady") {
		t.Fatalf("err %v", err)
	}
	for _, op := range f.Ops() {
		if strings.Contains(op, "StopTask") {
			t.Fatal("stopped a task of an unsteady service")
		}
	}
}

func TestTimesOut(t *testing.T) {
	f := &fakeaws.AWS{}
	service(f)
	f.ListTasks = func(string, *ecs.ListTasksInput) (*ecs.ListTasksOutput, error) {
		return &ecs.ListTasksOutput{TaskArns: []string{"arn:task/b"}}, nil
	}
	c := &clock{t: time.Unix(0, 0)}
	res, err := Replace(context.Background(), f.ECS("r"), f.ELB("r"), Options{Cluster: "c", Service: "s", Poll: 10 * time.Second, Timeout: 30 * time.Second, Sleep: c.sleep, Now: c.now})
	if err == nil || !strings.Contains(err.Error(), "timed out after 30s") || res.Polls != 3 {
		t.Fatalf("err %v res %+v", err, res)
	}
}
