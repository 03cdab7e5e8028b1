package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"hyundai-poc.com/backend/marketing"
)

func (a *API) leadRoutes() chi.Router {
	r := chi.NewRouter()
	r.Post("/", a.createLead)
	r.Get("/{id}", a.getLead)
	return r
}

// readBody enforces the size limit and the JSON media type. An empty body
// is returned as nil when allowEmpty.
func readBody(r *http.Request, allowEmpty bool) ([]byte, error) {
	if r.ContentLength > maxBody {
		return nil, marketing.Errorf(marketing.ETooLarge, "body is larger than %d bytes", maxBody)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, marketing.Errorf(marketing.ETooLarge, "body is larger than %d bytes", maxBody)
	}
	if err != nil {
		return nil, marketing.Errorf(marketing.EBadRequest, "could not read the body")
	}
	if len(body) == 0 && allowEmpty {
		return nil, nil
	}
	ct := r.Header.Get("Content-Type")
	mt, _, perr := mime.ParseMediaType(ct)
	if ct == "" || perr != nil || mt != "application/json" {
		return nil, marketing.Errorf(marketing.EMediaType, "send the body as application/json")
	}
	if len(body) == 0 {
		return nil, marketing.Errorf(marketing.EMalformed, "body is empty; send a JSON object")
	}
	return body, nil
}

// idempotencyKey reads the Idempotency-Key header, or makes one.
func idempotencyKey(r *http.Request) (string, error) {
	vals := r.Header.Values("Idempotency-Key")
	switch {
	case len(vals) == 0:
		return marketing.NewIdempotencyKey(), nil
	case len(vals) > 1:
		return "", marketing.Errorf(marketing.EBadRequest, "send one Idempotency-Key header")
	}
	k := strings.TrimSpace(vals[0])
	if !marketing.ValidIdempotencyKey(k) {
		return "", marketing.Errorf(marketing.EBadRequest, "Idempotency-Key must be 1-100 printable ASCII characters")
	}
	return k, nil
}

func (a *API) createLead(w http.ResponseWriter, r *http.Request) {
	key, err := idempotencyKey(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	body, err := readBody(r, false)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in marketing.LeadInput
	if err := marketing.DecodeJSON(body, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	lead, err := in.Validate(a.Region, a.Now())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	exists, err := a.Store.VehicleExists(r.Context(), lead.VehicleID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if !exists {
		a.fail(w, r, &marketing.Error{Code: marketing.EInvalid, Message: "some fields are invalid",
			Fields: map[string]string{"vehicle_id": "is not a vehicle in the catalogue"}})
		return
	}
	release, ok := a.acquireWrite(w, r)
	if !ok {
		return
	}
	defer release()
	lead.ID = marketing.NewLeadID()
	lead.IdempotencyKey = key
	lead.CreatedAt = a.Now().UTC()
	stored, replayed, token, err := a.Store.CreateLead(r.Context(), lead)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.acknowledged(w, token, replayed)
	w.Header().Set("Location", "/api/leads/"+stored.ID)
	writeJSON(w, http.StatusCreated, map[string]any{"lead": stored})
}

// acknowledged sets the headers of a successful write: the token that lets
// any region read it back, and whether this was a replay.
func (a *API) acknowledged(w http.ResponseWriter, token string, replayed bool) {
	w.Header().Set("X-Consistency-Token", token)
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
}

func (a *API) getLead(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if !marketing.ValidLeadID(id) {
		a.fail(w, r, marketing.Errorf(marketing.ENotFound, "no such lead"))
		return
	}
	lead, src, err := a.Store.Lead(r.Context(), id, strings.TrimSpace(r.Header.Get("X-Consistency-Token")))
	if src != "" {
		w.Header().Set("X-Read-Source", string(src))
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, http.StatusOK, map[string]any{"lead": lead})
}

func (a *API) createHealthCheck(w http.ResponseWriter, r *http.Request) {
	key, err := idempotencyKey(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	body, err := readBody(r, true)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if body != nil {
		var empty struct{}
		if err := marketing.DecodeJSON(body, &empty); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	release, ok := a.acquireWrite(w, r)
	if !ok {
		return
	}
	defer release()
	hc, replayed, token, err := a.Store.CreateHealthCheck(r.Context(), marketing.HealthCheck{
		Region: a.Region, IdempotencyKey: key, RequestHash: marketing.HealthCheckHash(a.Region), CreatedAt: a.Now().UTC(),
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.acknowledged(w, token, replayed)
	writeJSON(w, http.StatusCreated, map[string]any{"health_check": hc})
}
