package dbserver

import (
	"context"
	"fmt"
	"net"
	"strconv"
)

// StartPair starts a writer and a GTID replica of it that shares the
// writer's users, as a cluster's instances share theirs: the smallest
// topology a switchover can run on. When the two have different hosts and
// neither names a port, both listen on one port free at both addresses, as
// the nodes of one cluster do. On error nothing is left running.
func StartPair(ctx context.Context, writer, replica Options) (w, r *Server, err error) {
	if writer.Host != replica.Host && writer.Host != "" && replica.Host != "" && writer.Port == 0 && replica.Port == 0 {
		port, err := SharedPort(writer.Host, replica.Host)
		if err != nil {
			return nil, nil, err
		}
		writer.Port, replica.Port = port, port
	}
	if w, err = Start(ctx, writer); err != nil {
		return nil, nil, fmt.Errorf("writer: %w", err)
	}
	replica.AppPassword, replica.ReplPassword = w.AppPass, w.ReplPass
	if r, err = Start(ctx, replica); err != nil {
		w.Stop()
		return nil, nil, fmt.Errorf("replica: %w", err)
	}
	if err := r.ReplicateFrom(ctx, w.Addr(), w.ReplPass); err != nil {
		r.Stop()
		w.Stop()
		return nil, nil, fmt.Errorf("replication: %w", err)
	}
	return w, r, nil
}

// SharedPort finds a TCP port free on every host.
func SharedPort(hosts ...string) (int, error) {
	for range 20 {
		port, err := FreePort(hosts[0])
		if err != nil {
			return 0, err
		}
		free := true
		for _, h := range hosts[1:] {
			ln, err := net.Listen("tcp", net.JoinHostPort(h, strconv.Itoa(port)))
			if err != nil {
				free = false
				break
			}
			ln.Close()
		}
		if free {
			return port, nil
		}
	}
	return 0, fmt.Errorf("no port free on all of %v", hosts)
}
