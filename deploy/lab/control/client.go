package control

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"hyundai-poc.com/lab/supervise"
)

// Client drives a running lab through its control socket.
type Client struct {
	State supervise.State
	http  *http.Client
}

// ErrNoLab says no lab runs with that directory.
var ErrNoLab = errors.New("no lab is running (start one with `make lab`)")

// Dial finds the lab whose directory is dir.
func Dial(dir string) (*Client, error) {
	st, err := supervise.ReadState(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, ErrNoLab
		}
		return nil, err
	}
	if !supervise.Alive(st.Pid) {
		return nil, fmt.Errorf("%w: the lab in %s (pid %d) died; `make lab-down` cleans up", ErrNoLab, dir, st.Pid)
	}
	if !st.Ready {
		return nil, fmt.Errorf("the lab in %s (pid %d) is still starting", dir, st.Pid)
	}
	return newClient(st, 0), nil
}

// newClient talks to the control socket st names; timeout 0 waits as long
// as an operation takes (a rejoin copies a whole binlog).
func newClient(st supervise.State, timeout time.Duration) *Client {
	return &Client{State: st, http: &http.Client{Timeout: timeout, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", st.Control)
		}}}}
}

// Do runs a control operation (path such as "/v1/switchover").
func (c *Client) Do(ctx context.Context, path string, req Request, out any) error {
	b, _ := json.Marshal(req)
	method := "POST"
	var body io.Reader = bytes.NewReader(b)
	if path == "/v1/status" {
		method, body = "GET", nil
	}
	hr, err := http.NewRequestWithContext(ctx, method, "http://lab"+path, body)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		return fmt.Errorf("lab control: %w", err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(rb, &e) == nil && e.Error != "" {
			return errors.New(e.Error)
		}
		return fmt.Errorf("lab control: %s", resp.Status)
	}
	if out != nil {
		return json.Unmarshal(rb, out)
	}
	return nil
}

// Down stops the lab in dir: through its control socket when it answers,
// else by signalling its process; then kills any child left and removes
// the directory.
func Down(ctx context.Context, dir string, logf func(string, ...any)) error {
	st, err := supervise.ReadState(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			logf("no lab state in %s: nothing to stop", dir)
			_ = os.RemoveAll(dir)
			return nil
		}
		return err
	}
	if supervise.Alive(st.Pid) {
		if err := newClient(st, 3*time.Second).Do(ctx, "/v1/down", Request{}, nil); err != nil {
			logf("control socket did not answer (%v); sending SIGTERM to pid %d", err, st.Pid)
			_ = syscall.Kill(st.Pid, syscall.SIGTERM)
		}
		deadline := time.Now().Add(30 * time.Second)
		for supervise.Alive(st.Pid) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if supervise.Alive(st.Pid) {
			logf("lab pid %d still running after 30s; killing it", st.Pid)
			_ = syscall.Kill(st.Pid, syscall.SIGKILL)
		}
	}
	supervise.Reap(st)
	logf("lab stopped, %s removed", dir)
	return nil
}
