// Package backendapi is the frontend's client for the backend's JSON API
// (docs/api.md). Pages call it; /api/* from browsers goes through the proxy
// instead, untouched.
package backendapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"

	"hyundai-poc.com/contract"
)

// Error is an error answer of the backend: its status and body.
type Error struct {
	Status int
	contract.ErrorBody
}

func (e *Error) Error() string {
	return fmt.Sprintf("backend: %d %s: %s", e.Status, e.Code, e.Message)
}

// ErrUnavailable wraps failures to reach the backend at all (refused,
// reset, timed out); ErrTimeout marks the timed-out ones among them.
var (
	ErrUnavailable = errors.New("backend unavailable")
	ErrTimeout     = errors.New("backend timed out")
)

// Client calls the backend.
type Client struct {
	base *url.URL
	http *http.Client
}

// New returns a client for the backend at base; each call is bounded by timeout.
func New(base *url.URL, timeout time.Duration) *Client {
	return &Client{base: base, http: &http.Client{
		Timeout:   timeout,
		Transport: NewTransport(),
		// The API never redirects; following one would hide a misconfiguration.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// NewTransport is the transport for every call to the backend: short dial
// and header timeouts so a dead backend is an answer, never a hang.
func NewTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil, // the backend is always addressed directly
		DialContext:           (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   50,
		IdleConnTimeout:       60 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// Meta is what the backend says about an answer in its headers.
type Meta struct {
	Region     string              // contract.HeaderRegion
	ReadSource contract.ReadSource // contract.HeaderReadSource
	Token      string              // contract.HeaderConsistencyToken
	Replayed   bool                // contract.HeaderIdempotentReplayed
	// Pending says the backend acknowledged a lead (202) that waits in its
	// region's queue and is not on the writer yet.
	Pending bool
}

// Campaigns lists the market's campaigns.
func (c *Client) Campaigns(ctx context.Context, market string) ([]contract.Campaign, Meta, error) {
	var out contract.CampaignList
	m, err := c.do(ctx, http.MethodGet, "/api/campaigns", url.Values{"market": {market}}, nil, nil, &out)
	return out.Campaigns, m, err
}

// Vehicles lists the catalogue with the market's prices.
func (c *Client) Vehicles(ctx context.Context, market string) ([]contract.Vehicle, Meta, error) {
	var out contract.VehicleList
	m, err := c.do(ctx, http.MethodGet, "/api/vehicles", url.Values{"market": {market}}, nil, nil, &out)
	return out.Vehicles, m, err
}

// Vehicle reads one vehicle; a missing one is an *Error with Status 404.
func (c *Client) Vehicle(ctx context.Context, id, market string) (contract.Vehicle, Meta, error) {
	var out contract.VehicleAnswer
	m, err := c.do(ctx, http.MethodGet, "/api/vehicles/"+url.PathEscape(id), url.Values{"market": {market}}, nil, nil, &out)
	return out.Vehicle, m, err
}

// Region reads the backend's view of the data path.
func (c *Client) Region(ctx context.Context) (contract.RegionStatus, Meta, error) {
	var out contract.RegionStatus
	m, err := c.do(ctx, http.MethodGet, "/api/region", nil, nil, nil, &out)
	return out, m, err
}

// CreateLead writes a lead. The idempotency key makes a repeated call with
// the same lead return the first one (Meta.Replayed).
func (c *Client) CreateLead(ctx context.Context, idemKey string, l contract.LeadRequest) (contract.Lead, Meta, error) {
	var out contract.LeadAnswer
	h := http.Header{}
	if idemKey != "" {
		h.Set(contract.HeaderIdempotencyKey, idemKey)
	}
	m, err := c.do(ctx, http.MethodPost, "/api/leads", nil, h, l, &out)
	m.Pending = err == nil && out.Status == contract.LeadPending
	return out.Lead, m, err
}

// Lead reads a lead back. With the consistency token of its write, the
// backend answers only from a node that has that write.
func (c *Client) Lead(ctx context.Context, id, token string) (contract.Lead, Meta, error) {
	var out contract.LeadAnswer
	h := http.Header{}
	if token != "" {
		h.Set(contract.HeaderConsistencyToken, token)
	}
	m, err := c.do(ctx, http.MethodGet, "/api/leads/"+url.PathEscape(id), nil, h, nil, &out)
	m.Pending = err == nil && out.Status == contract.LeadPending
	return out.Lead, m, err
}

// Ready asks the backend's /readyz.
func (c *Client) Ready(ctx context.Context) error {
	_, err := c.do(ctx, http.MethodGet, "/readyz", nil, nil, nil, nil)
	return err
}

func (c *Client) do(ctx context.Context, method, path string, q url.Values, h http.Header, in, out any) (Meta, error) {
	u := *c.base
	u.Path = c.base.Path + path
	u.RawQuery = q.Encode()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return Meta{}, fmt.Errorf("encode %s: %w", path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return Meta{}, fmt.Errorf("request %s: %w", path, err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if id := RequestID(ctx); id != "" {
		req.Header.Set(contract.HeaderRequestID, id)
	}
	if a := ClientAddr(ctx); a != "" {
		req.Header.Set("X-Forwarded-For", a)
	}
	otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(req.Header))

	resp, err := c.http.Do(req)
	if err != nil {
		if IsTimeout(err) {
			return Meta{}, fmt.Errorf("%s %s: %w: %w", method, path, ErrTimeout, errors.Join(ErrUnavailable, err))
		}
		return Meta{}, fmt.Errorf("%s %s: %w: %w", method, path, ErrUnavailable, err)
	}
	defer resp.Body.Close()
	meta := Meta{
		Region:     resp.Header.Get(contract.HeaderRegion),
		ReadSource: contract.ReadSource(resp.Header.Get(contract.HeaderReadSource)),
		Token:      resp.Header.Get(contract.HeaderConsistencyToken),
		Replayed:   resp.Header.Get(contract.HeaderIdempotentReplayed) == "true",
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		if IsTimeout(err) {
			return meta, fmt.Errorf("%s %s: read: %w: %w", method, path, ErrTimeout, errors.Join(ErrUnavailable, err))
		}
		return meta, fmt.Errorf("%s %s: read: %w: %w", method, path, ErrUnavailable, err)
	}
	if resp.StatusCode >= 300 {
		var e contract.ErrorAnswer
		_ = json.Unmarshal(raw, &e)
		if e.Error.Code == "" {
			e.Error.Code = http.StatusText(resp.StatusCode)
		}
		return meta, &Error{Status: resp.StatusCode, ErrorBody: e.Error}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return meta, fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return meta, nil
}

// IsTimeout tells a timed-out call from a refused or reset one.
func IsTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

type requestIDKey struct{}

type clientKey struct{}

// WithClient returns a context whose backend calls name addr as the client,
// in X-Forwarded-For: the one address this frontend vouches for, never a
// chain a client could have written.
func WithClient(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientKey{}, addr)
}

// ClientAddr is the client address carried by ctx, or "".
func ClientAddr(ctx context.Context) string {
	s, _ := ctx.Value(clientKey{}).(string)
	return s
}

// WithRequestID returns a context whose backend calls carry the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID is the request id carried by ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
