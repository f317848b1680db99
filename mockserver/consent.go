package mockserver

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
)

// consentPaths are the paths of the consent step. Live, it is a page of the Marketplace host
// (marketplace.gohighlevel.com/oauth/chooselocation, /v2/... in the vendor's docs), not of the
// API, so the document does not describe it and ServeHTTP serves it before the API router.
var consentPaths = map[string]bool{"/oauth/chooselocation": true, "/v2/oauth/chooselocation": true}

// serveConsent answers the consent step, if r is one; it reports whether it answered.
func (s *Server) serveConsent(w http.ResponseWriter, r *http.Request) bool {
	if !consentPaths[r.URL.Path] || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return false
	}
	s.consent(w, r)
	return true
}

// consent plays the user on the consent page: it picks a location (the locationId query parameter,
// else the admin setting, else the first location) and approves, or denies when told to, then
// redirects to the client's redirect URI with a code or an error (RFC 6749 §4.1.2). A request it
// cannot trust to redirect (unknown client, redirect URI not registered) is answered 400 here
// instead: never redirect to a URI the client did not register.
func (s *Server) consent(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	client := s.oauth.client(q.Get("client_id"))
	redirect := q.Get("redirect_uri")
	switch {
	case client == nil:
		s.consentPage(w, r, oauthError(http.StatusBadRequest, "invalid_client", "Unknown client_id "+q.Get("client_id")))
		return
	case redirect == "":
		s.consentPage(w, r, oauthError(http.StatusBadRequest, "invalid_request", "redirect_uri is required"))
		return
	case !client.RedirectAllowed(redirect):
		s.consentPage(w, r, oauthError(http.StatusBadRequest, "invalid_request",
			"redirect_uri "+redirect+" is not registered for client "+client.ID))
		return
	}
	back := url.Values{}
	if st := q.Get("state"); st != "" {
		back.Set("state", st)
	}
	fail := func(code, desc string) {
		back.Set("error", code)
		back.Set("error_description", desc)
		s.log.Info("oauth: consent refused", "clientId", client.ID, "error", code, "description", desc)
		redirectWith(w, r, redirect, back)
	}
	switch q.Get("response_type") {
	case "code":
	case "":
		fail("invalid_request", "response_type is required")
		return
	default:
		fail("unsupported_response_type", "response_type must be code")
		return
	}
	scopes := strings.Fields(q.Get("scope"))
	if !client.scopesAllowed(scopes) {
		fail("invalid_scope", "The client may not be granted scope "+q.Get("scope"))
		return
	}
	if len(scopes) == 0 {
		scopes = s.oauth.defaultScopes(client)
	}
	settings := s.oauth.consentSettings()
	if settings.Deny {
		fail("access_denied", "The user denied the installation")
		return
	}
	a, err := s.consentAuthorization(settings, q.Get("locationId"), scopes)
	if err != nil {
		fail("invalid_request", err.Error())
		return
	}
	back.Set("code", s.oauth.newCode(client.ID, redirect, a, s.clock.Now()))
	s.log.Info("oauth: consent given", "clientId", client.ID, "userType", a.userType, "locationId", a.locationID, "companyId", a.companyID)
	redirectWith(w, r, redirect, back)
}

// consentAuthorization is what the user installs: a location (or, for a Company installation,
// the location's company) with the scopes.
func (s *Server) consentAuthorization(settings ConsentSettings, locationID string, scopes []string) (authorization, error) {
	if locationID == "" {
		locationID = settings.LocationID
	}
	if locationID == "" {
		locs := s.store.Locations()
		if len(locs) == 0 {
			return authorization{}, errors.New("the mock has no location to install the app on")
		}
		locationID = locs[0].ID
	}
	loc, err := s.store.Location(locationID)
	if err != nil {
		return authorization{}, err
	}
	if settings.UserType == UserTypeCompany {
		if loc.CompanyID == "" {
			return authorization{}, fmt.Errorf("location %s has no companyId, which a Company installation needs", loc.ID)
		}
		return s.companyAuthorization(loc.CompanyID, installUser(loc), scopes), nil
	}
	return authorization{userType: UserTypeLocation, locationID: loc.ID, companyID: loc.CompanyID, userID: installUser(loc), scopes: scopes}, nil
}

// redirectWith answers 302 to target with params added to its query.
func redirectWith(w http.ResponseWriter, r *http.Request, target string, params url.Values) {
	u, _ := url.Parse(target) // RedirectAllowed parsed it already
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// consentPage answers a consent request that cannot be redirected: JSON in the OAuth error shape,
// or a short page for a browser.
func (s *Server) consentPage(w http.ResponseWriter, r *http.Request, e *APIError) {
	if !strings.Contains(r.Header.Get("Accept"), "text/html") {
		s.write(w, r, nil, nil, errorResponse(e))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(e.Status)
	msg, _ := e.Message.(string)
	fmt.Fprintf(w, "<!doctype html>\n<title>Installation failed</title>\n<h1>%s</h1>\n<p>%s</p>\n",
		html.EscapeString(fmt.Sprint(e.Extra["error"])), html.EscapeString(msg))
}

// RedirectAllowed reports whether uri may be used as a redirect URI of the client: an absolute URI
// without a fragment that equals one of its RedirectURIs, starts with one of them that ends in
// "*" (the "*" removed), or, for RedirectLoopback, is http or https on 127.0.0.1, [::1] or
// localhost with any port and path.
func (c *OAuthClient) RedirectAllowed(uri string) bool {
	u, err := url.Parse(uri)
	if err != nil || !u.IsAbs() || u.Fragment != "" {
		return false
	}
	for _, p := range c.RedirectURIs {
		switch {
		case p == RedirectLoopback:
			if (u.Scheme == "http" || u.Scheme == "https") && isLoopback(u.Hostname()) {
				return true
			}
		case strings.HasSuffix(p, "*"):
			if strings.HasPrefix(uri, strings.TrimSuffix(p, "*")) {
				return true
			}
		case uri == p:
			return true
		}
	}
	return false
}

func isLoopback(host string) bool {
	return host == "127.0.0.1" || host == "::1" || strings.EqualFold(host, "localhost")
}

// validRedirectPattern checks one entry of OAuthClient.RedirectURIs.
func validRedirectPattern(p string) error {
	if p == RedirectLoopback {
		return nil
	}
	prefix := strings.TrimSuffix(p, "*")
	if strings.Contains(prefix, "*") {
		return fmt.Errorf("%s: only a final * is allowed", p)
	}
	u, err := url.Parse(prefix)
	if err != nil || !u.IsAbs() {
		return fmt.Errorf("%s is not an absolute URI (or %q)", p, RedirectLoopback)
	}
	if u.Fragment != "" {
		return fmt.Errorf("%s must not have a fragment", p)
	}
	return nil
}
