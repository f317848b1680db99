package mockserver

import (
	"crypto/ed25519"
	"time"

	"github.com/contactsmock/contactsmock/mockserver/admin"
	"github.com/contactsmock/contactsmock/mockserver/clock"
	"github.com/contactsmock/contactsmock/mockserver/faults"
	"github.com/contactsmock/contactsmock/mockserver/journal"
	"github.com/contactsmock/contactsmock/mockserver/oauth"
	"github.com/contactsmock/contactsmock/mockserver/ratelimit"
	"github.com/contactsmock/contactsmock/mockserver/webhooks"
)

// The mock's public vocabulary, defined by the subsystem that owns each name: a user of the mock
// needs this package alone.

// Clock is the mock's time (see clock.Clock); ManualClock a base for tests.
type (
	Clock       = clock.Clock
	ManualClock = clock.ManualClock
)

// NewClock returns a clock reading base (time.Now when nil) with its offset in memory.
func NewClock(base func() time.Time) *Clock { return clock.New(base) }

// NewManualClock returns a manual clock at t.
func NewManualClock(t time.Time) *ManualClock { return clock.NewManual(t) }

// RateLimits configures the rate limits (see ratelimit.Limits).
type RateLimits = ratelimit.Limits

// DefaultRateLimits are the live API's limits.
var DefaultRateLimits = ratelimit.Defaults

// Fault is a failure injected into the API's answers (see faults.Fault).
type Fault = faults.Fault

// LoadFaults reads faults from a JSON or YAML file (see faults.Load).
func LoadFaults(file string) ([]Fault, error) { return faults.Load(file) }

// OAuth vocabulary (see package oauth).
type (
	OAuthClient     = oauth.Client
	Token           = oauth.Token
	ConsentSettings = oauth.ConsentSettings
)

// OAuth constants (see package oauth).
const (
	UserTypeLocation       = oauth.UserTypeLocation
	UserTypeCompany        = oauth.UserTypeCompany
	ScopeContactsReadonly  = oauth.ScopeContactsReadonly
	ScopeContactsWrite     = oauth.ScopeContactsWrite
	ScopeOAuthReadonly     = oauth.ScopeOAuthReadonly
	ScopeOAuthWrite        = oauth.ScopeOAuthWrite
	GrantAuthorizationCode = oauth.GrantAuthorizationCode
	GrantRefreshToken      = oauth.GrantRefreshToken
	GrantClientCredentials = oauth.GrantClientCredentials
	RedirectLoopback       = oauth.RedirectLoopback
	AuthorizationCodeTTL   = oauth.AuthorizationCodeTTL
	RefreshTokenTTL        = oauth.RefreshTokenTTL
)

// Default OAuth lists (see package oauth).
var (
	DefaultGrants       = oauth.DefaultGrants
	DefaultRedirectURIs = oauth.DefaultRedirectURIs
)

// Webhook vocabulary (see package webhooks).
type (
	WebhookRetry          = webhooks.Retry
	WebhookRegistration   = webhooks.Registration
	WebhookStats          = webhooks.Stats
	WebhookDelivery       = webhooks.Delivery
	WebhookAttempt        = webhooks.Attempt
	WebhookDeliveryFilter = webhooks.DeliveryFilter
)

// Webhook constants (see package webhooks).
const (
	WebhookSignatureHeader  = webhooks.SignatureHeader
	WebhookDeliveryHeader   = webhooks.DeliveryHeader
	WebhookAttemptHeader    = webhooks.AttemptHeader
	DefaultWebhookQueueSize = webhooks.DefaultQueueSize
	DefaultWebhookLogSize   = webhooks.DefaultLogSize
	DefaultWebhookTimeout   = webhooks.DefaultTimeout
	WebhookPending          = webhooks.Pending
	WebhookDelivered        = webhooks.Delivered
	WebhookFailed           = webhooks.Failed
	WebhookDropped          = webhooks.Dropped
)

// Webhook retry policies (see webhooks.Retry). DefaultWebhookRetry, the policy of a zero Config,
// is WebhookLiveRetry; WebhookFastRetry is the former default, which live does not do.
var (
	DefaultWebhookRetry = webhooks.DefaultRetry
	WebhookLiveRetry    = webhooks.LiveRetry
	WebhookFastRetry    = webhooks.FastRetry
)

// WebhookRetryPolicy returns the named retry policy: "live" or "fast".
func WebhookRetryPolicy(name string) (WebhookRetry, error) { return webhooks.RetryPolicy(name) }

// GenerateWebhookKey returns a new Ed25519 key for signing webhooks.
func GenerateWebhookKey() (ed25519.PrivateKey, error) { return webhooks.GenerateKey() }

// ParseWebhookKey reads an Ed25519 private key from a PEM "PRIVATE KEY" block (PKCS#8).
func ParseWebhookKey(pemData []byte) (ed25519.PrivateKey, error) { return webhooks.ParseKey(pemData) }

// ReadWebhookKeyFile is ParseWebhookKey of a file's contents (cmd's --webhook-key).
func ReadWebhookKeyFile(path string) (ed25519.PrivateKey, error) { return webhooks.ReadKeyFile(path) }

// MarshalWebhookKey writes a private key as PEM PKCS#8, the form ParseWebhookKey reads.
func MarshalWebhookKey(k ed25519.PrivateKey) ([]byte, error) { return webhooks.MarshalKey(k) }

// AdminTokenHeader is the header that carries the admin token.
const AdminTokenHeader = admin.TokenHeader

// DefaultJournalSize is the number of requests the journal keeps when Config.JournalSize is 0.
const DefaultJournalSize = journal.DefaultSize
