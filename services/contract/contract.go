// Package contract is what crosses the wire between the frontend and the
// backend (docs/api.md): the bodies of requests and answers, the header
// names, the error codes and the market rules. Both services import it and
// nothing else of each other, so a change to the API is a change here that
// both sides see at compile time. It has no dependencies.
package contract

// Header names of the API.
const (
	// HeaderRegion names the region of the backend that answered.
	HeaderRegion = "X-Region"
	// HeaderReadSource says which database node answered a read (ReadSource).
	HeaderReadSource = "X-Read-Source"
	// HeaderConsistencyToken is set on a write's answer; sent back on a read,
	// it makes any region answer only from a node that has that write.
	HeaderConsistencyToken = "X-Consistency-Token"
	// HeaderIdempotencyKey makes a repeated write return the first answer.
	HeaderIdempotencyKey = "Idempotency-Key"
	// HeaderIdempotentReplayed is "true" on the answer to such a repeat.
	HeaderIdempotentReplayed = "Idempotent-Replayed"
	// HeaderRequestID carries the request id through both services.
	HeaderRequestID = "X-Request-Id"
	// HeaderReadRegion names another region whose reader answered a read
	// that neither of this region's nodes could.
	HeaderReadRegion = "X-Read-Region"
	// HeaderAge is the standard Age header: on an answer from the
	// catalogue's in-memory copy, how old the copy is, in seconds.
	HeaderAge = "Age"
)

// ReadSource says which database node answered a read.
type ReadSource string

// The nodes a read can come from.
const (
	FromReader ReadSource = "reader"
	FromWriter ReadSource = "writer"
	// FromCache is the catalogue's last-known-good copy in memory, served
	// when no database answers; HeaderAge says how old it is.
	FromCache ReadSource = "cache"
)
