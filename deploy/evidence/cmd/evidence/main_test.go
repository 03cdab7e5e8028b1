package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"hyundai-poc.com/evidence/awsapi"
	"hyundai-poc.com/evidence/cost"
	"hyundai-poc.com/evidence/fakeaws"
	"hyundai-poc.com/evidence/record"
	"hyundai-poc.com/evidence/results"
	"hyundai-poc.com/evidence/tfout"
)

func noAWS(context.Context) (awsapi.Clients, error) {
	return nil, errors.New("test: AWS must not be reached")
}

func outputsFile(t *testing.T, urls map[string]string) string {
	t.Helper()
	regions := map[string]any{}
	for r, u := range urls {
		regions[r] = map[string]any{"cluster_name": "c-" + r, "services": []string{"hyundai-poc-" + r + "-backend", "hyundai-poc-" + r + "-frontend"}, "url": u}
	}
	out := map[string]any{
		"regions":                   map[string]any{"value": regions},
		"global_cluster_identifier": map[string]any{"value": "hyundai-poc"},
		"apex_url":                  map[string]any{"value": "https://hyundai-poc.com"},
		"cloudfront_url":            map[string]any{"value": "https://cdn.hyundai-poc.com"},
		"name_servers":              map[string]any{"value": []string{"ns-1.example."}},
		"database_secret_arns":      map[string]any{"value": map[string]string{"us-east-1": drillSecretARN("us-east-1"), "us-west-2": drillSecretARN("us-west-2")}},
	}
	b, _ := json.Marshal(out)
	p := filepath.Join(t.TempDir(), "outputs.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func runCmd(t *testing.T, dp deps, args ...string) (string, error) {
	t.Helper()
	var out, errw bytes.Buffer
	if dp.now == nil {
		dp.now = time.Now
	}
	if dp.loadOutputs == nil {
		dp.loadOutputs = tfout.Load
	}
	if dp.loadAWS == nil {
		dp.loadAWS = noAWS
	}
	err := run(context.Background(), args, &out, &errw, dp)
	return out.String() + errw.String(), err
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, c := range commands {
		out, err := runCmd(t, deps{}, c.name, "--help")
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(out, "usage: evidence "+c.name) || !strings.Contains(out, "-target") {
			t.Errorf("%s --help: err %v\n%s", c.name, err, out)
		}
	}
	out, err := runCmd(t, deps{}, "--help")
	if err != nil || !strings.Contains(out, "task-replacement") {
		t.Fatalf("top-level help: %v\n%s", err, out)
	}
	if _, err := runCmd(t, deps{}, "bogus"); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Fatalf("unknown command: %v", err)
	}
	if _, err := runCmd(t, deps{}, "latency", "--target", "gcp"); err == nil || !strings.Contains(err.Error(), "lab or aws") {
		t.Fatalf("bad target: %v", err)
	}
}

// TestRefusesPolitelyWithoutCredentials runs each AWS command with the
// real credential chain and an empty environment: each must stop with the
// one message that says what to set, before any AWS call.
func TestRefusesPolitelyWithoutCredentials(t *testing.T) {
	home := t.TempDir()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"} {
		t.Setenv(k, "")
	}
	t.Setenv("HOME", home)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_REGION", "us-east-1")
	outputs := outputsFile(t, map[string]string{"us-east-1": "https://us-east-1.example"})
	out := t.TempDir()
	cases := [][]string{
		{"latency", "--target", "aws"},
		{"lag", "--target", "aws"},
		{"query", "--target", "aws"},
		{"drill", "--target", "aws", "--yes", "--global-cluster", "hyundai-poc", "--to", "us-east-1"},
		{"task-replacement", "--target", "aws", "--yes"},
		{"cost", "--actual"},
		{"cost", "--refresh-prices", "--prices", pricesCopy(t)},
	}
	for _, args := range cases {
		args = append(args, "--outputs", outputs, "--out", out)
		_, err := runCmd(t, deps{loadAWS: awsapi.Load}, args...)
		if !errors.Is(err, awsapi.ErrNoCredentials) {
			t.Errorf("%v: got %v, want the no-credentials message", args, err)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(out, "*")); len(m) != 0 {
		t.Fatalf("refused commands wrote %v", m)
	}
	// The refused refresh left the price table as it was.
	if a, b := readFile(t, committedPrices), readFile(t, cases[len(cases)-1][3]); a != b {
		t.Fatal("a refused --refresh-prices changed the price table")
	}
}

var committedPrices = filepath.Join("..", "..", "cost", cost.PriceFileName)

// pricesCopy is a copy of the committed price table that a test may change.
func pricesCopy(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), cost.PriceFileName)
	if err := os.WriteFile(p, []byte(readFile(t, committedPrices)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRefusesWithoutOutputsOrLab(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no terraform
	_, err := runCmd(t, deps{}, "lag", "--target", "aws", "--tf-dir", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "terraform is not installed here") || !strings.Contains(err.Error(), "--outputs") {
		t.Fatalf("no outputs: %v", err)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	_, err = runCmd(t, deps{}, "latency", "--edge", "http://127.0.0.1:"+strconv.Itoa(port))
	if err == nil || !strings.Contains(err.Error(), "no lab answers") || !strings.Contains(err.Error(), "make lab") {
		t.Fatalf("no lab: %v", err)
	}
}

func TestDrillRefusesWithoutYesAndTheRightName(t *testing.T) {
	outputs := outputsFile(t, map[string]string{"us-east-1": "https://x", "us-west-2": "https://y"})
	f := &fakeaws.AWS{}
	dp := deps{loadAWS: func(context.Context) (awsapi.Clients, error) { return f, nil }}
	for _, args := range [][]string{
		{"drill", "--target", "aws", "--to", "us-west-2", "--global-cluster", "hyundai-poc"},
		{"drill", "--target", "aws", "--to", "us-west-2", "--yes"},
		{"drill", "--target", "aws", "--to", "us-west-2", "--yes", "--global-cluster", "someone-else"},
		{"drill", "--target", "aws", "--scenario", "reader-outage", "--to", "us-west-2", "--yes", "--global-cluster", "hyundai-poc"},
		{"task-replacement", "--target", "aws"},
	} {
		_, err := runCmd(t, dp, append(args, "--outputs", outputs, "--out", t.TempDir())...)
		if err == nil || !(strings.Contains(err.Error(), "refusing") || strings.Contains(err.Error(), "switchover or failover")) {
			t.Errorf("%v: %v", args, err)
		}
	}
	if len(f.Calls()) != 0 {
		t.Fatalf("refused drills called AWS: %v", f.Ops())
	}
}

// site is a region's public URL for the drill: it stores writes by key and
// answers replays as the backend does, and like the backend refuses a
// health-check write without the operators' token.
type site struct {
	mu    sync.Mutex
	keys  map[string]bool
	token string
}

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Method == http.MethodPost {
		if r.Header.Get("Authorization") != "Bearer "+s.token {
			http.Error(w, `{"error":{"code":"forbidden"}}`, http.StatusForbidden)
			return
		}
		k := r.Header.Get("Idempotency-Key")
		if s.keys[k] {
			w.Header().Set("Idempotent-Replayed", "true")
		}
		s.keys[k] = true
		w.WriteHeader(http.StatusCreated)
		return
	}
	w.Write([]byte("[]"))
}

// drillToken is the operators' token in the fake's database secret.
const drillToken = "operator-token-from-the-secret"

func drillSecretARN(region string) string {
	return "arn:aws:secretsmanager:" + region + ":1:secret:hyundai-poc/db-AbCdEf"
}

func TestAWSDrillAgainstTheFake(t *testing.T) {
	t.Setenv("HEALTH_CHECK_TOKEN", "")
	urls := map[string]string{}
	for _, r := range []string{"us-east-1", "us-west-2"} {
		srv := httptest.NewServer(&site{keys: map[string]bool{}, token: drillToken})
		t.Cleanup(srv.Close)
		urls[r] = srv.URL
	}
	outputs := outputsFile(t, urls)
	const east, west = "arn:aws:rds:us-east-1:1:cluster:e", "arn:aws:rds:us-west-2:1:cluster:w"
	var mu sync.Mutex
	writer := east
	f := &fakeaws.AWS{}
	f.GetSecretValue = func(region string, in *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error) {
		if aws.ToString(in.SecretId) != drillSecretARN(region) {
			return nil, errors.New("fake: no such secret " + aws.ToString(in.SecretId))
		}
		return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(`{"password":"pw","token_key":"k","health_check_token":"` + drillToken + `"}`)}, nil
	}
	f.DescribeGlobalClusters = func(string, *rds.DescribeGlobalClustersInput) (*rds.DescribeGlobalClustersOutput, error) {
		mu.Lock()
		defer mu.Unlock()
		return &rds.DescribeGlobalClustersOutput{GlobalClusters: []rdstypes.GlobalCluster{{GlobalClusterMembers: []rdstypes.GlobalClusterMember{
			{DBClusterArn: aws.String(east), IsWriter: aws.Bool(writer == east)}, {DBClusterArn: aws.String(west), IsWriter: aws.Bool(writer == west)}}}}}, nil
	}
	f.SwitchoverGlobalCluster = func(string, *rds.SwitchoverGlobalClusterInput) (*rds.SwitchoverGlobalClusterOutput, error) {
		mu.Lock()
		writer = west
		mu.Unlock()
		return &rds.SwitchoverGlobalClusterOutput{}, nil
	}
	out := t.TempDir()
	dp := deps{loadAWS: func(context.Context) (awsapi.Clients, error) { return f, nil }}
	log, err := runCmd(t, dp, "drill", "--target", "aws", "--to", "us-west-2", "--yes", "--global-cluster", "hyundai-poc",
		"--before", "300ms", "--after", "300ms", "--every", "50ms", "--poll", "50ms", "--outputs", outputs, "--out", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	path, err := record.Newest(out, "drill")
	if err != nil {
		t.Fatal(err)
	}
	res, err := record.Read[results.Drill](path)
	if err != nil {
		t.Fatal(err)
	}
	if res.Target != "aws" || res.Commit == "" || res.Settings["mode"] != "switchover" || res.Settings["to"] != "us-west-2" {
		t.Fatalf("meta %+v", res.Meta)
	}
	v := res.Result.Verification
	if res.Result.Operation == nil || res.Result.Operation.To != "us-west-2" || v.Acked == 0 || v.Lost != 0 || v.Present != v.Acked || len(res.Result.Timeline) == 0 {
		t.Fatalf("result %+v", res.Result)
	}
	if _, err := os.Stat(strings.TrimSuffix(path, ".json") + ".svg"); err != nil {
		t.Fatalf("no timeline picture: %v", err)
	}
	// The token is read first, from the region the writer moves to (the
	// old primary's may be down), and goes nowhere but the requests.
	want := []string{"secretsmanager.GetSecretValue@us-west-2", "rds.DescribeGlobalClusters@us-west-2", "rds.SwitchoverGlobalCluster@us-west-2", "rds.DescribeGlobalClusters@us-west-2"}
	if got := f.Ops(); len(got) < 4 || strings.Join(got[:4], " ") != strings.Join(want, " ") {
		t.Fatalf("calls %v", got)
	}
	if v.Unknown != 0 || res.Result.Regions["us-west-2"].WritesFailed != 0 {
		t.Fatalf("writes refused or unverified: %+v", res.Result)
	}
	if b, _ := os.ReadFile(path); strings.Contains(string(b), drillToken) || strings.Contains(log, drillToken) {
		t.Fatal("the operators' token is in the result file or the log")
	}
}

// TestAWSDrillNeedsTheOperatorToken: without a token to be had, the drill
// stops before it touches the database, rather than measure 403s.
func TestAWSDrillNeedsTheOperatorToken(t *testing.T) {
	t.Setenv("HEALTH_CHECK_TOKEN", "")
	srv := httptest.NewServer(&site{keys: map[string]bool{}, token: drillToken})
	t.Cleanup(srv.Close)
	outputs := outputsFile(t, map[string]string{"us-east-1": srv.URL, "us-west-2": srv.URL})
	f := &fakeaws.AWS{}
	f.GetSecretValue = func(string, *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error) {
		return nil, errors.New("fake: AccessDeniedException")
	}
	dp := deps{loadAWS: func(context.Context) (awsapi.Clients, error) { return f, nil }}
	log, err := runCmd(t, dp, "drill", "--target", "aws", "--to", "us-west-2", "--yes", "--global-cluster", "hyundai-poc",
		"--before", "100ms", "--after", "100ms", "--outputs", outputs, "--out", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "HEALTH_CHECK_TOKEN") {
		t.Fatalf("drill without a token: %v\n%s", err, log)
	}
	for _, op := range f.Ops() {
		if strings.HasPrefix(op, "rds.") {
			t.Fatalf("the drill called %s without a token for its writes", op)
		}
	}
}

func TestCostEstimateWritesAResult(t *testing.T) {
	out := t.TempDir()
	log, err := runCmd(t, deps{}, "cost", "--out", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	path, err := record.Newest(out, "cost")
	if err != nil {
		t.Fatal(err)
	}
	res, err := record.Read[results.Cost](path)
	if err != nil {
		t.Fatal(err)
	}
	if res.Target != "aws" || res.Result.Estimate.TotalUSD <= 0 || res.Result.Actual != nil || !strings.Contains(log, "billing alarm threshold") ||
		!strings.Contains(log, "MemoryDB write queue") || !strings.Contains(log, "until `bin/evidence cost --refresh-prices`") {
		t.Fatalf("%+v\n%s", res, log)
	}
}

func TestCostRefreshPricesAgainstTheFake(t *testing.T) {
	f := &fakeaws.AWS{GetProducts: fakeaws.PriceListFromFiles(filepath.Join("..", "..", "cost", "testdata", "getproducts"))}
	dp := deps{loadAWS: func(context.Context) (awsapi.Clients, error) { return f, nil }}
	prices, out := pricesCopy(t), t.TempDir()
	log, err := runCmd(t, dp, "cost", "--refresh-prices", "--prices", prices, "--out", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	p, err := cost.LoadPrices(prices)
	if err != nil {
		t.Fatal(err)
	}
	if r := p.Items["nat_gateway_hour"].Regions["ap-northeast-2"]; r == nil || r.Source != cost.PriceList || r.SKU == "" || len(r.Filters) != 2 {
		t.Fatalf("Seoul NAT gateway reading %+v\n%s", r, log)
	}
	path, err := record.Newest(out, "cost")
	if err != nil {
		t.Fatal(err)
	}
	res, err := record.Read[results.Cost](path)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Result.Estimate.FromPriceList || res.Settings["refresh_prices"] != true || strings.Contains(log, "until `bin/evidence cost --refresh-prices`") {
		t.Fatalf("%+v\n%s", res.Result.Estimate, log)
	}
	// The fake fails: the command says which prices were not read, keeps
	// the ones that were, and writes no estimate.
	f.GetProducts = func(string, *pricing.GetProductsInput) (*pricing.GetProductsOutput, error) {
		return nil, errors.New("throttled")
	}
	out2 := t.TempDir()
	if _, err := runCmd(t, dp, "cost", "--refresh-prices", "--prices", prices, "--out", out2); err == nil || !strings.Contains(err.Error(), "alb_hour in us-east-1") {
		t.Fatalf("failed refresh: %v", err)
	}
	if again, _ := cost.LoadPrices(prices); again.Items["alb_hour"].Regions["us-east-1"].SKU != p.Items["alb_hour"].Regions["us-east-1"].SKU {
		t.Fatal("a failed refresh lost the readings it had")
	}
	if m, _ := filepath.Glob(filepath.Join(out2, "*")); len(m) != 0 {
		t.Fatalf("a failed refresh wrote %v", m)
	}
}
