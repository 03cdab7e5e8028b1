package queue

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// ConfirmFunc returns the IDs of entries whose write is already safe.
type ConfirmFunc func(ctx context.Context, es []Entry) (map[string]bool, error)

// page is how many entries one stream read returns.
const page = 256

// Run drains the queue until ctx ends: it reads what this consumer holds
// and new entries, takes over entries another consumer left unacknowledged
// for ClaimIdle, and applies them oldest first, Batch at a time. An entry
// leaves the queue only when apply succeeds (or rejects it for good); a
// failed apply backs off and retries from the oldest entry again, so order
// is kept. Wake ends a back-off at once: a writer that became writable is
// used without waiting out the back-off.
//
// confirm, when set, is asked first which held entries are already safe
// (their write is on another region's reader); those are removed without
// an apply. Journaled writes normally leave the queue that way.
func (q *Queue) Run(ctx context.Context, confirm ConfirmFunc, apply ApplyFunc) error {
	backoff := q.opts.Poll / 4
	lastClaim := time.Time{}
	for ctx.Err() == nil {
		if err := q.ensureGroup(ctx); err != nil {
			q.sleep(ctx, backoff)
			backoff = min(backoff*2, q.opts.MaxBackoff)
			continue
		}
		if time.Since(lastClaim) >= q.opts.ClaimIdle/2 {
			_ = q.claim(ctx)
			lastClaim = time.Now()
		}
		entries, err := q.next(ctx)
		if err != nil {
			q.sleep(ctx, backoff)
			backoff = min(backoff*2, q.opts.MaxBackoff)
			continue
		}
		wait, failed := q.process(ctx, entries, confirm, apply)
		switch {
		case failed:
			// The next round starts from the oldest held entry again.
			q.cursor = ""
			q.sleep(ctx, backoff)
			backoff = min(backoff*2, q.opts.MaxBackoff)
		case wait > 0:
			backoff = q.opts.Poll / 4
			q.sleep(ctx, wait)
		default:
			backoff = q.opts.Poll / 4
		}
	}
	return ctx.Err()
}

func (q *Queue) ensureGroup(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, q.opts.Timeout)
	defer cancel()
	err := q.rdb.XGroupCreateMkStream(cctx, q.stream, q.group, "0").Err()
	if err != nil && !isBusyGroup(err) {
		return err
	}
	return nil
}

// claim takes over entries idle longer than ClaimIdle in other consumers:
// their backend stopped before acknowledging them.
func (q *Queue) claim(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, q.opts.Timeout)
	defer cancel()
	start := "0-0"
	for range 16 {
		_, next, err := q.rdb.XAutoClaimJustID(cctx, &redis.XAutoClaimArgs{
			Stream: q.stream, Group: q.group, Consumer: q.opts.Consumer,
			MinIdle: q.opts.ClaimIdle, Start: start, Count: page,
		}).Result()
		if err != nil {
			return err
		}
		if next == "0-0" {
			return nil
		}
		start = next
	}
	return nil
}

// next returns what this consumer holds, oldest first (up to MaxHeld
// entries), then new entries; it waits up to Poll for new ones only when it
// holds nothing. Held entries are paged through, so entries waiting for
// replication (ErrNotYet) never hide a newer one from the drainer.
func (q *Queue) next(ctx context.Context) ([]redis.XMessage, error) {
	var out []redis.XMessage
	// Held entries are read a page of MaxHeld at a time, from where the
	// last round stopped, so a long list of entries waiting to be confirmed
	// never hides those behind it.
	start := q.cursor
	if start == "" {
		start = "0"
	}
	for len(out) < q.opts.MaxHeld {
		cctx, cancel := context.WithTimeout(ctx, q.opts.Timeout)
		held, err := q.rdb.XReadGroup(cctx, &redis.XReadGroupArgs{
			Group: q.group, Consumer: q.opts.Consumer, Streams: []string{q.stream, start}, Count: page, Block: -1,
		}).Result()
		cancel()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, err
		}
		msgs := flatten(held)
		out = append(out, msgs...)
		if len(msgs) < page {
			start = ""
			break
		}
		start = msgs[len(msgs)-1].ID
	}
	q.cursor = start
	block := time.Duration(-1)
	if len(out) == 0 {
		block = q.opts.Poll
	}
	// New entries: at least a whole batch, so a backlog nobody has read
	// yet is written Batch at a time.
	cctx, cancel := context.WithTimeout(ctx, q.opts.Timeout+q.opts.Poll)
	defer cancel()
	fresh, err := q.rdb.XReadGroup(cctx, &redis.XReadGroupArgs{
		Group: q.group, Consumer: q.opts.Consumer, Streams: []string{q.stream, ">"}, Count: int64(max(page, q.opts.Batch)), Block: block,
	}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return out, nil
	}
	return append(out, flatten(fresh)...), nil
}

func flatten(streams []redis.XStream) []redis.XMessage {
	var out []redis.XMessage
	for _, s := range streams {
		out = append(out, s.Messages...)
	}
	return out
}

// process applies entries in order, Batch at a time. It returns how long
// to wait before the next round (an entry too young, or one not yet done)
// and whether an apply failed, which stops the round so nothing overtakes
// the oldest.
func (q *Queue) process(ctx context.Context, msgs []redis.XMessage, confirm ConfirmFunc, apply ApplyFunc) (time.Duration, bool) {
	var wait time.Duration
	entries := make([]Entry, 0, len(msgs))
	var gone []string
	for _, m := range msgs {
		e, ok := decode(m)
		if !ok {
			// Deleted while we held it (another backend removed it).
			gone = append(gone, m.ID)
			continue
		}
		entries = append(entries, e)
	}
	if len(gone) > 0 {
		cctx, cancel := context.WithTimeout(ctx, q.opts.Timeout)
		_ = q.rdb.XAck(cctx, q.stream, q.group, gone...).Err()
		cancel()
	}
	var safe map[string]bool
	if confirm != nil && len(entries) > 0 {
		// A failed check only means nothing is known safe yet.
		safe, _ = confirm(ctx, entries)
	}
	var todo, confirmed []Entry
	for _, e := range entries {
		if safe[e.ID] {
			confirmed = append(confirmed, e)
			continue
		}
		if young := q.opts.MinAge - time.Since(e.EnqueuedAt); young > 0 {
			// Entries are in age order: every later one is younger still.
			wait = min(young, q.opts.Poll)
			break
		}
		todo = append(todo, e)
	}
	if err := q.removeAll(ctx, confirmed); err != nil {
		return 0, true
	}
	for _, e := range confirmed {
		q.done(e, Confirmed)
	}
	for len(todo) > 0 {
		n := min(len(todo), q.opts.Batch)
		group := todo[:n]
		todo = todo[n:]
		errs := apply(ctx, group)
		var applied, rejected []Entry
		failed := false
		for i, e := range group {
			var err error
			if i < len(errs) {
				err = errs[i]
			} else {
				err = errors.New("queue: apply returned no outcome")
			}
			switch {
			case err == nil:
				applied = append(applied, e)
			case errors.Is(err, ErrNotYet):
				wait = q.opts.Poll
			case errors.Is(err, ErrReject):
				if rerr := q.reject(ctx, e, err); rerr != nil {
					return 0, true
				}
				rejected = append(rejected, e)
			default:
				failed = true
			}
		}
		if err := q.removeAll(ctx, applied); err != nil {
			return 0, true
		}
		for _, e := range applied {
			q.done(e, Applied)
		}
		for _, e := range rejected {
			q.done(e, Rejected)
		}
		if failed {
			return 0, true
		}
	}
	return wait, false
}

func (q *Queue) done(e Entry, o Outcome) {
	if q.opts.OnDone != nil {
		q.opts.OnDone(e, time.Since(e.EnqueuedAt), o)
	}
}

// reject keeps an entry that can never be applied in the dead-letter
// stream, for a person to look at, and takes it off the queue.
func (q *Queue) reject(ctx context.Context, e Entry, why error) error {
	cctx, cancel := context.WithTimeout(ctx, q.opts.Timeout)
	defer cancel()
	if err := q.rdb.XAdd(cctx, &redis.XAddArgs{Stream: q.dead, Values: map[string]any{
		"key": e.Key, "ref": e.Ref, "kind": e.Kind, "body": e.Body, "at": e.EnqueuedAt.UnixMilli(), "error": why.Error(),
	}}).Err(); err != nil {
		return err
	}
	return q.Remove(ctx, e)
}

// Rejected lists the dead-letter stream, oldest first.
func (q *Queue) Rejected(ctx context.Context) ([]Entry, error) {
	msgs, err := q.rdb.XRange(ctx, q.dead, "-", "+").Result()
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, m := range msgs {
		if e, ok := decode(m); ok {
			out = append(out, e)
		}
	}
	return out, nil
}

func (q *Queue) sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-q.wake:
	}
}
