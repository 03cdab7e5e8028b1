package api_test

import (
	"encoding/json"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"

	"hyundai-poc.com/backend/backendtest"
	"hyundai-poc.com/dbserver"
)

// records are the JSON log records with the given message.
func records(t *testing.T, logs *backendtest.LogBuffer, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(logs.String()) {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if e["msg"] == msg {
			out = append(out, e)
		}
	}
	return out
}

// A 5xx is logged once, with its cause and request id, and nothing of
// what the visitor sent.
func TestServerErrorsAreLoggedOnceWithCause(t *testing.T) {
	t.Parallel()
	// Nothing listens on the port: every database call fails.
	port, err := dbserver.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	logs := &backendtest.LogBuffer{}
	s := backendtest.NewServer(t, backendtest.InProcessOptions{
		WriterAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), DBName: "marketing", Password: "unused",
		Log: slog.New(slog.NewJSONHandler(logs, nil)),
	})

	a := do(t, "GET", s.URL+"/api/vehicles", "", "", map[string]string{"X-Request-Id": "req-read"})
	if a.status != 503 || errCode(a) != "unavailable" {
		t.Fatalf("read: %d %s", a.status, a.raw)
	}
	b := do(t, "POST", s.URL+"/api/leads", "application/json", goodLead, map[string]string{"X-Request-Id": "req-write"})
	if b.status != 503 || errCode(b) != "unavailable" {
		t.Fatalf("write: %d %s", b.status, b.raw)
	}

	failed := records(t, logs, "request failed")
	if len(failed) != 2 {
		t.Fatalf("%d failure records for 2 failed requests:\n%s", len(failed), logs)
	}
	for i, id := range []string{"req-read", "req-write"} {
		e := failed[i]
		cause, _ := e["error"].(string)
		if e["request_id"] != id || e["status"] != float64(503) || !strings.Contains(cause, "connection refused") {
			t.Errorf("failure record %d lacks request id, status or cause: %v", i, e)
		}
	}
	for _, secret := range []string{"Kim Minji", "minji@example.com", "+821012345678", "Weekend please"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds personal data %q", secret)
		}
	}
}
