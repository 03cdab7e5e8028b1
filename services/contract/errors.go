package contract

// Error codes of the API's error answers; docs/api.md gives the status of each.
const (
	CodeMalformedJSON        = "malformed_json"
	CodeUnknownField         = "unknown_field"
	CodeBadRequest           = "bad_request"
	CodeNotFound             = "not_found"
	CodeMethodNotAllowed     = "method_not_allowed"
	CodeIdempotencyConflict  = "idempotency_conflict"
	CodeBodyTooLarge         = "body_too_large"
	CodeUnsupportedMediaType = "unsupported_media_type"
	CodeInvalidFields        = "invalid_fields"
	CodeRateLimited          = "rate_limited"
	CodeForbidden            = "forbidden"
	CodeUnavailable          = "unavailable"
	CodeInternal             = "internal"
)

// ErrorBody says what went wrong; Fields names each bad field.
type ErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// ErrorAnswer is the body of every error answer.
type ErrorAnswer struct {
	Error ErrorBody `json:"error"`
}
