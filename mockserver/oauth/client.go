package oauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Client is an OAuth 2.0 client (a Marketplace app) of the mock.
type Client struct {
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

// User types of tokens, as the live API names them.
const (
	UserTypeLocation = "Location"
	UserTypeCompany  = "Company"
)

// Scopes of the Contacts API and of the OAuth API.
const (
	ScopeContactsReadonly = "contacts.readonly"
	ScopeContactsWrite    = "contacts.write"
	ScopeOAuthReadonly    = "oauth.readonly"
	ScopeOAuthWrite       = "oauth.write"
)

// RedirectLoopback, as an entry of Client.RedirectURIs, accepts any http or https redirect URI
// whose host is 127.0.0.1, [::1] or localhost, on any port and path (RFC 8252 §7.3: native and
// local apps pick their port at run time).
const RedirectLoopback = "loopback"

// Lifetimes of what the OAuth endpoints issue (access tokens live the Server's TokenTTL).
const (
	// AuthorizationCodeTTL is how long a code from the consent step may be exchanged.
	AuthorizationCodeTTL = 10 * time.Minute
	// RefreshTokenTTL is how long a refresh token stays valid while unused (live: a year).
	RefreshTokenTTL = 365 * 24 * time.Hour
)

// MockUserID is the user behind installations of a location that has no users.
const MockUserID = "mockAdminUser0000001"

var (
	// DefaultGrants are the grant types of a client that names none. client_credentials is left
	// out: the live API lists it but Marketplace apps obtain tokens through consent, so a client
	// has to opt in (Client.Grants) to get Company tokens that way.
	DefaultGrants = []string{GrantAuthorizationCode, GrantRefreshToken}
	// DefaultRedirectURIs are the default client's redirect URIs: any loopback URI, and Zapier's
	// OAuth return URL for every app (https://zapier.com/dashboard/auth/oauth/return/App<id>CLIAPI/).
	DefaultRedirectURIs = []string{RedirectLoopback, "https://zapier.com/dashboard/auth/oauth/return/*"}
)

var grantTypes = []string{GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials}

// ErrClientExists refuses a client whose id is taken.
var ErrClientExists = errors.New("oauth: a client with this id exists already")

// ValidateClient checks a client's fields; it returns the problems, in the API's 422 wording.
func ValidateClient(c Client) []string {
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

// Normalized returns the client as a store keeps it: its own slices, DefaultGrants when it names
// none.
func (c Client) Normalized() Client {
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	c.Scopes = slices.Clone(c.Scopes)
	c.Grants = slices.Clone(c.Grants)
	if len(c.Grants) == 0 {
		c.Grants = slices.Clone(DefaultGrants)
	}
	return c
}

// ScopesAllowed reports whether the client may be granted every one of the scopes.
func (c *Client) ScopesAllowed(scopes []string) bool {
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

// secretMatches compares a presented secret with the client's (empty when the client is unknown)
// in constant time, as SHA-256 digests so that their lengths do not leak either.
func secretMatches(presented, want string) bool {
	a, b := sha256.Sum256([]byte(presented)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// RedirectAllowed reports whether uri may be used as a redirect URI of the client: an absolute URI
// without a fragment that equals one of its RedirectURIs, starts with one of them that ends in
// "*" (the "*" removed), or, for RedirectLoopback, is http or https on 127.0.0.1, [::1] or
// localhost with any port and path.
func (c *Client) RedirectAllowed(uri string) bool {
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

// validRedirectPattern checks one entry of Client.RedirectURIs.
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
