// Package awsapi holds the few AWS operations the evidence kit calls, each
// service behind a small interface so that tests drive a fake (package
// fakeaws) and no test ever calls AWS.
package awsapi

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// RDS is what the switchover/failover drill and the lag reader need.
type RDS interface {
	DescribeGlobalClusters(ctx context.Context, in *rds.DescribeGlobalClustersInput, opts ...func(*rds.Options)) (*rds.DescribeGlobalClustersOutput, error)
	SwitchoverGlobalCluster(ctx context.Context, in *rds.SwitchoverGlobalClusterInput, opts ...func(*rds.Options)) (*rds.SwitchoverGlobalClusterOutput, error)
	FailoverGlobalCluster(ctx context.Context, in *rds.FailoverGlobalClusterInput, opts ...func(*rds.Options)) (*rds.FailoverGlobalClusterOutput, error)
}

// CloudWatch reads metrics.
type CloudWatch interface {
	GetMetricData(ctx context.Context, in *cloudwatch.GetMetricDataInput, opts ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

// ECS stops tasks, runs the one-off probe task and watches services.
type ECS interface {
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, opts ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	ListTasks(ctx context.Context, in *ecs.ListTasksInput, opts ...func(*ecs.Options)) (*ecs.ListTasksOutput, error)
	StopTask(ctx context.Context, in *ecs.StopTaskInput, opts ...func(*ecs.Options)) (*ecs.StopTaskOutput, error)
	RunTask(ctx context.Context, in *ecs.RunTaskInput, opts ...func(*ecs.Options)) (*ecs.RunTaskOutput, error)
	DescribeTasks(ctx context.Context, in *ecs.DescribeTasksInput, opts ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error)
	DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, opts ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
}

// ELB reads target health.
type ELB interface {
	DescribeTargetHealth(ctx context.Context, in *elb.DescribeTargetHealthInput, opts ...func(*elb.Options)) (*elb.DescribeTargetHealthOutput, error)
}

// Logs reads what the probe task printed.
type Logs interface {
	GetLogEvents(ctx context.Context, in *cloudwatchlogs.GetLogEventsInput, opts ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetLogEventsOutput, error)
}

// Cost reads Cost Explorer.
type Cost interface {
	GetCostAndUsage(ctx context.Context, in *costexplorer.GetCostAndUsageInput, opts ...func(*costexplorer.Options)) (*costexplorer.GetCostAndUsageOutput, error)
}

// Pricing reads list prices from the Price List API.
type Pricing interface {
	GetProducts(ctx context.Context, in *pricing.GetProductsInput, opts ...func(*pricing.Options)) (*pricing.GetProductsOutput, error)
}

// Secrets reads the deployment's database secret, which also holds the
// operators' token for health-check writes.
type Secrets interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Clients hands out a client of each service for a region.
type Clients interface {
	RDS(region string) RDS
	CloudWatch(region string) CloudWatch
	ECS(region string) ECS
	ELB(region string) ELB
	Logs(region string) Logs
	Secrets(region string) Secrets
	Cost() Cost
	Pricing() Pricing
}

// ErrNoCredentials is returned by Load when no credentials are configured.
var ErrNoCredentials = errors.New("no AWS credentials: set AWS_PROFILE (aws configure / aws sso login) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then run again")

type real struct{ cfg aws.Config }

// Load builds real clients from the standard credential chain and checks
// that credentials exist before anything is called. The instance metadata
// service is not asked unless AWS_EC2_METADATA_DISABLED=false is set: the
// kit runs on an operator's machine, where that lookup only wastes seconds
// before failing.
func Load(ctx context.Context) (Clients, error) {
	opts := []func(*config.LoadOptions) error{}
	if os.Getenv("AWS_EC2_METADATA_DISABLED") != "false" {
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("reading the AWS configuration: %w", err)
	}
	if cfg.Credentials == nil {
		return nil, ErrNoCredentials
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNoCredentials, err)
	}
	return &real{cfg: cfg}, nil
}

func (r *real) regional(region string) aws.Config {
	c := r.cfg.Copy()
	c.Region = region
	return c
}

func (r *real) RDS(region string) RDS { return rds.NewFromConfig(r.regional(region)) }
func (r *real) CloudWatch(region string) CloudWatch {
	return cloudwatch.NewFromConfig(r.regional(region))
}
func (r *real) ECS(region string) ECS   { return ecs.NewFromConfig(r.regional(region)) }
func (r *real) ELB(region string) ELB   { return elb.NewFromConfig(r.regional(region)) }
func (r *real) Logs(region string) Logs { return cloudwatchlogs.NewFromConfig(r.regional(region)) }
func (r *real) Secrets(region string) Secrets {
	return secretsmanager.NewFromConfig(r.regional(region))
}

// Cost Explorer's API lives in us-east-1 whatever the resources' regions.
func (r *real) Cost() Cost { return costexplorer.NewFromConfig(r.regional("us-east-1")) }

// The Price List API answers in us-east-1 for every region's prices.
func (r *real) Pricing() Pricing { return pricing.NewFromConfig(r.regional("us-east-1")) }
