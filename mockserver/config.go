package mockserver

import (
	"context"
	"crypto/ed25519"
	"log/slog"
	"net/http"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/clock"
	"github.com/contactsmock/contactsmock/mockserver/coverage"
	"github.com/contactsmock/contactsmock/mockserver/faults"
	"github.com/contactsmock/contactsmock/mockserver/ids"
	"github.com/contactsmock/contactsmock/mockserver/journal"
	"github.com/contactsmock/contactsmock/mockserver/oauth"
	"github.com/contactsmock/contactsmock/mockserver/ratelimit"
	"github.com/contactsmock/contactsmock/mockserver/requestlog"
	"github.com/contactsmock/contactsmock/mockserver/state"
	"github.com/contactsmock/contactsmock/mockserver/webhooks"
	"github.com/contactsmock/contactsmock/spec"
)

// Config configures a mock. The zero value is usable: the embedded document, an empty state, the
// live rate limits, the wall clock.
type Config struct {
	// Spec is the OpenAPI document the mock serves; nil means the embedded one.
	Spec *spec.Spec
	// Initial is the state at start and after POST /__admin/reset.
	Initial fixtures.Document
	// Clock is the mock's time; nil means the wall clock (with State.ClockOffset).
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
	// Faults are put in force at start (see Fault and LoadFaults), into State.Faults or the
	// default; the admin API adds and removes faults at run time.
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
	// AccessKey and RefreshKey sign access and refresh tokens (HMAC-SHA256; 32 bytes or more);
	// nil means a random key per process. Replicas of one mock must share them, so that every
	// replica accepts every replica's tokens (the Redis backend keeps them per prefix).
	AccessKey, RefreshKey []byte
	// MaxBody caps request bodies (default 2 MiB); larger ones are answered 413.
	MaxBody int64
	// MaxStateBody caps the fixture documents the admin API loads (POST /__admin/seed,
	// PUT /__admin/snapshot; default 512 MiB).
	MaxStateBody int64
	// Logger receives one line per notable event; nil discards.
	Logger *slog.Logger
	// RequestLog, when set, receives one line per API request (method, path, operationId,
	// status, duration, fault; never a token, a query or a body), written off the request's path.
	// nil (the default) logs no requests. The caller closes it after the server.
	RequestLog *requestlog.Log
	// CORSOrigins are the origins (scheme://host[:port]) whose pages may call the API from a
	// browser, or "*" for every origin: preflights are answered from the document's operations
	// and answers expose the rate-limit headers. The admin API stays closed to them, except the
	// served document (GET /__admin/openapi.yaml and .json). nil (the default): no CORS, and an
	// OPTIONS request is an unknown route (404), as without it.
	CORSOrigins []string
	// AdminToken, when set, is required on every request of the admin API (/__admin/), as
	// X-Admin-Token: <token> or Authorization: Bearer <token>, compared in constant time; without it
	// the admin API answers 401. Empty leaves the admin API open, which is safe only on loopback
	// (cmd/contactsmock refuses to listen beyond loopback without it).
	AdminToken string
	// AdminHosts are the names the admin API (and the inspector) may be reached by besides the
	// loopback ones (localhost, *.localhost, 127.0.0.0/8, [::1]): a request whose Host names
	// anything else is refused with 403, against DNS rebinding. Give the host the mock listens on
	// and any name it is reached by (a container's service name, a tunnel's host); an unspecified
	// address (0.0.0.0, ::) admits every IP address. cmd/contactsmock adds --addr's host and
	// every --admin-host.
	AdminHosts []string

	// Webhooks (see webhooks.go). WebhookURLs are registered at start for every event of every
	// location.
	WebhookURLs []string
	// WebhookKey signs deliveries (x-ghl-signature); nil means a key generated at start.
	WebhookKey ed25519.PrivateKey
	// WebhookRetry is the retry policy; the zero value means DefaultWebhookRetry, the live
	// sender's (WebhookLiveRetry: only a 429 is retried, about every 10 minutes with jitter).
	// WebhookFastRetry is the former default (5xx and network errors retried within seconds),
	// which live does not do.
	WebhookRetry WebhookRetry
	// WebhookSeed seeds the jitter of retry waits; 0 draws one at random.
	WebhookSeed uint64
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
	// WebhookSleep waits between retries; nil means waiting on the mock's clock (Clock.Wait), so
	// that advancing the clock brings a retry forward. Tests may inject one that returns at once.
	WebhookSleep func(ctx context.Context, d time.Duration) error

	// State holds the implementations of the mock's state; each one left nil is the in-memory
	// default, made from the fields above. A shared implementation (every replica of a mock on
	// one store) is given here.
	State State
}

// State are the implementations of the mock's state. With an implementation given, the fields
// of Config that configure its in-memory default do not apply to it: Initial is still loaded into
// a given Store (and reset to), but its clock, id sequence and search lag are its own.
type State struct {
	// Store holds locations, contacts and their children (default: memory.New with Config.Clock,
	// IDs and SearchLag).
	Store state.Store
	// OAuth holds clients, codes, grants, access tokens and the consent settings.
	OAuth oauth.Store
	// RateLimits hold the limits in force (default: Config.RateLimits) and RateCounts the counts.
	RateLimits ratelimit.Settings
	RateCounts ratelimit.Counter
	// Faults hold the faults in force and their counters (default: Config.Faults, FaultSeed).
	Faults faults.Store
	// Journal keeps the requests (default: a ring of Config.JournalSize).
	Journal journal.Journal
	// Webhooks hold registrations, queues and the delivery log and deliver them (default: a
	// dispatcher configured by the Webhook* fields).
	Webhooks webhooks.Hooks
	// ClockOffset is the clock's offset (ignored when Config.Clock is set).
	ClockOffset clock.Offset
	// IDs is the id sequence of the default Store (default: seeded by Config.IDSeed, or random).
	IDs ids.Source
	// Coverage counts the statuses each operation answered (GET /__admin/coverage).
	Coverage coverage.Counts
	// Initial, when set, says the state is shared and was seeded already (by the backend, for
	// its first replica): New leaves it as it finds it, does not put Config.Faults in force or
	// register Config.WebhookURLs (the first replica did), takes an OAuth client that exists
	// already as it is, and POST /__admin/reset returns to the document Initial reads (what the
	// shared state was first seeded with) instead of Config.Initial.
	Initial func(ctx context.Context) (fixtures.Document, error)
	// Prefetch, when set, is told as each request arrives what it is about to read (the access
	// token it carries and the location that token is bound to), before any stage reads state, so
	// that a backend in another process reads all of it in one round trip; nil for the memory
	// defaults, which have nothing to fetch.
	Prefetch Prefetcher
}

// Prefetcher reads ahead what a request will read of a shared state (see State.Prefetch).
type Prefetcher interface {
	// Prefetch reads what a request with this bearer token (may be empty) bound to this location
	// (empty for none or unknown) will read, and returns the context the request's calls into
	// the state then carry: they are answered from what was read. An error (the backend cannot be
	// reached) is answered 503 before any stage runs.
	Prefetch(ctx context.Context, bearer, location string) (context.Context, error)
}

// Defaults of Config.
const (
	DefaultClientID     = "6650c2b5a1f0e8c1d2a3b4c5-contactsmock"
	DefaultClientSecret = "contactsmock-secret"
	DefaultTokenTTL     = 86399 * time.Second
	DefaultMaxBody      = 2 << 20
)
