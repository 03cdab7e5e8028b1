package site

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/go-chi/chi/v5"

	"hyundai-poc.com/contract"
	"hyundai-poc.com/frontend/backendapi"
)

type homeView struct {
	Campaigns []campaignView
}

type campaignView struct {
	contract.Campaign
	Vehicle *contract.Vehicle
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	s.rememberMarket(w, r)
	market := s.marketOf(r)
	campaigns, _, err := s.api.Campaigns(r.Context(), market)
	if err != nil {
		s.backendError(w, r, err)
		return
	}
	// Vehicle names and prices make the campaign cards useful; the page
	// still works without them.
	vehicles, _, err := s.api.Vehicles(r.Context(), market)
	if err != nil {
		s.log.WarnContext(r.Context(), "vehicles for campaigns", "error", err)
	}
	byID := map[string]*contract.Vehicle{}
	for i := range vehicles {
		byID[vehicles[i].ID] = &vehicles[i]
	}
	hv := homeView{}
	for _, c := range campaigns {
		hv.Campaigns = append(hv.Campaigns, campaignView{Campaign: c, Vehicle: byID[c.VehicleID]})
	}
	s.render(w, r, http.StatusOK, "home", view{
		Title:       "Hyundai — Offers in " + marketName(market),
		Description: "Current Hyundai offers, the electrified line-up and test drives.",
		Nav:         "home", Market: market, Data: hv,
	})
}

type vehiclesView struct {
	Vehicles []contract.Vehicle
}

func (s *Server) vehicles(w http.ResponseWriter, r *http.Request) {
	s.rememberMarket(w, r)
	market := s.marketOf(r)
	vs, _, err := s.api.Vehicles(r.Context(), market)
	if err != nil {
		s.backendError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "vehicles", view{
		Title: "Vehicles — Hyundai", Description: "The Hyundai line-up with prices for " + marketName(market) + ".",
		Nav: "vehicles", Market: market, Data: vehiclesView{Vehicles: vs},
	})
}

var vehicleIDRE = regexp.MustCompile(`^[a-z0-9-]{1,40}$`)

func (s *Server) vehicle(w http.ResponseWriter, r *http.Request) {
	s.rememberMarket(w, r)
	id := chi.URLParam(r, "id")
	if !vehicleIDRE.MatchString(id) {
		s.errorPage(w, r, http.StatusNotFound, "We can't find that vehicle", "Have a look at the whole line-up instead.")
		return
	}
	market := s.marketOf(r)
	v, _, err := s.api.Vehicle(r.Context(), id, market)
	if err != nil {
		s.lookupFailed(w, r, err, "We can't find that vehicle", "Have a look at the whole line-up instead.")
		return
	}
	s.render(w, r, http.StatusOK, "vehicle", view{
		Title: v.Name + " — Hyundai", Description: v.Summary,
		Nav: "vehicles", Market: market, Data: v,
	})
}

type statusView struct {
	Info      contract.RegionStatus
	Meta      backendapi.Meta
	Err       string
	Regions   []regionTile
	Endpoints string // JSON for the latency panel
	HasLag    bool
	LagMS     int64
	HasEndpts bool
	Nodes     []nodePanel
}

type nodePanel struct {
	Role, Title string
	Node        contract.NodeHealth
}

// regionTile is one region on the dashboard's map of roles.
type regionTile struct {
	Name    string
	Serving bool
	Writer  bool
	Reader  bool
}

var knownRegions = []string{"us-east-1", "us-west-2", "ap-northeast-2"}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	info, meta, err := s.api.Region(r.Context())
	sv := statusView{Info: info, Meta: meta, HasEndpts: len(s.cfg.RegionEndpoints) > 0}
	status := http.StatusOK
	if err != nil {
		// The dashboard matters most while something is broken: it renders
		// anyway, says what failed, and its script keeps polling.
		status = http.StatusBadGateway
		if errors.Is(err, backendapi.ErrTimeout) {
			status = http.StatusGatewayTimeout
		}
		var be *backendapi.Error
		if errors.As(err, &be) {
			status = be.Status
		}
		sv.Err = "The backend did not answer: " + shortError(err)
		s.log.WarnContext(r.Context(), "status: region", "error", err)
	}
	if info.ReplicationLagMS != nil {
		sv.HasLag, sv.LagMS = true, *info.ReplicationLagMS
	}
	names := append([]string(nil), knownRegions...)
	for _, extra := range append([]string{s.cfg.Region, info.WriterRegion, info.Reader.Region}, endpointRegions(s)...) {
		if extra != "" && !slices.Contains(names, extra) {
			names = append(names, extra)
		}
	}
	for _, n := range names {
		sv.Regions = append(sv.Regions, regionTile{Name: n, Serving: n == s.cfg.Region,
			Writer: n == info.WriterRegion, Reader: n == info.Reader.Region})
	}
	sv.Nodes = []nodePanel{{"writer", "Writer", info.Writer}, {"reader", "Reader", info.Reader}}
	eps := make([]map[string]string, 0, len(s.cfg.RegionEndpoints))
	for _, e := range s.cfg.RegionEndpoints {
		eps = append(eps, map[string]string{"region": e.Region, "url": e.URL})
	}
	b, _ := json.Marshal(eps)
	sv.Endpoints = string(b)
	s.render(w, r, status, "status", view{
		Title: "Region status — Hyundai", Description: "Which region served this page and where its data lives.",
		Nav: "status", Data: sv,
	})
}

func endpointRegions(s *Server) []string {
	var out []string
	for _, e := range s.cfg.RegionEndpoints {
		out = append(out, e.Region)
	}
	return out
}

func shortError(err error) string {
	var be *backendapi.Error
	switch {
	case errors.As(err, &be):
		return be.Message
	case errors.Is(err, backendapi.ErrTimeout):
		return "timed out"
	case errors.Is(err, backendapi.ErrUnavailable):
		return "unreachable"
	}
	return "failed"
}

// fieldOrder is the order of the form's fields, for the error summary.
var fieldOrder = []string{"name", "email", "phone", "vehicle_id", "preferred_date", "message", "consent"}

func orderedErrors(fields map[string]string) []fieldError {
	var out []fieldError
	for _, f := range fieldOrder {
		if msg, ok := fields[f]; ok {
			out = append(out, fieldError{Field: f, Label: fieldLabels[f], Message: capitalize(msg)})
		}
	}
	var rest []string
	for f := range fields {
		if !slices.Contains(fieldOrder, f) {
			rest = append(rest, f)
		}
	}
	sort.Strings(rest)
	for _, f := range rest {
		out = append(out, fieldError{Field: "", Label: strings.ReplaceAll(f, "_", " "), Message: capitalize(fields[f])})
	}
	return out
}

var fieldLabels = map[string]string{
	"name": "Full name", "email": "Email", "phone": "Phone", "vehicle_id": "Vehicle",
	"preferred_date": "Preferred date", "message": "Message", "consent": "Consent",
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
