package mocktest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/contract/adminclient"
	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver"
)

// APIVersion is the Version header the API documents; every API request sends it.
const APIVersion = "2021-07-28"

// Mock is a contactsmock serving on a loopback port.
type Mock struct {
	// URL is the base URL, e.g. http://127.0.0.1:54321 (no trailing slash).
	URL string
	// LocationID is the first location of the data; the tokens are its.
	LocationID string
	// Token has contacts.readonly and contacts.write; ReadOnlyToken contacts.readonly only. Both
	// belong to the mock's default OAuth client.
	Token, ReadOnlyToken string
	// Admin is a client of the mock's admin API (/__admin/): reset, seed, tokens, the clock, rate
	// limits, faults, the request journal, webhooks.
	Admin *adminclient.Client
	// Server is the mock itself, for what the admin API does not offer (its state, its clock).
	Server *mockserver.Server

	hs *httptest.Server
}

// settings are what the options choose.
type settings struct {
	seed         int64
	contacts     int
	noContacts   bool
	locations    int
	doc          *fixtures.Document
	fixturesFile string
	cfg          mockserver.Config
	mutate       []func(*mockserver.Config)
}

// Option configures a Mock.
type Option func(*settings)

// WithSeed seeds the generated data (default 42): the same seed gives the same contacts, byte
// for byte.
func WithSeed(seed int64) Option { return func(s *settings) { s.seed = seed } }

// WithContacts sets the number of generated contacts per location (default 25; 0 for none).
func WithContacts(n int) Option {
	return func(s *settings) { s.contacts, s.noContacts = n, n == 0 }
}

// WithLocations sets the number of generated locations (default 1).
func WithLocations(n int) Option { return func(s *settings) { s.locations = n } }

// WithFixtures starts the mock with a fixtures document instead of generated data. Missing ids and
// dates are filled as when the document is read from a file (fixtures.Normalize).
func WithFixtures(doc fixtures.Document) Option { return func(s *settings) { s.doc = &doc } }

// WithFixturesFile starts the mock with a fixtures file (JSON or YAML; contactsmock fixtures
// generate writes one) instead of generated data.
func WithFixturesFile(path string) Option { return func(s *settings) { s.fixturesFile = path } }

// WithRateLimits sets the limits per (OAuth client, location); zero fields keep the live
// defaults (100 per 10 s, 200,000 a day). mockserver.RateLimits{Off: true} turns them off.
func WithRateLimits(l mockserver.RateLimits) Option {
	return func(s *settings) { s.cfg.RateLimits = l }
}

// WithFaults puts faults in force from the start (more: Admin.AddFault).
func WithFaults(f ...mockserver.Fault) Option {
	return func(s *settings) { s.cfg.Faults = append(s.cfg.Faults, f...) }
}

// WithFaultSeed seeds the faults' random draws (probability, jitter), so a run replays.
func WithFaultSeed(seed int64) Option { return func(s *settings) { s.cfg.FaultSeed = seed } }

// WithWebhooks registers receivers of every event of every location (more: Admin.RegisterWebhook).
// Deliveries are signed: verify them with contract/webhooksig and Mock.WebhookPublicKey.
func WithWebhooks(urls ...string) Option {
	return func(s *settings) { s.cfg.WebhookURLs = append(s.cfg.WebhookURLs, urls...) }
}

// WithConfig changes any other setting of the mock's configuration (after the options above).
func WithConfig(f func(*mockserver.Config)) Option {
	return func(s *settings) { s.mutate = append(s.mutate, f) }
}

// New starts a mock for the test and closes it when the test ends. It stops the test if the mock
// cannot start.
func New(t testing.TB, opts ...Option) *Mock {
	t.Helper()
	m, err := Start(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// Start starts a mock; the caller closes it (New does so through t.Cleanup). For an Example or a
// TestMain, which have no *testing.T.
func Start(opts ...Option) (*Mock, error) {
	s := &settings{seed: 42}
	for _, o := range opts {
		o(s)
	}
	doc, err := s.initial()
	if err != nil {
		return nil, err
	}
	if len(doc.Locations) == 0 {
		return nil, errors.New("mocktest: the data has no location: the tokens need one")
	}
	cfg := s.cfg
	cfg.Initial = doc
	for _, f := range s.mutate {
		f(&cfg)
	}
	srv, err := mockserver.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("mocktest: %w", err)
	}
	loc := doc.Locations[0].ID
	full, err := srv.MintToken(loc, []string{mockserver.ScopeContactsReadonly, mockserver.ScopeContactsWrite}, 0)
	if err != nil {
		return nil, fmt.Errorf("mocktest: %w", err)
	}
	ro, err := srv.MintToken(loc, []string{mockserver.ScopeContactsReadonly}, 0)
	if err != nil {
		return nil, fmt.Errorf("mocktest: %w", err)
	}
	hs := httptest.NewServer(srv) // 127.0.0.1, a free port
	return &Mock{
		URL: hs.URL, LocationID: loc, Token: full.AccessToken, ReadOnlyToken: ro.AccessToken,
		Admin:  &adminclient.Client{BaseURL: hs.URL, HTTP: hs.Client(), Token: cfg.AdminToken},
		Server: srv, hs: hs,
	}, nil
}

// initial is the mock's data: the fixtures given, or generated.
func (s *settings) initial() (fixtures.Document, error) {
	switch {
	case s.doc != nil:
		doc := *s.doc
		// As a fixtures file is read: missing ids and dates filled, the rest checked.
		if err := fixtures.Normalize(&doc); err != nil {
			return fixtures.Document{}, fmt.Errorf("mocktest: %w", err)
		}
		return doc, nil
	case s.fixturesFile != "":
		doc, err := fixtures.Load(s.fixturesFile)
		if err != nil {
			return fixtures.Document{}, fmt.Errorf("mocktest: %w", err)
		}
		return doc, nil
	}
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: s.seed, Contacts: s.contacts, NoContacts: s.noContacts, Locations: s.locations})
	if err != nil {
		return fixtures.Document{}, fmt.Errorf("mocktest: %w", err)
	}
	return doc, nil
}

// Close stops the mock: webhook deliveries still queued get a few seconds, then the listener
// closes.
func (m *Mock) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = m.Server.Close(ctx)
	m.hs.Close()
}

// Client returns an HTTP client for the mock's URL.
func (m *Mock) Client() *http.Client { return m.hs.Client() }

// WebhookPublicKey is the key the mock signs webhook deliveries with (x-ghl-signature).
func (m *Mock) WebhookPublicKey() ed25519.PublicKey { return m.Server.WebhookPublicKey() }

// NewRequest is http.NewRequest against the mock's URL with the API's headers: the full token as
// a bearer token, the Version header, and Content-Type: application/json when there is a body.
func (m *Mock) NewRequest(ctx context.Context, method, path string, body []byte) (*http.Request, error) {
	var req *http.Request
	var err error
	if body == nil {
		req, err = http.NewRequestWithContext(ctx, method, m.URL+path, nil)
	} else {
		req, err = http.NewRequestWithContext(ctx, method, m.URL+path, bytes.NewReader(body))
	}
	if err != nil {
		return nil, fmt.Errorf("mocktest: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+m.Token)
	req.Header.Set("Version", APIVersion)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}
