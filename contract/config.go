package contract

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/contactsmock/contactsmock/spec"
)

// DefaultAPIVersion is the Version header the suites send unless told otherwise.
const DefaultAPIVersion = "2021-07-28"

// DefaultCoverageReport is where the coverage report is written unless told otherwise.
const DefaultCoverageReport = "reports/contract-coverage.json"

// Environment variables read by ConfigFromEnv. Flags registered by RegisterFlags override them.
const (
	EnvBaseURL        = "CONTACTS_BASE_URL"
	EnvToken          = "CONTACTS_TOKEN"
	EnvReadonlyToken  = "CONTACTS_READONLY_TOKEN"
	EnvLocationID     = "CONTACTS_LOCATION_ID"
	EnvAPIVersion     = "CONTACTS_API_VERSION"
	EnvAdminURL       = "CONTACTS_ADMIN_URL"
	EnvAdminToken     = "CONTACTS_ADMIN_TOKEN"
	EnvClientID       = "CONTACTS_CLIENT_ID"
	EnvClientSecret   = "CONTACTS_CLIENT_SECRET"
	EnvCoverageReport = "CONTACTS_COVERAGE_REPORT"
	EnvSpec           = "CONTACTS_SPEC"
)

// DefaultSearchWait bounds how long a spec waits for its own write to show in search results.
const DefaultSearchWait = 30 * time.Second

// Config says which deployment the suites talk to and how. The zero value (after Defaults) is the
// in-process mock.
type Config struct {
	// BaseURL is the API's base URL (scheme and host, no trailing slash). Empty means the suite
	// starts an in-process mock.
	BaseURL string
	// AdminURL is the base URL of the mock's admin API (/__admin/ is appended). Empty means
	// BaseURL; a live deployment has none, which the suite detects.
	AdminURL string
	// AdminToken is the mock's admin token (its --admin-token), sent as X-Admin-Token on every admin
	// call; needed when the mock listens beyond loopback.
	AdminToken string
	// Token is a sub-account (Location) access token with contacts.readonly and contacts.write.
	// Against a mock it may be left empty: the suite mints one through the admin API.
	Token string
	// ReadonlyToken is a token of the same location with contacts.readonly only (auth specs).
	ReadonlyToken string
	// LocationID is the sub-account the tokens belong to. Against a mock it may be left empty: the
	// suite creates a location per parallel process through the admin API.
	LocationID string
	// APIVersion is the Version header sent with every request (default 2021-07-28).
	APIVersion string
	// ClientID and ClientSecret are OAuth client credentials for the oauth specs.
	ClientID     string
	ClientSecret string
	// SpecFile is the OpenAPI document (YAML or JSON) the target serves, when it is not our embedded
	// one (a mock started with --spec): responses are validated against it, operations it lacks
	// get no spec, and the coverage report lists them as not in the document. Empty means the
	// embedded document.
	SpecFile string
	// SearchWait bounds how long a spec waits for its own write to show in POST /contacts/search
	// and the duplicate lookup: the live search index lags writes by seconds (a mock started with
	// --search-lag does the same). Default 30 s.
	SearchWait time.Duration
	// CoverageReport is the path of the JSON coverage report (default reports/contract-coverage.json);
	// "-" disables it.
	CoverageReport string
	// MaxRetries bounds the retries of a request answered 429 (default 3).
	MaxRetries int
	// MaxDelay bounds one wait between retries (default 30 s).
	MaxDelay time.Duration
	// RequestTimeout bounds one HTTP attempt (default 30 s, as the official SDK).
	RequestTimeout time.Duration
}

// ConfigFromEnv returns the configuration given by the CONTACTS_* environment variables, with the
// defaults filled in.
func ConfigFromEnv() Config {
	return configFrom(os.Getenv)
}

func configFrom(getenv func(string) string) Config {
	c := Config{
		BaseURL:        getenv(EnvBaseURL),
		AdminURL:       getenv(EnvAdminURL),
		AdminToken:     getenv(EnvAdminToken),
		Token:          getenv(EnvToken),
		ReadonlyToken:  getenv(EnvReadonlyToken),
		LocationID:     getenv(EnvLocationID),
		APIVersion:     getenv(EnvAPIVersion),
		ClientID:       getenv(EnvClientID),
		ClientSecret:   getenv(EnvClientSecret),
		CoverageReport: getenv(EnvCoverageReport),
		SpecFile:       getenv(EnvSpec),
	}
	if d, err := time.ParseDuration(getenv("CONTACTS_SEARCH_WAIT")); err == nil {
		c.SearchWait = d
	}
	if n, err := strconv.Atoi(getenv("CONTACTS_MAX_RETRIES")); err == nil {
		c.MaxRetries = n
	} else {
		c.MaxRetries = -1
	}
	if d, err := time.ParseDuration(getenv("CONTACTS_MAX_DELAY")); err == nil {
		c.MaxDelay = d
	}
	c.Defaults()
	return c
}

// Defaults fills in every unset field with its documented default.
func (c *Config) Defaults() {
	if c.APIVersion == "" {
		c.APIVersion = DefaultAPIVersion
	}
	if c.CoverageReport == "" {
		c.CoverageReport = DefaultCoverageReport
	}
	if c.MaxRetries < 0 {
		c.MaxRetries = DefaultRetryPolicy.MaxRetries
	}
	if c.MaxDelay <= 0 {
		c.MaxDelay = DefaultRetryPolicy.MaxDelay
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 30 * time.Second
	}
	if c.SearchWait <= 0 {
		c.SearchWait = DefaultSearchWait
	}
}

// Document loads the document the target serves: SpecFile, or the embedded one.
func (c *Config) Document() (*spec.Spec, error) {
	if c.SpecFile == "" {
		return spec.Default()
	}
	sp, err := spec.LoadFile(c.SpecFile)
	if err != nil {
		return nil, fmt.Errorf("contract: --contract.spec %s: %w", c.SpecFile, err)
	}
	return sp, nil
}

// InProcess reports whether the configuration asks for an in-process mock (no base URL).
func (c *Config) InProcess() bool { return c.BaseURL == "" }

// AdminBase returns the base URL of the admin API: AdminURL, else BaseURL.
func (c *Config) AdminBase() string {
	if c.AdminURL != "" {
		return c.AdminURL
	}
	return c.BaseURL
}

// RetryPolicy returns the retry policy the configuration asks for.
func (c *Config) RetryPolicy() RetryPolicy {
	p := DefaultRetryPolicy
	p.MaxRetries = c.MaxRetries
	p.MaxDelay = c.MaxDelay
	return p
}

// RegisterFlags registers the target flags on fs, with the environment (ConfigFromEnv) as their
// defaults, and returns the configuration they fill once fs is parsed. This is the kubernetes e2e
// framework's pattern: one settings struct, filled from one FlagSet by the suite's bootstrap.
func RegisterFlags(fs *flag.FlagSet) *Config {
	c := ConfigFromEnv()
	c.RegisterFlags(fs)
	return &c
}

// RegisterFlags registers c's fields on fs, with their current values as defaults.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "base URL of the API under test (env "+EnvBaseURL+"); empty starts an in-process mock")
	fs.StringVar(&c.AdminURL, "admin-url", c.AdminURL, "base URL of the mock's admin API (env "+EnvAdminURL+"); default: the base URL")
	fs.StringVar(&c.AdminToken, "admin-token", c.AdminToken, "the mock's admin token, when it has one (env "+EnvAdminToken+"); prefer the environment variable")
	fs.StringVar(&c.Token, "token", c.Token, "Location access token with contacts.readonly and contacts.write (env "+EnvToken+"); prefer the environment variable")
	fs.StringVar(&c.ReadonlyToken, "readonly-token", c.ReadonlyToken, "Location access token with contacts.readonly only (env "+EnvReadonlyToken+")")
	fs.StringVar(&c.LocationID, "location-id", c.LocationID, "the tokens' sub-account id (env "+EnvLocationID+")")
	fs.StringVar(&c.APIVersion, "api-version", c.APIVersion, "Version header to send (env "+EnvAPIVersion+")")
	fs.StringVar(&c.ClientID, "client-id", c.ClientID, "OAuth client id for the oauth specs (env "+EnvClientID+")")
	fs.StringVar(&c.ClientSecret, "client-secret", c.ClientSecret, "OAuth client secret for the oauth specs (env "+EnvClientSecret+")")
	fs.StringVar(&c.SpecFile, "contract.spec", c.SpecFile, "OpenAPI document the target serves, when it is not the embedded one (a mock's --spec FILE; env "+EnvSpec+")")
	fs.DurationVar(&c.SearchWait, "contract.search-wait", c.SearchWait, "longest wait for a write to show in search results (env CONTACTS_SEARCH_WAIT)")
	fs.StringVar(&c.CoverageReport, "contract.coverage-report", c.CoverageReport, "path of the JSON coverage report; - disables it (env "+EnvCoverageReport+")")
	fs.IntVar(&c.MaxRetries, "contract.max-retries", c.MaxRetries, "retries of a request answered 429 (env CONTACTS_MAX_RETRIES)")
	fs.DurationVar(&c.MaxDelay, "contract.max-delay", c.MaxDelay, "longest wait between two retries (env CONTACTS_MAX_DELAY)")
	fs.DurationVar(&c.RequestTimeout, "contract.request-timeout", c.RequestTimeout, "timeout of one HTTP attempt")
}
