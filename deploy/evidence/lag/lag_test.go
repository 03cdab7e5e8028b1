package lag

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"hyundai-poc.com/evidence/fakeaws"
)

func TestHeartbeatPerRegion(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("X-Edge-Region") {
		case "us-east-1":
			w.Write([]byte(`{"region":"us-east-1","writer_region":"us-east-1","replication_lag_ms":0}`))
		case "us-west-2":
			w.Write([]byte(`{"region":"us-west-2","writer_region":"us-east-1","replication_lag_ms":70}`))
		default:
			http.Error(w, "down", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	var ts []Target
	for _, r := range []string{"us-east-1", "us-west-2", "ap-northeast-2"} {
		ts = append(ts, Target{Region: r, URL: srv.URL, Header: http.Header{"X-Edge-Region": {r}}})
	}
	got := SampleHeartbeat(context.Background(), ts, 20*time.Millisecond, 150*time.Millisecond, nil)
	if !got["us-east-1"].Primary || got["us-west-2"].Primary {
		t.Fatalf("primary flags: %+v", got)
	}
	if w := got["us-west-2"]; w.LagMs.P50 != 70 || w.LagMs.Count < 3 || w.Unanswered != 0 {
		t.Fatalf("us-west-2: %+v", w)
	}
	if k := got["ap-northeast-2"]; k.LagMs.Count != 0 || k.Unanswered == 0 {
		t.Fatalf("unanswered region: %+v", k)
	}
}

func TestCloudWatchQueriesBothMetricsAndPages(t *testing.T) {
	f := &fakeaws.AWS{}
	page := 0
	f.GetMetricData = func(_ string, in *cloudwatch.GetMetricDataInput) (*cloudwatch.GetMetricDataOutput, error) {
		page++
		if page == 1 {
			return &cloudwatch.GetMetricDataOutput{NextToken: aws.String("p2"), MetricDataResults: []cwtypes.MetricDataResult{
				{Id: aws.String("m0"), Values: []float64{100, 200}}, {Id: aws.String("m1"), Values: []float64{900}}}}, nil
		}
		if aws.ToString(in.NextToken) != "p2" {
			t.Errorf("second page without the token")
		}
		return &cloudwatch.GetMetricDataOutput{MetricDataResults: []cwtypes.MetricDataResult{{Id: aws.String("m0"), Values: []float64{300}}}}, nil
	}
	end := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	got, err := CloudWatchLag(context.Background(), f.CloudWatch("us-west-2"), "hyundai-poc-usw2", end.Add(-time.Hour), end, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if got["AuroraGlobalDBReplicationLag"].Max != 300 || got["AuroraGlobalDBReplicationLag"].Count != 3 || got["AuroraGlobalDBRPOLag"].P50 != 900 {
		t.Fatalf("summary %+v", got)
	}
	in := f.Calls()[0].Input.(*cloudwatch.GetMetricDataInput)
	if len(in.MetricDataQueries) != 2 {
		t.Fatalf("queries %+v", in.MetricDataQueries)
	}
	q := in.MetricDataQueries[0].MetricStat
	if aws.ToString(q.Metric.Namespace) != "AWS/RDS" || aws.ToString(q.Metric.MetricName) != "AuroraGlobalDBReplicationLag" ||
		aws.ToString(q.Metric.Dimensions[0].Value) != "hyundai-poc-usw2" || aws.ToInt32(q.Period) != 60 || !in.StartTime.Equal(end.Add(-time.Hour)) {
		t.Fatalf("query %+v", q)
	}
	if f.Calls()[0].Region != "us-west-2" || len(f.Calls()) != 2 {
		t.Fatalf("calls %v", f.Ops())
	}
}
