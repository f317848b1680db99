package mockserver

import (
	"errors"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/store"
)

// oauthAdminRoutes adds the admin endpoints of the authorization server and of the clock.
func oauthAdminRoutes(route func(method, path string, h adminHandler)) {
	route(http.MethodGet, "/clients", adminListClients)
	route(http.MethodPost, "/clients", adminCreateClient)
	route(http.MethodDelete, "/clients/{id}", adminDeleteClient)
	route(http.MethodGet, "/oauth/consent", adminGetConsent)
	route(http.MethodPut, "/oauth/consent", adminSetConsent)
	route(http.MethodGet, "/clock", adminGetClock)
	route(http.MethodPost, "/clock", adminAdvanceClock)
}

// MintCompanyToken issues an agency (Company) access token of the default client for a company
// (one that at least one location belongs to). ttl 0 means the configured TokenTTL.
func (s *Server) MintCompanyToken(companyID string, scopes []string, ttl time.Duration) (*Token, error) {
	a := s.companyAuthorization(companyID, mockUserID, scopes)
	if len(a.approved) == 0 {
		return nil, &store.NotFoundError{Kind: "Company", ID: companyID}
	}
	return s.mintAccess(s.cfg.ClientID, a, nil, ttl), nil
}

// Clients returns the OAuth clients the mock knows, secrets left out.
func (s *Server) Clients() []OAuthClient { return s.oauth.listClients() }

// AddClient registers an OAuth client.
func (s *Server) AddClient(c OAuthClient) error {
	if msgs := validateClient(c); len(msgs) > 0 {
		return newError(http.StatusUnprocessableEntity, msgs)
	}
	return s.oauth.addClient(c)
}

func adminListClients(s *Server, r *http.Request) (int, any, error) {
	return http.StatusOK, map[string]any{"clients": s.Clients()}, nil
}

// adminCreateClient registers a client; it is the only answer that shows the secret.
func adminCreateClient(s *Server, r *http.Request) (int, any, error) {
	var c OAuthClient
	if err := s.decodeAdmin(r, &c); err != nil {
		return 0, nil, err
	}
	if c.ID == "" {
		// The live shape: the app's 24-hex id, a dash, eight lower-case letters and digits.
		c.ID = fixtures.NewObjectID(mrand.IntN) + "-" + strings.ToLower(fixtures.NewID(mrand.IntN)[:8])
	}
	if c.Secret == "" {
		c.Secret = newTraceID()
	}
	err := s.AddClient(c)
	if errors.Is(err, errClientExists) {
		return 0, nil, newError(http.StatusBadRequest, "a client with id "+c.ID+" exists already")
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, s.oauth.client(c.ID), nil
}

// adminDeleteClient forgets an OAuth client: its grants are revoked and its access tokens stop
// working. The default client stays: the tokens printed at start belong to it.
func adminDeleteClient(s *Server, r *http.Request) (int, any, error) {
	id := pathVar(r, "id")
	if id == s.cfg.ClientID {
		return 0, nil, newError(http.StatusBadRequest, "the default client "+id+" cannot be deleted")
	}
	if !s.oauth.removeClient(id) {
		return 0, nil, newError(http.StatusNotFound, "client "+id+" not found")
	}
	tokens := s.tokens.revokeWhere(func(t *Token) bool { return t.ClientID == id })
	return http.StatusOK, map[string]any{"id": id, "deleted": true, "tokensRevoked": tokens}, nil
}

func adminGetConsent(s *Server, r *http.Request) (int, any, error) {
	return http.StatusOK, s.oauth.consentSettings(), nil
}

// adminSetConsent replaces the consent settings ({} restores the defaults).
func adminSetConsent(s *Server, r *http.Request) (int, any, error) {
	var in ConsentSettings
	if err := s.decodeAdmin(r, &in); err != nil {
		return 0, nil, err
	}
	if in.UserType != "" && in.UserType != UserTypeLocation && in.UserType != UserTypeCompany {
		return 0, nil, newError(http.StatusUnprocessableEntity, []string{"userType must be one of the following values: Location, Company"})
	}
	if in.LocationID != "" {
		if _, err := s.store.Location(in.LocationID); err != nil {
			return 0, nil, err
		}
	}
	s.oauth.setConsent(in)
	return http.StatusOK, in, nil
}

func clockState(s *Server) map[string]any {
	return map[string]any{"now": s.clock.Now().UTC().Format(time.RFC3339Nano), "offset": s.clock.Offset().String()}
}

func adminGetClock(s *Server, r *http.Request) (int, any, error) {
	return http.StatusOK, clockState(s), nil
}

// adminAdvanceClock moves the mock's clock: {"advance": "25h"} forward by a Go duration, or
// {"offset": "0s"} to a given distance ahead of the wall clock (0 puts it back). The clock never
// runs behind the wall clock, so neither may be negative. Setting it back is safe: tokens and codes
// expire by the clock's reading (a token that expired only because the clock ran ahead is valid
// again), rate-limit windows and days reopen, and the timestamps the store writes never go back.
func adminAdvanceClock(s *Server, r *http.Request) (int, any, error) {
	var in struct {
		Advance *string `json:"advance"`
		Offset  *string `json:"offset"`
	}
	if err := s.decodeAdmin(r, &in); err != nil {
		return 0, nil, err
	}
	field, text := "advance", in.Advance
	switch {
	case in.Advance != nil && in.Offset != nil:
		return 0, nil, newError(http.StatusUnprocessableEntity, []string{"give either advance or offset, not both"})
	case in.Offset != nil:
		field, text = "offset", in.Offset
	case in.Advance == nil:
		return 0, nil, newError(http.StatusUnprocessableEntity, []string{"advance or offset should not be empty"})
	}
	if *text == "" {
		return 0, nil, newError(http.StatusUnprocessableEntity, []string{field + " should not be empty"})
	}
	d, err := time.ParseDuration(*text)
	if err != nil {
		return 0, nil, newError(http.StatusUnprocessableEntity, []string{field + " must be a Go duration such as 25h, 90m or 30s"})
	}
	if d < 0 {
		return 0, nil, newError(http.StatusUnprocessableEntity, []string{field + " must not be negative: the clock never runs behind the wall clock"})
	}
	if field == "offset" {
		s.clock.SetOffset(d)
		s.log.Info("clock set", "offset", s.clock.Offset())
	} else {
		s.clock.Advance(d)
		s.log.Info("clock advanced", "by", d, "offset", s.clock.Offset())
	}
	return http.StatusOK, clockState(s), nil
}

// adminTokenScopes are the scopes of an admin-minted token that names none.
func (s *Server) adminTokenScopes(userType string) []string {
	if userType == UserTypeCompany {
		return slices.Clone(s.oauth.allScopes)
	}
	return []string{ScopeContactsReadonly, ScopeContactsWrite}
}
