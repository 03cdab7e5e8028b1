package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5/middleware"
	"hyundai-poc.com/backend/marketing"
)

type errorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// statusOf is the one table from domain error codes to HTTP statuses.
var statusOf = map[string]int{
	marketing.EMalformed:    http.StatusBadRequest,
	marketing.EUnknownField: http.StatusBadRequest,
	marketing.EBadRequest:   http.StatusBadRequest,
	marketing.ENotFound:     http.StatusNotFound,
	marketing.EConflict:     http.StatusConflict,
	marketing.ETooLarge:     http.StatusRequestEntityTooLarge,
	marketing.EMediaType:    http.StatusUnsupportedMediaType,
	marketing.EInvalid:      http.StatusUnprocessableEntity,
	marketing.ERateLimited:  http.StatusTooManyRequests,
	marketing.EUnavailable:  http.StatusServiceUnavailable,
}

// fail answers err as JSON. Errors that are not the domain's are logged
// and answered as a plain 500 without detail.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	var e *marketing.Error
	if !errors.As(err, &e) {
		a.Log.Error("request failed", "route", routePattern(r), "request_id", middleware.GetReqID(r.Context()), "error", err.Error())
		a.writeError(w, r, http.StatusInternalServerError, marketing.EInternal, "something went wrong on our side", nil)
		return
	}
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	a.writeError(w, r, status, e.Code, e.Message, e.Fields)
}

func (a *API) writeError(w http.ResponseWriter, _ *http.Request, status int, code, msg string, fields map[string]string) {
	writeJSON(w, status, map[string]errorBody{"error": {Code: code, Message: msg, Fields: fields}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}
