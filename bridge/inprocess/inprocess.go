package inprocess

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver"
	"github.com/contactsmock/contactsmock/spec"
)

// Options configure Start. The zero value serves the embedded document with the live rate limits.
type Options struct {
	// Spec is the document the mock serves; nil means the embedded one.
	Spec *spec.Spec
	// Location is the location the token is minted for; empty means the document's first.
	Location string
	// Write adds contacts.write to the token's scopes (contacts.readonly is always there).
	Write bool
	// Wrap, when set, wraps the mock's handler (the tests put the live stand-in here).
	Wrap func(http.Handler) http.Handler
	// RateLimitsOff lifts the rate limits (the headers still show full quotas), for tests that
	// read more than a burst.
	RateLimitsOff bool
}

// Mock is a mock serving on a loopback port.
type Mock struct {
	// URL is the base URL, http://127.0.0.1:PORT.
	URL string
	// Location is the location Token belongs to.
	Location string
	// Token is an access token for Location.
	Token string

	srv *http.Server
	ms  *mockserver.Server
}

// Start starts a mock holding doc. The caller must Close it.
func Start(doc fixtures.Document, opts Options) (*Mock, error) {
	cfg := mockserver.Config{Spec: opts.Spec, Initial: doc}
	cfg.RateLimits.Off = opts.RateLimitsOff
	ms, err := mockserver.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("inprocess: %w", err)
	}
	loc := opts.Location
	if loc == "" {
		if len(doc.Locations) == 0 {
			return nil, errors.New("inprocess: the document has no location to mint a token for")
		}
		loc = doc.Locations[0].ID
	}
	scopes := []string{mockserver.ScopeContactsReadonly}
	if opts.Write {
		scopes = append(scopes, mockserver.ScopeContactsWrite)
	}
	tok, err := ms.MintToken(loc, scopes, 0)
	if err != nil {
		return nil, fmt.Errorf("inprocess: minting a token for %s: %w", loc, err)
	}
	var h http.Handler = ms
	if opts.Wrap != nil {
		h = opts.Wrap(h)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("inprocess: %w", err)
	}
	m := &Mock{
		URL: "http://" + ln.Addr().String(), Location: loc, Token: tok.AccessToken, ms: ms,
		srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second},
	}
	go func() { _ = m.srv.Serve(ln) }()
	return m, nil
}

// Close stops the mock and its webhook deliveries.
func (m *Mock) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := m.srv.Shutdown(ctx)
	if cerr := m.ms.Close(ctx); err == nil {
		err = cerr
	}
	return err
}
