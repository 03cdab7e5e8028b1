package datapath

import (
	"context"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"hyundai-poc.com/contract"
)

// tokenPoll is how often the reader's heartbeat table is read while token
// reads are waiting.
const tokenPoll = 10 * time.Millisecond

// heartbeatView is the local reader's heartbeat table as last read. One
// watcher reads it for every waiting token read, so a thousand waiting
// reads cost one query per poll, not a thousand.
type heartbeatView struct {
	mu      sync.Mutex
	seqs    map[string]int64
	started uint64        // queries begun
	landed  uint64        // the query behind seqs (or err)
	err     error         // the last query's error, if it failed
	next    chan struct{} // closed when a query lands
	waiters int
	kick    chan struct{}
}

func newHeartbeatView() *heartbeatView {
	return &heartbeatView{next: make(chan struct{}), kick: make(chan struct{}, 1)}
}

// join registers a waiter and returns the number of the last query begun:
// only a query numbered higher began after the waiter asked.
func (v *heartbeatView) join() uint64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.waiters++
	select {
	case v.kick <- struct{}{}:
	default:
	}
	return v.started
}

func (v *heartbeatView) leave() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.waiters--
}

func (v *heartbeatView) busy() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.waiters > 0
}

func (v *heartbeatView) begin() uint64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.started++
	return v.started
}

func (v *heartbeatView) land(n uint64, seqs map[string]int64, err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err == nil {
		v.seqs = seqs
	}
	v.landed, v.err = n, err
	close(v.next)
	v.next = make(chan struct{})
}

// look returns what the view says about source: its sequence and whether
// the reader has a row for it at all, which query that came from, the last
// query's error, and a channel closed when the next query lands.
func (v *heartbeatView) look(source string) (seq int64, known bool, landed uint64, err error, next <-chan struct{}) {
	v.mu.Lock()
	defer v.mu.Unlock()
	seq, known = v.seqs[source]
	return seq, known, v.landed, v.err, v.next
}

// watchHeartbeats reads the reader's heartbeat table every tokenPoll while
// any token read waits, and not at all otherwise.
func (c *Databases) watchHeartbeats(ctx context.Context) {
	v := c.hbView
	for {
		select {
		case <-ctx.Done():
			return
		case <-v.kick:
		}
		for v.busy() {
			n := v.begin()
			seqs := map[string]int64{}
			err := c.readOn(ctx, contract.FromReader, func(ctx context.Context, db *sqlx.DB) error {
				rows, err := db.QueryContext(ctx, "SELECT source, seq FROM heartbeat")
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var src string
					var seq int64
					if err := rows.Scan(&src, &seq); err != nil {
						return err
					}
					seqs[src] = seq
				}
				return rows.Err()
			})
			v.land(n, seqs, err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(tokenPoll):
			}
		}
	}
}

// tokenOutcome is how a token wait ended.
type tokenOutcome int

const (
	readerHas     tokenOutcome = iota // the local reader has the token's write
	waitedOut                         // it did not get it within ConsistencyWait
	unknownSource                     // the reader has no heartbeat from the token's source
	readerFailed                      // reading the heartbeat failed
)

// waitForToken waits, at no cost of its own to the database, until the
// view shows tok's write on the reader. A source the reader has never
// heard of ends the wait at the first fresh look: it would only ever time
// out.
func (c *Databases) waitForToken(ctx context.Context, tok Token) (tokenOutcome, error) {
	v := c.hbView
	asked := v.join()
	defer v.leave()
	wait := time.NewTimer(c.opts.ConsistencyWait)
	defer wait.Stop()
	for {
		seq, known, landed, err, next := v.look(tok.Source)
		switch {
		case known && seq >= tok.Seq:
			return readerHas, nil
		case landed > asked && err != nil:
			return readerFailed, err
		case landed > asked && !known:
			return unknownSource, nil
		}
		select {
		case <-ctx.Done():
			return waitedOut, ctx.Err()
		case <-wait.C:
			return waitedOut, nil
		case <-next:
		}
	}
}
