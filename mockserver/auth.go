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

	// grant is the authorization the token descends from (nil for tokens the admin API mints):
	// revoking the grant revokes the token.
	grant *grant
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
	// horizon is the earliest time the mock's clock can read from now on (Clock.Base): a token
	// expired by then is expired for good, and only those are swept.
	horizon func() time.Time

	mu     sync.RWMutex // guards tokens and sweep
	tokens map[string]*Token
	sweep  sweeper
}

func newTokenStore(horizon func() time.Time) *tokenStore {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &tokenStore{key: key, horizon: horizon, tokens: map[string]*Token{}}
}

// randomString returns n unguessable bytes, base64url-encoded.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// mint issues a token. Its string has the shape of the live API's JWTs (header.claims.signature)
// with claims a client may inspect; the mock itself trusts only its own table. Expired and revoked
// tokens are swept here, amortised (see sweeper), so a long run does not grow without bound.
func (ts *tokenStore) mint(t Token) *Token {
	t.AccessToken = signJWT(ts.key, map[string]any{
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
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.tokens[t.AccessToken] = &t
	if ts.sweep.due(len(ts.tokens)) {
		// Not by the clock's reading: a clock moved ahead (to expire tokens in a test) comes back,
		// and the tokens it expired are then valid again.
		horizon := ts.horizon()
		for k, v := range ts.tokens {
			if !horizon.Before(v.ExpiresAt) || v.grant.isRevoked() {
				delete(ts.tokens, k)
			}
		}
		ts.sweep.done(len(ts.tokens))
	}
	return &t
}

// revokeWhere forgets every access token for which drop is true (it then answers 401 Invalid
// JWT) and returns how many there were.
func (ts *tokenStore) revokeWhere(drop func(*Token) bool) int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	n := 0
	for k, t := range ts.tokens {
		if drop(t) {
			delete(ts.tokens, k)
			n++
		}
	}
	return n
}

// signJWT returns a JWT-shaped string (header.claims.signature, HS256 under key) for the claims.
func signJWT(key []byte, claims any) string {
	data, _ := json.Marshal(claims)
	body := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(data)
	return body + "." + base64.RawURLEncoding.EncodeToString(jwtMAC(key, body))
}

var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

func jwtMAC(key []byte, body string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(body))
	return mac.Sum(nil)
}

// verifyJWT returns the claims of a string signJWT made under key, or false for anything else.
// Decoding is strict, so that a string with other unused trailing bits is not the same token.
func verifyJWT(key []byte, s string) ([]byte, bool) {
	i := strings.LastIndexByte(s, '.')
	if i < len(jwtHeader)+1 || !strings.HasPrefix(s, jwtHeader+".") {
		return nil, false
	}
	strict := base64.RawURLEncoding.Strict()
	sig, err := strict.DecodeString(s[i+1:])
	if err != nil || !hmac.Equal(sig, jwtMAC(key, s[:i])) {
		return nil, false
	}
	claims, err := strict.DecodeString(s[len(jwtHeader)+1 : i])
	if err != nil {
		return nil, false
	}
	return claims, true
}

// sweeper amortises the removal of dead entries from a map that only grows on insert: a full
// scan runs when the map has doubled since the last one (and holds at least minSweep entries), so
// each insert costs O(1) on average and the map never holds more than about twice its live
// entries.
type sweeper struct{ next int }

const minSweep = 1024

func (sw *sweeper) due(n int) bool { return n >= max(sw.next, minSweep) }

func (sw *sweeper) done(n int) { sw.next = 2 * n }

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// lookup returns the token for a bearer string, or nil (also for a revoked one).
func (ts *tokenStore) lookup(access string) *Token {
	ts.mu.RLock()
	defer ts.mu.RUnlock()
	t := ts.tokens[access]
	if t == nil || t.grant.isRevoked() {
		return nil
	}
	return t
}

// bearer extracts the token from an Authorization header ("Bearer x", any case of "bearer").
func bearer(h string) string {
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}
