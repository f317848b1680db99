package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
	"github.com/contactsmock/contactsmock/spec"
)

// Locations is what the authorization server reads of the mock's state: the locations an app is
// installed on.
type Locations interface {
	Locations(ctx context.Context) ([]fixtures.Location, error)
	Location(ctx context.Context, id string) (fixtures.Location, error)
}

// Options configure a Server.
type Options struct {
	// Store keeps clients, codes, grants, tokens and consent settings.
	Store Store
	// Locations are the mock's locations.
	Locations Locations
	// Now is the mock's clock.
	Now func() time.Time
	// Spec is the document; its security schemes declare the scopes there are.
	Spec *spec.Spec
	// DefaultClient is the client admin-minted tokens belong to.
	DefaultClient string
	// TokenTTL is the lifetime of access tokens.
	TokenTTL time.Duration
	// AccessKey and RefreshKey sign access and refresh tokens; nil means a random key. Replicas
	// that accept each other's tokens share them.
	AccessKey, RefreshKey []byte
	// Describe words an error of the state for an OAuth error_description (the live API's
	// wording); nil means err.Error().
	Describe func(error) string
	// Logger receives the grants issued and refused; nil discards.
	Logger *slog.Logger
}

// Server is the authorization server.
type Server struct {
	o         Options
	allScopes []string
}

// Error is a refusal of the token endpoint or the consent step, in RFC 6749's terms: the status
// to answer with, the error code and its description.
type Error struct {
	Status      int
	Code        string
	Description string
}

// Error implements error.
func (e *Error) Error() string { return "oauth: " + e.Code + ": " + e.Description }

func oauthError(status int, code, desc string) *Error {
	return &Error{Status: status, Code: code, Description: desc}
}

func invalidGrant(desc string) *Error { return oauthError(400, "invalid_grant", desc) }

// ErrForeignCompany refuses a location token for a company other than the agency token's.
var ErrForeignCompany = errors.New("oauth: the token does not have access to this company")

// LocationError refuses a location token for a location that is not one of the company's.
type LocationError struct{ LocationID, CompanyID string }

// Error implements error.
func (e *LocationError) Error() string {
	return "oauth: location " + e.LocationID + " not found in company " + e.CompanyID
}

// ValidationError lists what is wrong with a client or consent settings, in the API's 422 style.
type ValidationError struct{ Messages []string }

// Error implements error.
func (e *ValidationError) Error() string { return "oauth: " + strings.Join(e.Messages, "; ") }

// NewServer returns an authorization server.
func NewServer(o Options) *Server {
	if o.AccessKey == nil {
		o.AccessKey = RandomKey()
	}
	if o.RefreshKey == nil {
		o.RefreshKey = RandomKey()
	}
	if o.Describe == nil {
		o.Describe = func(err error) string { return err.Error() }
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Server{o: o, allScopes: documentScopes(o.Spec)}
}

// documentScopes lists the scopes the document's security schemes declare, sorted.
func documentScopes(sp *spec.Spec) []string {
	seen := map[string]bool{}
	if sp != nil && sp.Doc.Components != nil {
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

// AllScopes returns every scope the document declares.
func (s *Server) AllScopes() []string { return slices.Clone(s.allScopes) }

// AdminTokenScopes are the scopes of an admin-minted token that names none.
func (s *Server) AdminTokenScopes(userType string) []string {
	if userType == UserTypeCompany {
		return slices.Clone(s.allScopes)
	}
	return []string{ScopeContactsReadonly, ScopeContactsWrite}
}

// defaultScopes are what a client is granted when the request names none.
func (s *Server) defaultScopes(c *Client) []string {
	if len(c.Scopes) > 0 {
		return slices.Clone(c.Scopes)
	}
	return slices.Clone(s.allScopes)
}

// --- clients and consent settings -----------------------------------------------------------

// AddClient validates and registers a client.
func (s *Server) AddClient(ctx context.Context, c Client) error {
	if msgs := ValidateClient(c); len(msgs) > 0 {
		return &ValidationError{Messages: msgs}
	}
	return s.o.Store.AddClient(ctx, c)
}

// Client returns a client (with its secret), or nil.
func (s *Server) Client(ctx context.Context, id string) (*Client, error) {
	return s.o.Store.Client(ctx, id)
}

// Clients returns every client, in registration order, with the secret left out.
func (s *Server) Clients(ctx context.Context) ([]Client, error) {
	list, err := s.o.Store.ListClients(ctx)
	for i := range list {
		list[i].Secret = ""
	}
	return list, err
}

// RemoveClient forgets a client: its grants are revoked and its access tokens stop working. It
// reports whether the client existed and how many tokens were revoked.
func (s *Server) RemoveClient(ctx context.Context, id string) (bool, int, error) {
	found, err := s.o.Store.RemoveClient(ctx, id)
	if err != nil || !found {
		return found, 0, err
	}
	n, err := s.o.Store.RevokeTokens(ctx, TokenFilter{ClientID: id})
	return true, n, err
}

// RevokeLocation makes the access tokens bound to a location answer 401 and revokes its grants;
// it returns how many tokens there were.
func (s *Server) RevokeLocation(ctx context.Context, id string) (int, error) {
	n, err := s.o.Store.RevokeTokens(ctx, TokenFilter{LocationID: id})
	if err != nil {
		return n, err
	}
	_, err = s.o.Store.RevokeGrants(ctx, GrantFilter{LocationID: id})
	return n, err
}

// ConsentSettings returns the consent settings.
func (s *Server) ConsentSettings(ctx context.Context) (ConsentSettings, error) {
	return s.o.Store.Consent(ctx)
}

// SetConsent replaces the consent settings ({} restores the defaults). A location they name must
// exist.
func (s *Server) SetConsent(ctx context.Context, c ConsentSettings) error {
	if c.UserType != "" && c.UserType != UserTypeLocation && c.UserType != UserTypeCompany {
		return &ValidationError{Messages: []string{"userType must be one of the following values: Location, Company"}}
	}
	if c.LocationID != "" {
		if _, err := s.o.Locations.Location(ctx, c.LocationID); err != nil {
			return err
		}
	}
	return s.o.Store.SetConsent(ctx, c)
}

// --- access tokens --------------------------------------------------------------------------

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// Mint issues an access token of any client for an authorization, tied to a grant ("" when there
// is none), living ttl (0: the configured TokenTTL); the token endpoint's grants and the admin
// API's quick paths mint through it. Its string has the shape of the live API's JWTs
// (header.claims.signature) with claims a client may inspect; the mock itself trusts only its
// store.
func (s *Server) Mint(ctx context.Context, clientID string, a Authorization, grantID string, ttl time.Duration) (*Token, error) {
	if ttl <= 0 {
		ttl = s.o.TokenTTL
	}
	now := s.o.Now()
	t := Token{
		ClientID: clientID, UserType: a.UserType, LocationID: a.LocationID, CompanyID: a.CompanyID,
		UserID: a.UserID, Scopes: a.Scopes, IssuedAt: now, ExpiresAt: now.Add(ttl), GrantID: grantID,
	}
	t.AccessToken = signJWT(s.o.AccessKey, map[string]any{
		"authClass":          t.UserType,
		"authClassId":        firstNonEmpty(t.LocationID, t.CompanyID),
		"source":             "INTEGRATION",
		"sourceId":           t.ClientID,
		"channel":            "OAUTH",
		"primaryAuthClassId": firstNonEmpty(t.LocationID, t.CompanyID),
		"oauthMeta": map[string]any{
			"scopes": t.Scopes, "client": strings.SplitN(t.ClientID, "-", 2)[0], "versionId": strings.SplitN(t.ClientID, "-", 2)[0],
		},
		"iat": t.IssuedAt.Unix(),
		"exp": t.ExpiresAt.Unix(),
		"jti": randomString(16),
	})
	t.Scopes = slices.Clone(t.Scopes)
	if err := s.o.Store.PutToken(ctx, t); err != nil {
		return nil, err
	}
	return &t, nil
}

// MintLocation issues an access token of the default client for a location (the admin API's quick
// path). ttl 0 means the configured TokenTTL.
func (s *Server) MintLocation(ctx context.Context, locationID string, scopes []string, ttl time.Duration) (*Token, error) {
	if _, err := s.o.Locations.Location(ctx, locationID); err != nil {
		return nil, err
	}
	return s.Mint(ctx, s.o.DefaultClient, Authorization{UserType: UserTypeLocation, LocationID: locationID, UserID: MockUserID, Scopes: scopes}, "", ttl)
}

// MintCompany issues an agency (Company) access token of the default client for a company (one
// that at least one location belongs to). ttl 0 means the configured TokenTTL.
func (s *Server) MintCompany(ctx context.Context, companyID string, scopes []string, ttl time.Duration) (*Token, error) {
	a, err := s.companyAuthorization(ctx, companyID, MockUserID, scopes)
	if err != nil {
		return nil, err
	}
	if len(a.Approved) == 0 {
		return nil, state.NotFoundError("Company", companyID)
	}
	return s.Mint(ctx, s.o.DefaultClient, a, "", ttl)
}

// Verify returns the token of a bearer string when it is one the mock issued, unexpired at now
// and not revoked; nil otherwise.
func (s *Server) Verify(ctx context.Context, bearer string, now time.Time) (*Token, error) {
	t, err := s.o.Store.Token(ctx, bearer)
	if err != nil || t == nil || !now.Before(t.ExpiresAt) {
		return nil, err
	}
	if t.GrantID != "" {
		revoked, err := s.o.Store.GrantRevoked(ctx, t.GrantID)
		if err != nil || revoked {
			return nil, err
		}
	}
	return t, nil
}

// ClaimedLocation returns the location an access token this server minted is bound to, from
// its signed claims, without asking the store whether it is still valid (Verify does): "" for a
// Company token or anything this server did not mint. A shared store uses it to read the
// location's state in the same round trip as the token.
func (s *Server) ClaimedLocation(bearer string) string {
	if bearer == "" {
		return ""
	}
	data, ok := verifyJWT(s.o.AccessKey, bearer)
	if !ok {
		return ""
	}
	var c struct {
		Class string `json:"authClass"`
		ID    string `json:"authClassId"`
	}
	if json.Unmarshal(data, &c) != nil || c.Class != UserTypeLocation {
		return ""
	}
	return c.ID
}

// --- authorizations -------------------------------------------------------------------------

// companyAuthorization is an agency-level installation for a company: its locations are approved.
func (s *Server) companyAuthorization(ctx context.Context, companyID, userID string, scopes []string) (Authorization, error) {
	a := Authorization{UserType: UserTypeCompany, CompanyID: companyID, UserID: userID, Scopes: scopes}
	locs, err := s.o.Locations.Locations(ctx)
	if err != nil {
		return a, err
	}
	for _, l := range locs {
		if l.CompanyID == companyID {
			a.Approved = append(a.Approved, l.ID)
		}
	}
	return a, nil
}

// installUser is the user who installs the app on a location: its first user, or a mock one.
func installUser(l fixtures.Location) string {
	if len(l.Users) > 0 {
		return l.Users[0].ID
	}
	return MockUserID
}
