// Package probe runs the backend image's probe subcommand as a one-off ECS
// task in a region, with the backend service's own task definition and
// network, so latency "from Seoul" is measured in Seoul; it waits for the
// task to stop and reads the probe's report from the task's log stream.
package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"hyundai-poc.com/evidence/awsapi"
	"hyundai-poc.com/loadtest/timing"
)

// Options of one probe run.
type Options struct {
	Region, Cluster, Service string
	// Args follow the probe subcommand: LatencyArgs or QueryArgs.
	Args          []string
	Poll, Timeout time.Duration
	Progress      io.Writer
	Sleep         func(ctx context.Context, d time.Duration) error
	Now           func() time.Time
}

// LatencyArgs time n requests to each URL.
func LatencyArgs(n int, urls []string) []string {
	return append([]string{"-n", strconv.Itoa(n)}, urls...)
}

// QueryArgs time n simple reads through the region's reader endpoint.
func QueryArgs(n int) []string { return []string{"--query", strconv.Itoa(n)} }

// Run starts the task, waits for it and returns its report.
func Run(ctx context.Context, e awsapi.ECS, logs awsapi.Logs, o Options) (*timing.Report, error) {
	if o.Cluster == "" || o.Service == "" || len(o.Args) == 0 {
		return nil, errors.New("cluster, service and the probe's arguments are required")
	}
	if o.Poll <= 0 {
		o.Poll = 5 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Minute
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Now == nil {
		o.Now = time.Now
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
	ds, err := e.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(o.Cluster), Services: []string{o.Service}})
	if err != nil {
		return nil, fmt.Errorf("DescribeServices: %w", err)
	}
	if len(ds.Services) != 1 || ds.Services[0].NetworkConfiguration == nil {
		return nil, fmt.Errorf("service %s not found in %s, or it has no awsvpc network", o.Service, o.Cluster)
	}
	svc := ds.Services[0]
	td, err := e.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: svc.TaskDefinition})
	if err != nil {
		return nil, fmt.Errorf("DescribeTaskDefinition: %w", err)
	}
	if td.TaskDefinition == nil || len(td.TaskDefinition.ContainerDefinitions) == 0 {
		return nil, fmt.Errorf("task definition %s has no container", aws.ToString(svc.TaskDefinition))
	}
	c := td.TaskDefinition.ContainerDefinitions[0]
	if c.LogConfiguration == nil || c.LogConfiguration.LogDriver != ecstypes.LogDriverAwslogs {
		return nil, fmt.Errorf("container %s does not log to CloudWatch (awslogs): the probe's report could not be read", aws.ToString(c.Name))
	}
	group, prefix := c.LogConfiguration.Options["awslogs-group"], c.LogConfiguration.Options["awslogs-stream-prefix"]
	rt, err := e.RunTask(ctx, &ecs.RunTaskInput{
		Cluster: aws.String(o.Cluster), TaskDefinition: svc.TaskDefinition, LaunchType: ecstypes.LaunchTypeFargate, Count: aws.Int32(1),
		NetworkConfiguration: svc.NetworkConfiguration, StartedBy: aws.String("evidence-probe"),
		Overrides: &ecstypes.TaskOverride{ContainerOverrides: []ecstypes.ContainerOverride{{Name: c.Name, Command: append([]string{"probe"}, o.Args...)}}},
	})
	if err != nil {
		return nil, fmt.Errorf("RunTask: %w", err)
	}
	if len(rt.Tasks) != 1 {
		reason := ""
		if len(rt.Failures) > 0 {
			reason = aws.ToString(rt.Failures[0].Reason)
		}
		return nil, fmt.Errorf("RunTask started no task: %s", reason)
	}
	arn := aws.ToString(rt.Tasks[0].TaskArn)
	fmt.Fprintf(o.Progress, "  %s: probe task %s started\n", o.Region, arn[strings.LastIndex(arn, "/")+1:])
	deadline := o.Now().Add(o.Timeout)
	var task ecstypes.Task
	for {
		if !o.Now().Before(deadline) {
			return nil, fmt.Errorf("probe task %s still running after %s", arn, o.Timeout)
		}
		if err := o.Sleep(ctx, o.Poll); err != nil {
			return nil, err
		}
		dt, err := e.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(o.Cluster), Tasks: []string{arn}})
		if err != nil {
			return nil, fmt.Errorf("DescribeTasks: %w", err)
		}
		if len(dt.Tasks) == 1 && aws.ToString(dt.Tasks[0].LastStatus) == "STOPPED" {
			task = dt.Tasks[0]
			break
		}
	}
	for _, ct := range task.Containers {
		if aws.ToString(ct.Name) == aws.ToString(c.Name) && ct.ExitCode != nil && *ct.ExitCode != 0 {
			return nil, fmt.Errorf("probe exited with %d (%s)", *ct.ExitCode, aws.ToString(task.StoppedReason))
		}
	}
	stream := prefix + "/" + aws.ToString(c.Name) + "/" + arn[strings.LastIndex(arn, "/")+1:]
	in := &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), StartFromHead: aws.Bool(true)}
	for {
		out, err := logs.GetLogEvents(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("reading %s %s: %w", group, stream, err)
		}
		for _, ev := range out.Events {
			if r, ok := timing.ParseLine(aws.ToString(ev.Message)); ok {
				return &r, nil
			}
		}
		if len(out.Events) == 0 || out.NextForwardToken == nil || aws.ToString(out.NextForwardToken) == aws.ToString(in.NextToken) {
			break
		}
		in.NextToken = out.NextForwardToken
	}
	return nil, fmt.Errorf("no probe report in log stream %s of %s", stream, group)
}
