package site

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzLeadFromForm decodes arbitrary form bodies as the test-drive form
// does: it must never panic, and what it hands the backend is trimmed,
// a known market, and a phone number without the noise people type.
func FuzzLeadFromForm(f *testing.F) {
	for _, seed := range []string{
		"name=Kim+Minji&email=minji%40example.com&phone=%2B82+10-1234-5678&vehicle_id=ioniq-5&market=kr&consent=on",
		"name=%E2%80%AEx&message=a%0D%0Ab&market=ZZ",
		"name=%ff%fe&phone=(((&preferred_date=2026-12-05",
		"consent=&consent=on&name=a&name=b",
		"%zz=1&a=%",
		strings.Repeat("message=x&", 200),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil && form == nil {
			return
		}
		in, consent := leadFromForm(form, "US")
		for name, v := range map[string]string{"name": in.Name, "email": in.Email, "phone": in.Phone,
			"preferred_date": in.PreferredDate, "message": in.Message} {
			if v != strings.TrimSpace(v) {
				t.Errorf("%s %q is not trimmed", name, v)
			}
		}
		if in.Market != "US" && in.Market != "KR" {
			t.Errorf("market %q", in.Market)
		}
		if strings.ContainsAny(in.Phone, " -().") {
			t.Errorf("phone %q keeps noise", in.Phone)
		}
		if in.Consent == nil || *in.Consent != consent || consent != (form.Get("consent") != "") {
			t.Errorf("consent %v for %q", consent, form.Get("consent"))
		}
		if utf8.ValidString(form.Get("name")+form.Get("message")) && !utf8.ValidString(in.Name+in.Message) {
			t.Errorf("valid input became invalid UTF-8")
		}
	})
}
