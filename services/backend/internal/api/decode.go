package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"hyundai-poc.com/contract"
)

// maxBody is the largest request body accepted (413 beyond).
const maxBody = 16 << 10

// refusal is an answer the HTTP layer gives on its own, before the domain
// sees the request: the body is too large, not JSON, or not of the shape
// asked for; the method or a header is wrong.
type refusal struct {
	code    string
	message string
	fields  map[string]string
}

func (r *refusal) Error() string { return r.code + ": " + r.message }

func refuse(code, format string, args ...any) *refusal {
	return &refusal{code: code, message: fmt.Sprintf(format, args...)}
}

// readBody enforces the size limit and the JSON media type. An empty body
// is returned as nil when allowEmpty.
func readBody(r *http.Request, allowEmpty bool) ([]byte, error) {
	if r.ContentLength > maxBody {
		return nil, refuse(contract.CodeBodyTooLarge, "body is larger than %d bytes", maxBody)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, refuse(contract.CodeBodyTooLarge, "body is larger than %d bytes", maxBody)
	}
	if err != nil {
		return nil, refuse(contract.CodeBadRequest, "could not read the body")
	}
	if len(body) == 0 && allowEmpty {
		return nil, nil
	}
	ct := r.Header.Get("Content-Type")
	mt, params, perr := mime.ParseMediaType(ct)
	if ct == "" || perr != nil || mt != "application/json" {
		return nil, refuse(contract.CodeUnsupportedMediaType, "send the body as application/json")
	}
	// JSON is UTF-8 (RFC 8259); a body declared as anything else would be
	// read as something its sender did not mean.
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, refuse(contract.CodeUnsupportedMediaType, "send JSON as UTF-8")
	}
	if len(body) == 0 {
		return nil, refuse(contract.CodeMalformedJSON, "body is empty; send a JSON object")
	}
	return body, nil
}

// decodeJSON decodes one JSON object from body into v, strictly: unknown
// fields, duplicate keys, wrong types and trailing data are all refused
// with a refusal that says what is wrong.
func decodeJSON(body []byte, v any) error {
	if !utf8.Valid(body) {
		return refuse(contract.CodeMalformedJSON, "body is not valid UTF-8")
	}
	if err := checkDuplicateKeys(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &typeErr):
			field := typeErr.Field
			if field == "" {
				return refuse(contract.CodeMalformedJSON, "body must be a JSON object")
			}
			return &refusal{code: contract.CodeInvalidFields, message: "some fields have the wrong type",
				fields: map[string]string{field: "must be a " + jsonKind(typeErr.Type.Kind().String())}}
		case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			return refuse(contract.CodeMalformedJSON, "body is not valid JSON")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return &refusal{code: contract.CodeUnknownField, message: "unknown field " + name, fields: map[string]string{name: "is not a known field"}}
		default:
			return refuse(contract.CodeMalformedJSON, "body is not a JSON object of the expected shape")
		}
	}
	if dec.More() {
		return refuse(contract.CodeMalformedJSON, "body has data after the JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return refuse(contract.CodeMalformedJSON, "body has data after the JSON object")
	}
	return nil
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "bool", "ptr":
		return "boolean"
	case "int", "int64", "float64":
		return "number"
	default:
		return k
	}
}

// checkDuplicateKeys refuses an object that names a key twice: encoding/json
// would keep the last silently, and two readers of the same body could
// then disagree about what was asked.
func checkDuplicateKeys(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return refuse(contract.CodeMalformedJSON, "body is not valid JSON")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return refuse(contract.CodeMalformedJSON, "body must be a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return refuse(contract.CodeMalformedJSON, "body is not valid JSON")
		}
		key, _ := tok.(string)
		if seen[key] {
			return &refusal{code: contract.CodeMalformedJSON, message: "key " + key + " appears twice", fields: map[string]string{key: "appears twice"}}
		}
		seen[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return refuse(contract.CodeMalformedJSON, "body is not valid JSON")
		}
	}
	return nil
}
