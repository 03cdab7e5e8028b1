// Package taskswap stops one running task of an ECS service and measures
// how long the service takes to be whole again: running count back at the
// desired count with a task that was not there before, and as many healthy
// targets in the load balancer's target group as desired.
package taskswap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"hyundai-poc.com/evidence/awsapi"
)

// Options of one replacement.
type Options struct {
	Cluster, Service string
	Poll, Timeout    time.Duration
	Progress         io.Writer
	Sleep            func(ctx context.Context, d time.Duration) error
	Now              func() time.Time
}

// Result of one replacement.
type Result struct {
	Cluster         string `json:"cluster"`
	Service         string `json:"service"`
	StoppedTask     string `json:"stopped_task"`
	Desired         int32  `json:"desired_count"`
	BackToDesiredMs int64  `json:"back_to_desired_ms"` // stop -> running == desired with a new task
	HealthyMs       int64  `json:"healthy_targets_ms"` // stop -> healthy targets >= desired
	TargetGroup     string `json:"target_group_arn"`
	Polls           int    `json:"polls"`
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Replace stops one task and waits for the service to be whole.
func Replace(ctx context.Context, e awsapi.ECS, lb awsapi.ELB, o Options) (*Result, error) {
	if o.Cluster == "" || o.Service == "" {
		return nil, errors.New("cluster and service are required")
	}
	if o.Poll <= 0 {
		o.Poll = 5 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Minute
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	svc, err := describe(ctx, e, o)
	if err != nil {
		return nil, err
	}
	res := &Result{Cluster: o.Cluster, Service: o.Service, Desired: svc.DesiredCount}
	if len(svc.LoadBalancers) > 0 {
		res.TargetGroup = aws.ToString(svc.LoadBalancers[0].TargetGroupArn)
	}
	if svc.RunningCount < svc.DesiredCount || svc.DesiredCount == 0 {
		return nil, fmt.Errorf("service %s runs %d of %d tasks: not steady, so a replacement would measure nothing", o.Service, svc.RunningCount, svc.DesiredCount)
	}
	lt, err := e.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String(o.Cluster), ServiceName: aws.String(o.Service), DesiredStatus: "RUNNING"})
	if err != nil {
		return nil, fmt.Errorf("ListTasks: %w", err)
	}
	if len(lt.TaskArns) == 0 {
		return nil, fmt.Errorf("service %s has no running task", o.Service)
	}
	before := map[string]bool{}
	for _, t := range lt.TaskArns {
		before[t] = true
	}
	res.StoppedTask = lt.TaskArns[0]
	fmt.Fprintf(o.Progress, "stopping %s of %s (%d desired)\n", res.StoppedTask, o.Service, res.Desired)
	start := o.Now()
	if _, err := e.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String(o.Cluster), Task: aws.String(res.StoppedTask), Reason: aws.String("evidence task-replacement: measuring replacement time")}); err != nil {
		return nil, fmt.Errorf("StopTask: %w", err)
	}
	since := func() int64 { return o.Now().Sub(start).Milliseconds() }
	for {
		if !o.Now().Before(start.Add(o.Timeout)) {
			return res, fmt.Errorf("timed out after %s: service not whole again", o.Timeout)
		}
		if err := o.Sleep(ctx, o.Poll); err != nil {
			return res, err
		}
		res.Polls++
		if res.BackToDesiredMs == 0 {
			svc, err := describe(ctx, e, o)
			if err != nil {
				return res, err
			}
			lt, err := e.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String(o.Cluster), ServiceName: aws.String(o.Service), DesiredStatus: "RUNNING"})
			if err != nil {
				return res, fmt.Errorf("ListTasks: %w", err)
			}
			fresh := 0
			for _, t := range lt.TaskArns {
				if !before[t] {
					fresh++
				}
			}
			if svc.RunningCount >= res.Desired && fresh > 0 {
				res.BackToDesiredMs = since()
				fmt.Fprintf(o.Progress, "  +%.1fs %d of %d running, %d new\n", float64(res.BackToDesiredMs)/1000, svc.RunningCount, res.Desired, fresh)
			}
		}
		if res.BackToDesiredMs > 0 {
			if res.TargetGroup == "" {
				res.HealthyMs = res.BackToDesiredMs
				return res, nil
			}
			th, err := lb.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(res.TargetGroup)})
			if err != nil {
				return res, fmt.Errorf("DescribeTargetHealth: %w", err)
			}
			healthy := 0
			for _, d := range th.TargetHealthDescriptions {
				if d.TargetHealth != nil && d.TargetHealth.State == elbtypes.TargetHealthStateEnumHealthy {
					healthy++
				}
			}
			if int32(healthy) >= res.Desired {
				res.HealthyMs = since()
				fmt.Fprintf(o.Progress, "  +%.1fs %d healthy targets\n", float64(res.HealthyMs)/1000, healthy)
				return res, nil
			}
		}
	}
}

func describe(ctx context.Context, e awsapi.ECS, o Options) (*ecsService, error) {
	out, err := e.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(o.Cluster), Services: []string{o.Service}})
	if err != nil {
		return nil, fmt.Errorf("DescribeServices: %w", err)
	}
	if len(out.Services) != 1 {
		return nil, fmt.Errorf("service %s not found in cluster %s", o.Service, o.Cluster)
	}
	s := out.Services[0]
	return &ecsService{DesiredCount: s.DesiredCount, RunningCount: s.RunningCount, LoadBalancers: s.LoadBalancers}, nil
}

type ecsService struct {
	DesiredCount, RunningCount int32
	LoadBalancers              []ecstypes.LoadBalancer
}
