// Package intake takes leads in without losing one: each lead goes to the
// region's durable queue (the journal) before the database, the database
// gets WRITE_HOLD to take it, and the answer is "created" when it did or
// "pending" when it did not. A drainer in every backend applies what the
// queue holds, exactly once by idempotency key, and drops a journal entry
// once another region's reader has the write, so an unplanned failover that
// loses the old writer's last commits loses no acknowledged lead.
package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"hyundai-poc.com/backend/internal/marketing"
	"hyundai-poc.com/backend/internal/queue"
)

// Status says how a lead was acknowledged.
type Status string

const (
	Created Status = "created" // on the writer
	Pending Status = "pending" // in the region's queue, applied when a writer takes it
)

// Result is an acknowledged lead.
type Result struct {
	Lead     marketing.Lead
	Status   Status
	Replayed bool   // the idempotency key had been used with the same request
	Token    string // consistency token, for Created only
}

// Writer stores leads on the writer, idempotent by key (store.Store):
// one for a request, many at once for the drainer.
type Writer interface {
	CreateLead(ctx context.Context, l marketing.Lead) (stored marketing.Lead, replayed bool, token string, err error)
	ApplyLeads(ctx context.Context, ls []marketing.Lead) ([]marketing.LeadWrite, error)
}

// Confirmer says which keys' leads a reader outside the writer's region
// has (store.Store). Without one, a lead leaves the queue once written.
type Confirmer interface {
	LeadsElsewhere(ctx context.Context, keys []string) (map[string]bool, error)
}

// Observer counts what intake does; telemetry implements it.
type Observer interface {
	Journaled(outcome string)      // "added", "existed", "failed"
	Acknowledged(s Status)         // every 201 and 202
	QueuedApplied(queued float64)  // seconds a pending lead waited until the drainer wrote it
	DrainWrite(leads int, ok bool) // one batch write of the drainer
}

type nopObserver struct{}

func (nopObserver) Journaled(string)      {}
func (nopObserver) Acknowledged(Status)   {}
func (nopObserver) QueuedApplied(float64) {}
func (nopObserver) DrainWrite(int, bool)  {}

// Options configure an Intake.
type Options struct {
	Queue     *queue.Queue // nil: no queue; leads go to the database alone
	Writer    Writer
	Confirmer Confirmer
	// Hold is how long a request waits for the writer before the lead is
	// answered as pending (WRITE_HOLD).
	Hold time.Duration
	// Reapply is how long after writing an entry the drainer trusts that
	// write; an entry still unconfirmed after that is written again (by
	// key), which restores it on a writer promoted after a failover.
	Reapply  time.Duration
	Log      *slog.Logger
	Observer Observer
}

// Intake is the lead write path of one backend.
type Intake struct {
	opts Options
	log  *slog.Logger
	obs  Observer

	mu      sync.Mutex
	written map[string]time.Time // entry id -> when this drainer wrote it
	state   QueueState
}

// New makes an Intake.
func New(opts Options) *Intake {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Observer == nil {
		opts.Observer = nopObserver{}
	}
	if opts.Hold <= 0 {
		opts.Hold = time.Second
	}
	if opts.Reapply <= 0 {
		opts.Reapply = 10 * time.Second
	}
	return &Intake{opts: opts, log: opts.Log, obs: opts.Observer, written: map[string]time.Time{}}
}

// journalEntry is a lead as the queue keeps it: the key and request hash
// travel with it, since the lead's JSON form leaves them out.
type journalEntry struct {
	Lead        marketing.Lead `json:"lead"`
	Key         string         `json:"key"`
	RequestHash string         `json:"request_hash"`
}

const kind = "lead"

// applyTimeout bounds one drain write: long enough for a batch to the
// farthest writer over a fresh connection, short enough that a round
// ends and the queue is read again while no writer answers. A writer that
// comes back wakes the write waiting inside it at once.
const applyTimeout = 3 * time.Second

func encode(l marketing.Lead) ([]byte, error) {
	return json.Marshal(journalEntry{Lead: l, Key: l.IdempotencyKey, RequestHash: l.RequestHash})
}

func decode(e queue.Entry) (marketing.Lead, error) {
	var j journalEntry
	if err := json.Unmarshal(e.Body, &j); err != nil {
		return marketing.Lead{}, fmt.Errorf("queue entry %s: %w", e.ID, err)
	}
	j.Lead.IdempotencyKey, j.Lead.RequestHash = j.Key, j.RequestHash
	return j.Lead, nil
}

func conflict() error {
	return &marketing.Error{Code: marketing.EConflict, Message: "this Idempotency-Key was already used with a different request"}
}

// Create acknowledges a validated lead (ID, key, hash and time set). It is
// journaled first; then the writer has Hold to take it. When the queue
// cannot take it, the writer is the only place left and gets the whole
// request instead; only when both refuse does Create fail.
func (in *Intake) Create(ctx context.Context, l marketing.Lead) (Result, error) {
	if in.opts.Queue == nil {
		return in.direct(ctx, l)
	}
	body, err := encode(l)
	if err != nil {
		return Result{}, err
	}
	entry, existed, err := in.opts.Queue.Add(ctx, queue.Entry{Key: l.IdempotencyKey, Ref: l.ID, Kind: kind, Body: body})
	if err != nil {
		in.obs.Journaled("failed")
		in.log.Warn("write queue refused a lead; writing it without a journal", "error", err.Error())
		return in.direct(ctx, l)
	}
	replay := false
	if existed {
		in.obs.Journaled("existed")
		first, err := decode(entry)
		if err != nil {
			return Result{}, err
		}
		if first.RequestHash != l.RequestHash {
			return Result{}, conflict()
		}
		// The same request again: it is the first lead, under its id.
		l, replay = first, true
	} else {
		in.obs.Journaled("added")
	}

	hctx, cancel := context.WithTimeout(ctx, in.opts.Hold)
	stored, replayed, token, err := in.opts.Writer.CreateLead(hctx, l)
	cancel()
	if err == nil {
		in.obs.Acknowledged(Created)
		return Result{Lead: stored, Status: Created, Replayed: replayed || replay, Token: token}, nil
	}
	var me *marketing.Error
	if errors.As(err, &me) && me.Code == marketing.EConflict {
		// Definitive: the key is taken by another request. The entry
		// could never apply.
		if rerr := in.opts.Queue.Remove(ctx, entry); rerr != nil {
			in.log.Warn("could not drop a refused lead from the queue", "error", rerr.Error())
		}
		return Result{}, err
	}
	// No writable writer within the hold (or the client left): the queue
	// has the lead, and the drainer will write it.
	in.obs.Acknowledged(Pending)
	return Result{Lead: l, Status: Pending, Replayed: replay}, nil
}

func (in *Intake) direct(ctx context.Context, l marketing.Lead) (Result, error) {
	stored, replayed, token, err := in.opts.Writer.CreateLead(ctx, l)
	if err != nil {
		return Result{}, err
	}
	in.obs.Acknowledged(Created)
	return Result{Lead: stored, Status: Created, Replayed: replayed, Token: token}, nil
}

// Pending returns the queued lead with this id, if the queue holds it.
func (in *Intake) Pending(ctx context.Context, id string) (marketing.Lead, bool, error) {
	if in.opts.Queue == nil {
		return marketing.Lead{}, false, nil
	}
	e, ok, err := in.opts.Queue.ByRef(ctx, id)
	if err != nil || !ok {
		return marketing.Lead{}, false, err
	}
	l, err := decode(e)
	return l, err == nil, err
}

// Stats is the queue's depth and oldest entry (zero without a queue).
func (in *Intake) Stats(ctx context.Context) (queue.Stats, error) {
	if in.opts.Queue == nil {
		return queue.Stats{}, nil
	}
	return in.opts.Queue.Stats(ctx)
}

// Drain runs the drainer until ctx ends (nothing to do without a queue).
func (in *Intake) Drain(ctx context.Context) error {
	if in.opts.Queue == nil {
		<-ctx.Done()
		return ctx.Err()
	}
	var confirm queue.ConfirmFunc
	if in.opts.Confirmer != nil {
		confirm = in.confirm
	}
	return in.opts.Queue.Run(ctx, confirm, in.apply)
}

func (in *Intake) confirm(ctx context.Context, es []queue.Entry) (map[string]bool, error) {
	keys := make([]string, 0, len(es))
	for _, e := range es {
		keys = append(keys, e.Key)
	}
	have, err := in.opts.Confirmer.LeadsElsewhere(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, e := range es {
		if have[e.Key] {
			out[e.ID] = true
			delete(in.written, e.ID)
		}
	}
	return out, nil
}

// apply writes a batch of entries' leads by key, in one write. A journal
// entry's lead is usually already on the writer (the key look-up finds
// it); a pending one is written now. Either way the entry stays until
// another region has the lead (ErrNotYet), unless there is no way to
// confirm that. Entries this drainer wrote less than Reapply ago are not
// written again: they wait for replication.
func (in *Intake) apply(ctx context.Context, es []queue.Entry) []error {
	errs := make([]error, len(es))
	var leads []marketing.Lead
	var idx []int
	in.mu.Lock()
	for id, t := range in.written {
		if time.Since(t) > 10*in.opts.Reapply {
			delete(in.written, id)
		}
	}
	for i, e := range es {
		if at, done := in.written[e.ID]; done && time.Since(at) < in.opts.Reapply {
			errs[i] = queue.ErrNotYet
			continue
		}
		l, err := decode(e)
		if err != nil {
			errs[i] = fmt.Errorf("%w: %v", queue.ErrReject, err)
			continue
		}
		leads, idx = append(leads, l), append(idx, i)
	}
	in.mu.Unlock()
	if len(leads) == 0 {
		return errs
	}
	// Bounded, so a round waiting for a writer ends and the queue is read
	// again; the queue backs off and a writer coming back wakes it.
	actx, cancel := context.WithTimeout(ctx, applyTimeout)
	res, err := in.opts.Writer.ApplyLeads(actx, leads)
	cancel()
	in.obs.DrainWrite(len(leads), err == nil)
	if err != nil {
		for _, i := range idx {
			errs[i] = err
		}
		return errs
	}
	now := time.Now()
	in.mu.Lock()
	defer in.mu.Unlock()
	for j, i := range idx {
		e := es[i]
		switch res[j] {
		case marketing.LeadConflict:
			errs[i] = fmt.Errorf("%w: %v", queue.ErrReject, conflict())
			continue
		case marketing.LeadInserted:
			in.obs.QueuedApplied(now.Sub(e.EnqueuedAt).Seconds())
		}
		if in.opts.Confirmer != nil {
			in.written[e.ID] = now
			errs[i] = queue.ErrNotYet
		}
	}
	if n := count(res, marketing.LeadInserted); n > 0 {
		in.log.Info("queued leads written", "leads", n, "batch", len(leads), "oldest_queued_ms", now.Sub(es[idx[0]].EnqueuedAt).Milliseconds())
	}
	return errs
}

func count(ws []marketing.LeadWrite, w marketing.LeadWrite) int {
	n := 0
	for _, x := range ws {
		if x == w {
			n++
		}
	}
	return n
}

// QueueState is the queue's last known state, for metrics, /api/region
// and the status page.
type QueueState struct {
	Configured bool          `json:"configured"`
	Up         bool          `json:"up"`
	Depth      int64         `json:"depth"`
	Oldest     time.Duration `json:"-"`
	OldestMS   int64         `json:"oldest_ms"`
	CheckedAt  time.Time     `json:"checked_at"`
	Error      string        `json:"error,omitempty"`
}

// Watch reads the queue's state every interval until ctx ends, and hands
// each reading to report (metrics).
func (in *Intake) Watch(ctx context.Context, interval time.Duration, report func(QueueState)) {
	for {
		st := QueueState{Configured: in.opts.Queue != nil, CheckedAt: time.Now().UTC()}
		if in.opts.Queue != nil {
			s, err := in.opts.Queue.Stats(ctx)
			if err != nil {
				st.Error = err.Error()
			} else {
				st.Up, st.Depth, st.Oldest, st.OldestMS = true, s.Depth, s.Oldest, s.Oldest.Milliseconds()
			}
		}
		in.mu.Lock()
		in.state = st
		in.mu.Unlock()
		if report != nil {
			report(st)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// State is the last reading of Watch.
// Whether a queue is configured is known before the first reading.
func (in *Intake) State() QueueState {
	in.mu.Lock()
	defer in.mu.Unlock()
	st := in.state
	st.Configured = in.opts.Queue != nil
	return st
}
