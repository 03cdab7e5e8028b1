package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"hyundai-poc.com/lab/topology"
)

// Lab is what the control API drives.
type Lab interface {
	Database() *topology.GlobalDatabase
	StopBackend(ctx context.Context, region string) (topology.Result, error)
	StartBackend(ctx context.Context, region string) (topology.Result, error)
	StopQueue(ctx context.Context, region string) (topology.Result, error)
	StartQueue(ctx context.Context, region string) (topology.Result, error)
	Status(ctx context.Context) Status
	// SaveState records the processes now running in the state file.
	SaveState() error
	// OperatorToken is the bearer token for health-check writes.
	OperatorToken() string
	Close()
}

// Serve answers the control API on the unix socket sock until the returned
// server is closed.
func Serve(sock string, l Lab) (*http.Server, error) {
	_ = os.Remove(sock)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	db := l.Database()
	mux := http.NewServeMux()
	op := func(path string, f func(ctx context.Context, req Request) (topology.Result, error)) {
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
	// A writer move runs to its end even if the client goes away: under
	// AWS timing it takes minutes, and one stopped halfway would leave the
	// writer fenced, or no writer at all.
	op("/v1/switchover", func(ctx context.Context, req Request) (topology.Result, error) {
		return db.Switchover(context.WithoutCancel(ctx), req.Region)
	})
	op("/v1/failover", func(ctx context.Context, req Request) (topology.Result, error) {
		res, err := db.Failover(context.WithoutCancel(ctx), req.Region)
		_ = l.SaveState()
		return res, err
	})
	op("/v1/rejoin", func(ctx context.Context, req Request) (topology.Result, error) {
		res, err := db.Rejoin(ctx, req.Region)
		_ = l.SaveState()
		return res, err
	})
	op("/v1/isolate", func(ctx context.Context, req Request) (topology.Result, error) { return db.Isolate(req.Region, true) })
	op("/v1/heal", func(ctx context.Context, req Request) (topology.Result, error) { return db.Isolate(req.Region, false) })
	op("/v1/reader/stop", func(ctx context.Context, req Request) (topology.Result, error) {
		return db.SetReaderStopped(req.Region, true)
	})
	op("/v1/reader/start", func(ctx context.Context, req Request) (topology.Result, error) {
		return db.SetReaderStopped(req.Region, false)
	})
	op("/v1/backend/stop", func(ctx context.Context, req Request) (topology.Result, error) { return l.StopBackend(ctx, req.Region) })
	op("/v1/backend/start", func(ctx context.Context, req Request) (topology.Result, error) {
		return l.StartBackend(ctx, req.Region)
	})
	op("/v1/queue/stop", func(ctx context.Context, req Request) (topology.Result, error) { return l.StopQueue(ctx, req.Region) })
	op("/v1/queue/start", func(ctx context.Context, req Request) (topology.Result, error) { return l.StartQueue(ctx, req.Region) })
	mux.HandleFunc("POST /v1/count-keys", func(w http.ResponseWriter, r *http.Request) {
		var req Request
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<20)).Decode(&req); err != nil {
			writeJSON(w, 400, map[string]string{"error": "bad request: " + err.Error()})
			return
		}
		counts, err := db.CountKeys(r.Context(), req.Table, req.Keys)
		if err != nil {
			writeJSON(w, 409, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, 200, counts)
	})
	mux.HandleFunc("POST /v1/leads-by-key", func(w http.ResponseWriter, r *http.Request) {
		var req Request
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<20)).Decode(&req); err != nil {
			writeJSON(w, 400, map[string]string{"error": "bad request: " + err.Error()})
			return
		}
		leads, err := db.LeadsByKey(r.Context(), req.Keys)
		if err != nil {
			writeJSON(w, 409, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, 200, leads)
	})
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, l.Status(r.Context())) })
	// The operator token, for drills: only this socket, which only the
	// lab's owner can open, hands it out.
	mux.HandleFunc("POST /v1/operator-token", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, OperatorToken{Token: l.OperatorToken()})
	})
	mux.HandleFunc("POST /v1/down", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, topology.Result{Op: "down", Message: "stopping"})
		go l.Close()
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv, nil
}

// OperatorToken is what /v1/operator-token answers: the bearer token the
// lab's backends take for health-check writes.
type OperatorToken struct {
	Token string `json:"token"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
