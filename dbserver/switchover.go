package dbserver

import (
	"context"
	"fmt"
	"time"
)

// Move describes moving the writer role from one server to another. The lab
// (three regions), the site's tests and the data path's tests (a writer and
// a replica each) all move a writer with Switchover or Failover.
type Move struct {
	From, To *Server
	// Replicas are the other live servers (the old writer among them after
	// a switchover, when it should follow the new one), each made a replica
	// of To through the address at which it reaches To.
	Replicas []Replica
	// PointName moves the writer endpoint to To (a DNS record, say). It
	// runs last, once To takes writes and the replicas follow it, as AWS
	// changes the global writer endpoint last.
	PointName func()
	// CatchUp bounds a switchover's wait for To to apply everything the
	// fenced writer logged; 30 s when zero.
	CatchUp time.Duration
	// Unavailable is the least time the move leaves no writable writer:
	// from the fence (switchover) or the kill (failover) until To is
	// promoted. AWS's moves take tens of seconds where a local one takes
	// milliseconds, and this is how the lab plays AWS's; zero adds no wait.
	Unavailable time.Duration
}

// Replica is a server to make a replica of the new writer, and the
// host:port at which it reaches that writer.
type Replica struct {
	Server *Server
	Source string
}

// Step is one timed part of a move.
type Step struct {
	Name string        `json:"name"`
	Took time.Duration `json:"took_ns"`
}

// Moved says what a move did.
type Moved struct {
	Steps []Step
	Took  time.Duration
	// NamePointedAt is when PointName returned.
	NamePointedAt time.Time
	// PromotedAt is when To became writable; Held is how long the move
	// waited on top of its own work to honour Unavailable.
	PromotedAt time.Time
	Held       time.Duration
	// OldPos is the old writer's last logged position and NewPos the
	// promoted server's position when it was promoted: equal after a
	// switchover; after a failover, Lacked is how many transactions the old
	// writer had logged that the promoted server never received.
	OldPos, NewPos string
	Lacked         int64
}

type stepper struct {
	start, last time.Time
	steps       []Step
}

func newStepper() *stepper { now := time.Now(); return &stepper{start: now, last: now} }

func (s *stepper) done(name string) {
	now := time.Now()
	s.steps = append(s.steps, Step{name, now.Sub(s.last)})
	s.last = now
}

// Switchover moves the writer with no loss, as switchover-global-cluster
// does: fence the writer (read_only, so the application's user can no longer
// write there), wait until To has applied everything it logged, promote To,
// repoint the replicas, then point the name at To. If To does not catch up
// the writer is unfenced again and nothing else has changed.
func Switchover(ctx context.Context, m Move) (Moved, error) {
	from, to := m.From, m.To
	catchUp := m.CatchUp
	if catchUp == 0 {
		catchUp = 30 * time.Second
	}
	st := newStepper()
	if err := from.SetReadOnly(ctx, true); err != nil {
		return Moved{}, fmt.Errorf("fence %s: %w", from.Name, err)
	}
	fenced := time.Now()
	st.done("fence " + from.Name)
	pos, err := from.GTIDBinlogPos(ctx)
	if err != nil {
		_ = from.SetReadOnly(ctx, false)
		return Moved{}, fmt.Errorf("read %s position: %w", from.Name, err)
	}
	if err := to.WaitForGTID(ctx, pos, catchUp); err != nil {
		_ = from.SetReadOnly(ctx, false)
		return Moved{}, fmt.Errorf("%s catching up to %s (writer unfenced again): %w", to.Name, pos, err)
	}
	st.done("catch-up " + to.Name)
	held, err := m.hold(ctx, st, fenced)
	if err != nil {
		_ = from.SetReadOnly(context.WithoutCancel(ctx), false)
		return Moved{}, fmt.Errorf("switchover interrupted while %s was fenced (writer unfenced again): %w", from.Name, err)
	}
	moved, err := m.finish(ctx, st, pos, pos)
	moved.Held = held
	return moved, err
}

// Failover moves the writer after killing the writer's process, as
// failover-global-cluster --allow-data-loss does after a regional outage:
// each survivor applies what it had already received, To is promoted with
// what it has, the replicas are repointed and the name moved. The old
// writer's binlog on disk tells how many transactions To lacks.
func Failover(ctx context.Context, m Move) (Moved, error) {
	from, to := m.From, m.To
	st := newStepper()
	before, _ := from.GTIDBinlogPos(ctx)
	from.Kill()
	killed := time.Now()
	st.done("kill " + from.Name)
	// The binlog on disk is the truth about what the dead writer committed;
	// the position read just before the kill is the fallback.
	oldPos, err := from.LastLoggedGTID(ctx)
	if err != nil || oldPos == "" {
		oldPos = before
	}
	survivors := []*Server{to}
	for _, r := range m.Replicas {
		survivors = append(survivors, r.Server)
	}
	for _, s := range survivors {
		if err := s.ApplyReceived(ctx, 10*time.Second); err != nil {
			return Moved{}, fmt.Errorf("%s applying what it received: %w", s.Name, err)
		}
	}
	st.done("apply relay logs")
	newPos, err := to.GTIDBinlogPos(ctx)
	if err != nil {
		return Moved{}, err
	}
	held, err := m.hold(ctx, st, killed)
	if err != nil {
		return Moved{}, fmt.Errorf("failover interrupted before %s was promoted: %w", to.Name, err)
	}
	moved, err := m.finish(ctx, st, oldPos, newPos)
	moved.Lacked = max(GTIDSeq(oldPos, 0)-GTIDSeq(newPos, 0), 0)
	moved.Held = held
	return moved, err
}

// hold waits until the writer role has been empty for m.Unavailable since
// since, and says how long it waited.
func (m Move) hold(ctx context.Context, st *stepper, since time.Time) (time.Duration, error) {
	wait := m.Unavailable - time.Since(since)
	if wait <= 0 {
		return 0, nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-t.C:
	}
	st.done(fmt.Sprintf("no writer until %s", m.Unavailable))
	return wait, nil
}

// finish promotes To, repoints the replicas and moves the name: the part
// both kinds of move share.
func (m Move) finish(ctx context.Context, st *stepper, oldPos, newPos string) (Moved, error) {
	if err := m.To.Promote(ctx); err != nil {
		return Moved{}, fmt.Errorf("promote %s: %w", m.To.Name, err)
	}
	promoted := time.Now()
	st.done("promote " + m.To.Name)
	for _, r := range m.Replicas {
		if err := r.Server.Repoint(ctx, r.Source, m.To.ReplPass); err != nil {
			return Moved{}, fmt.Errorf("repoint %s to %s: %w", r.Server.Name, m.To.Name, err)
		}
	}
	st.done("repoint replicas")
	if m.PointName != nil {
		m.PointName()
	}
	at := time.Now()
	st.done("flip DNS")
	return Moved{Steps: st.steps, Took: time.Since(st.start), NamePointedAt: at, PromotedAt: promoted, OldPos: oldPos, NewPos: newPos}, nil
}

// WaitReplicated waits until every replica has applied everything primary
// has logged, and returns that position.
func WaitReplicated(ctx context.Context, primary *Server, timeout time.Duration, replicas ...*Server) (string, error) {
	pos, err := primary.GTIDBinlogPos(ctx)
	if err != nil {
		return "", err
	}
	for _, r := range replicas {
		if err := r.WaitForGTID(ctx, pos, timeout); err != nil {
			return pos, err
		}
	}
	return pos, nil
}
