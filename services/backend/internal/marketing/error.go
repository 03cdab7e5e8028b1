package marketing

import (
	"fmt"

	"hyundai-poc.com/contract"
)

// The domain's error codes: the contract's codes for what the domain itself
// can refuse. The HTTP layer maps each to a status.
const (
	EBadRequest  = contract.CodeBadRequest
	ENotFound    = contract.CodeNotFound
	EConflict    = contract.CodeIdempotencyConflict
	EInvalid     = contract.CodeInvalidFields
	EUnavailable = contract.CodeUnavailable
)

// Error is a domain error a client can act on. Err is its cause, kept for
// errors.Is and the log; clients see only Code, Message and Fields.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
	Err     error
}

func (e *Error) Error() string {
	s := e.Code + ": " + e.Message
	if len(e.Fields) > 0 {
		s = fmt.Sprintf("%s %v", s, e.Fields)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}
