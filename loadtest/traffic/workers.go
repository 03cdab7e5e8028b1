package traffic

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Workers is closed-loop traffic, as people at a site make it: in every
// region, Writers each send a write, wait for its answer, pause and send
// the next; Readers do the same with reads. Every other read asks for a
// lead this region's writers had acknowledged (with its consistency token
// when the answer carried one), the rest read ReadPath.
type Workers struct {
	Writers, Readers int
	// Pause is each worker's wait between an answer and its next attempt.
	Pause time.Duration
	// LeadPath is the path of one lead, before its id ("/api/leads/");
	// empty: reads all go to ReadPath.
	LeadPath string
}

// RunWorkers sends w's traffic until ctx ends, then waits for attempts in
// flight.
func RunWorkers(ctx context.Context, cfg Config, w Workers, rec *Recorder) {
	cfg = cfg.withDefaults()
	hc := &http.Client{Transport: transport(cfg)}
	defer hc.CloseIdleConnections()
	var seq struct {
		sync.Mutex
		n int
	}
	nextKey := func(region string) string {
		seq.Lock()
		defer seq.Unlock()
		seq.n++
		return fmt.Sprintf("%s-%s-%d", cfg.KeyPrefix, region, seq.n)
	}
	var wg sync.WaitGroup
	for _, c := range cfg.Clients {
		acked := &recent{}
		loop := func(attempt func()) {
			defer wg.Done()
			for ctx.Err() == nil {
				attempt()
				select {
				case <-ctx.Done():
				case <-time.After(w.Pause):
				}
			}
		}
		for range w.Writers {
			wg.Add(1)
			go loop(func() {
				s := Do(hc, cfg, Write, c, nextKey(c.Region), nil)
				rec.Add(s)
				if s.OK() && s.ID != "" {
					acked.add(s.ID, s.Token)
				}
			})
		}
		for i := range w.Readers {
			wg.Add(1)
			n := i
			go loop(func() {
				n++
				id, token, ok := acked.pick()
				if w.LeadPath == "" || n%2 == 0 || !ok {
					rec.Add(Do(hc, cfg, Read, c, "", nil))
					return
				}
				var extra map[string]string
				if token != "" {
					extra = map[string]string{"X-Consistency-Token": token}
				}
				rec.Add(DoPath(hc, cfg, Read, w.LeadPath+id, c, "", extra))
			})
		}
	}
	wg.Wait()
}

// recent keeps the last acknowledged writes of one region for its readers.
type recent struct {
	mu   sync.Mutex
	ids  []string
	toks []string
}

func (r *recent) add(id, token string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids, r.toks = append(r.ids, id), append(r.toks, token)
	if len(r.ids) > 64 {
		r.ids, r.toks = r.ids[1:], r.toks[1:]
	}
}

func (r *recent) pick() (string, string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.ids) == 0 {
		return "", "", false
	}
	i := rand.IntN(len(r.ids))
	return r.ids[i], r.toks[i], true
}
