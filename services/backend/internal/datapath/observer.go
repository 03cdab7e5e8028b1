package datapath

import "time"

// Observer receives what the data path does, for metrics. The telemetry
// package implements it with Prometheus; NopObserver discards everything.
type Observer interface {
	QueryDone(pool, outcome string, d time.Duration)
	WriterChanged(from, to string)
	Reresolved(pool string)
	ReadFallback(reason string)
	WriterRefused()
	ReplicationLag(d time.Duration)
}

// NopObserver discards observations.
type NopObserver struct{}

func (NopObserver) QueryDone(string, string, time.Duration) {}
func (NopObserver) WriterChanged(string, string)            {}
func (NopObserver) Reresolved(string)                       {}
func (NopObserver) ReadFallback(string)                     {}
func (NopObserver) WriterRefused()                          {}
func (NopObserver) ReplicationLag(time.Duration)            {}
