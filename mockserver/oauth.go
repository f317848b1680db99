package mockserver

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/spec"
)

// OAuthClient is an OAuth 2.0 client (a Marketplace app) of the mock.
type OAuthClient struct {
	// ID is the client_id.
	ID string `json:"clientId"`
	// Secret is the client_secret.
	Secret string `json:"clientSecret,omitempty"`
	// RedirectURIs are the redirect URIs the consent step accepts for the client. Each entry is an
	// exact URI, a prefix ending in "*" (end it with "/" so that it cannot match another host), or
	// RedirectLoopback. See RedirectAllowed.
	RedirectURIs []string `json:"redirectUris"`
	// Scopes are the scopes the client may be granted; empty means any scope. A consent that asks
	// for no scope is granted these (or, when empty, every scope of the document).
	Scopes []string `json:"scopes"`
	// Grants are the grant types the client may use at the token endpoint; empty means
	// DefaultGrants.
	Grants []string `json:"grants"`
	// CompanyID is the agency a client_credentials grant issues Company tokens for.
	CompanyID string `json:"companyId,omitempty"`
}

// Grant types of the token endpoint.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

// Agency scopes of the OAuth API.
const (
	ScopeOAuthReadonly = "oauth.readonly"
	ScopeOAuthWrite    = "oauth.write"
)

// RedirectLoopback, as an entry of OAuthClient.RedirectURIs, accepts any http or https redirect
// URI whose host is 127.0.0.1, [::1] or localhost, on any port and path (RFC 8252 §7.3: native
// and local apps pick their port at run time).
const RedirectLoopback = "loopback"

// Lifetimes of what the OAuth endpoints issue (access tokens live Config.TokenTTL).
const (
	// AuthorizationCodeTTL is how long a code from the consent step may be exchanged.
	AuthorizationCodeTTL = 10 * time.Minute
	// RefreshTokenTTL is how long a refresh token stays valid while unused (live: a year).
	RefreshTokenTTL = 365 * 24 * time.Hour
)

// mockUserID is the user behind installations of a location that has no users.
const mockUserID = "mockAdminUser0000001"

var (
	// DefaultGrants are the grant types of a client that names none. client_credentials is left
	// out: the live API lists it but Marketplace apps obtain tokens through consent, so a client
	// has to opt in (OAuthClient.Grants) to get Company tokens that way.
	DefaultGrants = []string{GrantAuthorizationCode, GrantRefreshToken}
	// DefaultRedirectURIs are the default client's redirect URIs: any loopback URI, and Zapier's
	// OAuth return URL for every app (https://zapier.com/dashboard/auth/oauth/return/App<id>CLIAPI/).
	DefaultRedirectURIs = []string{RedirectLoopback, "https://zapier.com/dashboard/auth/oauth/return/*"}
)

var grantTypes = []string{GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials}

// oauthError is an error of the OAuth endpoints: the API's error body with RFC 6749's error and
// error_description beside statusCode and message.
func oauthError(status int, code, desc string) *APIError {
	return &APIError{Status: status, Message: desc, Extra: map[string]any{"error": code, "error_description": desc}}
}

// oauthRequestError shapes a request the document refused: the token endpoint answers a body it
// cannot read at all (not a form) as invalid_request, like its other 400s. Everything else is
// already in the shape its operation declares.
func oauthRequestError(op *spec.Operation, e *APIError) *APIError {
	if op.ID == "get-access-token" && e.Status == http.StatusBadRequest {
		msg, _ := e.Message.(string)
		return oauthError(e.Status, "invalid_request", msg)
	}
	return e
}

// authorization is what an installation grants: a kind of token for a location or a company,
// with scopes.
type authorization struct {
	userType   string
	locationID string
	companyID  string
	userID     string
	scopes     []string
	approved   []string // Company authorizations: the company's locations
}

// authCode is an authorization code from the consent step.
type authCode struct {
	authorization
	clientID    string
	redirectURI string
	expires     time.Time
	used        bool
	// grant is what the code was exchanged for; replaying the code revokes it (RFC 6749 §4.1.2).
	grant *grant
}

// grant is one exchanged authorization and the chain of refresh tokens that descends from it. Its
// access tokens point to it, so revoking it revokes every token of the chain at once.
type grant struct {
	authorization
	id       string // refreshTokenId on the wire
	clientID string
	// gen is the generation of the current refresh token; every older one is spent.
	gen            int
	refreshExpires time.Time
	revoked        atomic.Bool
}

func (g *grant) isRevoked() bool { return g != nil && g.revoked.Load() }

// ConsentSettings is how the mock's consent step answers (admin: PUT /__admin/oauth/consent).
type ConsentSettings struct {
	// LocationID is the location the user picks; empty means the first location of the state. A
	// locationId query parameter of the consent URL wins over it.
	LocationID string `json:"locationId,omitempty"`
	// Deny makes the user refuse: the consent step redirects with error=access_denied.
	Deny bool `json:"deny"`
	// UserType is the kind of installation, Location (the default) or Company.
	UserType string `json:"userType,omitempty"`
}

// oauthState is the mock's authorization server: clients, codes, grants and consent settings.
type oauthState struct {
	key       []byte   // signs refresh tokens
	allScopes []string // every scope the document declares
	// horizon is the earliest time the mock's clock can read from now on (Clock.Base): sweeps
	// remove only codes and grants expired by then (see tokenStore.horizon).
	horizon func() time.Time

	mu          sync.Mutex // guards everything below
	clients     map[string]*OAuthClient
	clientOrder []string
	codes       map[string]*authCode
	codeSweep   sweeper
	grants      map[string]*grant // by id
	grantSweep  sweeper
	consent     ConsentSettings
}

func newOAuthState(cfg Config, sp *spec.Spec) (*oauthState, error) {
	o := &oauthState{
		key:       make([]byte, 32),
		allScopes: documentScopes(sp),
		horizon:   cfg.Clock.Base,
		clients:   map[string]*OAuthClient{},
		codes:     map[string]*authCode{},
		grants:    map[string]*grant{},
	}
	_, _ = rand.Read(o.key)
	redirects := cfg.RedirectURIs
	if redirects == nil {
		redirects = DefaultRedirectURIs
	}
	def := OAuthClient{ID: cfg.ClientID, Secret: cfg.ClientSecret, RedirectURIs: redirects}
	for _, c := range append([]OAuthClient{def}, cfg.Clients...) {
		if msgs := validateClient(c); len(msgs) > 0 {
			return nil, fmt.Errorf("mockserver: OAuth client %q: %s", c.ID, strings.Join(msgs, "; "))
		}
		if err := o.addClient(c); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// documentScopes lists the scopes the document's security schemes declare, sorted.
func documentScopes(sp *spec.Spec) []string {
	seen := map[string]bool{}
	if sp.Doc.Components != nil {
		for _, ref := range sp.Doc.Components.SecuritySchemes {
			if ref.Value == nil || ref.Value.Flows == nil {
				continue
			}
			f := ref.Value.Flows
			for _, flow := range []*openapi3.OAuthFlow{f.AuthorizationCode, f.ClientCredentials, f.Implicit, f.Password} {
				if flow == nil {
					continue
				}
				for s := range flow.Scopes {
					seen[s] = true
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// validateClient checks a client's fields; it returns the problems, in the API's 422 wording.
func validateClient(c OAuthClient) []string {
	var msgs []string
	if c.ID == "" {
		msgs = append(msgs, "clientId should not be empty")
	}
	if c.Secret == "" {
		msgs = append(msgs, "clientSecret should not be empty")
	}
	if len(c.RedirectURIs) == 0 {
		msgs = append(msgs, "redirectUris should not be empty")
	}
	for _, p := range c.RedirectURIs {
		if err := validRedirectPattern(p); err != nil {
			msgs = append(msgs, "redirectUris: "+err.Error())
		}
	}
	for _, g := range c.Grants {
		if !slices.Contains(grantTypes, g) {
			msgs = append(msgs, "grants must be one of the following values: "+strings.Join(grantTypes, ", "))
			break
		}
	}
	for _, s := range c.Scopes {
		if s == "" || strings.ContainsAny(s, " \t") {
			msgs = append(msgs, "scopes must be single words")
			break
		}
	}
	return msgs
}

var errClientExists = errors.New("mockserver: a client with this id exists already")

// addClient registers a (validated) client; it keeps its own copy.
func (o *oauthState) addClient(c OAuthClient) error {
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	c.Scopes = slices.Clone(c.Scopes)
	c.Grants = slices.Clone(c.Grants)
	if len(c.Grants) == 0 {
		c.Grants = slices.Clone(DefaultGrants)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.clients[c.ID] != nil {
		return fmt.Errorf("%w: %s", errClientExists, c.ID)
	}
	o.clients[c.ID] = &c
	o.clientOrder = append(o.clientOrder, c.ID)
	return nil
}

// removeClient forgets a client and revokes every grant it holds; it reports whether the client
// was known.
func (o *oauthState) removeClient(id string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.clients[id] == nil {
		return false
	}
	delete(o.clients, id)
	o.clientOrder = slices.DeleteFunc(o.clientOrder, func(c string) bool { return c == id })
	o.revokeGrantsLocked(func(g *grant) bool { return g.clientID == id })
	return true
}

// revokeGrants revokes every grant for which drop is true: their refresh tokens are refused.
func (o *oauthState) revokeGrants(drop func(*grant) bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.revokeGrantsLocked(drop)
}

func (o *oauthState) revokeGrantsLocked(drop func(*grant) bool) {
	for _, g := range o.grants {
		if drop(g) {
			g.revoked.Store(true)
		}
	}
}

// client returns a copy of a client, or nil.
func (o *oauthState) client(id string) *OAuthClient {
	o.mu.Lock()
	defer o.mu.Unlock()
	c := o.clients[id]
	if c == nil {
		return nil
	}
	cp := *c
	return &cp
}

// listClients returns every client, in registration order, with the secret left out.
func (o *oauthState) listClients() []OAuthClient {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]OAuthClient, 0, len(o.clientOrder))
	for _, id := range o.clientOrder {
		c := *o.clients[id]
		c.Secret = ""
		out = append(out, c)
	}
	return out
}

// authenticate returns the client whose id and secret these are. Secrets are compared in constant
// time, as SHA-256 digests so that their lengths do not leak either.
func (o *oauthState) authenticate(id, secret string) (*OAuthClient, error) {
	c := o.client(id)
	want := ""
	if c != nil {
		want = c.Secret
	}
	a, b := sha256.Sum256([]byte(secret)), sha256.Sum256([]byte(want))
	if subtle.ConstantTimeCompare(a[:], b[:]) != 1 || c == nil {
		return nil, oauthError(http.StatusUnauthorized, "invalid_client", "Client authentication failed: unknown client_id or wrong client_secret")
	}
	return c, nil
}

// scopesAllowed reports whether the client may be granted every one of the scopes.
func (c *OAuthClient) scopesAllowed(scopes []string) bool {
	if len(c.Scopes) == 0 {
		return true
	}
	for _, s := range scopes {
		if !slices.Contains(c.Scopes, s) {
			return false
		}
	}
	return true
}

// defaultScopes are what a client is granted when the request names none.
func (o *oauthState) defaultScopes(c *OAuthClient) []string {
	if len(c.Scopes) > 0 {
		return slices.Clone(c.Scopes)
	}
	return slices.Clone(o.allScopes)
}

// newCode stores an authorization code for a consent and returns it.
func (o *oauthState) newCode(clientID, redirectURI string, a authorization, now time.Time) string {
	code := randomHex(20)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.codes[code] = &authCode{authorization: a, clientID: clientID, redirectURI: redirectURI, expires: now.Add(AuthorizationCodeTTL)}
	if o.codeSweep.due(len(o.codes)) {
		horizon := o.horizon()
		for k, c := range o.codes {
			if !horizon.Before(c.expires) {
				delete(o.codes, k)
			}
		}
		o.codeSweep.done(len(o.codes))
	}
	return code
}

// newGrantLocked starts a grant (a refresh-token chain) and returns it with its first refresh
// token.
func (o *oauthState) newGrantLocked(clientID string, a authorization, now time.Time) (*grant, string) {
	if o.grantSweep.due(len(o.grants)) {
		horizon := o.horizon()
		for k, g := range o.grants {
			if !horizon.Before(g.refreshExpires) {
				delete(o.grants, k)
			}
		}
		o.grantSweep.done(len(o.grants))
	}
	g := &grant{authorization: a, id: randomHex(12), clientID: clientID}
	o.grants[g.id] = g
	return g, o.rotateLocked(g, now)
}

// refreshClaims are the claims of a refresh token: which grant, which generation. The signature
// makes them unforgeable, so a spent refresh token is recognised without remembering it.
type refreshClaims struct {
	Grant string `json:"gid"`
	Gen   int    `json:"gen"`
	Exp   int64  `json:"exp"`
	JTI   string `json:"jti"`
}

// rotateLocked issues the grant's next refresh token; every earlier one is spent from now on.
func (o *oauthState) rotateLocked(g *grant, now time.Time) string {
	g.gen++
	g.refreshExpires = now.Add(RefreshTokenTTL)
	return signJWT(o.key, refreshClaims{Grant: g.id, Gen: g.gen, Exp: g.refreshExpires.Unix(), JTI: randomString(8)})
}

// parseRefresh returns the claims of a refresh token the mock signed, or false.
func (o *oauthState) parseRefresh(tok string) (refreshClaims, bool) {
	var rc refreshClaims
	data, ok := verifyJWT(o.key, tok)
	if !ok || json.Unmarshal(data, &rc) != nil || rc.Grant == "" {
		return refreshClaims{}, false
	}
	return rc, true
}

func (o *oauthState) consentSettings() ConsentSettings {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.consent
}

func (o *oauthState) setConsent(c ConsentSettings) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.consent = c
}

// randomHex returns n unguessable bytes, hex-encoded.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// formValue is the last value of a form field, as the document's validation reads it.
func formValue(form url.Values, key string) string {
	v := form[key]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// grantResponse is the token endpoint's answer: the admin API's token fields plus the grant's.
type grantResponse struct {
	tokenResponse
	RefreshToken      string   `json:"refresh_token,omitempty"`
	RefreshTokenID    string   `json:"refreshTokenId,omitempty"`
	ApprovedLocations []string `json:"approvedLocations,omitempty"`
}

// mintAccess issues an access token of a client for an authorization, tied to grant g (nil when
// there is none), living ttl (0: the configured TokenTTL).
func (s *Server) mintAccess(clientID string, a authorization, g *grant, ttl time.Duration) *Token {
	if ttl <= 0 {
		ttl = s.cfg.TokenTTL
	}
	now := s.clock.Now()
	return s.tokens.mint(Token{
		ClientID: clientID, UserType: a.userType, LocationID: a.locationID, CompanyID: a.companyID,
		UserID: a.userID, Scopes: a.scopes, IssuedAt: now, ExpiresAt: now.Add(ttl), grant: g,
	})
}

// issue mints an access token for an authorization of a client, tied to grant g (nil when there
// is none), and returns the token endpoint's answer.
func (s *Server) issue(clientID string, a authorization, g *grant, refresh string) grantResponse {
	tok := s.mintAccess(clientID, a, g, 0)
	out := grantResponse{tokenResponse: tokenResponseOf(tok, tok.IssuedAt), RefreshToken: refresh, ApprovedLocations: a.approved}
	if g != nil {
		out.RefreshTokenID = g.id
	}
	return out
}

// getAccessToken is POST /oauth/token. The document has validated the form (required fields,
// enums, no unknown field); what is left is OAuth itself.
func getAccessToken(s *Server, c *call) (any, error) {
	form, _ := url.ParseQuery(string(c.body))
	client, err := s.oauth.authenticate(formValue(form, "client_id"), formValue(form, "client_secret"))
	if err != nil {
		return nil, err
	}
	grantType := formValue(form, "grant_type")
	if !slices.Contains(client.Grants, grantType) {
		return nil, oauthError(http.StatusBadRequest, "unauthorized_client", "The client is not allowed to use grant_type "+grantType)
	}
	var out grantResponse
	switch grantType {
	case GrantAuthorizationCode:
		out, err = s.exchangeCode(client, form)
	case GrantRefreshToken:
		out, err = s.refresh(client, form)
	default:
		out, err = s.clientCredentials(client, form)
	}
	if err != nil {
		s.log.Info("oauth: token request refused", "grantType", grantType, "clientId", client.ID, "err", err)
		return nil, err
	}
	s.log.Info("oauth: tokens issued", "grantType", grantType, "clientId", client.ID, "userType", out.UserType,
		"locationId", out.LocationID, "companyId", out.CompanyID, "refreshTokenId", out.RefreshTokenID)
	return out, nil
}

func invalidGrant(desc string) *APIError {
	return oauthError(http.StatusBadRequest, "invalid_grant", desc)
}

// userTypeMismatch refuses a user_type other than the one the authorization was granted for.
func userTypeMismatch(form url.Values, granted string) error {
	if ut := formValue(form, "user_type"); ut != "" && ut != granted {
		return invalidGrant("The authorization was granted for user_type " + granted + ", not " + ut)
	}
	return nil
}

func (s *Server) exchangeCode(client *OAuthClient, form url.Values) (grantResponse, error) {
	code := formValue(form, "code")
	if code == "" {
		return grantResponse{}, oauthError(http.StatusBadRequest, "invalid_request", "code is required for grant_type authorization_code")
	}
	now := s.clock.Now()
	o := s.oauth
	o.mu.Lock()
	ac := o.codes[code]
	var err error
	switch {
	case ac == nil || ac.clientID != client.ID:
		err = invalidGrant("The authorization code is invalid")
	case ac.used:
		if ac.grant != nil {
			ac.grant.revoked.Store(true)
		}
		err = invalidGrant("The authorization code has already been used; the tokens issued for it are revoked")
	case !now.Before(ac.expires):
		err = invalidGrant("The authorization code has expired")
	case formValue(form, "redirect_uri") != "" && formValue(form, "redirect_uri") != ac.redirectURI:
		err = invalidGrant("redirect_uri does not match the redirect URI the code was issued for")
	default:
		err = userTypeMismatch(form, ac.userType)
	}
	if err != nil {
		o.mu.Unlock()
		return grantResponse{}, err
	}
	ac.used = true
	g, refresh := o.newGrantLocked(client.ID, ac.authorization, now)
	ac.grant = g
	o.mu.Unlock()
	return s.issue(client.ID, g.authorization, g, refresh), nil
}

func (s *Server) refresh(client *OAuthClient, form url.Values) (grantResponse, error) {
	rt := formValue(form, "refresh_token")
	if rt == "" {
		return grantResponse{}, oauthError(http.StatusBadRequest, "invalid_request", "refresh_token is required for grant_type refresh_token")
	}
	invalid := invalidGrant("The refresh token is invalid")
	o := s.oauth
	rc, ok := o.parseRefresh(rt)
	if !ok {
		return grantResponse{}, invalid
	}
	now := s.clock.Now()
	o.mu.Lock()
	g := o.grants[rc.Grant]
	var err error
	switch {
	case g == nil || g.clientID != client.ID:
		err = invalid
	case g.revoked.Load():
		err = invalidGrant("The refresh token has been revoked")
	case rc.Gen < g.gen:
		// A spent refresh token came back: either the client lost track of the rotation or the token
		// leaked. The careful answer (RFC 9700 §4.14.2) is to revoke the whole chain.
		g.revoked.Store(true)
		s.log.Warn("oauth: a spent refresh token was presented; its grant is revoked", "refreshTokenId", g.id, "clientId", client.ID)
		err = invalidGrant("The refresh token has already been used; every token of its grant is revoked")
	case now.Unix() >= rc.Exp:
		err = invalidGrant("The refresh token has expired")
	default:
		err = userTypeMismatch(form, g.userType)
	}
	if err != nil {
		o.mu.Unlock()
		return grantResponse{}, err
	}
	refresh := o.rotateLocked(g, now)
	o.mu.Unlock()
	return s.issue(client.ID, g.authorization, g, refresh), nil
}

// clientCredentials issues a Company token for the client's company, without a refresh token (RFC
// 6749 §4.4.3: the client can always ask again).
func (s *Server) clientCredentials(client *OAuthClient, form url.Values) (grantResponse, error) {
	if ut := formValue(form, "user_type"); ut != "" && ut != UserTypeCompany {
		return grantResponse{}, oauthError(http.StatusBadRequest, "invalid_request", "client_credentials issues Company tokens only: user_type must be Company")
	}
	if client.CompanyID == "" {
		return grantResponse{}, oauthError(http.StatusBadRequest, "unauthorized_client", "The client has no companyId to issue a Company token for")
	}
	a := s.companyAuthorization(client.CompanyID, mockUserID, s.oauth.defaultScopes(client))
	return s.issue(client.ID, a, nil, ""), nil
}

// companyAuthorization is an agency-level installation for a company: its locations are approved.
func (s *Server) companyAuthorization(companyID, userID string, scopes []string) authorization {
	a := authorization{userType: UserTypeCompany, companyID: companyID, userID: userID, scopes: scopes}
	for _, l := range s.store.Locations() {
		if l.CompanyID == companyID {
			a.approved = append(a.approved, l.ID)
		}
	}
	return a
}

// installUser is the user who installs the app on a location: its first user, or a mock one.
func installUser(l fixtures.Location) string {
	if len(l.Users) > 0 {
		return l.Users[0].ID
	}
	return mockUserID
}

// locationTokenResponse is the answer of POST /oauth/locationToken.
type locationTokenResponse struct {
	tokenResponse
	AppID     string `json:"appId,omitempty"`
	VersionID string `json:"versionId,omitempty"`
}

// getLocationAccessToken is POST /oauth/locationToken: an agency (Company) token, already checked
// for type and scope by the pipeline, mints a token for one of its company's locations. The new
// token belongs to the agency token's grant: revoking that revokes it too.
func getLocationAccessToken(s *Server, c *call) (any, error) {
	form, _ := url.ParseQuery(string(c.body))
	companyID, locationID := formValue(form, "companyId"), formValue(form, "locationId")
	if companyID != c.token.CompanyID {
		return nil, newError(http.StatusForbidden, "The token does not have access to this company.")
	}
	loc, err := s.store.Location(locationID)
	if err != nil || loc.CompanyID != companyID {
		return nil, newError(http.StatusBadRequest, "Location with id "+locationID+" not found in company "+companyID)
	}
	a := authorization{userType: UserTypeLocation, locationID: loc.ID, companyID: companyID, userID: c.token.UserID, scopes: c.token.Scopes}
	tok := s.mintAccess(c.token.ClientID, a, c.token.grant, 0)
	out := locationTokenResponse{tokenResponse: tokenResponseOf(tok, tok.IssuedAt)}
	if app, _, _ := strings.Cut(c.token.ClientID, "-"); fixtures.ValidObjectID(app) {
		out.AppID, out.VersionID = app, app
	}
	s.log.Info("oauth: location token issued", "clientId", c.token.ClientID, "companyId", companyID, "locationId", loc.ID)
	return out, nil
}
