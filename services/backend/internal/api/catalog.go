package api

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"hyundai-poc.com/backend/internal/marketing"
	"hyundai-poc.com/contract"
)

func (s *Server) vehicleRoutes() chi.Router {
	r := chi.NewRouter()
	r.Get("/", s.listVehicles)
	r.Get("/{id}", s.getVehicle)
	return r
}

// marketParam reads ?market=; required says whether it may be absent.
func marketParam(r *http.Request, required bool) (string, error) {
	m := strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("market")))
	if m == "" && !required {
		return "", nil
	}
	if !contract.ValidMarket(m) {
		msg := "must be US or KR"
		if m == "" {
			msg = "is required (US or KR)"
		}
		return "", &refusal{code: contract.CodeInvalidFields, message: "invalid query parameter", fields: map[string]string{"market": msg}}
	}
	return m, nil
}

func (s *Server) listVehicles(w http.ResponseWriter, r *http.Request) {
	market, err := marketParam(r, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	vs, src, err := s.Store.Vehicles(r.Context())
	s.readSource(w, src)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body, err := s.vehicleLists.body(market, vs, func(vs []marketing.Vehicle) ([]byte, error) {
		out := contract.VehicleList{Market: market, Vehicles: make([]contract.Vehicle, len(vs))}
		for i, v := range vs {
			out.Vehicles[i] = vehicleOut(v, market)
		}
		return encodeJSON(out)
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeBody(w, http.StatusOK, body)
}

func (s *Server) getVehicle(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	market, err := marketParam(r, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !marketing.ValidVehicleID(id) {
		s.fail(w, r, marketing.Errorf(marketing.ENotFound, "no such vehicle"))
		return
	}
	v, src, err := s.Store.Vehicle(r.Context(), id)
	s.readSource(w, src)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, contract.VehicleAnswer{Vehicle: vehicleOut(v, market)})
}

func (s *Server) campaigns(w http.ResponseWriter, r *http.Request) {
	market, err := marketParam(r, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cs, src, err := s.Store.Campaigns(r.Context(), market)
	s.readSource(w, src)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body, err := s.campaignLists.body(market, cs, func(cs []marketing.Campaign) ([]byte, error) {
		return encodeJSON(contract.CampaignList{Market: market, Campaigns: campaignsOut(cs)})
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeBody(w, http.StatusOK, body)
}
