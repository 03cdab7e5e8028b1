package api

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"hyundai-poc.com/backend/marketing"
)

func (a *API) vehicleRoutes() chi.Router {
	r := chi.NewRouter()
	r.Get("/", a.listVehicles)
	r.Get("/{id}", a.getVehicle)
	return r
}

// marketParam reads ?market=; required says whether it may be absent.
func marketParam(r *http.Request, required bool) (string, error) {
	m := strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("market")))
	if m == "" && !required {
		return "", nil
	}
	if !marketing.ValidMarket(m) {
		msg := "must be US or KR"
		if m == "" {
			msg = "is required (US or KR)"
		}
		return "", &marketing.Error{Code: marketing.EInvalid, Message: "invalid query parameter", Fields: map[string]string{"market": msg}}
	}
	return m, nil
}

func withPrice(v marketing.Vehicle, market string) marketing.Vehicle {
	if market == "" {
		return v
	}
	for _, p := range v.Prices {
		if p.Market == market {
			p := p
			v.Price = &p
		}
	}
	return v
}

func (a *API) listVehicles(w http.ResponseWriter, r *http.Request) {
	market, err := marketParam(r, false)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	vs, src, err := a.Store.Vehicles(r.Context())
	w.Header().Set("X-Read-Source", string(src))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	for i := range vs {
		vs[i] = withPrice(vs[i], market)
	}
	body := map[string]any{"vehicles": vs}
	if market != "" {
		body["market"] = market
	}
	writeJSON(w, http.StatusOK, body)
}

func (a *API) getVehicle(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	market, err := marketParam(r, false)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if !marketing.ValidVehicleID(id) {
		a.fail(w, r, marketing.Errorf(marketing.ENotFound, "no such vehicle"))
		return
	}
	v, src, err := a.Store.Vehicle(r.Context(), id)
	w.Header().Set("X-Read-Source", string(src))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"vehicle": withPrice(v, market)})
}

func (a *API) campaigns(w http.ResponseWriter, r *http.Request) {
	market, err := marketParam(r, true)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	cs, src, err := a.Store.Campaigns(r.Context(), market)
	w.Header().Set("X-Read-Source", string(src))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"market": market, "campaigns": cs})
}
