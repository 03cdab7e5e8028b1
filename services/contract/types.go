package contract

import "time"

// Price is a starting price in whole units of the market's currency.
type Price struct {
	Market   string `json:"market"`
	Currency string `json:"currency"`
	MSRP     int64  `json:"msrp"`
}

// Vehicle is a model in the catalogue. Price is the asked market's, when a
// market was asked for.
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

// VehicleList is the answer to GET /api/vehicles.
type VehicleList struct {
	Market   string    `json:"market,omitempty"`
	Vehicles []Vehicle `json:"vehicles"`
}

// VehicleAnswer is the answer to GET /api/vehicles/{id}.
type VehicleAnswer struct {
	Vehicle Vehicle `json:"vehicle"`
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

// CampaignList is the answer to GET /api/campaigns.
type CampaignList struct {
	Market    string     `json:"market"`
	Campaigns []Campaign `json:"campaigns"`
}

// Lead kinds.
const (
	LeadTestDrive = "test_drive"
	LeadBrochure  = "brochure"
)

// LeadRequest is the body of POST /api/leads: what a visitor gives.
// Consent is a pointer so that a missing consent is told from a refused one.
type LeadRequest struct {
	Type          string `json:"type"`
	Name          string `json:"name"`
	Email         string `json:"email"`
	Phone         string `json:"phone,omitempty"`
	VehicleID     string `json:"vehicle_id"`
	Market        string `json:"market,omitempty"`
	PreferredDate string `json:"preferred_date,omitempty"`
	Message       string `json:"message,omitempty"`
	Consent       *bool  `json:"consent"`
}

// Lead is a stored test-drive or brochure request. It holds personal data.
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
}

// Lead statuses: a lead answered 201 (or read back 200) is on the writer;
// one answered 202 waits in its region's queue and is written as soon as
// a writer takes it (GET /api/leads/{id} answers 202 until then).
const (
	LeadConfirmed = "confirmed"
	LeadPending   = "pending"
)

// LeadAnswer is the answer to POST /api/leads and GET /api/leads/{id}.
// Status is LeadConfirmed or LeadPending.
type LeadAnswer struct {
	Status string `json:"status"`
	Lead   Lead   `json:"lead"`
}

// HealthCheck records which writer took a region's health-check write.
type HealthCheck struct {
	ID           int64     `json:"id"`
	Region       string    `json:"region"`
	WriterNode   string    `json:"writer_node"`
	WriterRegion string    `json:"writer_region"`
	CreatedAt    time.Time `json:"created_at"`
}

// HealthCheckAnswer is the answer to POST /api/health-checks.
type HealthCheckAnswer struct {
	HealthCheck HealthCheck `json:"health_check"`
}

// PathRegion and PathRegionDetail are the backend's two views of its data
// path. PathRegion is public (the status dashboard, the lag samplers, through
// CloudFront and the lab edge). PathRegionDetail names endpoints, the
// addresses they resolve to and node names: it lies outside /api/, which is
// all that the ALB and the frontend's proxy route to a backend, so only
// operators inside the network reach it.
const (
	PathRegion       = "/api/region"
	PathRegionDetail = "/internal/region"
)

// NodeHealth is what anyone may know about one database endpoint: whether
// it answers and takes writes, and in which region it is.
type NodeHealth struct {
	Region    string    `json:"region"`
	Healthy   bool      `json:"healthy"`
	ReadOnly  bool      `json:"read_only"`
	CheckedAt time.Time `json:"checked_at"`
}

// NodeStatus is what the backend last learned about one database endpoint,
// for operators: NodeHealth plus the endpoint, what it resolved to, the node
// that answered and the last error (which may name addresses).
type NodeStatus struct {
	NodeHealth
	Endpoint string   `json:"endpoint"`
	Resolved []string `json:"resolved"`
	Node     string   `json:"node"`
	Error    string   `json:"error,omitempty"`
}

// RegionStatus is the answer to GET /api/region: the backend's public view
// of the data path. ReplicationLagMS is null when unknown.
type RegionStatus struct {
	Region           string     `json:"region"`
	Writer           NodeHealth `json:"writer"`
	Reader           NodeHealth `json:"reader"`
	WriterRegion     string     `json:"writer_region"`
	ReplicationLagMS *int64     `json:"replication_lag_ms"`
	ReadSource       ReadSource `json:"read_source"`
	// Queue is the region's write queue; absent when the backend has none.
	Queue *QueueHealth `json:"queue,omitempty"`
	// CatalogAgeMS is the age of the catalogue's in-memory copy, null
	// before the first load.
	CatalogAgeMS *int64 `json:"catalog_age_ms,omitempty"`
}

// RegionDetail is the answer to GET /internal/region: RegionStatus with
// the operators' details of each node and of the queue. Its JSON holds
// every field of RegionStatus's, so a reader of either can decode it.
type RegionDetail struct {
	Region           string       `json:"region"`
	Writer           NodeStatus   `json:"writer"`
	Reader           NodeStatus   `json:"reader"`
	WriterRegion     string       `json:"writer_region"`
	ReplicationLagMS *int64       `json:"replication_lag_ms"`
	ReadSource       ReadSource   `json:"read_source"`
	Queue            *QueueStatus `json:"queue,omitempty"`
	CatalogAgeMS     *int64       `json:"catalog_age_ms,omitempty"`
}

// Public is what of d the internet may see.
func (d RegionDetail) Public() RegionStatus {
	p := RegionStatus{Region: d.Region, Writer: d.Writer.NodeHealth, Reader: d.Reader.NodeHealth,
		WriterRegion: d.WriterRegion, ReplicationLagMS: d.ReplicationLagMS, ReadSource: d.ReadSource,
		CatalogAgeMS: d.CatalogAgeMS}
	if d.Queue != nil {
		q := d.Queue.QueueHealth
		p.Queue = &q
	}
	return p
}

// QueueHealth is the region's write queue as the backend last saw it:
// leads journaled and not yet seen in another region, and pending leads.
type QueueHealth struct {
	Up        bool      `json:"up"`
	Depth     int64     `json:"depth"`
	OldestMS  int64     `json:"oldest_ms"`
	CheckedAt time.Time `json:"checked_at"`
}

// QueueStatus is QueueHealth with the last error, for operators (it may
// name the queue's address).
type QueueStatus struct {
	QueueHealth
	Error string `json:"error,omitempty"`
}

// Readiness is the answer to GET /readyz: 200 with Status "ready" while
// either node answers, else 503 with Error.
type Readiness struct {
	Status string     `json:"status,omitempty"`
	Reader bool       `json:"reader"`
	Writer bool       `json:"writer"`
	Error  *ErrorBody `json:"error,omitempty"`
}
