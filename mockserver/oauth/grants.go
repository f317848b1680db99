package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
)

// TokenResponse is the body of a minted token, in the live token endpoint's field names.
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
	UserType    string `json:"userType"`
	LocationID  string `json:"locationId,omitempty"`
	CompanyID   string `json:"companyId,omitempty"`
	UserID      string `json:"userId"`
}

// ResponseOf is a token's TokenResponse at now.
func ResponseOf(t *Token, now time.Time) TokenResponse {
	return TokenResponse{
		AccessToken: t.AccessToken, TokenType: "Bearer",
		ExpiresIn: int64(t.ExpiresAt.Sub(now).Round(time.Second) / time.Second),
		Scope:     strings.Join(t.Scopes, " "), UserType: t.UserType,
		LocationID: t.LocationID, CompanyID: t.CompanyID, UserID: t.UserID,
	}
}

// GrantResponse is the token endpoint's answer: the token's fields plus the grant's, with the
// installation fields of the live answer (reference §4.1): planId and isBulkInstallation, and for
// Company tokens installToFutureLocations and approveAllLocations.
type GrantResponse struct {
	TokenResponse
	RefreshToken      string   `json:"refresh_token,omitempty"`
	RefreshTokenID    string   `json:"refreshTokenId,omitempty"`
	ApprovedLocations []string `json:"approvedLocations,omitempty"`
	PlanID            string   `json:"planId,omitempty"`
	// IsBulkInstallation is true for an agency (Company) installation, which covers every location
	// of the company at once; false for one location's.
	IsBulkInstallation bool `json:"isBulkInstallation"`
	// InstallToFutureLocations and ApproveAllLocations are the Company answer's: the mock's agency
	// installation approves every location of the company, those created later included.
	InstallToFutureLocations *bool `json:"installToFutureLocations,omitempty"`
	ApproveAllLocations      *bool `json:"approveAllLocations,omitempty"`
}

// LocationTokenResponse is the answer of POST /oauth/locationToken.
type LocationTokenResponse struct {
	TokenResponse
	PlanID    string `json:"planId,omitempty"`
	AppID     string `json:"appId,omitempty"`
	VersionID string `json:"versionId,omitempty"`
}

// PlanID is the plan of the app a client is: 24 hex digits (an ObjectId, as live plan ids are),
// derived from the client id, so that every token of one client names the same plan.
func PlanID(clientID string) string {
	sum := sha256.Sum256([]byte("plan:" + clientID))
	return hex.EncodeToString(sum[:12])
}

// formValue is the last value of a form field, as the document's validation reads it.
func formValue(form url.Values, key string) string {
	v := form[key]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// authenticate returns the client whose id and secret these are.
func (s *Server) authenticate(ctx context.Context, id, secret string) (*Client, error) {
	c, err := s.o.Store.Client(ctx, id)
	if err != nil {
		return nil, err
	}
	want := ""
	if c != nil {
		want = c.Secret
	}
	if !secretMatches(secret, want) || c == nil {
		return nil, oauthError(http.StatusUnauthorized, "invalid_client", "Client authentication failed: unknown client_id or wrong client_secret")
	}
	return c, nil
}

// Token answers POST /oauth/token. The document has validated the form (required fields, enums,
// no unknown field); what is left is OAuth itself.
func (s *Server) Token(ctx context.Context, form url.Values) (GrantResponse, error) {
	client, err := s.authenticate(ctx, formValue(form, "client_id"), formValue(form, "client_secret"))
	if err != nil {
		return GrantResponse{}, err
	}
	grantType := formValue(form, "grant_type")
	if !slices.Contains(client.Grants, grantType) {
		return GrantResponse{}, oauthError(http.StatusBadRequest, "unauthorized_client", "The client is not allowed to use grant_type "+grantType)
	}
	var out GrantResponse
	switch grantType {
	case GrantAuthorizationCode:
		out, err = s.exchangeCode(ctx, client, form)
	case GrantRefreshToken:
		out, err = s.refresh(ctx, client, form)
	default:
		out, err = s.clientCredentials(ctx, client, form)
	}
	if err != nil {
		s.o.Logger.Info("oauth: token request refused", "grantType", grantType, "clientId", client.ID, "err", err)
		return GrantResponse{}, err
	}
	s.o.Logger.Info("oauth: tokens issued", "grantType", grantType, "clientId", client.ID, "userType", out.UserType,
		"locationId", out.LocationID, "companyId", out.CompanyID, "refreshTokenId", out.RefreshTokenID)
	return out, nil
}

// issue mints an access token for an authorization of a client, tied to grant g (nil when there is
// none), and returns the token endpoint's answer.
func (s *Server) issue(ctx context.Context, clientID string, a Authorization, g *Grant, refresh string) (GrantResponse, error) {
	grantID := ""
	if g != nil {
		grantID = g.ID
	}
	tok, err := s.Mint(ctx, clientID, a, grantID, 0)
	if err != nil {
		return GrantResponse{}, err
	}
	out := GrantResponse{TokenResponse: ResponseOf(tok, tok.IssuedAt), RefreshToken: refresh, RefreshTokenID: grantID,
		ApprovedLocations: a.Approved, PlanID: PlanID(clientID), IsBulkInstallation: a.UserType == UserTypeCompany}
	if a.UserType == UserTypeCompany {
		yes := true
		out.InstallToFutureLocations, out.ApproveAllLocations = &yes, &yes
	}
	return out, nil
}

// userTypeMismatch refuses a user_type other than the one the authorization was granted for.
func userTypeMismatch(form url.Values, granted string) error {
	if ut := formValue(form, "user_type"); ut != "" && ut != granted {
		return invalidGrant("The authorization was granted for user_type " + granted + ", not " + ut)
	}
	return nil
}

// refreshToken signs the refresh token of a grant's generation gen.
func (s *Server) refreshToken(g *Grant) string {
	return signJWT(s.o.RefreshKey, refreshClaims{Grant: g.ID, Gen: g.Gen, Exp: g.RefreshExpires.Unix(), JTI: randomString(8)})
}

// revokeGrant revokes one grant.
func (s *Server) revokeGrant(ctx context.Context, id string) error {
	_, err := s.o.Store.RevokeGrants(ctx, GrantFilter{ID: id})
	return err
}

func (s *Server) exchangeCode(ctx context.Context, client *Client, form url.Values) (GrantResponse, error) {
	code := formValue(form, "code")
	if code == "" {
		return GrantResponse{}, oauthError(http.StatusBadRequest, "invalid_request", "code is required for grant_type authorization_code")
	}
	now := s.o.Now()
	ac, found, err := s.o.Store.Code(ctx, code)
	if err != nil {
		return GrantResponse{}, err
	}
	replayed := func() error {
		if ac.GrantID != "" {
			if err := s.revokeGrant(ctx, ac.GrantID); err != nil {
				return err
			}
		}
		return invalidGrant("The authorization code has already been used; the tokens issued for it are revoked")
	}
	switch {
	case !found || ac.ClientID != client.ID:
		err = invalidGrant("The authorization code is invalid")
	case ac.Used:
		err = replayed()
	case !now.Before(ac.Expires):
		err = invalidGrant("The authorization code has expired")
	case formValue(form, "redirect_uri") != "" && formValue(form, "redirect_uri") != ac.RedirectURI:
		err = invalidGrant("redirect_uri does not match the redirect URI the code was issued for")
	default:
		err = userTypeMismatch(form, ac.UserType)
	}
	if err != nil {
		return GrantResponse{}, err
	}
	g := &Grant{Authorization: ac.Authorization, ID: randomHex(12), ClientID: client.ID, Gen: 1, RefreshExpires: now.Add(RefreshTokenTTL), CreatedAt: now}
	already, err := s.o.Store.MarkUsed(ctx, code, g.ID)
	switch {
	case err != nil:
		return GrantResponse{}, err
	case already:
		// A concurrent exchange spent it first: this one is the replay.
		if ac, _, err = s.o.Store.Code(ctx, code); err != nil {
			return GrantResponse{}, err
		}
		return GrantResponse{}, replayed()
	}
	if err := s.o.Store.PutGrant(ctx, *g); err != nil {
		return GrantResponse{}, err
	}
	return s.issue(ctx, client.ID, g.Authorization, g, s.refreshToken(g))
}

func (s *Server) refresh(ctx context.Context, client *Client, form url.Values) (GrantResponse, error) {
	rt := formValue(form, "refresh_token")
	if rt == "" {
		return GrantResponse{}, oauthError(http.StatusBadRequest, "invalid_request", "refresh_token is required for grant_type refresh_token")
	}
	invalid := invalidGrant("The refresh token is invalid")
	rc, ok := parseRefresh(s.o.RefreshKey, rt)
	if !ok {
		return GrantResponse{}, invalid
	}
	now := s.o.Now()
	g, found, err := s.o.Store.Grant(ctx, rc.Grant)
	if err != nil {
		return GrantResponse{}, err
	}
	spent := func() error {
		// A spent refresh token came back: either the client lost track of the rotation or the
		// token leaked. The careful answer (RFC 9700 §4.14.2) is to revoke the whole chain.
		if err := s.revokeGrant(ctx, g.ID); err != nil {
			return err
		}
		s.o.Logger.Warn("oauth: a spent refresh token was presented; its grant is revoked", "refreshTokenId", g.ID, "clientId", client.ID)
		return invalidGrant("The refresh token has already been used; every token of its grant is revoked")
	}
	switch {
	case !found || g.ClientID != client.ID:
		err = invalid
	case g.Revoked:
		err = invalidGrant("The refresh token has been revoked")
	case rc.Gen < g.Gen:
		err = spent()
	case now.Unix() >= rc.Exp:
		err = invalidGrant("The refresh token has expired")
	default:
		err = userTypeMismatch(form, g.UserType)
	}
	if err != nil {
		return GrantResponse{}, err
	}
	expires := now.Add(RefreshTokenTTL)
	rotated, err := s.o.Store.Rotate(ctx, g.ID, g.Gen, expires)
	switch {
	case err != nil:
		return GrantResponse{}, err
	case !rotated:
		// A concurrent refresh with the same token rotated it first (or revoked the grant).
		return GrantResponse{}, spent()
	}
	g.Gen++
	g.RefreshExpires = expires
	return s.issue(ctx, client.ID, g.Authorization, &g, s.refreshToken(&g))
}

// clientCredentials issues a Company token for the client's company, without a refresh token (RFC
// 6749 §4.4.3: the client can always ask again).
func (s *Server) clientCredentials(ctx context.Context, client *Client, form url.Values) (GrantResponse, error) {
	if ut := formValue(form, "user_type"); ut != "" && ut != UserTypeCompany {
		return GrantResponse{}, oauthError(http.StatusBadRequest, "invalid_request", "client_credentials issues Company tokens only: user_type must be Company")
	}
	if client.CompanyID == "" {
		return GrantResponse{}, oauthError(http.StatusBadRequest, "unauthorized_client", "The client has no companyId to issue a Company token for")
	}
	a, err := s.companyAuthorization(ctx, client.CompanyID, MockUserID, s.defaultScopes(client))
	if err != nil {
		return GrantResponse{}, err
	}
	return s.issue(ctx, client.ID, a, nil, "")
}

// LocationToken answers POST /oauth/locationToken: an agency (Company) token, already checked for
// type and scope, mints a token for one of its company's locations. The new token belongs to the
// agency token's grant: revoking that revokes it too.
func (s *Server) LocationToken(ctx context.Context, agency *Token, form url.Values) (LocationTokenResponse, error) {
	companyID, locationID := formValue(form, "companyId"), formValue(form, "locationId")
	if companyID != agency.CompanyID {
		return LocationTokenResponse{}, ErrForeignCompany
	}
	loc, err := s.o.Locations.Location(ctx, locationID)
	if err != nil || loc.CompanyID != companyID {
		return LocationTokenResponse{}, &LocationError{LocationID: locationID, CompanyID: companyID}
	}
	a := Authorization{UserType: UserTypeLocation, LocationID: loc.ID, CompanyID: companyID, UserID: agency.UserID, Scopes: agency.Scopes}
	tok, err := s.Mint(ctx, agency.ClientID, a, agency.GrantID, 0)
	if err != nil {
		return LocationTokenResponse{}, err
	}
	out := LocationTokenResponse{TokenResponse: ResponseOf(tok, tok.IssuedAt), PlanID: PlanID(agency.ClientID)}
	if app, _, _ := strings.Cut(agency.ClientID, "-"); fixtures.ValidObjectID(app) {
		out.AppID, out.VersionID = app, app
	}
	s.o.Logger.Info("oauth: location token issued", "clientId", agency.ClientID, "companyId", companyID, "locationId", loc.ID)
	return out, nil
}

// --- the consent step -----------------------------------------------------------------------

// ConsentRequest is the query of the consent URL.
type ConsentRequest struct {
	ClientID, RedirectURI, ResponseType, Scope, State, LocationID string
}

// Consent plays the user on the consent page: it picks a location (the request's locationId, else
// the admin setting, else the first location) and approves, or denies when told to. It returns the
// redirect URI and the parameters to add to it: a code, or an error (RFC 6749 §4.1.2). A request
// it cannot trust to redirect (unknown client, redirect URI not registered) is an *Error instead:
// never redirect to a URI the client did not register.
func (s *Server) Consent(ctx context.Context, req ConsentRequest) (string, url.Values, error) {
	client, err := s.o.Store.Client(ctx, req.ClientID)
	if err != nil {
		return "", nil, err
	}
	switch {
	case client == nil:
		return "", nil, oauthError(http.StatusBadRequest, "invalid_client", "Unknown client_id "+req.ClientID)
	case req.RedirectURI == "":
		return "", nil, oauthError(http.StatusBadRequest, "invalid_request", "redirect_uri is required")
	case !client.RedirectAllowed(req.RedirectURI):
		return "", nil, oauthError(http.StatusBadRequest, "invalid_request",
			"redirect_uri "+req.RedirectURI+" is not registered for client "+client.ID)
	}
	back := url.Values{}
	if req.State != "" {
		back.Set("state", req.State)
	}
	fail := func(code, desc string) (string, url.Values, error) {
		back.Set("error", code)
		back.Set("error_description", desc)
		s.o.Logger.Info("oauth: consent refused", "clientId", client.ID, "error", code, "description", desc)
		return req.RedirectURI, back, nil
	}
	switch req.ResponseType {
	case "code":
	case "":
		return fail("invalid_request", "response_type is required")
	default:
		return fail("unsupported_response_type", "response_type must be code")
	}
	scopes := strings.Fields(req.Scope)
	if !client.ScopesAllowed(scopes) {
		return fail("invalid_scope", "The client may not be granted scope "+req.Scope)
	}
	if len(scopes) == 0 {
		scopes = s.defaultScopes(client)
	}
	settings, err := s.o.Store.Consent(ctx)
	if err != nil {
		return "", nil, err
	}
	if settings.Deny {
		return fail("access_denied", "The user denied the installation")
	}
	a, err := s.consentAuthorization(ctx, settings, req.LocationID, scopes)
	if err != nil {
		return fail("invalid_request", s.o.Describe(err))
	}
	code := randomHex(20)
	if err := s.o.Store.PutCode(ctx, code, Code{Authorization: a, ClientID: client.ID, RedirectURI: req.RedirectURI, Expires: s.o.Now().Add(AuthorizationCodeTTL)}); err != nil {
		return "", nil, err
	}
	back.Set("code", code)
	s.o.Logger.Info("oauth: consent given", "clientId", client.ID, "userType", a.UserType, "locationId", a.LocationID, "companyId", a.CompanyID)
	return req.RedirectURI, back, nil
}

// consentAuthorization is what the user installs: a location (or, for a Company installation,
// the location's company) with the scopes.
func (s *Server) consentAuthorization(ctx context.Context, settings ConsentSettings, locationID string, scopes []string) (Authorization, error) {
	if locationID == "" {
		locationID = settings.LocationID
	}
	if locationID == "" {
		locs, err := s.o.Locations.Locations(ctx)
		if err != nil {
			return Authorization{}, err
		}
		if len(locs) == 0 {
			return Authorization{}, errors.New("the mock has no location to install the app on")
		}
		locationID = locs[0].ID
	}
	loc, err := s.o.Locations.Location(ctx, locationID)
	if err != nil {
		return Authorization{}, err
	}
	if settings.UserType == UserTypeCompany {
		if loc.CompanyID == "" {
			return Authorization{}, errors.New("location " + loc.ID + " has no companyId, which a Company installation needs")
		}
		return s.companyAuthorization(ctx, loc.CompanyID, installUser(loc), scopes)
	}
	return Authorization{UserType: UserTypeLocation, LocationID: loc.ID, CompanyID: loc.CompanyID, UserID: installUser(loc), Scopes: scopes}, nil
}
