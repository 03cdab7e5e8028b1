package main_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"hyundai-poc.com/backend/backendtest"
	"hyundai-poc.com/loadtest/timing"
)

func probeRun(t *testing.T, env []string, args ...string) (timing.Report, string, int) {
	t.Helper()
	cmd := exec.Command(backendtest.Binary(t), append([]string{"probe"}, args...)...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	rep, _ := timing.ParseLine(stdout.String())
	return rep, stderr.String(), code
}

func TestProbeTimesURLsFromItsRegion(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("[]")) }))
	defer srv.Close()
	rep, errOut, code := probeRun(t, []string{"REGION=ap-northeast-2"}, "-n", "3", srv.URL+"/api/vehicles", srv.URL+"/missing")
	if code != 0 || rep.From != "ap-northeast-2" || len(rep.Results) != 2 || rep.Results[0].Requests != 3 || rep.Results[0].Failed != 0 {
		t.Fatalf("code %d report %+v\n%s", code, rep, errOut)
	}
	for _, args := range [][]string{{}, {"-n", "0", "http://x"}, {"--query", "3", "http://x"}} {
		if _, errOut, code := probeRun(t, nil, args...); code != 2 || !strings.Contains(errOut, "usage: backend probe") {
			t.Errorf("%v: code %d, %s", args, code, errOut)
		}
	}
}

func TestProbeTimesReaderQueries(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a database server")
	}
	p, dsn := backendtest.WithDatabase(t, "us-west-2", nil)
	p.Stop()
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"REGION=us-west-2", "DB_WRITER_HOST=" + c.Addr, "DB_READER_HOST=" + c.Addr, "DB_NAME=" + c.DBName, "DB_USER=" + c.User, "DB_PASSWORD=" + c.Passwd}
	rep, errOut, code := probeRun(t, env, "--query", "20")
	if code != 0 || rep.From != "us-west-2" || len(rep.Queries) != 1 {
		t.Fatalf("code %d report %+v\n%s", code, rep, errOut)
	}
	q := rep.Queries[0]
	if q.Pool != "reader" || q.Count != 20 || q.Failed != 0 || q.P50ms <= 0 || q.MeanMs <= 0 {
		t.Fatalf("query %+v", q)
	}
	if strings.Contains(errOut+rep.Line(), c.Passwd) {
		t.Fatal("the password leaked into the probe's output")
	}
}
