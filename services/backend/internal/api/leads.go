package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"hyundai-poc.com/backend/internal/intake"
	"hyundai-poc.com/backend/internal/marketing"
	"hyundai-poc.com/contract"
)

func (s *Server) leadRoutes() chi.Router {
	r := chi.NewRouter()
	// Every answer here holds, or may hold, a visitor's personal data.
	r.Use(noStore)
	r.With(s.limitWrites).Post("/", s.createLead)
	r.Get("/{id}", s.getLead)
	return r
}

// noStore keeps answers out of every cache between here and the visitor.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// idempotencyKey reads the Idempotency-Key header, or makes one.
func idempotencyKey(r *http.Request) (string, error) {
	vals := r.Header.Values(contract.HeaderIdempotencyKey)
	switch {
	case len(vals) == 0:
		return marketing.NewIdempotencyKey(), nil
	case len(vals) > 1:
		return "", refuse(contract.CodeBadRequest, "send one Idempotency-Key header")
	}
	k := strings.TrimSpace(vals[0])
	if !marketing.ValidIdempotencyKey(k) {
		return "", refuse(contract.CodeBadRequest, "Idempotency-Key must be 1-100 printable ASCII characters")
	}
	return k, nil
}

func (s *Server) createLead(w http.ResponseWriter, r *http.Request) {
	key, err := idempotencyKey(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body, err := readBody(r, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in contract.LeadRequest
	if err := decodeJSON(body, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	lead, err := leadIn(in).Validate(s.Region, s.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	exists, err := s.Store.VehicleExists(r.Context(), lead.VehicleID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !exists {
		s.fail(w, r, &marketing.Error{Code: marketing.EInvalid, Message: "some fields are invalid",
			Fields: map[string]string{"vehicle_id": "is not a vehicle in the catalogue"}})
		return
	}
	release, ok := s.acquireWrite(w, r)
	if !ok {
		return
	}
	defer release()
	lead.ID = marketing.NewLeadID()
	lead.IdempotencyKey = key
	lead.CreatedAt = s.Now().UTC()
	res, err := s.Intake.Create(r.Context(), lead)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/leads/"+res.Lead.ID)
	if res.Status == intake.Pending {
		// In the region's queue: acknowledged, written when a writer takes
		// it. The client can follow Location until it answers 200.
		if res.Replayed {
			w.Header().Set(contract.HeaderIdempotentReplayed, "true")
		}
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusAccepted, contract.LeadAnswer{Status: contract.LeadPending, Lead: leadOut(res.Lead)})
		return
	}
	acknowledged(w, res.Token, res.Replayed)
	writeJSON(w, http.StatusCreated, contract.LeadAnswer{Status: contract.LeadConfirmed, Lead: leadOut(res.Lead)})
}

// acknowledged sets the headers of a successful write: the token that lets
// any region read it back, and whether this was a replay.
func acknowledged(w http.ResponseWriter, token string, replayed bool) {
	w.Header().Set(contract.HeaderConsistencyToken, token)
	if replayed {
		w.Header().Set(contract.HeaderIdempotentReplayed, "true")
	}
}

func (s *Server) getLead(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if !marketing.ValidLeadID(id) {
		s.fail(w, r, marketing.Errorf(marketing.ENotFound, "no such lead"))
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	lead, src, err := s.Store.Lead(r.Context(), id, strings.TrimSpace(r.Header.Get(contract.HeaderConsistencyToken)))
	if err != nil {
		var me *marketing.Error
		notFound := errors.As(err, &me) && me.Code == marketing.ENotFound
		// Not in any database it could reach: the region's queue may hold
		// it, acknowledged and not yet written.
		if notFound || r.Context().Err() == nil {
			if pending, ok, qerr := s.Intake.Pending(r.Context(), id); qerr == nil && ok {
				w.Header().Set("Retry-After", "1")
				writeJSON(w, http.StatusAccepted, contract.LeadAnswer{Status: contract.LeadPending, Lead: leadOut(pending)})
				return
			}
		}
		s.readSource(w, src)
		s.fail(w, r, err)
		return
	}
	s.readSource(w, src)
	if lead.ReadRegion != "" {
		w.Header().Set(contract.HeaderReadRegion, lead.ReadRegion)
	}
	writeJSON(w, http.StatusOK, contract.LeadAnswer{Status: contract.LeadConfirmed, Lead: leadOut(lead)})
}

func (s *Server) createHealthCheck(w http.ResponseWriter, r *http.Request) {
	key, err := idempotencyKey(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body, err := readBody(r, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if body != nil {
		var empty struct{}
		if err := decodeJSON(body, &empty); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	release, ok := s.acquireWrite(w, r)
	if !ok {
		return
	}
	defer release()
	hc, replayed, token, err := s.Store.CreateHealthCheck(r.Context(), marketing.HealthCheck{
		Region: s.Region, IdempotencyKey: key, RequestHash: marketing.HealthCheckHash(s.Region), CreatedAt: s.Now().UTC(),
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	acknowledged(w, token, replayed)
	writeJSON(w, http.StatusCreated, contract.HealthCheckAnswer{HealthCheck: healthCheckOut(hc)})
}
