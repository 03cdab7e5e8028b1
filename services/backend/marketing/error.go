package marketing

import "fmt"

// Error codes, defined once. The HTTP layer maps each to a status.
const (
	EMalformed    = "malformed_json"
	EUnknownField = "unknown_field"
	EBadRequest   = "bad_request"
	ENotFound     = "not_found"
	EConflict     = "idempotency_conflict"
	ETooLarge     = "body_too_large"
	EMediaType    = "unsupported_media_type"
	EInvalid      = "invalid_fields"
	ERateLimited  = "rate_limited"
	EUnavailable  = "unavailable"
	EInternal     = "internal"
)

// Error is a domain error a client can act on.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s %v", e.Code, e.Message, e.Fields)
	}
	return e.Code + ": " + e.Message
}

// Errorf makes an Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}
