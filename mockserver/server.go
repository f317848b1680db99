package mockserver

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/store"
	"github.com/contactsmock/contactsmock/spec"
)

// Config configures a mock. The zero value is usable: the embedded document, an empty state, the
// live rate limits, the wall clock.
type Config struct {
	// Spec is the OpenAPI document the mock serves; nil means the embedded one.
	Spec *spec.Spec
	// Initial is the state at start and after POST /__admin/reset.
	Initial fixtures.Document
	// Clock is the mock's time; nil means the wall clock.
	Clock *Clock
	// SearchLag makes writes visible to POST /contacts/search and GET /contacts/search/duplicate
	// only SearchLag of wall time after they were made, as the live search index trails writes by
	// seconds; every other read sees a write at once. 0 (the default) makes search consistent at
	// once. The state at start, and what reset, seed and snapshot load, is searchable at once.
	SearchLag time.Duration
	// StrictVersion accepts only the documented Version value (2021-07-28) instead of every value
	// the live server takes.
	StrictVersion bool
	// StrictResponses validates every response against the document before writing it. A response
	// that does not conform is replaced by a 500 naming the problem and recorded (see Violations).
	// Meant for tests: it costs most of the throughput.
	StrictResponses bool
	// RateLimits are the limits per (OAuth client, location); zero fields take DefaultRateLimits'.
	// PUT /__admin/ratelimit changes them at run time.
	RateLimits RateLimits
	// Faults are in force from the start (see Fault and LoadFaults); the admin API adds and removes
	// faults at run time.
	Faults []Fault
	// FaultSeed seeds the random draws of faults (probability, jitter); 0 picks one at random. The
	// seed in use is reported by FaultSeed, GET /__admin/faults and GET /__admin/requests: start a
	// mock with it (and the same faults) to replay a run.
	FaultSeed int64
	// IDSeed seeds the ids the mock gives what it creates (contacts, tasks, notes, and locations,
	// appointments and businesses created without one): the same requests in the same order get
	// the same ids on every run, and POST /__admin/reset starts the sequence again. 0 draws them
	// at random. An id already in the state is never given again.
	IDSeed int64
	// JournalSize is the number of requests the journal keeps (default 1000); negative turns the
	// journal off.
	JournalSize int
	// JournalBodies also records request and response bodies in the journal. They may hold
	// personal data.
	JournalBodies bool
	// ClientID and ClientSecret are the default OAuth client's credentials; tokens minted by the
	// admin API belong to it.
	ClientID     string
	ClientSecret string
	// RedirectURIs are the default client's redirect URIs (exact URIs, prefixes ending in "*", or
	// RedirectLoopback; see OAuthClient.RedirectAllowed); nil means DefaultRedirectURIs.
	RedirectURIs []string
	// Clients are OAuth clients besides the default one (more: POST /__admin/clients).
	Clients []OAuthClient
	// TokenTTL is the lifetime of access tokens (default 86399 s, as live).
	TokenTTL time.Duration
	// MaxBody caps request bodies (default 2 MiB); larger ones are answered 413.
	MaxBody int64
	// MaxStateBody caps the fixture documents the admin API loads (POST /__admin/seed,
	// PUT /__admin/snapshot; default 512 MiB).
	MaxStateBody int64
	// Logger receives one line per notable event; nil discards.
	Logger *slog.Logger
	// AdminToken, when set, is required on every request of the admin API (/__admin/), as
	// X-Admin-Token: <token> or Authorization: Bearer <token>, compared in constant time; without it
	// the admin API answers 401. Empty leaves the admin API open, which is safe only on loopback
	// (cmd/contactsmock refuses to listen beyond loopback without it).
	AdminToken string

	// Webhooks (see webhooks.go). WebhookURLs are registered at start for every event of every
	// location.
	WebhookURLs []string
	// WebhookKey signs deliveries (x-ghl-signature); nil means a key generated at start.
	WebhookKey ed25519.PrivateKey
	// WebhookRetry is the retry policy; the zero value means DefaultWebhookRetry.
	WebhookRetry WebhookRetry
	// WebhookQueueSize bounds each registration's queue (default 1000); when it is full the oldest
	// queued delivery is dropped.
	WebhookQueueSize int
	// WebhookLogSize bounds the delivery log (default 1000).
	WebhookLogSize int
	// WebhookTimeout bounds one delivery attempt (default 10 s).
	WebhookTimeout time.Duration
	// WebhookClient sends deliveries; nil means a client with WebhookTimeout that never follows
	// redirects. Set it to reach TLS receivers with a test CA.
	WebhookClient *http.Client
	// WebhookSleep waits between retries; nil means a timer. Tests inject one that returns at once.
	WebhookSleep func(ctx context.Context, d time.Duration) error
}

// Defaults of Config.
const (
	DefaultClientID     = "6650c2b5a1f0e8c1d2a3b4c5-contactsmock"
	DefaultClientSecret = "contactsmock-secret"
	DefaultTokenTTL     = 86399 * time.Second
	DefaultMaxBody      = 2 << 20
)

// Server is the mock: an http.Handler serving the API of its document, the OAuth endpoints and the
// admin API under /__admin/.
type Server struct {
	cfg      Config
	spec     *spec.Spec
	store    store.Store
	clock    *Clock
	tokens   *tokenStore
	oauth    *oauthState
	limiter  *limiter
	faults   *faultSet
	journal  *journal
	sleep    func(context.Context, time.Duration) error // waits injected latency (tests fake it)
	handlers map[string]handlerFunc
	admin    http.Handler
	log      *slog.Logger
	hooks    *webhooks

	mu         sync.Mutex // guards violations
	violations []error
	// violationCount counts every violation, also those past maxViolations.
	violationCount int

	saveMu sync.Mutex // serialises state-file writes
}

// New builds a mock from cfg and loads cfg.Initial.
func New(cfg Config) (*Server, error) {
	if cfg.Spec == nil {
		sp, err := spec.Default()
		if err != nil {
			return nil, err
		}
		cfg.Spec = sp
	}
	if cfg.Clock == nil {
		cfg.Clock = NewClock(nil)
	}
	cfg.RateLimits = cfg.RateLimits.withDefaults()
	if msgs := cfg.RateLimits.problems(); msgs != nil {
		return nil, fmt.Errorf("mockserver: rate limits: %s", strings.Join(msgs, "; "))
	}
	if cfg.FaultSeed == 0 {
		cfg.FaultSeed = randomFaultSeed()
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
	s := &Server{
		cfg:      cfg,
		spec:     cfg.Spec,
		clock:    cfg.Clock,
		tokens:   newTokenStore(cfg.Clock.Base),
		limiter:  newLimiter(cfg.RateLimits),
		faults:   newFaultSet(cfg.FaultSeed, cfg.Spec),
		journal:  newJournal(cfg.JournalSize, cfg.JournalBodies),
		sleep:    sleepContext,
		handlers: map[string]handlerFunc{},
		log:      cfg.Logger,
	}
	if err := s.initWebhooks(); err != nil {
		return nil, err
	}
	mem := store.NewMemory(s.clock.Now, s.hooks.emit)
	if cfg.SearchLag < 0 {
		return nil, fmt.Errorf("mockserver: search lag %s is negative", cfg.SearchLag)
	}
	mem.SetSearchLag(cfg.SearchLag, cfg.Clock.Base)
	s.store = mem
	oauth, err := newOAuthState(cfg, s.spec)
	if err != nil {
		return nil, err
	}
	s.oauth = oauth
	for _, op := range s.spec.Operations {
		h := operationHandlers[op.ID]
		if h == nil {
			s.log.Warn("the document has an operation the mock does not implement; it will answer 501", "operationId", op.ID)
			continue
		}
		s.handlers[op.ID] = h
	}
	if err := s.restoreInitial(); err != nil {
		return nil, fmt.Errorf("mockserver: initial state: %w", err)
	}
	for i, f := range cfg.Faults {
		if _, err := s.faults.add(f); err != nil {
			return nil, fmt.Errorf("mockserver: fault %d: %s", i+1, messageLine(err))
		}
	}
	if len(cfg.Faults) > 0 {
		s.log.Info("faults in force", "count", len(cfg.Faults), "seed", cfg.FaultSeed)
	}
	s.admin = s.adminRoutes()
	s.startWebhooks()
	return s, nil
}

// restoreInitial puts the state at start back, and with Config.IDSeed starts the store's sequence
// of ids again in the same step.
func (s *Server) restoreInitial() error {
	if m, ok := s.store.(interface {
		RestoreSeeded(fixtures.Document, uint64) error
	}); ok && s.cfg.IDSeed != 0 {
		return m.RestoreSeeded(s.cfg.Initial, uint64(s.cfg.IDSeed))
	}
	return s.store.Restore(s.cfg.Initial)
}

// Store returns the mock's state, for tests that arrange or inspect it directly.
func (s *Server) Store() store.Store { return s.store }

// RateLimits returns the limits in force (they change with PUT /__admin/ratelimit).
func (s *Server) RateLimits() RateLimits { return s.limiter.config() }

// Clock returns the mock's clock.
func (s *Server) Clock() *Clock { return s.clock }

// Spec returns the document the mock serves.
func (s *Server) Spec() *spec.Spec { return s.spec }

// FaultSeed returns the seed of the faults' random draws: the configured one, or the one picked at
// random when none was.
func (s *Server) FaultSeed() int64 { return s.faults.seed }

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

// MintToken issues an access token of the default client for a location (the admin API's quick
// path). ttl 0 means the configured TokenTTL.
func (s *Server) MintToken(locationID string, scopes []string, ttl time.Duration) (*Token, error) {
	if _, err := s.store.Location(locationID); err != nil {
		return nil, err
	}
	if ttl <= 0 {
		ttl = s.cfg.TokenTTL
	}
	now := s.clock.Now()
	return s.tokens.mint(Token{
		ClientID: s.cfg.ClientID, UserType: UserTypeLocation, LocationID: locationID,
		UserID: mockUserID, Scopes: scopes, IssuedAt: now, ExpiresAt: now.Add(ttl),
	}), nil
}

// call is one API request on its way through the pipeline.
type call struct {
	r      *http.Request
	op     *spec.Operation
	params map[string]string
	body   []byte
	// decoded is the JSON body decoded (haveDecoded), when the location check needed it: request
	// validation then does not decode it again.
	decoded     any
	haveDecoded bool
	// decodedUnique: no object of the decoded body repeats a key (see unmarshalAny).
	decodedUnique bool
	token         *Token
	rate          *rateState
	// q is the query string, parsed once (see query).
	q url.Values
	// fault is the injected fault that applied, if any; canceled is set when the client left
	// during its latency.
	fault    *faultRule
	canceled bool
}

// response is what the pipeline answers before it is written.
type response struct {
	status int
	body   any
	header http.Header
	// injected marks an answer made up by a fault: deliberate, so strict mode does not check it.
	injected bool
	// truncate cuts the body short and drop writes nothing at all (faults).
	truncate, drop bool
}

// query returns the request's query string, parsed on first use; callers only read it.
func (c *call) query() url.Values {
	if c.q == nil {
		c.q = c.r.URL.Query()
	}
	return c.q
}

// rateKey is the limiter's key of the call's token: its OAuth client and its location (or company).
func (c *call) rateKey() rateKey {
	return rateKey{client: c.token.ClientID, location: firstNonEmpty(c.token.LocationID, c.token.CompanyID)}
}

type handlerFunc func(s *Server, c *call) (any, error)

// ServeHTTP routes admin requests to the admin API and everything else through the API pipeline.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/__admin/") || r.URL.Path == "/__admin" {
		s.serveAdmin(w, r)
		return
	}
	if s.serveConsent(w, r) {
		return
	}
	start := s.arrived()
	op, params, err := s.spec.FindRequest(r)
	if err != nil {
		sent, _ := s.write(w, r, nil, nil, errorResponse(&APIError{Status: http.StatusNotFound,
			Message: fmt.Sprintf("Cannot %s %s", r.Method, r.URL.Path)}))
		s.record(&call{r: r}, sent, nil, start)
		return
	}
	c := &call{r: r, op: op, params: params}
	resp := s.run(c)
	if c.fault != nil {
		resp = c.fault.decorate(resp)
	}
	if s.abandon(w, c, resp, start) {
		return
	}
	sent, body := s.write(w, r, op, c.rate, resp)
	s.record(c, sent, body, start)
	if sent.truncate {
		finishTruncated(r)
	}
}

func errorResponse(e *APIError) response {
	if b, ok := simpleErrorBody(e); ok {
		return response{status: e.Status, body: b, header: e.Header}
	}
	return response{status: e.Status, body: e.body(), header: e.Header}
}

// run takes a request through the pipeline: Version header, authentication, scope and location,
// rate limit, request validation, fault injection, handler. The first stage that refuses answers.
func (s *Server) run(c *call) response {
	r, op := c.r, c.op
	if op.Versioned {
		v := r.Header.Get(spec.VersionHeader)
		switch {
		case v == "" && op.VersionRequired:
			return errorResponse(newError(http.StatusUnauthorized, msgVersionMissing))
		case v != "" && !op.AcceptsVersion(v, s.cfg.StrictVersion):
			return errorResponse(newError(http.StatusUnauthorized, msgVersionInvalid))
		}
	}
	if !op.Public() {
		if err := s.authorize(c); err != nil {
			if c.token != nil {
				// Refused after authentication (scope, location): not counted, but the client
				// still learns its quota.
				st := s.limiter.peek(c.rateKey(), s.clock.Now())
				c.rate = &st
			}
			return errorResponse(toAPIError(err))
		}
		st := s.limiter.take(c.rateKey(), s.clock.Now())
		c.rate = &st
		if !st.allowed {
			return errorResponse(st.refusal())
		}
	}
	if err := s.readBody(c); err != nil {
		return errorResponse(toAPIError(err))
	}
	if !c.haveDecoded && op.HasBody && op.BodyContentType == "application/json" && len(c.body) > 0 {
		// Decoded here rather than inside validation, so that the handler can use it too.
		if v, ok, unique := unmarshalAny(c.body); ok {
			c.decoded, c.haveDecoded, c.decodedUnique = v, true, unique
		}
	}
	var q url.Values // nil: validation parses it if a parameter needs it
	if r.URL.RawQuery != "" {
		q = c.query()
	}
	if verr := op.ValidateRequestParsed(r.Context(), r, c.params, q, c.body, c.decoded, c.haveDecoded); verr != nil {
		return errorResponse(oauthRequestError(op, toAPIError(verr)))
	}
	if resp, done := s.injectFault(c); done {
		return resp
	}
	h := s.handlers[op.ID]
	if h == nil {
		return errorResponse(newError(http.StatusNotImplemented, "operation "+op.ID+" is not implemented by the mock"))
	}
	out, err := h(s, c)
	if err != nil {
		return errorResponse(toAPIError(err))
	}
	return response{status: op.SuccessStatus, body: out}
}

// authorize checks the bearer token, its type and scope, and the location the request names.
func (s *Server) authorize(c *call) error {
	tok := s.tokens.lookup(bearer(c.r.Header.Get("Authorization")))
	if tok == nil || !s.clock.Now().Before(tok.ExpiresAt) {
		return newError(http.StatusUnauthorized, msgInvalidJWT)
	}
	c.token = tok
	if tok.UserType != c.op.UserType || !tok.HasScope(c.op.Scopes) {
		return newError(http.StatusUnauthorized, msgScope)
	}
	if tok.UserType != UserTypeLocation {
		return nil
	}
	var named string
	switch c.op.LocationIn {
	case "query":
		named = c.query().Get("locationId")
	case "body":
		if err := s.readBody(c); err != nil {
			return err
		}
		named = c.bodyLocation()
	}
	if named != "" && named != tok.LocationID {
		return newError(http.StatusForbidden, msgLocation)
	}
	return nil
}

// bodyLocation returns the locationId the JSON body names, read as the live server reads it (the
// exact key locationId of the top-level object, a string), or "". The body is decoded once, into the
// generic value request validation needs anyway.
func (c *call) bodyLocation() string {
	if c.op.BodyContentType != "application/json" {
		return ""
	}
	v, ok, unique := unmarshalAny(c.body)
	if !ok {
		return "" // not JSON: validation answers it
	}
	c.decoded, c.haveDecoded, c.decodedUnique = v, true, unique
	m, _ := v.(map[string]any)
	named, _ := m["locationId"].(string)
	return named
}

// sizedBodyMax is the largest declared Content-Length readBody allocates before reading.
const sizedBodyMax = 64 << 10

// readBody reads the request body once, up to MaxBody.
func (s *Server) readBody(c *call) error {
	if c.body != nil || c.r.Body == nil || c.r.Body == http.NoBody {
		return nil
	}
	var data []byte
	var err error
	if n := c.r.ContentLength; n > 0 && n <= min(s.cfg.MaxBody, sizedBodyMax) {
		// A small declared length (net/http's body ends there): one buffer of that size instead
		// of one grown from 512 bytes. Larger bodies grow as their bytes arrive, so a client
		// that only declares a length does not get the memory.
		data = make([]byte, n)
		_, err = io.ReadFull(c.r.Body, data)
	} else {
		data, err = io.ReadAll(io.LimitReader(c.r.Body, s.cfg.MaxBody+1))
	}
	if err != nil {
		return newError(http.StatusBadRequest, "the request body could not be read")
	}
	if int64(len(data)) > s.cfg.MaxBody {
		return &http.MaxBytesError{Limit: s.cfg.MaxBody}
	}
	if data == nil {
		data = []byte{}
	}
	c.body = data
	return nil
}

// jsonContentType is the Content-Type of every JSON answer, one slice shared by all of them
// (nothing writes into a header's values; an append to a full slice copies it).
var jsonContentType = []string{"application/json; charset=utf-8"}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// encodeJSON writes v as JSON the way every answer is written: no HTML escaping, no trailing
// newline.
func encodeJSON(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1)
	return nil
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

// write encodes and writes a response, with the rate-limit headers of the request's client (the
// response's own headers win). In strict mode it first validates the response against the document.
// It returns the response as written and, when the journal keeps bodies, a copy of the body.
func (s *Server) write(w http.ResponseWriter, r *http.Request, op *spec.Operation, rate *rateState, resp response) (response, []byte) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	h := w.Header()
	if rate != nil {
		rate.setHeaders(h)
	}
	for k, v := range resp.header {
		h[k] = v
	}
	if resp.body != nil {
		appended := false
		if a, ok := resp.body.(bodyAppender); ok {
			if b, err := a.appendJSON(buf.AvailableBuffer()); err == nil {
				buf.Write(b)
				appended = true
			}
		}
		if !appended {
			if err := encodeJSON(buf, resp.body); err != nil {
				resp = errorResponse(newError(http.StatusInternalServerError, "mockserver bug: "+err.Error()))
				buf.Reset()
				_ = encodeJSON(buf, resp.body)
			}
		}
		h["Content-Type"] = jsonContentType[:1:1]
	}
	if s.cfg.StrictResponses && op != nil && resp.status < 500 && !resp.injected {
		if err := op.ValidateResponse(context.Background(), r, resp.status, h, buf.Bytes()); err != nil {
			s.addViolation(err)
			s.log.Error("response does not conform to the document", "err", err)
			resp = errorResponse(newError(http.StatusInternalServerError, err.Error()))
			buf.Reset()
			_ = encodeJSON(buf, resp.body)
			for k := range h {
				if strings.HasPrefix(k, "X-Ratelimit") || k == "Content-Type" {
					continue
				}
				delete(h, k) // the replaced answer's own headers do not describe the 500
			}
		}
	}
	var sent []byte
	if s.journal.keepsBodies(op) {
		sent = bytes.Clone(buf.Bytes())
	}
	if resp.truncate {
		writeTruncated(w, resp.status, buf.Bytes())
		return resp, sent
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(buf.Bytes())
	return resp, sent
}
