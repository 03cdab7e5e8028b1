package marketing

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"hyundai-poc.com/contract"
)

// LeadInput is a lead as the visitor gave it, before validation. Consent
// is nil when the visitor said nothing about it.
type LeadInput struct {
	Type          string
	Name          string
	Email         string
	Phone         string
	VehicleID     string
	Market        string
	PreferredDate string
	Message       string
	Consent       *bool
}

// Lead kinds.
const (
	LeadTestDrive = contract.LeadTestDrive
	LeadBrochure  = contract.LeadBrochure
)

var (
	e164Pattern    = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)
	vehicleIDShape = regexp.MustCompile(`^[a-z0-9-]{1,40}$`)
	leadIDPattern  = regexp.MustCompile(`^[0-9a-f]{32}$`)
	keyPattern     = regexp.MustCompile(`^[\x21-\x7e]{1,100}$`)
)

// Validate checks the input's shape and returns the normalised lead fields
// (trimmed, market defaulted from region), or an *Error naming every bad
// field. Whether the vehicle exists is the store's to say.
func (in LeadInput) Validate(region string, now time.Time) (Lead, error) {
	f := map[string]string{}
	l := Lead{
		Type:          strings.TrimSpace(in.Type),
		Name:          strings.TrimSpace(in.Name),
		Email:         strings.TrimSpace(in.Email),
		Phone:         strings.TrimSpace(in.Phone),
		VehicleID:     strings.TrimSpace(in.VehicleID),
		Market:        strings.ToUpper(strings.TrimSpace(in.Market)),
		PreferredDate: strings.TrimSpace(in.PreferredDate),
		Message:       strings.TrimSpace(in.Message),
		Region:        region,
	}
	switch l.Type {
	case LeadTestDrive, LeadBrochure:
	case "":
		f["type"] = "is required (test_drive or brochure)"
	default:
		f["type"] = "must be test_drive or brochure"
	}
	switch n := utf8.RuneCountInString(l.Name); {
	case n == 0:
		f["name"] = "is required"
	case n > 100:
		f["name"] = "must be at most 100 characters"
	case hasControl(l.Name):
		f["name"] = "must not contain control characters"
	case hasBidiControl(l.Name):
		f["name"] = "must not contain text-direction control characters"
	}
	if msg := checkEmail(l.Email); msg != "" {
		f["email"] = msg
	}
	if l.Phone != "" && !e164Pattern.MatchString(l.Phone) {
		f["phone"] = "must be in international format, like +821012345678"
	}
	if l.VehicleID == "" {
		f["vehicle_id"] = "is required"
	} else if !vehicleIDShape.MatchString(l.VehicleID) {
		f["vehicle_id"] = "is not a vehicle in the catalogue"
	}
	if l.Market == "" {
		l.Market = contract.MarketFor(region)
	} else if !contract.ValidMarket(l.Market) {
		f["market"] = "must be US or KR"
	}
	if l.PreferredDate != "" {
		d, err := time.Parse("2006-01-02", l.PreferredDate)
		switch {
		case err != nil:
			f["preferred_date"] = "must be a date like 2026-12-05"
		case l.Type == LeadBrochure:
			f["preferred_date"] = "is only for test drives"
		case d.Before(now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)):
			f["preferred_date"] = "must not be in the past"
		case d.After(now.AddDate(1, 0, 0)):
			f["preferred_date"] = "must be within a year"
		}
	}
	switch {
	case utf8.RuneCountInString(l.Message) > 1000:
		f["message"] = "must be at most 1000 characters"
	case hasControl(strings.NewReplacer("\n", "", "\r", "", "\t", "").Replace(l.Message)):
		f["message"] = "must not contain control characters other than line breaks and tabs"
	case hasBidiControl(l.Message):
		f["message"] = "must not contain text-direction control characters"
	}
	switch {
	case in.Consent == nil:
		f["consent"] = "is required: we may contact you only with your consent"
	case !*in.Consent:
		f["consent"] = "must be given: we may contact you only with your consent"
	default:
		l.Consent = true
	}
	if len(f) > 0 {
		return Lead{}, &Error{Code: EInvalid, Message: "some fields are invalid", Fields: f}
	}
	l.RequestHash = requestHash(l)
	return l, nil
}

func checkEmail(s string) string {
	switch {
	case s == "":
		return "is required"
	case len(s) > 254:
		return "must be at most 254 characters"
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "must be an email address like name@example.com"
	}
	local, domain, _ := strings.Cut(s, "@")
	if local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") ||
		strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") || strings.ContainsAny(s, " \t\"[]") {
		return "must be an email address like name@example.com"
	}
	return ""
}

// hasBidiControl finds the characters that reorder how text around them is
// shown (Unicode's explicit directional marks, embeddings, overrides and
// isolates): in a name or message they can make what staff read differ
// from what was stored.
func hasBidiControl(s string) bool {
	for _, r := range s {
		switch {
		case r == '\u061c', r == '\u200e', r == '\u200f',
			r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
			return true
		}
	}
	return false
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// requestHash identifies the request's content, so a key reused with a
// different body is told apart from a retry.
func requestHash(l Lead) string {
	h := sha256.New()
	for _, v := range []string{l.Type, l.Name, l.Email, l.Phone, l.VehicleID, l.Market, l.PreferredDate, l.Message} {
		fmt.Fprintf(h, "%d:%s|", len(v), v)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// HealthCheckHash is the request hash of a health-check write: its body
// carries nothing, so the region is all there is to compare.
func HealthCheckHash(region string) string {
	s := sha256.Sum256([]byte("health-check|" + region))
	return hex.EncodeToString(s[:])
}

// NewLeadID returns 128 random bits in hex: unguessable, not a sequence.
func NewLeadID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NewIdempotencyKey makes a key for a client that sent none, so the
// backend's own retries after an unknown commit outcome stay idempotent.
func NewIdempotencyKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "srv-" + hex.EncodeToString(b)
}

// ValidLeadID reports whether id has the shape of a lead id.
func ValidLeadID(id string) bool { return leadIDPattern.MatchString(id) }

// ValidIdempotencyKey reports whether k is 1-100 printable ASCII characters.
func ValidIdempotencyKey(k string) bool { return keyPattern.MatchString(k) }

// ValidVehicleID reports whether id has the shape of a vehicle id.
func ValidVehicleID(id string) bool { return vehicleIDShape.MatchString(id) }
