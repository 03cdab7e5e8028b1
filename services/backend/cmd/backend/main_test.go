package main_test

import (
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"hyundai-poc.com/backend/backendtest"
	"hyundai-poc.com/dbserver/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestBadConfigurationExitsWithOneLinePerVariable(t *testing.T) {
	t.Parallel()
	bin := backendtest.Binary(t)
	cmd := exec.Command(bin)
	cmd.Env = []string{"PORT=70000", "DB_RESOLVER=nonsense", "MONITOR_INTERVAL=soon"}
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 2 {
		t.Fatalf("exit: %v\n%s", err, out)
	}
	for _, want := range []string{"REGION: is required", "PORT:", "DB_RESOLVER:", "MONITOR_INTERVAL:"} {
		if !strings.Contains(string(out), "\n"+want) {
			t.Errorf("output lacks a line starting %q:\n%s", want, out)
		}
	}
}

// The real binary: serves, keeps personal data and secrets out of its
// logs, and shuts down cleanly on SIGTERM.
func TestBinaryServesAndLogsNoPersonalData(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a database server")
	}
	p, _ := backendtest.WithDatabase(t, "ap-northeast-2", nil)
	body := `{"type":"test_drive","name":"Secret Person","email":"secret.person@example.com","phone":"+821099998888","vehicle_id":"ioniq-9","consent":true}`
	resp, err := http.Post(p.URL+"/api/leads", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || resp.Header.Get("X-Region") != "ap-northeast-2" {
		t.Fatalf("create: %d %s", resp.StatusCode, raw)
	}
	id := strings.TrimPrefix(resp.Header.Get("Location"), "/api/leads/")
	resp, err = http.Get(p.URL + "/api/leads/" + id)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	p.Stop()
	logs := p.Logs()
	for _, secret := range []string{"Secret Person", "secret.person@example.com", "+821099998888", id, "DB_PASSWORD="} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
	if !strings.Contains(logs, `"route":"/api/leads/{id}"`) || !strings.Contains(logs, `"msg":"shutting down"`) {
		t.Errorf("logs lack the request line or the shutdown:\n%s", logs)
	}
	if !p.ExitedCleanly() {
		t.Errorf("backend did not exit 0 on SIGTERM:\n%s", logs)
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	bin := backendtest.Binary(t)
	out, err := exec.Command(bin, "migrate", "sideways").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.HasPrefix(string(out), "usage: backend") {
		t.Fatalf("bad arguments: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, "--help").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "migrate up") {
		t.Fatalf("--help: %v\n%s", err, out)
	}
}
