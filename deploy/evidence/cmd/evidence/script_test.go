package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"hyundai-poc.com/evidence/record"
)

// TestLatencyScriptPrintsAMatrix runs scripts/test-latency.sh against a
// stand-in edge (any server that answers /_edge/route and the pinned
// paths) and against plain URLs, as it runs against AWS.
func TestLatencyScriptPrintsAMatrix(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("X-Client-Location")+" "+r.URL.Path)
		w.Write([]byte("{}"))
	}))
	defer srv.Close()
	wd, _ := os.Getwd()
	root, _ := record.RepoRoot(wd)
	script := filepath.Join(root, "scripts", "test-latency.sh")
	out, err := exec.Command(script, "-n", "2", "--edge", srv.URL).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	rows := 0
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) == 10 && f[1] == "->" && f[9] == "0" {
			rows++
		}
	}
	if rows != 9 || !strings.Contains(string(out), "configured in deploy/lab/rtt.json") {
		t.Fatalf("want a 3x3 matrix with no failures:\n%s", out)
	}
	if !strings.Contains(strings.Join(seen, ","), "KR /_region/ap-northeast-2/api/vehicles") {
		t.Fatalf("requests %v", seen)
	}
	out, err = exec.Command(script, "-n", "2", srv.URL, srv.URL+"/").CombinedOutput()
	if err != nil || strings.Count(string(out), "here -> ") != 2 {
		t.Fatalf("URLs: %v\n%s", err, out)
	}
	srv.Close()
	if out, err := exec.Command(script, "--edge", srv.URL).CombinedOutput(); err == nil || !strings.Contains(string(out), "no lab answers") {
		t.Fatalf("no lab: %v\n%s", err, out)
	}
}
