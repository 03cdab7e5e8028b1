// Package marketing is the domain of the site: the vehicle catalogue,
// campaigns per market, leads (test-drive and brochure requests) and
// health-check writes, the rules they obey, and the interface a store must
// offer. It knows nothing of HTTP or SQL.
package marketing

import (
	"context"
	"time"
)

// MarketFor is the market a region serves by default.
func MarketFor(region string) string {
	if region == "ap-northeast-2" {
		return "KR"
	}
	return "US"
}

// ValidMarket reports whether m is a market the site sells in.
func ValidMarket(m string) bool { return m == "US" || m == "KR" }

// Price is a starting price in whole units of the market's currency.
type Price struct {
	Market   string `json:"market"`
	Currency string `json:"currency"`
	MSRP     int64  `json:"msrp"`
}

// Vehicle is a model in the catalogue.
type Vehicle struct {
	ID         string  `json:"id"`
	Name       string  `json:"name"`
	ModelYear  int     `json:"model_year"`
	BodyType   string  `json:"body_type"`
	Powertrain string  `json:"powertrain"`
	Seats      int     `json:"seats"`
	Summary    string  `json:"summary"`
	Price      *Price  `json:"price,omitempty"`
	Prices     []Price `json:"prices"`
}

// Campaign is a promotion shown in one market.
type Campaign struct {
	ID        int64  `json:"id"`
	Market    string `json:"market"`
	Slug      string `json:"slug"`
	Title     string `json:"title"`
	Body      string `json:"body"`
	VehicleID string `json:"vehicle_id,omitempty"`
	StartsOn  string `json:"starts_on"`
	EndsOn    string `json:"ends_on"`
}

// Lead is a test-drive or brochure request. It holds personal data: it is
// never logged, and its ID is the only way to read it back.
type Lead struct {
	ID            string    `json:"id"`
	Type          string    `json:"type"`
	Name          string    `json:"name"`
	Email         string    `json:"email"`
	Phone         string    `json:"phone,omitempty"`
	VehicleID     string    `json:"vehicle_id"`
	Market        string    `json:"market"`
	PreferredDate string    `json:"preferred_date,omitempty"`
	Message       string    `json:"message,omitempty"`
	Consent       bool      `json:"consent"`
	Region        string    `json:"region"`
	CreatedAt     time.Time `json:"created_at"`

	IdempotencyKey string `json:"-"`
	RequestHash    string `json:"-"`
}

// HealthCheck records which writer took a region's health-check write.
type HealthCheck struct {
	ID           int64     `json:"id"`
	Region       string    `json:"region"`
	WriterNode   string    `json:"writer_node"`
	WriterRegion string    `json:"writer_region"`
	CreatedAt    time.Time `json:"created_at"`

	IdempotencyKey string `json:"-"`
	RequestHash    string `json:"-"`
}

// ReadSource says which database node answered a read.
type ReadSource string

// Store is what the domain needs from persistence. Reads say which node
// answered; writes are idempotent by key and return the stored row, with
// replayed set when the key had been used before with the same request,
// and a consistency token with which any region can read the write back.
type Store interface {
	Vehicles(ctx context.Context) ([]Vehicle, ReadSource, error)
	Vehicle(ctx context.Context, id string) (Vehicle, ReadSource, error)
	VehicleExists(ctx context.Context, id string) (bool, error)
	Campaigns(ctx context.Context, market string) ([]Campaign, ReadSource, error)
	CreateLead(ctx context.Context, l Lead) (stored Lead, replayed bool, token string, err error)
	Lead(ctx context.Context, id, token string) (Lead, ReadSource, error)
	CreateHealthCheck(ctx context.Context, h HealthCheck) (stored HealthCheck, replayed bool, token string, err error)
}
