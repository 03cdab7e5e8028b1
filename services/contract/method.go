package contract

import "net/http"

// MethodLabel maps a request method onto a closed set, for metric labels
// and span names. A client may send any token as a method, and every
// distinct label value is a new series a registry keeps for the life of
// the process.
func MethodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}
