package oauth

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Authorization is what an installation grants: a kind of token for a location or a company, with
// scopes.
type Authorization struct {
	UserType   string
	LocationID string
	CompanyID  string
	UserID     string
	Scopes     []string
	// Approved are a Company authorization's locations: those of its company.
	Approved []string
}

// Code is an authorization code from the consent step, as the store keeps it.
type Code struct {
	Authorization
	ClientID    string
	RedirectURI string
	Expires     time.Time
	Used        bool
	// GrantID is what the code was exchanged for; replaying the code revokes it (RFC 6749 §4.1.2).
	GrantID string
}

// Grant is one exchanged authorization and the chain of refresh tokens that descends from it. The
// access tokens minted for it name it, so revoking it revokes every token of the chain at once.
type Grant struct {
	Authorization
	ID       string // refreshTokenId on the wire
	ClientID string
	// Gen is the generation of the current refresh token; every older one is spent.
	Gen            int
	RefreshExpires time.Time
	Revoked        bool
	// CreatedAt is when the code was exchanged: the installation's time (installedLocations).
	CreatedAt time.Time
}

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
	// GrantID is the grant the token descends from ("" for tokens the admin API mints): revoking
	// the grant revokes the token.
	GrantID string `json:"-"`
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

// Clients stores the OAuth clients.
type Clients interface {
	// AddClient registers a client; ErrClientExists when its id is taken.
	AddClient(ctx context.Context, c Client) error
	// Client returns a copy of a client, or nil.
	Client(ctx context.Context, id string) (*Client, error)
	// ListClients returns every client in registration order.
	ListClients(ctx context.Context) ([]Client, error)
	// RemoveClient forgets a client and revokes its grants; false when it was not known.
	RemoveClient(ctx context.Context, id string) (bool, error)
}

// Codes stores authorization codes. Redeeming is two steps so that a refused exchange (a wrong
// redirect URI) leaves the code usable: Code reads it, MarkUsed spends it atomically.
type Codes interface {
	PutCode(ctx context.Context, code string, c Code) error
	// Code returns a code's record; false when there is none.
	Code(ctx context.Context, code string) (Code, bool, error)
	// MarkUsed spends the code for the grant; already reports that it was spent before (by a
	// concurrent exchange), in which case nothing changed.
	MarkUsed(ctx context.Context, code, grantID string) (already bool, err error)
}

// Grants stores grants (refresh-token chains).
type Grants interface {
	PutGrant(ctx context.Context, g Grant) error
	// Grant returns a grant; false when there is none.
	Grant(ctx context.Context, id string) (Grant, bool, error)
	// Rotate moves the grant from generation gen to gen+1, with a new expiry, atomically; false
	// (nothing changed) when the grant is revoked or no longer at gen.
	Rotate(ctx context.Context, id string, gen int, expires time.Time) (bool, error)
	// RevokeGrants revokes every grant the filter selects and returns how many.
	RevokeGrants(ctx context.Context, f GrantFilter) (int, error)
	// GrantsOf returns the grants the filter selects (by client or by location), revoked ones
	// included, in no particular order.
	GrantsOf(ctx context.Context, f GrantFilter) ([]Grant, error)
	// GrantRevoked reports whether a grant was revoked, also after the grant itself is gone
	// (swept once its refresh token expired): its access tokens stay refused.
	GrantRevoked(ctx context.Context, id string) (bool, error)
}

// Tokens stores issued access tokens.
type Tokens interface {
	PutToken(ctx context.Context, t Token) error
	// Token returns the token of an access token string, or nil.
	Token(ctx context.Context, access string) (*Token, error)
	// RevokeTokens forgets every token the filter selects and returns how many.
	RevokeTokens(ctx context.Context, f TokenFilter) (int, error)
}

// GrantFilter selects grants by one of its fields: exactly one is set. A filter rather than a
// predicate, so that a store in another process can find the grants by an index.
type GrantFilter struct{ ID, ClientID, LocationID string }

// Selects reports whether the filter selects g (false for a filter with no field set).
func (f GrantFilter) Selects(g Grant) bool {
	switch {
	case f.ID != "":
		return g.ID == f.ID
	case f.ClientID != "":
		return g.ClientID == f.ClientID
	case f.LocationID != "":
		return g.LocationID == f.LocationID
	}
	return false
}

// TokenFilter selects access tokens by one of their fields: exactly one is set.
type TokenFilter struct{ ClientID, LocationID string }

// Selects reports whether the filter selects t (false for a filter with no field set).
func (f TokenFilter) Selects(t *Token) bool {
	switch {
	case f.ClientID != "":
		return t.ClientID == f.ClientID
	case f.LocationID != "":
		return t.LocationID == f.LocationID
	}
	return false
}

// Consents stores the consent settings.
type Consents interface {
	Consent(ctx context.Context) (ConsentSettings, error)
	SetConsent(ctx context.Context, c ConsentSettings) error
}

// Store is everything the authorization server keeps.
type Store interface {
	Clients
	Codes
	Grants
	Tokens
	Consents
}

// MemoryStore is the in-process Store. Maps that only grow on insert (codes, grants, tokens) are
// swept of what has expired for good, amortised (see sweeper), so a long run does not grow
// without bound.
type MemoryStore struct {
	// horizon is the earliest time the mock's clock can read from now on (clock.Clock.Base):
	// sweeps remove only what expired by then, since a clock moved ahead (to expire tokens in a
	// test) comes back, and what it expired is valid again.
	horizon func() time.Time

	mu          sync.Mutex // guards everything below but tokens
	clients     map[string]*Client
	clientOrder []string
	codes       map[string]*Code
	codeSweep   sweeper
	grants      map[string]*Grant
	grantSweep  sweeper
	consent     ConsentSettings

	tokMu     sync.RWMutex // guards tokens and tokSweep; taken alone, never with mu
	tokens    map[string]*Token
	tokSweep  sweeper
	revokedMu sync.Mutex // guards revoked
	// revoked holds the ids of revoked grants, for the token sweep (which must not take mu).
	revoked map[string]bool
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty store; horizon is the clock's base (time.Now when nil).
func NewMemoryStore(horizon func() time.Time) *MemoryStore {
	if horizon == nil {
		horizon = time.Now
	}
	return &MemoryStore{
		horizon: horizon, clients: map[string]*Client{}, codes: map[string]*Code{},
		grants: map[string]*Grant{}, tokens: map[string]*Token{}, revoked: map[string]bool{},
	}
}

// sweeper amortises the removal of dead entries from a map that only grows on insert: a full
// scan runs when the map has doubled since the last one (and holds at least minSweep entries), so
// each insert costs O(1) on average and the map never holds more than about twice its live
// entries.
type sweeper struct{ next int }

const minSweep = 1024

func (sw *sweeper) due(n int) bool { return n >= max(sw.next, minSweep) }

func (sw *sweeper) done(n int) { sw.next = 2 * n }

// AddClient implements Clients.
func (m *MemoryStore) AddClient(_ context.Context, c Client) error {
	c = c.Normalized()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.clients[c.ID] != nil {
		return fmt.Errorf("%w: %s", ErrClientExists, c.ID)
	}
	m.clients[c.ID] = &c
	m.clientOrder = append(m.clientOrder, c.ID)
	return nil
}

// Client implements Clients.
func (m *MemoryStore) Client(_ context.Context, id string) (*Client, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.clients[id]
	if c == nil {
		return nil, nil
	}
	cp := *c
	return &cp, nil
}

// ListClients implements Clients.
func (m *MemoryStore) ListClients(context.Context) ([]Client, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Client, 0, len(m.clientOrder))
	for _, id := range m.clientOrder {
		out = append(out, *m.clients[id])
	}
	return out, nil
}

// RemoveClient implements Clients.
func (m *MemoryStore) RemoveClient(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.clients[id] == nil {
		return false, nil
	}
	delete(m.clients, id)
	m.clientOrder = slices.DeleteFunc(m.clientOrder, func(c string) bool { return c == id })
	m.revokeLocked(GrantFilter{ClientID: id})
	return true, nil
}

// PutCode implements Codes.
func (m *MemoryStore) PutCode(_ context.Context, code string, c Code) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.codes[code] = &c
	if m.codeSweep.due(len(m.codes)) {
		horizon := m.horizon()
		for k, c := range m.codes {
			if !horizon.Before(c.Expires) {
				delete(m.codes, k)
			}
		}
		m.codeSweep.done(len(m.codes))
	}
	return nil
}

// Code implements Codes.
func (m *MemoryStore) Code(_ context.Context, code string) (Code, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.codes[code]
	if c == nil {
		return Code{}, false, nil
	}
	return *c, true, nil
}

// MarkUsed implements Codes.
func (m *MemoryStore) MarkUsed(_ context.Context, code, grantID string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.codes[code]
	if c == nil || c.Used {
		return true, nil
	}
	c.Used, c.GrantID = true, grantID
	return false, nil
}

// PutGrant implements Grants.
func (m *MemoryStore) PutGrant(_ context.Context, g Grant) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.grantSweep.due(len(m.grants)) {
		horizon := m.horizon()
		for k, g := range m.grants {
			if !horizon.Before(g.RefreshExpires) {
				delete(m.grants, k)
			}
		}
		m.grantSweep.done(len(m.grants))
	}
	m.grants[g.ID] = &g
	return nil
}

// Grant implements Grants.
func (m *MemoryStore) Grant(_ context.Context, id string) (Grant, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g := m.grants[id]
	if g == nil {
		return Grant{}, false, nil
	}
	return *g, true, nil
}

// Rotate implements Grants.
func (m *MemoryStore) Rotate(_ context.Context, id string, gen int, expires time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g := m.grants[id]
	if g == nil || g.Revoked || g.Gen != gen {
		return false, nil
	}
	g.Gen++
	g.RefreshExpires = expires
	return true, nil
}

// GrantsOf implements Grants.
func (m *MemoryStore) GrantsOf(_ context.Context, f GrantFilter) ([]Grant, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Grant
	for _, g := range m.grants {
		if f.Selects(*g) {
			out = append(out, *g)
		}
	}
	return out, nil
}

// RevokeGrants implements Grants.
func (m *MemoryStore) RevokeGrants(_ context.Context, f GrantFilter) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.revokeLocked(f), nil
}

func (m *MemoryStore) revokeLocked(f GrantFilter) int {
	n := 0
	for _, g := range m.grants {
		if !g.Revoked && f.Selects(*g) {
			g.Revoked = true
			n++
			m.revokedMu.Lock()
			m.revoked[g.ID] = true
			m.revokedMu.Unlock()
		}
	}
	return n
}

// GrantRevoked implements Grants.
func (m *MemoryStore) GrantRevoked(_ context.Context, id string) (bool, error) {
	return m.grantRevoked(id), nil
}

// grantRevoked reports whether a grant was revoked; it takes revokedMu only.
func (m *MemoryStore) grantRevoked(id string) bool {
	m.revokedMu.Lock()
	defer m.revokedMu.Unlock()
	return m.revoked[id]
}

// PutToken implements Tokens.
func (m *MemoryStore) PutToken(_ context.Context, t Token) error {
	m.tokMu.Lock()
	defer m.tokMu.Unlock()
	m.tokens[t.AccessToken] = &t
	if m.tokSweep.due(len(m.tokens)) {
		// Not by the clock's reading: a clock moved ahead (to expire tokens in a test) comes back,
		// and the tokens it expired are then valid again.
		horizon := m.horizon()
		for k, v := range m.tokens {
			if !horizon.Before(v.ExpiresAt) || (v.GrantID != "" && m.grantRevoked(v.GrantID)) {
				delete(m.tokens, k)
			}
		}
		m.tokSweep.done(len(m.tokens))
	}
	return nil
}

// Token implements Tokens. The token returned is the stored one: read-only.
func (m *MemoryStore) Token(_ context.Context, access string) (*Token, error) {
	m.tokMu.RLock()
	defer m.tokMu.RUnlock()
	return m.tokens[access], nil
}

// RevokeTokens implements Tokens.
func (m *MemoryStore) RevokeTokens(_ context.Context, f TokenFilter) (int, error) {
	m.tokMu.Lock()
	defer m.tokMu.Unlock()
	n := 0
	for k, t := range m.tokens {
		if f.Selects(t) {
			delete(m.tokens, k)
			n++
		}
	}
	return n, nil
}

// Consent implements Consents.
func (m *MemoryStore) Consent(context.Context) (ConsentSettings, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.consent, nil
}

// SetConsent implements Consents.
func (m *MemoryStore) SetConsent(_ context.Context, c ConsentSettings) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.consent = c
	return nil
}
