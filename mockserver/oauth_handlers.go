package mockserver

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"

	"github.com/contactsmock/contactsmock/mockserver/oauth"
	"github.com/contactsmock/contactsmock/mockserver/state"
)

// getAccessToken is POST /oauth/token: the form, read as the document validated it, goes to the
// authorization server.
func getAccessToken(s *Server, c *call) (any, error) {
	form, _ := url.ParseQuery(string(c.body))
	return s.auth.Token(c.ctx(), form)
}

// getLocationAccessToken is POST /oauth/locationToken: an agency (Company) token, already checked
// for type and scope by the pipeline, mints a token for one of its company's locations.
func getLocationAccessToken(s *Server, c *call) (any, error) {
	form, _ := url.ParseQuery(string(c.body))
	return s.auth.LocationToken(c.ctx(), c.token, form)
}

// getInstalledLocations is GET /oauth/installedLocations: an agency token (checked for type and
// scope by the pipeline) lists its company's locations with the app's installation on each.
func getInstalledLocations(s *Server, c *call) (any, error) {
	q := c.query()
	skip, limit, err := c.skipLimit(q)
	if err != nil {
		return nil, err
	}
	iq := oauth.InstalledQuery{CompanyID: q.Get("companyId"), AppID: q.Get("appId"), Skip: skip, Limit: limit,
		Query: q.Get("query"), LocationID: q.Get("locationId")}
	if v := q.Get("isInstalled"); v != "" {
		b := v == "true" // validated: a boolean
		iq.IsInstalled = &b
	}
	return s.auth.InstalledLocations(c.ctx(), c.token, iq)
}

// consentPaths are the paths of the consent step. Live, it is a page of the Marketplace host
// (marketplace.gohighlevel.com/oauth/chooselocation, /v2/... in the vendor's docs), not of the
// API, so the document does not describe it and ServeHTTP serves it before the API router.
var consentPaths = map[string]bool{"/oauth/chooselocation": true, "/v2/oauth/chooselocation": true}

// serveConsent answers the consent step, if r is one; it reports whether it answered. The
// authorization server decides; this is its HTTP side: a redirect with a code or an error, or,
// when the request cannot be trusted to redirect, a page.
func (s *Server) serveConsent(w http.ResponseWriter, r *http.Request) bool {
	if !consentPaths[r.URL.Path] || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return false
	}
	q := r.URL.Query()
	target, params, err := s.auth.Consent(r.Context(), oauthConsentRequest(q))
	if err != nil {
		s.consentPage(w, r, err)
		return true
	}
	if code := params.Get("code"); code != "" {
		s.installed(r.Context(), code)
	}
	redirectWith(w, r, target, params)
	return true
}

// installed sends INSTALL for the installation consent just completed (reference §6.1: the app
// lifecycle events). An error reading it back is logged: the consent itself succeeded.
func (s *Server) installed(ctx context.Context, code string) {
	clientID, a, ok, err := s.auth.Installation(ctx, code)
	if err != nil || !ok {
		s.log.Error("INSTALL not sent: the code just issued cannot be read", "err", err)
		return
	}
	s.hooks.Emit(state.Event{Type: state.AppInstall, LocationID: a.LocationID, Install: &state.Install{
		AppID: oauth.AppID(clientID), CompanyID: a.CompanyID, LocationID: a.LocationID, UserID: a.UserID,
		PlanID: oauth.PlanID(clientID),
	}})
}

// redirectWith answers 302 to target with params added to its query.
func redirectWith(w http.ResponseWriter, r *http.Request, target string, params url.Values) {
	u, _ := url.Parse(target) // the authorization server parsed it already
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
func (s *Server) consentPage(w http.ResponseWriter, r *http.Request, err error) {
	if !strings.Contains(r.Header.Get("Accept"), "text/html") {
		s.fail(w, r, err)
		return
	}
	e := toAPIError(err)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(e.Status)
	msg, _ := e.Message.(string)
	fmt.Fprintf(w, "<!doctype html>\n<title>Installation failed</title>\n<h1>%s</h1>\n<p>%s</p>\n",
		html.EscapeString(fmt.Sprint(e.Extra["error"])), html.EscapeString(msg))
}

// oauthConsentRequest reads the consent URL's query.
func oauthConsentRequest(q url.Values) oauth.ConsentRequest {
	return oauth.ConsentRequest{
		ClientID: q.Get("client_id"), RedirectURI: q.Get("redirect_uri"), ResponseType: q.Get("response_type"),
		Scope: q.Get("scope"), State: q.Get("state"), LocationID: q.Get("locationId"),
	}
}
