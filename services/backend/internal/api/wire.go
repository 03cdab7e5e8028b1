package api

import (
	"hyundai-poc.com/backend/internal/datapath"
	"hyundai-poc.com/backend/internal/marketing"
	"hyundai-poc.com/contract"
)

// The domain and the data path know nothing of the wire; these turn their
// values into the contract's and back.

// vehicleOut is v as the API shows it, with the market's price when a
// market was asked for.
func vehicleOut(v marketing.Vehicle, market string) contract.Vehicle {
	out := contract.Vehicle{ID: v.ID, Name: v.Name, ModelYear: v.ModelYear, BodyType: v.BodyType,
		Powertrain: v.Powertrain, Seats: v.Seats, Summary: v.Summary, Prices: make([]contract.Price, len(v.Prices))}
	for i, p := range v.Prices {
		price := contract.Price{Market: p.Market, Currency: p.Currency, MSRP: p.MSRP}
		out.Prices[i] = price
		if market != "" && p.Market == market {
			out.Price = &price
		}
	}
	return out
}

func campaignsOut(cs []marketing.Campaign) []contract.Campaign {
	out := make([]contract.Campaign, len(cs))
	for i, c := range cs {
		out[i] = contract.Campaign{ID: c.ID, Market: c.Market, Slug: c.Slug, Title: c.Title, Body: c.Body,
			VehicleID: c.VehicleID, StartsOn: c.StartsOn, EndsOn: c.EndsOn}
	}
	return out
}

func leadIn(r contract.LeadRequest) marketing.LeadInput {
	return marketing.LeadInput{Type: r.Type, Name: r.Name, Email: r.Email, Phone: r.Phone, VehicleID: r.VehicleID,
		Market: r.Market, PreferredDate: r.PreferredDate, Message: r.Message, Consent: r.Consent}
}

func leadOut(l marketing.Lead) contract.Lead {
	return contract.Lead{ID: l.ID, Type: l.Type, Name: l.Name, Email: l.Email, Phone: l.Phone, VehicleID: l.VehicleID,
		Market: l.Market, PreferredDate: l.PreferredDate, Message: l.Message, Consent: l.Consent, Region: l.Region,
		CreatedAt: l.CreatedAt}
}

func healthCheckOut(h marketing.HealthCheck) contract.HealthCheck {
	return contract.HealthCheck{ID: h.ID, Region: h.Region, WriterNode: h.WriterNode, WriterRegion: h.WriterRegion,
		CreatedAt: h.CreatedAt}
}

func nodeOut(n datapath.NodeCheck) contract.NodeStatus {
	resolved := n.Resolved
	if resolved == nil {
		resolved = []string{}
	}
	return contract.NodeStatus{Endpoint: n.Endpoint, Resolved: resolved, Node: n.Node, Error: n.Error,
		NodeHealth: contract.NodeHealth{Region: n.Region, Healthy: n.Healthy, ReadOnly: n.ReadOnly, CheckedAt: n.CheckedAt}}
}
