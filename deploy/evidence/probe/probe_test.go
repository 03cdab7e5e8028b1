package probe

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"hyundai-poc.com/evidence/fakeaws"
	"hyundai-poc.com/loadtest/timing"
)

func fake(exit int32) *fakeaws.AWS {
	f := &fakeaws.AWS{}
	net := &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}
	f.DescribeServices = func(string, *ecs.DescribeServicesInput) (*ecs.DescribeServicesOutput, error) {
		return &ecs.DescribeServicesOutput{Services: []ecstypes.Service{{TaskDefinition: aws.String("arn:td/backend:7"), NetworkConfiguration: net}}}, nil
	}
	f.DescribeTaskDefinition = func(string, *ecs.DescribeTaskDefinitionInput) (*ecs.DescribeTaskDefinitionOutput, error) {
		return &ecs.DescribeTaskDefinitionOutput{TaskDefinition: &ecstypes.TaskDefinition{ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name: aws.String("backend"), LogConfiguration: &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs,
				Options: map[string]string{"awslogs-group": "/ecs/hyundai-poc-apne2", "awslogs-stream-prefix": "ecs"}}}}}}, nil
	}
	f.RunTask = func(string, *ecs.RunTaskInput) (*ecs.RunTaskOutput, error) {
		return &ecs.RunTaskOutput{Tasks: []ecstypes.Task{{TaskArn: aws.String("arn:aws:ecs:ap-northeast-2:1:task/c/abc123")}}}, nil
	}
	polls := 0
	f.DescribeTasks = func(string, *ecs.DescribeTasksInput) (*ecs.DescribeTasksOutput, error) {
		polls++
		st := "RUNNING"
		if polls >= 2 {
			st = "STOPPED"
		}
		return &ecs.DescribeTasksOutput{Tasks: []ecstypes.Task{{LastStatus: aws.String(st), Containers: []ecstypes.Container{{Name: aws.String("backend"), ExitCode: aws.Int32(exit)}}}}}, nil
	}
	f.GetLogEvents = func(string, *cloudwatchlogs.GetLogEventsInput) (*cloudwatchlogs.GetLogEventsOutput, error) {
		rep := timing.Report{From: "ap-northeast-2", Results: []timing.Result{{URL: "https://us-east-1.example", Requests: 5}}}
		return &cloudwatchlogs.GetLogEventsOutput{Events: []cwltypes.OutputLogEvent{{Message: aws.String(`{"msg":"probe starting"}`)}, {Message: aws.String(rep.Line())}}}, nil
	}
	return f
}

func noWait(context.Context, time.Duration) error { return nil }

func TestRunStartsTheBackendTaskAndReadsItsReport(t *testing.T) {
	f := fake(0)
	rep, err := Run(context.Background(), f.ECS("ap-northeast-2"), f.Logs("ap-northeast-2"), Options{Region: "ap-northeast-2", Cluster: "c", Service: "hyundai-poc-apne2-backend", Args: LatencyArgs(5, []string{"https://us-east-1.example"}), Sleep: noWait})
	if err != nil {
		t.Fatal(err)
	}
	if rep.From != "ap-northeast-2" || rep.Results[0].Requests != 5 {
		t.Fatalf("report %+v", rep)
	}
	want := "ecs.DescribeServices ecs.DescribeTaskDefinition ecs.RunTask ecs.DescribeTasks ecs.DescribeTasks logs.GetLogEvents"
	var ops []string
	for _, c := range f.Calls() {
		ops = append(ops, c.Op)
		if c.Region != "ap-northeast-2" {
			t.Errorf("%s called in %s", c.Op, c.Region)
		}
	}
	if strings.Join(ops, " ") != want {
		t.Fatalf("calls %v", ops)
	}
	run := f.Calls()[2].Input.(*ecs.RunTaskInput)
	if aws.ToString(run.TaskDefinition) != "arn:td/backend:7" || run.NetworkConfiguration.AwsvpcConfiguration.Subnets[0] != "subnet-1" ||
		strings.Join(run.Overrides.ContainerOverrides[0].Command, " ") != "probe -n 5 https://us-east-1.example" {
		t.Fatalf("run input %+v", run)
	}
	logs := f.Calls()[5].Input.(*cloudwatchlogs.GetLogEventsInput)
	if aws.ToString(logs.LogStreamName) != "ecs/backend/abc123" || aws.ToString(logs.LogGroupName) != "/ecs/hyundai-poc-apne2" {
		t.Fatalf("log stream %+v", logs)
	}
}

func TestFailedProbeIsReported(t *testing.T) {
	f := fake(2)
	_, err := Run(context.Background(), f.ECS("r"), f.Logs("r"), Options{Cluster: "c", Service: "s", Args: QueryArgs(10), Sleep: noWait})
	if err == nil || !strings.Contains(err.Error(), "exited with 2") {
		t.Fatalf("err %v", err)
	}
}

func TestTimesOutWhileRunning(t *testing.T) {
	f := fake(0)
	f.DescribeTasks = func(string, *ecs.DescribeTasksInput) (*ecs.DescribeTasksOutput, error) {
		return &ecs.DescribeTasksOutput{Tasks: []ecstypes.Task{{LastStatus: aws.String("RUNNING")}}}, nil
	}
	now := time.Unix(0, 0)
	_, err := Run(context.Background(), f.ECS("r"), f.Logs("r"), Options{Cluster: "c", Service: "s", Args: QueryArgs(10), Poll: time.Minute, Timeout: 3 * time.Minute,
		Now: func() time.Time { return now }, Sleep: func(_ context.Context, d time.Duration) error { now = now.Add(d); return nil }})
	if err == nil || !strings.Contains(err.Error(), "still running after 3m0s") {
		t.Fatalf("err %v", err)
	}
}
