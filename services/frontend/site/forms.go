package site

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"hyundai-poc.com/contract"
	"hyundai-poc.com/frontend/backendapi"
)

// Form protection, two layers: CrossOriginProtection (site.go) refuses
// cross-site posts by Sec-Fetch-Site/Origin, and a token in the form covers
// browsers that send neither. The token is an HMAC of the visitor's session
// id (a random HttpOnly cookie) under CSRF_KEY: it is worth nothing with
// another session, and a forged cookie without the key yields no token.
// A successful post rotates the session; the session before stays valid
// for one more post, so a form sent twice is still one lead, not an error.
const sessionCookie = "sid"

var hexID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// sessions reads the session cookie: the current id and the one before
// the last rotation, if any.
func sessions(r *http.Request) (cur, prev string) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return "", ""
	}
	cur, prev, _ = strings.Cut(c.Value, ".")
	if !hexID.MatchString(cur) {
		return "", ""
	}
	if !hexID.MatchString(prev) {
		prev = ""
	}
	return cur, prev
}

func (s *Server) setSession(w http.ResponseWriter, r *http.Request, value string) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", HttpOnly: true,
		Secure: clientOf(r).HTTPS, SameSite: http.SameSiteLaxMode,
	})
}

// csrfFor is the form token of session id.
func (s *Server) csrfFor(id string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte("csrf:" + id))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// csrfToken is the token for the visitor's session, starting one if none.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	cur, _ := sessions(r)
	if cur == "" {
		cur = newID()
		s.setSession(w, r, cur)
	}
	return s.csrfFor(cur)
}

func (s *Server) csrfValid(r *http.Request) bool {
	got := []byte(r.PostForm.Get("csrf_token"))
	cur, prev := sessions(r)
	if cur == "" {
		return false
	}
	if hmac.Equal(got, []byte(s.csrfFor(cur))) {
		return true
	}
	return prev != "" && hmac.Equal(got, []byte(s.csrfFor(prev)))
}

// rotateSession starts a new session after a successful post, keeping the
// current one as the previous.
func (s *Server) rotateSession(w http.ResponseWriter, r *http.Request) {
	cur, _ := sessions(r)
	s.setSession(w, r, newID()+"."+cur)
}

type fieldError struct {
	Field   string // the input's id, empty when the field is not on the form
	Label   string
	Message string
}

type formView struct {
	Lead     contract.LeadRequest
	Consent  bool
	Errors   map[string]string
	Summary  []fieldError
	Notice   string
	Vehicles []contract.Vehicle
	CSRF     string
	// Key is the idempotency key of this rendering of the form: the same
	// form sent twice (double click, retry after a timeout) is one lead.
	Key   string
	Today string
}

func (s *Server) testDriveForm(w http.ResponseWriter, r *http.Request) {
	s.rememberMarket(w, r)
	fv := formView{Lead: contract.LeadRequest{VehicleID: r.URL.Query().Get("vehicle")}}
	s.renderForm(w, r, http.StatusOK, fv, newID())
}

func (s *Server) renderForm(w http.ResponseWriter, r *http.Request, status int, fv formView, key string) {
	market := s.marketOf(r)
	vs, _, err := s.api.Vehicles(r.Context(), market)
	if err != nil {
		s.backendError(w, r, err)
		return
	}
	fv.Vehicles = vs
	fv.CSRF = s.csrfToken(w, r)
	fv.Key = key
	fv.Today = time.Now().UTC().Format("2006-01-02")
	// The form carries this visitor's token: no shared cache may keep it.
	w.Header().Set("Cache-Control", "private, no-store")
	s.render(w, r, status, "test-drive", view{
		Title: "Book a test drive — Hyundai", Description: "Book a test drive at a dealer near you.",
		Nav: "test-drive", Market: market, Data: fv,
	})
}

// leadFromForm decodes the test-drive form into the API's request, with
// market as the fallback when the form names none the site serves, and
// says whether consent was given. The backend validates what comes out;
// this only trims and normalises.
func leadFromForm(f url.Values, market string) (contract.LeadRequest, bool) {
	if m := strings.ToUpper(f.Get("market")); contract.ValidMarket(m) {
		market = m
	}
	consent := f.Get("consent") != ""
	return contract.LeadRequest{
		Type:          contract.LeadTestDrive,
		Name:          strings.TrimSpace(f.Get("name")),
		Email:         strings.TrimSpace(f.Get("email")),
		Phone:         phoneNoise.Replace(strings.TrimSpace(f.Get("phone"))),
		VehicleID:     f.Get("vehicle_id"),
		Market:        market,
		PreferredDate: strings.TrimSpace(f.Get("preferred_date")),
		Message:       strings.TrimSpace(f.Get("message")),
		Consent:       &consent,
	}, consent
}

// phoneNoise is what people type between digits; E.164 has none of it.
var phoneNoise = strings.NewReplacer(" ", "", "-", "", "(", "", ")", "", ".", "")

func (s *Server) testDriveSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 32<<10)
	// The page is UTF-8 and so is what browsers send back; a form declared
	// in another charset would be stored as something its sender did not mean.
	if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil {
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			s.errorPage(w, r, http.StatusUnsupportedMediaType, "We couldn't read that form",
				"Please open the form again and send it from there.")
			return
		}
	}
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.errorPage(w, r, http.StatusRequestEntityTooLarge, "That form is too large", "Please shorten your message and send it again.")
			return
		}
		s.errorPage(w, r, http.StatusBadRequest, "We couldn't read that form", "Please open the form again and send it from there.")
		return
	}
	if !s.csrfValid(r) {
		s.errorPage(w, r, http.StatusForbidden, "This form has expired",
			"For your safety, forms only work for the browser that opened them. Open the test-drive form again and send it from there.")
		return
	}
	key := r.PostForm.Get("idempotency_key")
	if !hexID.MatchString(key) {
		key = newID()
	}
	in, consent := leadFromForm(r.PostForm, s.marketOf(r))
	// The write must finish even when the browser drops this request for a
	// second click: the second request then finds it by its key.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), s.cfg.BackendTimeout)
	defer cancel()
	lead, meta, err := s.api.CreateLead(ctx, key, in)
	if err != nil {
		// Show the visitor what they typed, not our normalised copy.
		shown := in
		shown.Phone = r.PostForm.Get("phone")
		fv := formView{Lead: shown, Consent: consent}
		var be *backendapi.Error
		switch {
		case errors.As(err, &be) && be.Status == http.StatusUnprocessableEntity:
			fields := be.Fields
			fv.Errors = map[string]string{}
			for f, msg := range fields {
				fv.Errors[f] = capitalize(msg)
			}
			fv.Summary = orderedErrors(fields)
			if len(fv.Summary) == 0 {
				fv.Notice = capitalize(be.Message)
			}
			s.renderForm(w, r, http.StatusUnprocessableEntity, fv, key)
		case errors.As(err, &be) && be.Status == http.StatusConflict:
			fv.Notice = "This form was already sent with other details. Check them and send it again."
			s.renderForm(w, r, http.StatusConflict, fv, newID())
		case errors.As(err, &be) && be.Status >= 400 && be.Status < 500 && be.Status != http.StatusTooManyRequests:
			fv.Notice = "We couldn't read that form. Check your details and send it again."
			s.renderForm(w, r, http.StatusBadRequest, fv, key)
		default:
			s.backendError(w, r, err)
		}
		return
	}
	q := url.Values{"id": {lead.ID}}
	if meta.Token != "" {
		q.Set("t", meta.Token)
	}
	s.rotateSession(w, r)
	http.Redirect(w, r, "/test-drive/thanks?"+q.Encode(), http.StatusSeeOther)
}

type thanksView struct {
	Lead contract.Lead
	// Pending: received and kept in the region's queue, not written yet.
	// The page reloads itself (a meta refresh works with script off) until
	// the backend confirms it.
	Pending    bool
	Vehicle    *contract.Vehicle
	ReadSource string
	ReadRegion string
	Consistent bool
}

func (s *Server) testDriveThanks(w http.ResponseWriter, r *http.Request) {
	// The lead id in the address is the capability to read it: keep it out
	// of caches, referrers and search engines.
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Robots-Tag", "noindex")
	id, token := r.URL.Query().Get("id"), r.URL.Query().Get("t")
	if !hexID.MatchString(id) || len(token) > 512 {
		s.errorPage(w, r, http.StatusNotFound, "We can't find that request", "The link may be incomplete. If you just sent a form, send it again; you will not be booked twice.")
		return
	}
	lead, meta, err := s.api.Lead(r.Context(), id, token)
	if err != nil {
		s.lookupFailed(w, r, err, "We can't find that request", "The link may be incomplete or out of date.")
		return
	}
	tv := thanksView{Lead: lead, ReadSource: string(meta.ReadSource), ReadRegion: meta.Region, Consistent: token != "", Pending: meta.Pending}
	if v, _, err := s.api.Vehicle(r.Context(), lead.VehicleID, lead.Market); err == nil {
		tv.Vehicle = &v
	}
	v := view{Title: "Thank you — Hyundai", Nav: "test-drive", Market: lead.Market, Data: tv}
	if tv.Pending {
		v.Refresh = 2
	}
	s.render(w, r, http.StatusOK, "thanks", v)
}
