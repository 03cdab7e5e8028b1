// Package fakeaws is a fake of the AWS operations in package awsapi, for
// tests only: every call is recorded (service, operation, region, input) so
// a test can check arguments and order, and each operation answers with the
// function the test set, or an error when it set none. Nothing here talks
// to AWS.
package fakeaws

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	ptypes "github.com/aws/aws-sdk-go-v2/service/pricing/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"hyundai-poc.com/evidence/awsapi"
)

// Call is one recorded call.
type Call struct {
	Op     string // "rds.SwitchoverGlobalCluster"
	Region string
	Input  any
}

// AWS is the fake; set the functions a test needs.
type AWS struct {
	mu    sync.Mutex
	calls []Call

	DescribeGlobalClusters  func(region string, in *rds.DescribeGlobalClustersInput) (*rds.DescribeGlobalClustersOutput, error)
	SwitchoverGlobalCluster func(region string, in *rds.SwitchoverGlobalClusterInput) (*rds.SwitchoverGlobalClusterOutput, error)
	FailoverGlobalCluster   func(region string, in *rds.FailoverGlobalClusterInput) (*rds.FailoverGlobalClusterOutput, error)
	GetMetricData           func(region string, in *cloudwatch.GetMetricDataInput) (*cloudwatch.GetMetricDataOutput, error)
	DescribeServices        func(region string, in *ecs.DescribeServicesInput) (*ecs.DescribeServicesOutput, error)
	ListTasks               func(region string, in *ecs.ListTasksInput) (*ecs.ListTasksOutput, error)
	StopTask                func(region string, in *ecs.StopTaskInput) (*ecs.StopTaskOutput, error)
	RunTask                 func(region string, in *ecs.RunTaskInput) (*ecs.RunTaskOutput, error)
	DescribeTasks           func(region string, in *ecs.DescribeTasksInput) (*ecs.DescribeTasksOutput, error)
	DescribeTaskDefinition  func(region string, in *ecs.DescribeTaskDefinitionInput) (*ecs.DescribeTaskDefinitionOutput, error)
	DescribeTargetHealth    func(region string, in *elb.DescribeTargetHealthInput) (*elb.DescribeTargetHealthOutput, error)
	GetLogEvents            func(region string, in *cloudwatchlogs.GetLogEventsInput) (*cloudwatchlogs.GetLogEventsOutput, error)
	GetCostAndUsage         func(region string, in *costexplorer.GetCostAndUsageInput) (*costexplorer.GetCostAndUsageOutput, error)
	GetProducts             func(region string, in *pricing.GetProductsInput) (*pricing.GetProductsOutput, error)
	GetSecretValue          func(region string, in *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error)
}

// Calls returns every call so far, in order.
func (f *AWS) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

// Ops returns "op@region" for every call so far, in order.
func (f *AWS) Ops() []string {
	var out []string
	for _, c := range f.Calls() {
		out = append(out, c.Op+"@"+c.Region)
	}
	return out
}

func call[I, O any](f *AWS, op, region string, in I, fn func(string, I) (O, error)) (O, error) {
	f.mu.Lock()
	f.calls = append(f.calls, Call{Op: op, Region: region, Input: in})
	f.mu.Unlock()
	if fn == nil {
		var zero O
		return zero, fmt.Errorf("fakeaws: %s has no behaviour set", op)
	}
	return fn(region, in)
}

type regional struct {
	f      *AWS
	region string
}

func (f *AWS) RDS(region string) awsapi.RDS               { return regional{f, region} }
func (f *AWS) CloudWatch(region string) awsapi.CloudWatch { return regional{f, region} }
func (f *AWS) ECS(region string) awsapi.ECS               { return regional{f, region} }
func (f *AWS) ELB(region string) awsapi.ELB               { return regional{f, region} }
func (f *AWS) Logs(region string) awsapi.Logs             { return regional{f, region} }
func (f *AWS) Secrets(region string) awsapi.Secrets       { return regional{f, region} }
func (f *AWS) Cost() awsapi.Cost                          { return regional{f, "us-east-1"} }
func (f *AWS) Pricing() awsapi.Pricing                    { return regional{f, "us-east-1"} }

var _ awsapi.Clients = (*AWS)(nil)

func (r regional) DescribeGlobalClusters(_ context.Context, in *rds.DescribeGlobalClustersInput, _ ...func(*rds.Options)) (*rds.DescribeGlobalClustersOutput, error) {
	return call(r.f, "rds.DescribeGlobalClusters", r.region, in, r.f.DescribeGlobalClusters)
}
func (r regional) SwitchoverGlobalCluster(_ context.Context, in *rds.SwitchoverGlobalClusterInput, _ ...func(*rds.Options)) (*rds.SwitchoverGlobalClusterOutput, error) {
	return call(r.f, "rds.SwitchoverGlobalCluster", r.region, in, r.f.SwitchoverGlobalCluster)
}
func (r regional) FailoverGlobalCluster(_ context.Context, in *rds.FailoverGlobalClusterInput, _ ...func(*rds.Options)) (*rds.FailoverGlobalClusterOutput, error) {
	return call(r.f, "rds.FailoverGlobalCluster", r.region, in, r.f.FailoverGlobalCluster)
}
func (r regional) GetMetricData(_ context.Context, in *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	return call(r.f, "cloudwatch.GetMetricData", r.region, in, r.f.GetMetricData)
}
func (r regional) DescribeServices(_ context.Context, in *ecs.DescribeServicesInput, _ ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	return call(r.f, "ecs.DescribeServices", r.region, in, r.f.DescribeServices)
}
func (r regional) ListTasks(_ context.Context, in *ecs.ListTasksInput, _ ...func(*ecs.Options)) (*ecs.ListTasksOutput, error) {
	return call(r.f, "ecs.ListTasks", r.region, in, r.f.ListTasks)
}
func (r regional) StopTask(_ context.Context, in *ecs.StopTaskInput, _ ...func(*ecs.Options)) (*ecs.StopTaskOutput, error) {
	return call(r.f, "ecs.StopTask", r.region, in, r.f.StopTask)
}
func (r regional) RunTask(_ context.Context, in *ecs.RunTaskInput, _ ...func(*ecs.Options)) (*ecs.RunTaskOutput, error) {
	return call(r.f, "ecs.RunTask", r.region, in, r.f.RunTask)
}
func (r regional) DescribeTasks(_ context.Context, in *ecs.DescribeTasksInput, _ ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error) {
	return call(r.f, "ecs.DescribeTasks", r.region, in, r.f.DescribeTasks)
}
func (r regional) DescribeTaskDefinition(_ context.Context, in *ecs.DescribeTaskDefinitionInput, _ ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error) {
	return call(r.f, "ecs.DescribeTaskDefinition", r.region, in, r.f.DescribeTaskDefinition)
}
func (r regional) DescribeTargetHealth(_ context.Context, in *elb.DescribeTargetHealthInput, _ ...func(*elb.Options)) (*elb.DescribeTargetHealthOutput, error) {
	return call(r.f, "elbv2.DescribeTargetHealth", r.region, in, r.f.DescribeTargetHealth)
}
func (r regional) GetLogEvents(_ context.Context, in *cloudwatchlogs.GetLogEventsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetLogEventsOutput, error) {
	return call(r.f, "logs.GetLogEvents", r.region, in, r.f.GetLogEvents)
}
func (r regional) GetCostAndUsage(_ context.Context, in *costexplorer.GetCostAndUsageInput, _ ...func(*costexplorer.Options)) (*costexplorer.GetCostAndUsageOutput, error) {
	return call(r.f, "ce.GetCostAndUsage", r.region, in, r.f.GetCostAndUsage)
}
func (r regional) GetProducts(_ context.Context, in *pricing.GetProductsInput, _ ...func(*pricing.Options)) (*pricing.GetProductsOutput, error) {
	return call(r.f, "pricing.GetProducts", r.region, in, r.f.GetProducts)
}

// PriceListFromFiles is a GetProducts behaviour that answers from
// dir/<ServiceCode>.json, files in GetProducts' own answer layout: it
// returns the PriceList documents whose product family or attributes match
// every TERM_MATCH filter, two to a page so that callers must follow
// NextToken. Other filter types are refused, so a test sees them.
func PriceListFromFiles(dir string) func(string, *pricing.GetProductsInput) (*pricing.GetProductsOutput, error) {
	return func(_ string, in *pricing.GetProductsInput) (*pricing.GetProductsOutput, error) {
		service := aws.ToString(in.ServiceCode)
		b, err := os.ReadFile(filepath.Join(dir, service+".json"))
		if err != nil {
			return nil, fmt.Errorf("fakeaws: no price list for service code %q", service)
		}
		var all struct{ PriceList []string }
		if err := json.Unmarshal(b, &all); err != nil {
			return nil, fmt.Errorf("fakeaws: %s: %w", service, err)
		}
		var match []string
		for _, doc := range all.PriceList {
			var p struct {
				Product struct {
					ProductFamily string            `json:"productFamily"`
					Attributes    map[string]string `json:"attributes"`
				} `json:"product"`
			}
			if err := json.Unmarshal([]byte(doc), &p); err != nil {
				return nil, fmt.Errorf("fakeaws: %s: %w", service, err)
			}
			ok := true
			for _, fl := range in.Filters {
				if fl.Type != ptypes.FilterTypeTermMatch {
					return nil, fmt.Errorf("fakeaws: filter type %s not faked", fl.Type)
				}
				v := p.Product.Attributes[aws.ToString(fl.Field)]
				if aws.ToString(fl.Field) == "productFamily" {
					v = p.Product.ProductFamily
				}
				ok = ok && v == aws.ToString(fl.Value)
			}
			if ok {
				match = append(match, doc)
			}
		}
		start := 0
		if in.NextToken != nil {
			start, _ = strconv.Atoi(*in.NextToken)
		}
		end := min(start+2, len(match))
		out := &pricing.GetProductsOutput{FormatVersion: aws.String("aws_v1"), PriceList: match[start:end]}
		if end < len(match) {
			out.NextToken = aws.String(strconv.Itoa(end))
		}
		return out, nil
	}
}

func (r regional) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	return call(r.f, "secretsmanager.GetSecretValue", r.region, in, r.f.GetSecretValue)
}
