// Package loadtest holds what the drill and latency tools share: a traffic
// generator that plays clients in each region through the edge, and the
// statistics they report.
package loadtest
