package sitetest

// TEMPORARY: serves the docs/api.md shapes until the real backend's
// backendtest package lands; replaced by the real backend.

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// Backend is a backend for tests.
type Backend struct {
	URL    string
	Region string
	mu     sync.Mutex
	leads  map[string]map[string]any
	byKey  map[string]string
}

// LeadCount is how many leads the database holds.
func (b *Backend) LeadCount(t testing.TB) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.leads)
}

var fakeVehicles = []map[string]any{
	{"id": "ioniq-5", "name": "IONIQ 5", "model_year": 2026, "body_type": "suv", "powertrain": "electric", "seats": 5, "summary": "Midsize electric crossover on the E-GMP platform with 800-volt ultra-fast charging.", "us": 42600, "kr": 52500000},
	{"id": "ioniq-6", "name": "IONIQ 6", "model_year": 2026, "body_type": "sedan", "powertrain": "electric", "seats": 5, "summary": "Streamlined electric sedan built for range and a quiet cabin.", "us": 37850, "kr": 46950000},
	{"id": "palisade", "name": "PALISADE", "model_year": 2026, "body_type": "suv", "powertrain": "hybrid", "seats": 8, "summary": "Flagship three-row SUV for families of up to eight.", "us": 39435, "kr": 43830000},
	{"id": "nexo", "name": "NEXO", "model_year": 2026, "body_type": "suv", "powertrain": "hydrogen", "seats": 5, "summary": "Hydrogen fuel-cell SUV that refuels in about five minutes.", "us": 60135, "kr": 71440000},
	{"id": "elantra", "name": "ELANTRA", "model_year": 2026, "body_type": "sedan", "powertrain": "gasoline", "seats": 5, "summary": "Compact sedan with sharp lines and a generous warranty.", "us": 22125, "kr": 20340000},
}

func vehicleJSON(v map[string]any, market string) map[string]any {
	out := map[string]any{}
	for k, x := range v {
		if k != "us" && k != "kr" {
			out[k] = x
		}
	}
	if market == "KR" {
		out["price"] = map[string]any{"market": "KR", "currency": "KRW", "msrp": v["kr"]}
	} else {
		out["price"] = map[string]any{"market": "US", "currency": "USD", "msrp": v["us"]}
	}
	return out
}

// CampaignTitles are the titles of the market's campaigns in the database.
func (b *Backend) CampaignTitles(t testing.TB, market string) []string {
	if market == "KR" {
		return []string{"아이오닉 9 출시 기념"}
	}
	return []string{"Charge up your winter", "Room for everyone"}
}

// StartBackend starts a backend for region with the seeded catalogue.
func StartBackend(t testing.TB, region string) *Backend {
	t.Helper()
	b := &Backend{Region: region, leads: map[string]map[string]any{}, byKey: map[string]string{}}
	mux := http.NewServeMux()
	write := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Region", region)
		w.Header().Set("X-Read-Source", "reader")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		write(w, 200, map[string]any{"status": "ready", "reader": true, "writer": true})
	})
	mux.HandleFunc("GET /api/campaigns", func(w http.ResponseWriter, r *http.Request) {
		m := r.URL.Query().Get("market")
		cs := []map[string]any{
			{"id": 1, "market": "US", "slug": "ioniq-5-charging", "title": "Charge up your winter", "body": "Lease a 2026 IONIQ 5 and get two years of complimentary DC fast charging at participating networks.", "vehicle_id": "ioniq-5", "starts_on": "2026-11-01", "ends_on": "2027-01-31"},
			{"id": 2, "market": "US", "slug": "palisade-family", "title": "Room for everyone", "body": "The all-new PALISADE Hybrid seats up to eight. Book a test drive and bring the whole family.", "vehicle_id": "palisade", "starts_on": "2026-10-01", "ends_on": "2027-03-31"},
			{"id": 4, "market": "KR", "slug": "ioniq-9-launch", "title": "아이오닉 9 출시 기념", "body": "7인승 대형 전기 SUV 아이오닉 9을 가까운 전시장에서 만나보세요.", "vehicle_id": "nexo", "starts_on": "2026-11-01", "ends_on": "2027-01-31"},
		}
		var out []map[string]any
		for _, c := range cs {
			if c["market"] == m {
				out = append(out, c)
			}
		}
		write(w, 200, map[string]any{"market": m, "campaigns": out})
	})
	mux.HandleFunc("GET /api/vehicles", func(w http.ResponseWriter, r *http.Request) {
		var out []map[string]any
		for _, v := range fakeVehicles {
			out = append(out, vehicleJSON(v, r.URL.Query().Get("market")))
		}
		write(w, 200, map[string]any{"vehicles": out})
	})
	mux.HandleFunc("GET /api/vehicles/{id}", func(w http.ResponseWriter, r *http.Request) {
		for _, v := range fakeVehicles {
			if v["id"] == r.PathValue("id") {
				write(w, 200, map[string]any{"vehicle": vehicleJSON(v, r.URL.Query().Get("market"))})
				return
			}
		}
		write(w, 404, map[string]any{"error": map[string]any{"code": "not_found", "message": "no such vehicle"}})
	})
	mux.HandleFunc("GET /api/region", func(w http.ResponseWriter, r *http.Request) {
		node := func(ro bool) map[string]any {
			return map[string]any{"endpoint": "127.0.0.1:3306", "resolved": []string{"127.0.0.1"}, "node": region, "region": region, "healthy": true, "read_only": ro, "checked_at": "2026-11-25T16:00:00.123Z"}
		}
		write(w, 200, map[string]any{"region": region, "writer": node(false), "reader": node(false), "writer_region": region, "replication_lag_ms": 0, "read_source": "reader"})
	})
	emailRE := regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	phoneRE := regexp.MustCompile(`^\+[0-9]{8,15}$`)
	mux.HandleFunc("POST /api/leads", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			write(w, 400, map[string]any{"error": map[string]any{"code": "malformed_json", "message": "bad json"}})
			return
		}
		fields := map[string]string{}
		if s, _ := in["name"].(string); strings.TrimSpace(s) == "" {
			fields["name"] = "is required"
		}
		if s, _ := in["email"].(string); !emailRE.MatchString(s) {
			fields["email"] = "must be an email address"
		}
		if s, _ := in["phone"].(string); s != "" && !phoneRE.MatchString(s) {
			fields["phone"] = "must be in E.164 format, like +14155550123"
		}
		if s, _ := in["vehicle_id"].(string); s == "" {
			fields["vehicle_id"] = "is required"
		}
		if c, _ := in["consent"].(bool); !c {
			fields["consent"] = "must be true"
		}
		if len(fields) > 0 {
			write(w, 422, map[string]any{"error": map[string]any{"code": "invalid_fields", "message": "some fields are invalid", "fields": fields}})
			return
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		key := r.Header.Get("Idempotency-Key")
		if id, ok := b.byKey[key]; ok && key != "" {
			w.Header().Set("Idempotent-Replayed", "true")
			w.Header().Set("X-Consistency-Token", "tok")
			write(w, 201, map[string]any{"lead": b.leads[id]})
			return
		}
		id := strings.Repeat("ab", 15) + string(rune('a'+len(b.leads)%6)) + "0"
		in["id"], in["region"], in["created_at"] = id, region, "2026-11-25T16:00:00.123456Z"
		b.leads[id] = in
		b.byKey[key] = id
		w.Header().Set("X-Consistency-Token", "tok")
		write(w, 201, map[string]any{"lead": in})
	})
	mux.HandleFunc("GET /api/leads/{id}", func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		defer b.mu.Unlock()
		if l, ok := b.leads[r.PathValue("id")]; ok {
			write(w, 200, map[string]any{"lead": l})
			return
		}
		write(w, 404, map[string]any{"error": map[string]any{"code": "not_found", "message": "no such lead"}})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	b.URL = srv.URL
	return b
}
