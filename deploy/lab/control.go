package lab

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
	"path/filepath"
	"time"
)

// The control API: HTTP on a unix socket in the lab's directory, so only
// this machine's users with access to the directory can drive the lab.

// Request is the body of a control operation.
type Request struct {
	Region string   `json:"region,omitempty"`
	Table  string   `json:"table,omitempty"`
	Keys   []string `json:"keys,omitempty"`
}

// Status is the lab's state as `lab status` prints it.
type Status struct {
	Writer   string         `json:"writer"`
	Nodes    []NodeStatus   `json:"nodes"`
	Regions  []RegionStatus `json:"regions"`
	Settings Settings       `json:"settings"`
	ReadyMs  int64          `json:"ready_ms"`
}

// RegionStatus is a region's processes and what its backend reports.
type RegionStatus struct {
	Region        string          `json:"region"`
	BackendPid    int             `json:"backend_pid"`
	BackendReady  bool            `json:"backend_ready"`
	FrontendReady bool            `json:"frontend_ready"`
	EdgeCut       bool            `json:"edge_cut"`
	WriterDNS     string          `json:"writer_dns"`
	LagMs         *float64        `json:"replication_lag_ms,omitempty"`
	ReadSource    string          `json:"read_source,omitempty"`
	WriterSeen    string          `json:"writer_region_seen,omitempty"`
	API           json.RawMessage `json:"api_region,omitempty"`
}

func (l *Lab) serveControl() error {
	sock := filepath.Join(l.cfg.Dir, "control.sock")
	_ = os.Remove(sock)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	mux := http.NewServeMux()
	op := func(path string, f func(ctx context.Context, req Request) (Result, error)) {
		mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) {
			var req Request
			if err := json.NewDecoder(io.LimitReader(r.Body, 4<<20)).Decode(&req); err != nil && !errors.Is(err, io.EOF) {
				writeJSON(w, 400, map[string]string{"error": "bad request: " + err.Error()})
				return
			}
			res, err := f(r.Context(), req)
			if err != nil {
				writeJSON(w, 409, map[string]string{"error": err.Error()})
				return
			}
			writeJSON(w, 200, res)
		})
	}
	op("/v1/switchover", func(ctx context.Context, req Request) (Result, error) { return l.Cluster.Switchover(ctx, req.Region) })
	op("/v1/failover", func(ctx context.Context, req Request) (Result, error) {
		res, err := l.Cluster.Failover(ctx, req.Region)
		_ = l.writeState()
		return res, err
	})
	op("/v1/rejoin", func(ctx context.Context, req Request) (Result, error) {
		res, err := l.Cluster.Rejoin(ctx, req.Region)
		_ = l.writeState()
		return res, err
	})
	op("/v1/isolate", func(ctx context.Context, req Request) (Result, error) { return l.Cluster.Isolate(req.Region, true) })
	op("/v1/heal", func(ctx context.Context, req Request) (Result, error) { return l.Cluster.Isolate(req.Region, false) })
	op("/v1/reader/stop", func(ctx context.Context, req Request) (Result, error) {
		return l.Cluster.SetReaderStopped(req.Region, true)
	})
	op("/v1/reader/start", func(ctx context.Context, req Request) (Result, error) {
		return l.Cluster.SetReaderStopped(req.Region, false)
	})
	op("/v1/backend/stop", l.stopBackend)
	op("/v1/backend/start", l.startBackend)
	mux.HandleFunc("POST /v1/count-keys", func(w http.ResponseWriter, r *http.Request) {
		var req Request
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<20)).Decode(&req); err != nil {
			writeJSON(w, 400, map[string]string{"error": "bad request: " + err.Error()})
			return
		}
		counts, err := l.Cluster.CountKeys(r.Context(), req.Table, req.Keys)
		if err != nil {
			writeJSON(w, 409, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, 200, counts)
	})
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, l.Status(r.Context())) })
	mux.HandleFunc("POST /v1/down", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, Result{Op: "down", Message: "stopping"})
		go l.Close()
	})
	l.control = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = l.control.Serve(ln) }()
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (l *Lab) stopBackend(ctx context.Context, req Request) (Result, error) {
	p, ok := l.backends[req.Region]
	if !ok {
		return Result{}, l.Layout.Valid(req.Region)
	}
	if !p.Alive() {
		return Result{}, fmt.Errorf("backend %s is not running", req.Region)
	}
	start := time.Now()
	p.stop(5 * time.Second)
	_ = l.writeState()
	return Result{Op: "stop-backend", Message: "backend " + req.Region + " stopped (its task is gone)", Took: time.Since(start)}, nil
}

func (l *Lab) startBackend(ctx context.Context, req Request) (Result, error) {
	p, ok := l.backends[req.Region]
	if !ok {
		return Result{}, l.Layout.Valid(req.Region)
	}
	start := time.Now()
	if err := p.start(ctx); err != nil {
		return Result{}, err
	}
	_ = l.writeState()
	if err := p.waitReady(ctx, 60*time.Second); err != nil {
		return Result{}, err
	}
	return Result{Op: "start-backend", Message: "backend " + req.Region + " started and ready", Took: time.Since(start)}, nil
}

// Status gathers the lab's state.
func (l *Lab) Status(ctx context.Context) Status {
	st := Status{Writer: l.Cluster.Writer(), Nodes: l.Cluster.Status(ctx), Settings: l.Settings(), ReadyMs: l.ReadyIn.Milliseconds()}
	client := &http.Client{Timeout: 2 * time.Second}
	for _, r := range l.Layout.Regions {
		rs := RegionStatus{Region: r, EdgeCut: l.Edge != nil && l.Edge.Down(r), WriterDNS: l.Cluster.WriterRecord(r)}
		if p := l.backends[r]; p != nil {
			rs.BackendPid = p.Pid()
		}
		rs.BackendReady = get(ctx, client, "http://"+l.Layout.BackendAddr(r)+"/readyz") == 200
		rs.FrontendReady = get(ctx, client, "http://"+l.Layout.FrontendAddr(r)+"/healthz") == 200 ||
			get(ctx, client, "http://"+l.Layout.FrontendAddr(r)+"/readyz") == 200
		if req, err := http.NewRequestWithContext(ctx, "GET", "http://"+l.Layout.BackendAddr(r)+"/api/region", nil); err == nil {
			if resp, err := client.Do(req); err == nil {
				b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
				resp.Body.Close()
				var ar struct {
					Lag          *float64 `json:"replication_lag_ms"`
					ReadSource   string   `json:"read_source"`
					WriterRegion string   `json:"writer_region"`
				}
				if json.Unmarshal(b, &ar) == nil {
					rs.LagMs, rs.ReadSource, rs.WriterSeen = ar.Lag, ar.ReadSource, ar.WriterRegion
					rs.API = b
				}
			}
		}
		st.Regions = append(st.Regions, rs)
	}
	return st
}

func get(ctx context.Context, c *http.Client, url string) int {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return 0
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Client drives a running lab through its control socket.
type Client struct {
	State State
	http  *http.Client
}

// ErrNoLab says no lab runs with that directory.
var ErrNoLab = errors.New("no lab is running (start one with `make lab`)")

// Dial finds the lab whose directory is dir.
func Dial(dir string) (*Client, error) {
	st, err := ReadState(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, ErrNoLab
		}
		return nil, err
	}
	if !alive(st.Pid) {
		return nil, fmt.Errorf("%w: the lab in %s (pid %d) died; `make lab-down` cleans up", ErrNoLab, dir, st.Pid)
	}
	if !st.Ready {
		return nil, fmt.Errorf("the lab in %s (pid %d) is still starting", dir, st.Pid)
	}
	c := &Client{State: st, http: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", st.Control)
		}}}}
	return c, nil
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
	st, err := ReadState(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			logf("no lab state in %s: nothing to stop", dir)
			_ = os.RemoveAll(dir)
			return nil
		}
		return err
	}
	if alive(st.Pid) {
		c := &Client{State: st, http: &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", st.Control)
			}}}}
		if err := c.Do(ctx, "/v1/down", Request{}, nil); err != nil {
			logf("control socket did not answer (%v); sending SIGTERM to pid %d", err, st.Pid)
			_ = syscallKill(st.Pid, false)
		}
		deadline := time.Now().Add(30 * time.Second)
		for alive(st.Pid) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if alive(st.Pid) {
			logf("lab pid %d still running after 30s; killing it", st.Pid)
			_ = syscallKill(st.Pid, true)
		}
	}
	Reap(st)
	logf("lab stopped, %s removed", dir)
	return nil
}

// DialOrStart finds the lab in cfg.Dir, or starts one in this process when
// none runs. stop ends a lab it started and does nothing otherwise.
func DialOrStart(ctx context.Context, cfg Config) (c *Client, stop func(), err error) {
	if cfg.Dir == "" {
		cfg.Dir = DefaultDir()
	}
	c, err = Dial(cfg.Dir)
	if err == nil {
		return c, func() {}, nil
	}
	if !errors.Is(err, ErrNoLab) {
		return nil, nil, err
	}
	if cfg.Progress != nil {
		fmt.Fprintln(cfg.Progress, "no lab running; starting one (stopped again at the end)")
	}
	l, err := Start(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	if c, err = Dial(cfg.Dir); err != nil {
		l.Close()
		return nil, nil, err
	}
	return c, l.Close, nil
}
