package admin

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/ids"
	"github.com/contactsmock/contactsmock/mockserver/oauth"
)

// oauthRoutes adds the endpoints of the authorization server and of the clock.
func oauthRoutes(route func(method, path string, h handler)) {
	route(http.MethodGet, "/clients", listClients)
	route(http.MethodPost, "/clients", createClient)
	route(http.MethodDelete, "/clients/{id}", deleteClient)
	route(http.MethodGet, "/oauth/consent", getConsent)
	route(http.MethodPut, "/oauth/consent", setConsent)
	route(http.MethodGet, "/clock", getClock)
	route(http.MethodPost, "/clock", moveClock)
}

func listClients(a *API, r *http.Request) (int, any, error) {
	list, err := a.d.OAuth.Clients(r.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"clients": list}, nil
}

// createClient registers a client; it is the only answer that shows the secret.
func createClient(a *API, r *http.Request) (int, any, error) {
	var c oauth.Client
	if err := a.decode(r, &c); err != nil {
		return 0, nil, err
	}
	if c.ID == "" {
		// The live shape: the app's 24-hex id, a dash, eight lower-case letters and digits.
		c.ID = fixtures.NewObjectID(rand.IntN) + "-" + strings.ToLower(fixtures.NewID(rand.IntN)[:8])
	}
	if c.Secret == "" {
		c.Secret = ids.NewUUID()
	}
	err := a.d.OAuth.AddClient(r.Context(), c)
	if errors.Is(err, oauth.ErrClientExists) {
		return 0, nil, newError(http.StatusBadRequest, "a client with id "+c.ID+" exists already")
	}
	if err != nil {
		return 0, nil, err
	}
	out, err := a.d.OAuth.Client(r.Context(), c.ID)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, out, nil
}

// deleteClient forgets an OAuth client: its grants are revoked and its access tokens stop working.
// The default client stays: the tokens printed at start belong to it.
func deleteClient(a *API, r *http.Request) (int, any, error) {
	id := pathVar(r, "id")
	if id == a.d.DefaultClient {
		return 0, nil, newError(http.StatusBadRequest, "the default client "+id+" cannot be deleted")
	}
	found, tokens, err := a.d.OAuth.RemoveClient(r.Context(), id)
	if err != nil {
		return 0, nil, err
	}
	if !found {
		return 0, nil, newError(http.StatusNotFound, "client "+id+" not found")
	}
	return http.StatusOK, map[string]any{"id": id, "deleted": true, "tokensRevoked": tokens}, nil
}

func getConsent(a *API, r *http.Request) (int, any, error) {
	c, err := a.d.OAuth.ConsentSettings(r.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, c, nil
}

// setConsent replaces the consent settings ({} restores the defaults).
func setConsent(a *API, r *http.Request) (int, any, error) {
	var in oauth.ConsentSettings
	if err := a.decode(r, &in); err != nil {
		return 0, nil, err
	}
	if err := a.d.OAuth.SetConsent(r.Context(), in); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, in, nil
}

func (a *API) clockState(r *http.Request) (map[string]any, error) {
	off, err := a.d.Clock.Offset(r.Context())
	if err != nil {
		return nil, err
	}
	return map[string]any{"now": a.d.Clock.Now().UTC().Format(time.RFC3339Nano), "offset": off.String()}, nil
}

func getClock(a *API, r *http.Request) (int, any, error) {
	st, err := a.clockState(r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, st, nil
}

// moveClock moves the mock's clock: {"advance": "25h"} forward by a Go duration, or {"offset":
// "0s"} to a given distance ahead of the wall clock (0 puts it back). The clock never runs behind
// the wall clock, so neither may be negative. Setting it back is safe: tokens and codes expire by
// the clock's reading (a token that expired only because the clock ran ahead is valid again),
// rate-limit windows and days reopen, and the timestamps the state writes never go back.
func moveClock(a *API, r *http.Request) (int, any, error) {
	var in struct {
		Advance *string `json:"advance"`
		Offset  *string `json:"offset"`
	}
	if err := a.decode(r, &in); err != nil {
		return 0, nil, err
	}
	field, text := "advance", in.Advance
	switch {
	case in.Advance != nil && in.Offset != nil:
		return 0, nil, invalid("give either advance or offset, not both")
	case in.Offset != nil:
		field, text = "offset", in.Offset
	case in.Advance == nil:
		return 0, nil, invalid("advance or offset should not be empty")
	}
	if *text == "" {
		return 0, nil, invalid(field + " should not be empty")
	}
	d, err := time.ParseDuration(*text)
	if err != nil {
		return 0, nil, invalid(field + " must be a Go duration such as 25h, 90m or 30s")
	}
	if d < 0 {
		return 0, nil, invalid(field + " must not be negative: the clock never runs behind the wall clock")
	}
	if field == "offset" {
		err = a.d.Clock.SetOffset(r.Context(), d)
	} else {
		err = a.d.Clock.Advance(r.Context(), d)
	}
	if err != nil {
		return 0, nil, err
	}
	st, err := a.clockState(r)
	if err != nil {
		return 0, nil, err
	}
	if field == "offset" {
		a.d.Logger.Info("clock set", "offset", st["offset"])
	} else {
		a.d.Logger.Info("clock advanced", "by", d, "offset", st["offset"])
	}
	return http.StatusOK, st, nil
}
