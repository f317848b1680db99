package mockserver

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/admin"
	"github.com/contactsmock/contactsmock/mockserver/clock"
	"github.com/contactsmock/contactsmock/mockserver/cors"
	"github.com/contactsmock/contactsmock/mockserver/coverage"
	"github.com/contactsmock/contactsmock/mockserver/faults"
	"github.com/contactsmock/contactsmock/mockserver/ids"
	"github.com/contactsmock/contactsmock/mockserver/journal"
	"github.com/contactsmock/contactsmock/mockserver/oauth"
	"github.com/contactsmock/contactsmock/mockserver/ratelimit"
	"github.com/contactsmock/contactsmock/mockserver/requestlog"
	"github.com/contactsmock/contactsmock/mockserver/state"
	"github.com/contactsmock/contactsmock/mockserver/state/memory"
	"github.com/contactsmock/contactsmock/mockserver/webhooks"
	"github.com/contactsmock/contactsmock/spec"
)

// Server is the mock: an http.Handler serving the API of its document, the OAuth endpoints and the
// admin API under /__admin/. It wires the subsystems together; each keeps its own state behind an
// interface (Config.State).
type Server struct {
	cfg      Config
	spec     *spec.Spec
	store    state.Store
	clock    *clock.Clock
	auth     *oauth.Server
	limiter  *ratelimit.Limiter
	faults   faults.Store
	journal  journal.Journal // nil when off
	news     journal.News    // wakes the journal's live streams
	coverage coverage.Counts
	reqlog   *requestlog.Log // nil when off
	cors     *cors.Policy    // nil when off
	hooks    webhooks.Hooks
	prefetch Prefetcher // nil: nothing to read ahead (the memory defaults)
	// initial reads the document a shared state was first seeded with (nil: cfg.Initial).
	initial  func(ctx context.Context) (fixtures.Document, error)
	sleep    func(context.Context, time.Duration) error // waits injected latency (tests fake it)
	handlers map[string]handlerFunc
	admin    *admin.API
	log      *slog.Logger

	mu         sync.Mutex // guards violations and violationCount
	violations []error
	// violationCount counts every violation, also those past maxViolations.
	violationCount int

	saveMu sync.Mutex // serialises state-file writes
}

// New builds a mock from cfg and loads cfg.Initial.
func New(cfg Config) (*Server, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		spec:     cfg.Spec,
		clock:    cfg.Clock,
		sleep:    clock.Sleep,
		handlers: map[string]handlerFunc{},
		log:      cfg.Logger,
		reqlog:   cfg.RequestLog,
	}
	st := cfg.State
	if st.IDs == nil {
		st.IDs = ids.NewRandom()
		if cfg.IDSeed != 0 {
			st.IDs = ids.NewSeeded(uint64(cfg.IDSeed))
		}
	}
	if st.Store == nil {
		st.Store = memory.New(memory.Options{Now: s.clock.Now, IDs: st.IDs, SearchLag: cfg.SearchLag, Wall: s.clock.Base})
	}
	s.store = st.Store
	s.prefetch = st.Prefetch
	policy, err := cors.New(cfg.CORSOrigins, s.spec)
	if err != nil {
		return nil, fmt.Errorf("mockserver: %w", err)
	}
	s.cors = policy
	if st.OAuth == nil {
		st.OAuth = oauth.NewMemoryStore(s.clock.Base)
	}
	if st.RateLimits == nil {
		st.RateLimits = ratelimit.NewMemorySettings(cfg.RateLimits)
	}
	if st.RateCounts == nil {
		st.RateCounts = ratelimit.NewMemoryCounter()
	}
	s.limiter = ratelimit.New(st.RateLimits, st.RateCounts)
	if st.Faults == nil {
		st.Faults = faults.NewMemory(cfg.FaultSeed, cfg.Spec)
	}
	s.faults = st.Faults
	if st.Journal == nil && cfg.JournalSize >= 0 {
		st.Journal = journal.NewRing(cfg.JournalSize)
	}
	s.journal = st.Journal
	if st.Coverage == nil {
		st.Coverage = coverage.NewMemory()
	}
	s.coverage = st.Coverage
	if err := s.initWebhooks(st.Webhooks); err != nil {
		return nil, err
	}
	s.store.Subscribe(s.hooks.Emit)
	s.auth = oauth.NewServer(oauth.Options{
		Store: st.OAuth, Locations: s.store, Now: s.clock.Now, Spec: s.spec,
		DefaultClient: cfg.ClientID, TokenTTL: cfg.TokenTTL, Describe: liveMessage, Logger: s.log,
		AccessKey: cfg.AccessKey, RefreshKey: cfg.RefreshKey,
	})
	ctx := context.Background()
	redirects := cfg.RedirectURIs
	if redirects == nil {
		redirects = DefaultRedirectURIs
	}
	def := OAuthClient{ID: cfg.ClientID, Secret: cfg.ClientSecret, RedirectURIs: redirects}
	for _, c := range append([]OAuthClient{def}, cfg.Clients...) {
		if msgs := oauth.ValidateClient(c); len(msgs) > 0 {
			return nil, fmt.Errorf("mockserver: OAuth client %q: %s", c.ID, strings.Join(msgs, "; "))
		}
		if err := st.OAuth.AddClient(ctx, c); err != nil && !(st.Initial != nil && errors.Is(err, oauth.ErrClientExists)) {
			return nil, fmt.Errorf("mockserver: %w", err)
		}
	}
	for _, op := range s.spec.Operations {
		h := operationHandlers[op.ID]
		if h == nil {
			s.log.Warn("the document has an operation the mock does not implement; it will answer 501", "operationId", op.ID)
			continue
		}
		s.handlers[op.ID] = h
	}
	s.initial = st.Initial
	if s.initial == nil {
		if err := s.restoreInitial(ctx); err != nil {
			return nil, fmt.Errorf("mockserver: initial state: %w", err)
		}
	} else {
		cfg.Faults, cfg.WebhookURLs = nil, nil // the shared state's first replica put them in force
		s.cfg.WebhookURLs = nil
	}
	for i, f := range cfg.Faults {
		if _, err := s.faults.Add(ctx, f); err != nil {
			return nil, fmt.Errorf("mockserver: fault %d: %s", i+1, messageLine(err))
		}
	}
	if len(cfg.Faults) > 0 {
		s.log.Info("faults in force", "count", len(cfg.Faults), "seed", s.faults.Seed())
	}
	s.admin = admin.New(admin.Deps{
		State: s.store, OAuth: s.auth, Limits: s.limiter, Faults: s.faults, Journal: s.journal,
		News: &s.news, Coverage: s.coverage, Hooks: s.hooks, Clock: s.clock, Spec: s.spec,
		Reset: s.reset, DefaultClient: cfg.ClientID, Token: cfg.AdminToken, Hosts: cfg.AdminHosts,
		Public: PublicAdminPaths, MaxBody: cfg.MaxBody, MaxStateBody: cfg.MaxStateBody,
		Respond: s.respond, Fail: s.fail, Logger: s.log,
	})
	s.startWebhooks()
	return s, nil
}

// fill gives the zero fields of the configuration their defaults and checks the rest.
func (cfg *Config) fill() error {
	if cfg.Spec == nil {
		sp, err := spec.Default()
		if err != nil {
			return err
		}
		cfg.Spec = sp
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.WithOffset(nil, cfg.State.ClockOffset)
	}
	cfg.RateLimits = cfg.RateLimits.WithDefaults()
	if msgs := cfg.RateLimits.Problems(); msgs != nil {
		return fmt.Errorf("mockserver: rate limits: %s", strings.Join(msgs, "; "))
	}
	if cfg.FaultSeed == 0 {
		cfg.FaultSeed = faults.RandomSeed()
	}
	if cfg.ClientID == "" {
		cfg.ClientID = DefaultClientID
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = DefaultClientSecret
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.MaxStateBody == 0 {
		cfg.MaxStateBody = 512 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.SearchLag < 0 {
		return fmt.Errorf("mockserver: search lag %s is negative", cfg.SearchLag)
	}
	return nil
}

// initWebhooks builds the dispatcher (before the store, whose subscriber it is) unless one is
// given, and checks the URLs of Config.WebhookURLs; startWebhooks registers them once New cannot
// fail any more.
func (s *Server) initWebhooks(given webhooks.Hooks) error {
	for _, u := range s.cfg.WebhookURLs {
		if webhooks.CheckURL(u) != nil {
			return fmt.Errorf("mockserver: webhook url %q: must be an absolute http or https URL", u)
		}
	}
	if given != nil {
		s.hooks = given
		return nil
	}
	o := webhooks.Options{
		Key: s.cfg.WebhookKey, Retry: s.cfg.WebhookRetry, QueueSize: s.cfg.WebhookQueueSize,
		LogSize: s.cfg.WebhookLogSize, Timeout: s.cfg.WebhookTimeout, Client: s.cfg.WebhookClient,
		Sleep: s.cfg.WebhookSleep, Seed: s.cfg.WebhookSeed, Now: s.clock.Now, Logger: s.log,
	}
	if o.Sleep == nil {
		o.Sleep = s.clock.Wait // retry waits run on the mock's clock: advancing it brings them forward
	}
	if s.cfg.StrictResponses {
		o.Validate = func(event string, body []byte) error {
			if s.spec.Webhook(event) == nil {
				return nil // a --spec document without x-webhooks: nothing to check against
			}
			return s.spec.ValidateWebhook(event, body)
		}
		o.Violation = func(err error) {
			s.addViolation(err)
			s.log.Error("webhook payload does not conform to the document", "err", err)
		}
	}
	h, err := webhooks.New(o)
	if err != nil {
		return err
	}
	s.hooks = h
	return nil
}

func (s *Server) startWebhooks() {
	for _, u := range s.cfg.WebhookURLs {
		if _, err := s.hooks.Register(context.Background(), u, nil, ""); err != nil {
			s.log.Error("webhook url not registered", "url", u, "err", err)
		}
	}
}

// restoreInitial puts the state at start back and starts the id sequence again, in one step: the
// configured document, or the one a shared state was first seeded with.
func (s *Server) restoreInitial(ctx context.Context) error {
	doc := s.cfg.Initial
	if s.initial != nil {
		var err error
		if doc, err = s.initial(ctx); err != nil {
			return err
		}
	}
	return s.store.Reset(ctx, doc)
}

// reset is POST /__admin/reset: the state at start, rate-limit counters cleared, the consent
// settings back to their defaults.
func (s *Server) reset(ctx context.Context) error {
	if err := s.restoreInitial(ctx); err != nil {
		return err
	}
	if err := s.limiter.Reset(ctx); err != nil {
		return err
	}
	return s.auth.SetConsent(ctx, ConsentSettings{})
}

// The methods below are conveniences for tests and for the command's banner. They use a
// background context; an error of a shared state implementation is logged, and answers the zero
// value where the method has no error to return.

// logged logs err (if any) and reports whether there was one.
func (s *Server) logged(what string, err error) bool {
	if err != nil {
		s.log.Error("mockserver: "+what, "err", err)
	}
	return err != nil
}

// Store returns the mock's state, for tests that arrange or inspect it directly.
func (s *Server) Store() state.Store { return s.store }

// RateLimits returns the limits in force (they change with PUT /__admin/ratelimit).
func (s *Server) RateLimits() RateLimits {
	l, err := s.limiter.Limits(context.Background())
	s.logged("reading the rate limits", err)
	return l
}

// Clock returns the mock's clock.
func (s *Server) Clock() *Clock { return s.clock }

// Spec returns the document the mock serves.
func (s *Server) Spec() *spec.Spec { return s.spec }

// FaultSeed returns the seed of the faults' random draws: the configured one, or the one picked at
// random when none was.
func (s *Server) FaultSeed() int64 { return s.faults.Seed() }

// Violations returns the first responses (and webhook payloads) that did not conform to the
// document (StrictResponses only).
func (s *Server) Violations() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}

// ViolationCount counts every non-conforming response or payload (Violations keeps the first 100).
func (s *Server) ViolationCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.violationCount
}

// maxViolations bounds the violations kept in strict mode (a broken mock in a long run must not
// grow without limit); the count goes on.
const maxViolations = 100

// addViolation records a response or webhook payload that does not conform to the document.
func (s *Server) addViolation(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violationCount++
	if len(s.violations) < maxViolations {
		s.violations = append(s.violations, err)
	}
}

// MintToken issues an access token of the default client for a location (the admin API's quick
// path). ttl 0 means the configured TokenTTL.
func (s *Server) MintToken(locationID string, scopes []string, ttl time.Duration) (*Token, error) {
	return s.auth.MintLocation(context.Background(), locationID, scopes, ttl)
}

// MintCompanyToken issues an agency (Company) access token of the default client for a company
// (one that at least one location belongs to). ttl 0 means the configured TokenTTL.
func (s *Server) MintCompanyToken(companyID string, scopes []string, ttl time.Duration) (*Token, error) {
	return s.auth.MintCompany(context.Background(), companyID, scopes, ttl)
}

// Clients returns the OAuth clients the mock knows, secrets left out.
func (s *Server) Clients() []OAuthClient {
	list, err := s.auth.Clients(context.Background())
	s.logged("listing the OAuth clients", err)
	return list
}

// AddClient registers an OAuth client.
func (s *Server) AddClient(c OAuthClient) error { return s.auth.AddClient(context.Background(), c) }

// Close stops the mock's background work: the journal's live streams end, no more webhook events
// are queued, the deliveries already queued are sent (with their retries) until ctx ends, and
// whatever is left then is dropped. It returns once every delivery goroutine has stopped: an error
// if ctx ended first. The handler keeps serving the API afterwards, without webhooks.
func (s *Server) Close(ctx context.Context) error {
	s.EndStreams()
	return s.hooks.Close(ctx)
}

// EndStreams ends the journal's live streams (GET /__admin/requests/stream, which the inspector
// keeps open) and refuses new ones. Give it to http.Server.RegisterOnShutdown: Shutdown waits for
// open connections, and a stream stays open as long as its page.
func (s *Server) EndStreams() { s.admin.EndStreams() }

// PublicAdminPaths are the admin paths pages of any origin may read (the served OpenAPI
// document): the cross-origin rules of the admin API do not apply to them, the Host rule and the
// admin token do.
var PublicAdminPaths = slices.Sorted(maps.Keys(admin.DocumentPaths))

// RegisterWebhook registers a receiver: every event (events nil) or the listed ones, of every
// location (locationID empty) or of one. An invalid URL or event name is refused (422 through the
// admin API).
func (s *Server) RegisterWebhook(url string, events []string, locationID string) (WebhookRegistration, error) {
	return s.hooks.Register(context.Background(), url, events, locationID)
}

// UnregisterWebhook removes a registration, dropping what it had queued. It reports whether the
// registration existed.
func (s *Server) UnregisterWebhook(id string) bool {
	ok, err := s.hooks.Unregister(context.Background(), id)
	return ok && !s.logged("removing a webhook", err)
}

// WebhookRegistrations lists the registrations, oldest first, with their delivery counts.
func (s *Server) WebhookRegistrations() []WebhookRegistration {
	list, err := s.hooks.Registrations(context.Background())
	s.logged("listing the webhooks", err)
	return list
}

// WebhookDeliveries returns the delivery log, newest first. The log keeps the last
// Config.WebhookLogSize deliveries.
func (s *Server) WebhookDeliveries(f WebhookDeliveryFilter) []WebhookDelivery {
	list, err := s.hooks.Deliveries(context.Background(), f)
	s.logged("listing the webhook deliveries", err)
	return list
}

// ReplayWebhook sends a logged delivery again, to the same registration, as a new delivery with the
// same body: same webhookId and timestamp, hence the same signature (Ed25519 is deterministic).
func (s *Server) ReplayWebhook(deliveryID string) (WebhookDelivery, error) {
	return s.hooks.Replay(context.Background(), deliveryID)
}

// WebhookPublicKey returns the key receivers verify x-ghl-signature with.
func (s *Server) WebhookPublicKey() ed25519.PublicKey { return s.hooks.PublicKey() }

// ServeHTTP routes admin requests to the admin API, the consent step to its page, and everything
// else through the API pipeline. CORS (Config.CORSOrigins) comes first: it answers preflights and
// lets pages of the allowed origins read the API's answers and the served document, never the
// rest of the admin API, nor the consent page (a navigation, not a call).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	isAdmin := strings.HasPrefix(r.URL.Path, "/__admin/") || r.URL.Path == "/__admin"
	if s.cors != nil {
		_, doc := admin.DocumentPaths[r.URL.Path]
		preflight := cors.Preflight(r)
		switch {
		case isAdmin && !doc, !isAdmin && consentPaths[r.URL.Path]:
			// Never a CORS resource (the admin API's guard refuses its preflights and strips
			// Access-Control-* headers as well).
		case preflight && doc:
			if s.cors.ServeDocumentPreflight(w, r) {
				return
			}
		case preflight:
			if s.cors.ServePreflight(w, r) {
				return
			}
		default:
			s.cors.Decorate(w.Header(), r)
		}
	}
	if s.prefetch != nil {
		var tok, loc string
		if !isAdmin {
			tok = bearer(r.Header.Get("Authorization"))
			loc = s.auth.ClaimedLocation(tok)
		}
		ctx, err := s.prefetch.Prefetch(r.Context(), tok, loc)
		if err != nil {
			// The backend is down: nothing can be read, so nothing runs. Answered and journaled as
			// any other refusal (the journal is likely down too: that is logged).
			start := s.arrived()
			sent, _ := s.write(w, r, nil, nil, errorResponse(toAPIError(err)))
			if !isAdmin {
				s.record(&call{r: r}, sent, nil, start, "")
			}
			return
		}
		r = r.WithContext(ctx)
	}
	if isAdmin {
		s.admin.ServeHTTP(w, r)
		return
	}
	if s.serveConsent(w, r) {
		return
	}
	if s.redirectHome(w, r) {
		return
	}
	s.serveAPI(w, r)
}

// redirectHome sends a browser that opens the mock's root to the inspector, when the document
// serves nothing at /. Only a page load is redirected (GET or HEAD asking for HTML): an API client
// gets the live API's 404, as before.
func (s *Server) redirectHome(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path != "/" || (r.Method != http.MethodGet && r.Method != http.MethodHead) ||
		!strings.Contains(r.Header.Get("Accept"), "text/html") {
		return false
	}
	if _, _, err := s.spec.FindRequest(r); err == nil {
		return false // the document serves /
	}
	http.Redirect(w, r, admin.UIPath, http.StatusFound)
	return true
}
