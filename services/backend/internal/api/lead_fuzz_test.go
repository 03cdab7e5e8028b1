package api

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"hyundai-poc.com/backend/internal/marketing"
	"hyundai-poc.com/contract"
)

// FuzzDecodeLead feeds arbitrary bodies through decoding and validation:
// neither may panic, every refusal is a client error with a known code, and
// whatever passes obeys every rule.
func FuzzDecodeLead(f *testing.F) {
	f.Add([]byte(`{"type":"test_drive","name":"Kim Minji","email":"minji@example.com","vehicle_id":"ioniq-5","consent":true}`))
	f.Add([]byte(`{"type":"brochure","name":"A","email":"a@b.co","phone":"+15551234567","vehicle_id":"nexo","market":"US","consent":true}`))
	f.Add([]byte(`{"name":"a","name":"b"}`))
	f.Add([]byte(`{"consent":"true"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"type":"test_drive","preferred_date":"2026-02-30","consent":true}`))
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	clientCodes := map[string]bool{contract.CodeMalformedJSON: true, contract.CodeUnknownField: true, contract.CodeInvalidFields: true}
	e164 := regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)
	f.Fuzz(func(t *testing.T, body []byte) {
		var in contract.LeadRequest
		err := decodeJSON(body, &in)
		if err == nil {
			var l marketing.Lead
			l, err = leadIn(in).Validate("ap-northeast-2", now)
			if err == nil {
				switch {
				case l.Type != contract.LeadTestDrive && l.Type != contract.LeadBrochure:
					t.Fatalf("type %q passed", l.Type)
				case utf8.RuneCountInString(l.Name) < 1 || utf8.RuneCountInString(l.Name) > 100:
					t.Fatalf("name %q passed", l.Name)
				case !strings.Contains(l.Email, "@") || len(l.Email) > 254:
					t.Fatalf("email %q passed", l.Email)
				case !l.Consent:
					t.Fatal("lead without consent passed")
				case !contract.ValidMarket(l.Market):
					t.Fatalf("market %q passed", l.Market)
				case l.Phone != "" && !e164.MatchString(l.Phone):
					t.Fatalf("phone %q passed", l.Phone)
				case utf8.RuneCountInString(l.Message) > 1000:
					t.Fatal("long message passed")
				case len(l.RequestHash) != 64:
					t.Fatal("no request hash")
				}
				return
			}
		}
		var rf *refusal
		var de *marketing.Error
		switch {
		case errors.As(err, &rf) && clientCodes[rf.code] && rf.message != "":
		case errors.As(err, &de) && clientCodes[de.Code] && de.Message != "":
		default:
			t.Fatalf("refusal is not a client error: %#v", err)
		}
	})
}
