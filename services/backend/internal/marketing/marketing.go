// Package marketing is the domain of the site: the vehicle catalogue,
// campaigns per market, leads (test-drive and brochure requests) and
// health-check writes, the rules they obey, and the interface a store must
// offer. It knows nothing of HTTP or SQL.
package marketing

import (
	"context"
	"time"

	"hyundai-poc.com/contract"
)

// Price is a starting price in whole units of the market's currency.
type Price struct {
	Market   string
	Currency string
	MSRP     int64
}

// Vehicle is a model in the catalogue.
type Vehicle struct {
	ID         string
	Name       string
	ModelYear  int
	BodyType   string
	Powertrain string
	Seats      int
	Summary    string
	Prices     []Price
}

// Campaign is a promotion shown in one market.
type Campaign struct {
	ID        int64
	Market    string
	Slug      string
	Title     string
	Body      string
	VehicleID string
	StartsOn  string
	EndsOn    string
}

// Lead is a test-drive or brochure request. It holds personal data: it is
// never logged, and its ID is the only way to read it back.
type Lead struct {
	ID            string
	Type          string
	Name          string
	Email         string
	Phone         string
	VehicleID     string
	Market        string
	PreferredDate string
	Message       string
	Consent       bool
	Region        string
	CreatedAt     time.Time

	IdempotencyKey string
	RequestHash    string
	// ReadRegion names another region whose reader answered the read,
	// when neither local node could.
	ReadRegion string
}

// LeadWrite is what storing one lead of a queued batch came to.
type LeadWrite int

// What a batch write did with each lead.
const (
	LeadInserted LeadWrite = iota + 1 // the writer has it from this write
	LeadPresent                       // the writer had it already, from the same request
	LeadConflict                      // its key is taken by another request: it can never be stored
)

// HealthCheck records which writer took a region's health-check write.
type HealthCheck struct {
	ID           int64
	Region       string
	WriterNode   string
	WriterRegion string
	CreatedAt    time.Time

	IdempotencyKey string
	RequestHash    string
}

// Store is what the domain needs from persistence. Reads say which node
// answered; writes are idempotent by key and return the stored row, with
// replayed set when the key had been used before with the same request,
// and a consistency token with which any region can read the write back.
type Store interface {
	Vehicles(ctx context.Context) ([]Vehicle, contract.ReadSource, error)
	Vehicle(ctx context.Context, id string) (Vehicle, contract.ReadSource, error)
	VehicleExists(ctx context.Context, id string) (bool, error)
	Campaigns(ctx context.Context, market string) ([]Campaign, contract.ReadSource, error)
	CreateLead(ctx context.Context, l Lead) (stored Lead, replayed bool, token string, err error)
	// ApplyLeads stores a batch of queued leads at once, each once by key.
	ApplyLeads(ctx context.Context, ls []Lead) ([]LeadWrite, error)
	Lead(ctx context.Context, id, token string) (Lead, contract.ReadSource, error)
	CreateHealthCheck(ctx context.Context, h HealthCheck) (stored HealthCheck, replayed bool, token string, err error)
}
