package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"

	"github.com/go-chi/chi/v5/middleware"

	"hyundai-poc.com/backend/internal/marketing"
	"hyundai-poc.com/contract"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[string]int{
	contract.CodeMalformedJSON:        http.StatusBadRequest,
	contract.CodeUnknownField:         http.StatusBadRequest,
	contract.CodeBadRequest:           http.StatusBadRequest,
	contract.CodeNotFound:             http.StatusNotFound,
	contract.CodeMethodNotAllowed:     http.StatusMethodNotAllowed,
	contract.CodeIdempotencyConflict:  http.StatusConflict,
	contract.CodeBodyTooLarge:         http.StatusRequestEntityTooLarge,
	contract.CodeUnsupportedMediaType: http.StatusUnsupportedMediaType,
	contract.CodeInvalidFields:        http.StatusUnprocessableEntity,
	contract.CodeRateLimited:          http.StatusTooManyRequests,
	contract.CodeForbidden:            http.StatusForbidden,
	contract.CodeUnavailable:          http.StatusServiceUnavailable,
}

// fail answers err as JSON: a refusal of the HTTP layer or an error of the
// domain with its code, anything else as a plain 500 without detail.
// Every 5xx is logged here, once, with its cause.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	// The client went away: nothing failed on our side, and nobody reads
	// the answer. Logged and counted as 499, as proxies name it.
	if errors.Is(err, context.Canceled) && errors.Is(r.Context().Err(), context.Canceled) {
		s.Log.InfoContext(r.Context(), "client closed the request", "route", routePattern(r),
			"request_id", middleware.GetReqID(r.Context()))
		w.WriteHeader(StatusClientClosedRequest)
		return
	}
	body := contract.ErrorBody{Code: contract.CodeInternal, Message: "something went wrong on our side"}
	var rf *refusal
	var de *marketing.Error
	switch {
	case errors.As(err, &rf):
		body = contract.ErrorBody{Code: rf.code, Message: rf.message, Fields: rf.fields}
	case errors.As(err, &de):
		body = contract.ErrorBody{Code: de.Code, Message: de.Message, Fields: de.Fields}
	}
	status, ok := statusOf[body.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		var stack []byte
		var pe *panicError
		if errors.As(err, &pe) {
			stack = pe.stack
		}
		s.logFailure(r, status, body.Code, err, stack)
	}
	if (status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests) && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, status, contract.ErrorAnswer{Error: body})
}

// StatusClientClosedRequest is the status logged and counted for a request
// whose client went away before the answer (nginx's 499).
const StatusClientClosedRequest = 499

// logFailure logs a 5xx with its cause. It names the route pattern, never
// the path (a lead's id is a secret), and no bodies or headers: leads carry
// personal data.
func (s *Server) logFailure(r *http.Request, status int, code string, cause error, stack []byte) {
	attrs := []any{"route", routePattern(r), "status", status, "code", code,
		"request_id", middleware.GetReqID(r.Context()), "error", cause.Error()}
	if stack != nil {
		attrs = append(attrs, "stack", string(stack))
	}
	s.Log.ErrorContext(r.Context(), "request failed", attrs...)
}

// writeJSON answers v as JSON, encoded into a pooled buffer first: one
// write with a Content-Length, so net/http neither chunks the body nor
// copies it through its own buffer, and no buffer is allocated per answer.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := jsonBuffers.Get().(*bytes.Buffer)
	defer putJSONBuffer(buf)
	buf.Reset()
	if err := encodeTo(buf, v); err != nil {
		// Only a programming error gets here (a value JSON cannot hold).
		writeBody(w, http.StatusInternalServerError, internalErrorBody)
		return
	}
	writeBody(w, status, buf.Bytes())
}

// encodeJSON is v as writeJSON sends it, in a slice of its own.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := encodeTo(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// encodeTo is the one JSON encoding of every answer: HTML escaped, one
// value per line.
func encodeTo(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(true)
	return enc.Encode(v)
}

// writeBody answers body, already JSON.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

var internalErrorBody = []byte(`{"error":{"code":"` + contract.CodeInternal + `","message":"something went wrong on our side"}}` + "\n")

var jsonBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putJSONBuffer returns buf to the pool unless one large answer grew it:
// keeping that would hold its memory for every later small one.
func putJSONBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= 64<<10 {
		jsonBuffers.Put(buf)
	}
}
