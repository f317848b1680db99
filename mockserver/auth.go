package mockserver

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"
)

// User types of tokens, as the live API names them.
const (
	UserTypeLocation = "Location"
	UserTypeCompany  = "Company"
)

// Scopes of the Contacts API.
const (
	ScopeContactsReadonly = "contacts.readonly"
	ScopeContactsWrite    = "contacts.write"
)

// Token is an access token the mock has issued: bound to one OAuth client, one location (or, for a
// Company token, one company) and a set of scopes.
type Token struct {
	AccessToken string    `json:"access_token"`
	ClientID    string    `json:"clientId"`
	UserType    string    `json:"userType"`
	LocationID  string    `json:"locationId,omitempty"`
	CompanyID   string    `json:"companyId,omitempty"`
	UserID      string    `json:"userId"`
	Scopes      []string  `json:"scopes"`
	IssuedAt    time.Time `json:"issuedAt"`
	ExpiresAt   time.Time `json:"expiresAt"`
}

// HasScope reports whether the token carries any of the scopes.
func (t *Token) HasScope(any []string) bool {
	for _, s := range any {
		if slices.Contains(t.Scopes, s) {
			return true
		}
	}
	return false
}

// tokenStore holds issued access tokens. Lookups are by the token string.
type tokenStore struct {
	key []byte // signs the JWT-shaped tokens

	mu     sync.RWMutex // guards tokens
	tokens map[string]*Token
}

func newTokenStore() *tokenStore {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &tokenStore{key: key, tokens: map[string]*Token{}}
}

// randomString returns n unguessable bytes, base64url-encoded.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// mint issues a token. Its string has the shape of the live API's JWTs (header.claims.signature)
// with claims a client may inspect; the mock itself trusts only its own table.
func (ts *tokenStore) mint(t Token) *Token {
	claims, _ := json.Marshal(map[string]any{
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
	head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	body := head + "." + base64.RawURLEncoding.EncodeToString(claims)
	mac := hmac.New(sha256.New, ts.key)
	mac.Write([]byte(body))
	t.AccessToken = body + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	t.Scopes = slices.Clone(t.Scopes)
	ts.mu.Lock()
	ts.tokens[t.AccessToken] = &t
	ts.mu.Unlock()
	return &t
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// lookup returns the token for a bearer string, or nil.
func (ts *tokenStore) lookup(access string) *Token {
	ts.mu.RLock()
	defer ts.mu.RUnlock()
	return ts.tokens[access]
}

// revoke forgets a token.
func (ts *tokenStore) revoke(access string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	delete(ts.tokens, access)
}

// bearer extracts the token from an Authorization header ("Bearer x", any case of "bearer").
func bearer(h string) string {
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}
