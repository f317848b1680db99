package mockserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/store"
	"github.com/contactsmock/contactsmock/spec"
)

// adminHandler is an admin endpoint: it returns the status and body to answer, or an error.
type adminHandler func(s *Server, r *http.Request) (int, any, error)

// adminRoutes builds the admin API (the WireMock convention: everything under /__admin/, never
// colliding with an API path). Its routes are fixed at start and only read afterwards.
func (s *Server) adminRoutes() http.Handler {
	r := mux.NewRouter()
	a := r.PathPrefix("/__admin").Subrouter()
	route := func(method, path string, h adminHandler) {
		a.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			status, body, err := h(s, r)
			if err != nil {
				s.write(w, r, nil, nil, errorResponse(toAPIError(err)))
				return
			}
			s.write(w, r, nil, nil, response{status: status, body: body})
		}).Methods(method)
	}
	route(http.MethodGet, "/health", adminHealth)
	route(http.MethodPost, "/reset", adminReset)
	route(http.MethodGet, "/locations", adminListLocations)
	route(http.MethodPost, "/locations", adminCreateLocation)
	route(http.MethodDelete, "/locations/{id}", adminDeleteLocation)
	route(http.MethodPost, "/tokens", adminMintToken)
	route(http.MethodPost, "/appointments", adminAddAppointment)
	route(http.MethodPost, "/businesses", adminAddBusiness)
	oauthAdminRoutes(route)
	stateAdminRoutes(route)
	s.webhookAdminRoutes(a, route)
	trafficRoutes(route)
	notFound := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.write(w, r, nil, nil, errorResponse(&APIError{Status: http.StatusNotFound,
			Message: fmt.Sprintf("Cannot %s %s", r.Method, r.URL.Path)}))
	})
	r.NotFoundHandler = notFound
	r.MethodNotAllowedHandler = notFound
	return r
}

// decodeAdmin reads a JSON admin body strictly: unknown fields are refused, like the API's DTOs.
func (s *Server) decodeAdmin(r *http.Request, v any) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, s.cfg.MaxBody+1))
	if err != nil {
		return newError(http.StatusBadRequest, "the request body could not be read")
	}
	if int64(len(data)) > s.cfg.MaxBody {
		return &http.MaxBytesError{Limit: s.cfg.MaxBody}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) {
			return newError(http.StatusBadRequest, spec.JSONErrorMessage(err))
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return newError(http.StatusUnprocessableEntity, []string{"property " + strings.Trim(f, `"`) + " should not exist"})
		}
		return newError(http.StatusUnprocessableEntity, []string{decodeMessage(err)})
	}
	if dec.More() {
		return newError(http.StatusBadRequest, "the body holds more than one JSON value")
	}
	return nil
}

func adminHealth(s *Server, r *http.Request) (int, any, error) {
	return http.StatusOK, map[string]any{
		"status":     "ok",
		"operations": len(s.spec.Operations),
		"time":       s.clock.Now().UTC().Format(time.RFC3339Nano),
		"stats":      s.store.Stats(),
	}, nil
}

func adminReset(s *Server, r *http.Request) (int, any, error) {
	if err := s.restoreInitial(); err != nil {
		return 0, nil, err
	}
	s.limiter.reset()
	s.oauth.setConsent(ConsentSettings{})
	return http.StatusOK, map[string]any{"reset": true, "stats": s.store.Stats()}, nil
}

func adminListLocations(s *Server, r *http.Request) (int, any, error) {
	return http.StatusOK, map[string]any{"locations": s.store.Locations()}, nil
}

func adminCreateLocation(s *Server, r *http.Request) (int, any, error) {
	var in struct {
		ID                    string   `json:"id"`
		Name                  string   `json:"name"`
		CompanyID             string   `json:"companyId"`
		Timezone              string   `json:"timezone"`
		AllowDuplicateContact bool     `json:"allowDuplicateContact"`
		DuplicatePriority     []string `json:"duplicatePriority"`
	}
	if err := s.decodeAdmin(r, &in); err != nil {
		return 0, nil, err
	}
	if strings.TrimSpace(in.Name) == "" {
		return 0, nil, newError(http.StatusUnprocessableEntity, []string{"name should not be empty"})
	}
	// Without an id the store draws one (from its seeded source: see Config.IDSeed); the check
	// runs on a stand-in.
	draw := in.ID == ""
	if draw {
		in.ID = fixtures.NewID(rand.IntN)
	}
	loc, err := checkedLike(fixtures.Location{
		ID: in.ID, Name: in.Name, CompanyID: in.CompanyID, Timezone: in.Timezone,
		AllowDuplicateContact: in.AllowDuplicateContact, DuplicatePriority: in.DuplicatePriority,
	})
	if err != nil {
		return 0, nil, err
	}
	if draw {
		loc.ID = ""
	}
	out, err := s.store.CreateLocation(loc)
	if errors.Is(err, store.ErrExists) {
		return 0, nil, newError(http.StatusBadRequest, "a location with id "+in.ID+" exists already")
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, out, nil
}

// adminDeleteLocation removes a location with everything it holds, and what hangs on it outside
// the state: the access tokens bound to it stop working (401 Invalid JWT), the grants bound to it
// are revoked, the webhook registrations scoped to it are removed. The contract suites delete the
// locations they created when they end, so that a run leaves a shared mock as it found it.
func adminDeleteLocation(s *Server, r *http.Request) (int, any, error) {
	id := pathVar(r, "id")
	if err := s.store.DeleteLocation(id); err != nil {
		if errors.As(err, new(*store.NotFoundError)) {
			return 0, nil, newError(http.StatusNotFound, "location "+id+" not found")
		}
		return 0, nil, err
	}
	tokens := s.tokens.revokeWhere(func(t *Token) bool { return t.LocationID == id })
	s.oauth.revokeGrants(func(g *grant) bool { return g.locationID == id })
	hooks := 0
	for _, reg := range s.hooks.list() {
		if reg.LocationID == id && s.UnregisterWebhook(reg.ID) {
			hooks++
		}
	}
	s.log.Info("location deleted", "id", id, "tokensRevoked", tokens, "webhooksRemoved", hooks)
	return http.StatusOK, map[string]any{"id": id, "deleted": true, "tokensRevoked": tokens, "webhooksRemoved": hooks}, nil
}

// checkedLike passes a location (and what it lists) through the rules a fixture file obeys
// (fixtures.Normalize), so that whatever the admin API stores loads back from a snapshot or a
// state file. Problems are 422 with the place and the reason.
func checkedLike(loc fixtures.Location) (fixtures.Location, error) {
	doc := fixtures.Document{Version: fixtures.FormatVersion, Locations: []fixtures.Location{loc}}
	if err := fixtures.Normalize(&doc); err != nil {
		var fe *fixtures.Error
		if errors.As(err, &fe) {
			return fixtures.Location{}, newError(http.StatusUnprocessableEntity, []string{strings.TrimPrefix(fe.Path, "locations[0].") + " " + fe.Reason})
		}
		return fixtures.Location{}, newError(http.StatusUnprocessableEntity, []string{err.Error()})
	}
	return doc.Locations[0], nil
}

func adminAddAppointment(s *Server, r *http.Request) (int, any, error) {
	var a fixtures.Appointment
	if err := s.decodeAdmin(r, &a); err != nil {
		return 0, nil, err
	}
	var msgs []string
	if a.LocationID == "" {
		msgs = append(msgs, "locationId should not be empty")
	}
	if a.ContactID == "" {
		msgs = append(msgs, "contactId should not be empty")
	}
	if a.StartTime == 0 || a.EndTime == 0 || a.EndTime < a.StartTime {
		msgs = append(msgs, "startTime and endTime must be ISO 8601 dates, endTime not before startTime")
	}
	if len(msgs) > 0 {
		return 0, nil, newError(http.StatusUnprocessableEntity, msgs)
	}
	if _, err := s.store.GetContact(a.LocationID, a.ContactID); err != nil {
		return 0, nil, err
	}
	draw := a.ID == "" // the store draws it; the check runs on a stand-in
	if draw {
		a.ID = fixtures.NewID(rand.IntN)
	}
	if a.Title == "" {
		a.Title = "Appointment"
	}
	if a.CalendarID == "" {
		a.CalendarID = "mockCalendar00000001"
	}
	if a.DateAdded == 0 {
		a.DateAdded = fixtures.At(s.clock.Now())
	}
	// The contact is named only so that the appointment's reference resolves.
	loc, err := checkedLike(fixtures.Location{ID: a.LocationID, Name: "check",
		Contacts: []fixtures.ContactRecord{{Contact: fixtures.Contact{ID: a.ContactID}}}, Appointments: []fixtures.Appointment{a}})
	if err != nil {
		return 0, nil, err
	}
	if draw {
		loc.Appointments[0].ID = ""
	}
	out, err := s.store.AddAppointment(loc.Appointments[0])
	if errors.Is(err, store.ErrExists) {
		return 0, nil, newError(http.StatusBadRequest, "an appointment with id "+a.ID+" exists already")
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, out, nil
}

func adminAddBusiness(s *Server, r *http.Request) (int, any, error) {
	var b fixtures.Business
	if err := s.decodeAdmin(r, &b); err != nil {
		return 0, nil, err
	}
	if b.LocationID == "" {
		return 0, nil, newError(http.StatusUnprocessableEntity, []string{"locationId should not be empty"})
	}
	if _, err := s.store.Location(b.LocationID); err != nil {
		return 0, nil, newError(http.StatusBadRequest, err.Error())
	}
	draw := b.ID == "" // the store draws it; the check runs on a stand-in
	if draw {
		b.ID = fixtures.NewObjectID(rand.IntN)
	}
	if b.DateAdded == 0 {
		b.DateAdded = fixtures.At(s.clock.Now())
	}
	loc, err := checkedLike(fixtures.Location{ID: b.LocationID, Name: "check", Businesses: []fixtures.Business{b}})
	if err != nil {
		return 0, nil, err
	}
	if draw {
		loc.Businesses[0].ID = ""
	}
	out, err := s.store.AddBusiness(loc.Businesses[0])
	if errors.Is(err, store.ErrExists) {
		return 0, nil, newError(http.StatusBadRequest, "a business with id "+b.ID+" exists already")
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, out, nil
}

// tokenResponse is the body of a minted token, in the live token endpoint's field names.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
	UserType    string `json:"userType"`
	LocationID  string `json:"locationId,omitempty"`
	CompanyID   string `json:"companyId,omitempty"`
	UserID      string `json:"userId"`
}

func adminMintToken(s *Server, r *http.Request) (int, any, error) {
	var in struct {
		UserType   string   `json:"userType"`
		LocationID string   `json:"locationId"`
		CompanyID  string   `json:"companyId"`
		Scopes     []string `json:"scopes"`
		ExpiresIn  int64    `json:"expiresIn"`
	}
	if err := s.decodeAdmin(r, &in); err != nil {
		return 0, nil, err
	}
	var msgs []string
	switch in.UserType {
	case "", UserTypeLocation:
		if in.LocationID == "" {
			msgs = append(msgs, "locationId should not be empty")
		}
		if in.CompanyID != "" {
			msgs = append(msgs, "companyId is for Company tokens only")
		}
	case UserTypeCompany:
		if in.CompanyID == "" {
			msgs = append(msgs, "companyId should not be empty")
		}
		if in.LocationID != "" {
			msgs = append(msgs, "locationId must be empty for a Company token")
		}
	default:
		msgs = append(msgs, "userType must be one of the following values: Location, Company")
	}
	if in.Scopes == nil {
		in.Scopes = s.adminTokenScopes(in.UserType)
	}
	if in.ExpiresIn < 0 {
		msgs = append(msgs, "expiresIn must not be less than 0")
	}
	if len(msgs) > 0 {
		return 0, nil, newError(http.StatusUnprocessableEntity, msgs)
	}
	ttl := time.Duration(in.ExpiresIn) * time.Second
	var tok *Token
	var err error
	if in.UserType == UserTypeCompany {
		tok, err = s.MintCompanyToken(in.CompanyID, in.Scopes, ttl)
	} else {
		tok, err = s.MintToken(in.LocationID, in.Scopes, ttl)
	}
	if err != nil {
		return 0, nil, newError(http.StatusBadRequest, err.Error())
	}
	return http.StatusCreated, tokenResponseOf(tok, s.clock.Now()), nil
}

func tokenResponseOf(t *Token, now time.Time) tokenResponse {
	return tokenResponse{
		AccessToken: t.AccessToken, TokenType: "Bearer",
		ExpiresIn: int64(t.ExpiresAt.Sub(now).Round(time.Second) / time.Second),
		Scope:     strings.Join(t.Scopes, " "), UserType: t.UserType,
		LocationID: t.LocationID, CompanyID: t.CompanyID, UserID: t.UserID,
	}
}
