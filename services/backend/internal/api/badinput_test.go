package api_test

import (
	"strings"
	"testing"

	"hyundai-poc.com/backend/backendtest"
)

// Every bad request gets a 4xx with a JSON reason and writes nothing.
func TestBadLeadInputsChangeNothing(t *testing.T) {
	t.Parallel()
	s := backendtest.NewServer(t, backendtest.InProcessOptions{})
	waitReady(t, s.URL)
	const ct = "application/json"
	with := func(old, new string) string { return strings.Replace(goodLead, old, new, 1) }
	cases := []struct {
		name        string
		contentType string
		body        string
		headers     map[string]string
		status      int
		code        string
		field       string
	}{
		{"malformed JSON", ct, `{"type":`, nil, 400, "malformed_json", ""},
		{"not an object", ct, `["a"]`, nil, 400, "malformed_json", ""},
		{"trailing data", ct, goodLead + `{}`, nil, 400, "malformed_json", ""},
		{"empty body", ct, ``, nil, 400, "malformed_json", ""},
		{"invalid UTF-8", ct, "{\"name\":\"\xff\xfe\"}", nil, 400, "malformed_json", ""},
		{"duplicate key", ct, `{"name":"a","name":"b"}`, nil, 400, "malformed_json", "name"},
		{"unknown field", ct, with(`"consent":true`, `"consent":true,"admin":true`), nil, 400, "unknown_field", "admin"},
		{"huge body", ct, `{"message":"` + strings.Repeat("x", 17<<10) + `"}`, nil, 413, "body_too_large", ""},
		{"form encoded", "application/x-www-form-urlencoded", "name=a", nil, 415, "unsupported_media_type", ""},
		{"no content type", "", goodLead, nil, 415, "unsupported_media_type", ""},
		{"text plain", "text/plain", goodLead, nil, 415, "unsupported_media_type", ""},
		{"consent as string", ct, with(`"consent":true`, `"consent":"yes"`), nil, 422, "invalid_fields", "consent"},
		{"name as number", ct, with(`"name":"Kim Minji"`, `"name":42`), nil, 422, "invalid_fields", "name"},
		{"null consent", ct, with(`"consent":true`, `"consent":null`), nil, 422, "invalid_fields", "consent"},
		{"consent false", ct, with(`"consent":true`, `"consent":false`), nil, 422, "invalid_fields", "consent"},
		{"missing consent", ct, with(`,"consent":true`, ``), nil, 422, "invalid_fields", "consent"},
		{"empty name", ct, with(`"Kim Minji"`, `"   "`), nil, 422, "invalid_fields", "name"},
		{"long name", ct, with(`"Kim Minji"`, `"`+strings.Repeat("가", 101)+`"`), nil, 422, "invalid_fields", "name"},
		{"control char in name", ct, with(`"Kim Minji"`, `"Kim\u0000Minji"`), nil, 422, "invalid_fields", "name"},
		{"bad email", ct, with(`minji@example.com`, `minji at example`), nil, 422, "invalid_fields", "email"},
		{"email with name", ct, with(`"minji@example.com"`, `"Minji <minji@example.com>"`), nil, 422, "invalid_fields", "email"},
		{"email without dot", ct, with(`minji@example.com`, `minji@localhost`), nil, 422, "invalid_fields", "email"},
		{"bad phone", ct, with(`+821012345678`, `010-1234-5678`), nil, 422, "invalid_fields", "phone"},
		{"unknown vehicle", ct, with(`ioniq-5`, `pony-1975`), nil, 422, "invalid_fields", "vehicle_id"},
		{"SQL in vehicle", ct, with(`"ioniq-5"`, `"ioniq-5' OR '1'='1"`), nil, 422, "invalid_fields", "vehicle_id"},
		{"bad type", ct, with(`test_drive`, `purchase`), nil, 422, "invalid_fields", "type"},
		{"bad market", ct, with(`"KR"`, `"JP"`), nil, 422, "invalid_fields", "market"},
		{"bad date", ct, with(`"consent":true`, `"consent":true,"preferred_date":"2026-13-40"`), nil, 422, "invalid_fields", "preferred_date"},
		{"past date", ct, with(`"consent":true`, `"consent":true,"preferred_date":"2001-01-01"`), nil, 422, "invalid_fields", "preferred_date"},
		{"long message", ct, with(`Weekend please`, strings.Repeat("m", 1001)), nil, 422, "invalid_fields", "message"},
		{"bad idempotency key", ct, goodLead, map[string]string{"Idempotency-Key": "ключ"}, 400, "bad_request", ""},
		{"long idempotency key", ct, goodLead, map[string]string{"Idempotency-Key": strings.Repeat("k", 101)}, 400, "bad_request", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := do(t, "POST", s.URL+"/api/leads", tc.contentType, tc.body, tc.headers)
			if a.status != tc.status || errCode(a) != tc.code {
				t.Fatalf("got %d %q, want %d %q: %s", a.status, errCode(a), tc.status, tc.code, a.raw)
			}
			if e, _ := a.body["error"].(map[string]any); e["message"] == "" || e["message"] == nil {
				t.Errorf("no message: %s", a.raw)
			}
			if tc.field != "" {
				if _, ok := errFields(a)[tc.field]; !ok {
					t.Errorf("fields lack %q: %s", tc.field, a.raw)
				}
			}
		})
	}
	if n := countRows(t, s, "leads"); n != 0 {
		t.Fatalf("bad requests wrote %d leads", n)
	}

	// What looks like SQL or odd unicode in free text is stored as text.
	odd := with(`"Kim Minji"`, `"Robert'); DROP TABLE leads;-- 🚗 김민지"`)
	a := do(t, "POST", s.URL+"/api/leads", ct, odd, nil)
	lead, _ := a.body["lead"].(map[string]any)
	if a.status != 201 || lead["name"] != "Robert'); DROP TABLE leads;-- 🚗 김민지" {
		t.Fatalf("odd but valid name: %d %s", a.status, a.raw)
	}
	if n := countRows(t, s, "leads"); n != 1 {
		t.Fatalf("leads = %d, want 1", n)
	}
}
