package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver"
	"github.com/contactsmock/contactsmock/mockserver/requestlog"
	"github.com/contactsmock/contactsmock/spec"
)

// serveFlags are the flags of the serve command, with their defaults.
type serveFlags struct {
	addr             string
	specFile         string
	strictVersion    bool
	strictResponses  bool
	searchLag        time.Duration
	gen              genFlags
	fixturesFile     string
	stateFile        string
	snapshotInterval time.Duration
	clientID         string
	clientSecret     string
	tokenTTL         time.Duration
	maxBody          int64
	rate             mockserver.RateLimits
	faultsFile       string
	faultSeed        int64
	idSeed           int64
	journalSize      int
	journalBodies    bool
	redirectURIs     []string
	clientsFile      string
	webhookURLs      []string
	corsOrigins      []string
	webhookKey       string
	webhookRetry     mockserver.WebhookRetry
	webhookPolicy    string
	rateRetryAfter   bool
	webhookTimeout   time.Duration
	webhookQueue     int
	webhookLog       int
	readTimeout      time.Duration
	writeTimeout     time.Duration
	idleTimeout      time.Duration
	logLevel         string
	logFormat        string
	quiet            bool
	pprofAddr        string
	// See serve_safety.go.
	adminToken        string
	adminHosts        []string
	readyFile         string
	readHeaderTimeout time.Duration
	// See serve_redis.go.
	redis redisFlags
}

func (f *serveFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "`host:port` to listen on (port 0 picks a free port)")
	fs.StringVar(&f.specFile, "spec", "", "OpenAPI document to serve instead of the embedded one (`FILE`, YAML or JSON)")
	fs.BoolVar(&f.strictVersion, "strict-version", false, "accept only the documented Version header value (2021-07-28); by default every value the live server accepts is taken")
	fs.DurationVar(&f.searchLag, "search-lag", 0, "make writes visible to POST /contacts/search and the duplicate lookup only after this `DURATION` (e.g. 2s), as the live search index lags; 0 makes them visible at once")
	fs.BoolVar(&f.strictResponses, "strict-responses", false, "validate every response against the document before sending it; a mismatch becomes a 500 naming the problem (slow: for debugging the mock)")
	f.gen.register(fs)
	fs.StringVar(&f.fixturesFile, "fixtures", "", "load this fixture document (`FILE`, JSON or YAML) instead of generating data; it may ask for generated data itself")
	fs.StringVar(&f.stateFile, "state-file", "", "keep the state in this file (`PATH`): loaded at start if present, written atomically every --snapshot-interval and on shutdown")
	fs.Int64Var(&f.idSeed, "id-seed", 0, "seed of the ids given to what requests create (`N`): the same requests in the same order get the same ids on every run and after POST /__admin/reset; 0 draws them at random")
	fs.DurationVar(&f.snapshotInterval, "snapshot-interval", 30*time.Second, "`DURATION` between writes of the state to --state-file (0 writes only on shutdown)")
	fs.StringVar(&f.clientID, "client-id", mockserver.DefaultClientID, "`ID` of the default OAuth client")
	fs.StringVar(&f.clientSecret, "client-secret", mockserver.DefaultClientSecret, "`SECRET` of the default OAuth client")
	f.rate = mockserver.DefaultRateLimits
	fs.IntVar(&f.rate.Burst, "rate-burst", f.rate.Burst, "`N` requests allowed per burst window per (OAuth client, location)")
	fs.DurationVar(&f.rate.Window, "rate-window", f.rate.Window, "length of the burst window (`DURATION`, 1ms to 24h)")
	fs.IntVar(&f.rate.Daily, "rate-daily", f.rate.Daily, "`N` requests allowed per UTC day per (OAuth client, location)")
	fs.BoolVar(&f.rate.Off, "rate-off", false, "do not limit; the X-RateLimit-* headers show full quotas")
	fs.BoolVar(&f.rateRetryAfter, "rate-retry-after", true, "send Retry-After on 429 (the mock's addition: live documents only the X-RateLimit-* headers); --rate-retry-after=false answers as live is documented")
	fs.StringVar(&f.faultsFile, "faults", "", "faults in force from the start (`FILE`, JSON or YAML; see docs/faults-and-journal.md)")
	fs.Int64Var(&f.faultSeed, "fault-seed", 0, "seed of fault probability and jitter draws (`N`); 0 picks one, printed at start")
	fs.IntVar(&f.journalSize, "journal-size", 1000, "`N` requests kept by GET /__admin/requests (negative turns the journal off)")
	fs.BoolVar(&f.journalBodies, "journal-bodies", false, "also record request and response bodies in the journal (they may hold personal data)")
	fs.Func("redirect-uri", "a redirect `URI` the default OAuth client accepts (repeatable): an exact URI, a prefix ending in *, or \"loopback\" for any 127.0.0.1/localhost URI (default: loopback and https://zapier.com/dashboard/auth/oauth/return/*)", func(v string) error {
		f.redirectURIs = append(f.redirectURIs, v)
		return nil
	})
	fs.StringVar(&f.clientsFile, "clients", "", "JSON `FILE` with more OAuth clients: [{clientId, clientSecret, redirectUris, scopes?, grants?, companyId?}]")
	fs.Func("webhook-url", "register `URL` at start for every event of every location (repeatable)", func(v string) error {
		f.webhookURLs = append(f.webhookURLs, v)
		return nil
	})
	fs.Func("cors", "let browser pages of `ORIGIN` (scheme://host[:port], or * for any) call the API (repeatable): preflights are answered from the document, answers expose the rate-limit headers; the admin API stays closed to them, except GET /__admin/openapi.yaml|json", func(v string) error {
		f.corsOrigins = append(f.corsOrigins, v)
		return nil
	})
	fs.StringVar(&f.webhookKey, "webhook-key", "", "Ed25519 private key signing webhooks (`FILE`, PEM PKCS#8, e.g. from openssl genpkey -algorithm ed25519); generated at start by default")
	f.webhookRetry = mockserver.DefaultWebhookRetry
	fs.StringVar(&f.webhookPolicy, "webhook-retry", "live", "webhook retry `POLICY`: live (only a 429 is retried, about every 10 minutes with jitter, on the mock's clock; as the live API) or fast (also 5xx and network errors, after 1s doubling to 30s; not how live behaves); the flags below change single fields of it")
	fs.IntVar(&f.webhookRetry.MaxAttempts, "webhook-max-attempts", f.webhookRetry.MaxAttempts, "`N` delivery attempts per webhook, the first included")
	fs.DurationVar(&f.webhookRetry.BaseDelay, "webhook-retry-base", f.webhookRetry.BaseDelay, "`DURATION` to wait after the first failed delivery; doubles on each retry up to --webhook-retry-max")
	fs.DurationVar(&f.webhookRetry.MaxDelay, "webhook-retry-max", f.webhookRetry.MaxDelay, "cap (`DURATION`) on every wait between deliveries")
	fs.BoolVar(&f.webhookRetry.RetryOn5xx, "webhook-retry-5xx", f.webhookRetry.RetryOn5xx, "also retry 5xx answers, network errors and timeouts (the live API retries only 429)")
	fs.DurationVar(&f.webhookTimeout, "webhook-timeout", mockserver.DefaultWebhookTimeout, "timeout (`DURATION`) of one delivery attempt")
	fs.IntVar(&f.webhookQueue, "webhook-queue", mockserver.DefaultWebhookQueueSize, "`N` queued deliveries per registration; when full the oldest is dropped")
	fs.IntVar(&f.webhookLog, "webhook-log", mockserver.DefaultWebhookLogSize, "`N` deliveries kept in the delivery log")
	fs.DurationVar(&f.tokenTTL, "token-ttl", mockserver.DefaultTokenTTL, "`DURATION` access tokens live")
	fs.Int64Var(&f.maxBody, "max-body", mockserver.DefaultMaxBody, "largest request body in `BYTES`; larger ones are answered 413")
	fs.DurationVar(&f.readTimeout, "read-timeout", 30*time.Second, "longest `DURATION` to read a request, headers and body")
	fs.DurationVar(&f.writeTimeout, "write-timeout", 60*time.Second, "longest `DURATION` to write a response (raise it for long latency faults)")
	fs.DurationVar(&f.idleTimeout, "idle-timeout", 120*time.Second, "`DURATION` an idle keep-alive connection stays open")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error (the request log is at info)")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format: text (key=value lines) or json (one JSON object per line)")
	fs.BoolVar(&f.quiet, "quiet", false, "no request log (one line per API request: method, path, operationId, status, duration, fault); warnings and errors still show")
	fs.StringVar(&f.pprofAddr, "pprof", "", "serve net/http/pprof on this loopback `host:port` (e.g. 127.0.0.1:6060), on a listener of its own; off by default")
	f.registerSafety(fs)
	f.redis.register(fs)
}

const serveUsage = `Usage: contactsmock [serve] [flags]

Starts the mock of the Contacts API with seeded data and prints how to call it: the base URL, the
location ids, the OAuth client and two ready tokens (full and read-only). SIGINT or SIGTERM stops it
gracefully (in-flight requests finish, the state file is written).

Flags:
`

func parseServe(args []string, stderr io.Writer) (*serveFlags, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &serveFlags{}
	f.register(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, serveUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return nil, err
	}
	if err := f.gen.check(stderr); err != nil {
		return nil, err
	}
	if err := f.retryPolicy(fs); err != nil {
		fmt.Fprintln(stderr, err)
		return nil, errUsage
	}
	if f.pprofAddr != "" {
		if err := checkPprofAddr(f.pprofAddr); err != nil {
			fmt.Fprintln(stderr, err)
			return nil, errUsage
		}
	}
	if f.adminToken == "" {
		f.adminToken = os.Getenv(adminTokenEnv)
	}
	if err := f.checkRedis(); err != nil {
		fmt.Fprintln(stderr, err)
		return nil, errUsage
	}
	return f, nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseServe(args, stderr)
	if err != nil {
		return err
	}
	if err := checkAdminExposure(f.addr, nil, f.adminToken); err != nil {
		return err
	}
	started := time.Now()
	if f.specFile == "" {
		// Parsing the embedded document is most of a default start-up: let it overlap with
		// making the initial state (mockserver.New waits for it).
		go func() { _, _ = spec.Default() }()
	}
	console := requestlog.Locked(stderr) // the request log and the rest of the log share it
	logger, err := newLogger(f.logLevel, f.logFormat, console)
	if err != nil {
		return err
	}
	if err := f.removeStaleSnapshots(logger); err != nil {
		return err
	}
	cfg, err := f.config(logger)
	if err != nil {
		return err
	}
	if f.redis.on() {
		backend, err := f.sharedState(&cfg, logger)
		if err != nil {
			return err
		}
		defer backend.Close()
	}
	if !f.quiet && logger.Enabled(ctx, slog.LevelInfo) {
		rl, err := requestlog.New(requestlog.Options{Out: console, Format: f.logFormat})
		if err != nil {
			return err
		}
		cfg.RequestLog = rl
		defer func() {
			flushCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = rl.Close(flushCtx) // the lines of the last requests, before the process ends
		}()
	}
	srv, err := mockserver.New(cfg)
	if err != nil {
		return err
	}
	if f.pprofAddr != "" {
		_, stopPprof, err := startPprof(f.pprofAddr, logger)
		if err != nil {
			return err
		}
		defer stopPprof()
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return listenError(f.addr, err)
	}
	if err := checkAdminExposure(f.addr, ln.Addr(), f.adminToken); err != nil {
		ln.Close()
		return err
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: f.readHeaderTimeout,
		ReadTimeout:       f.readTimeout,
		WriteTimeout:      f.writeTimeout,
		IdleTimeout:       f.idleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	// Open inspector pages hold a stream each: end them, or Shutdown would wait for its deadline.
	hs.RegisterOnShutdown(srv.EndStreams)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	stopSnapshots := func() {}
	if f.stateFile != "" && f.snapshotInterval > 0 {
		stopSnapshots = srv.SnapshotEvery(f.stateFile, f.snapshotInterval)
	}
	if err := printBanner(stdout, srv, "http://"+ln.Addr().String(), f); err != nil {
		hs.Close()
		stopSnapshots()
		return err
	}
	if err := writeReadyFile(f.readyFile, "http://"+ln.Addr().String()); err != nil {
		hs.Close()
		stopSnapshots()
		return err
	}
	logger.Info("ready", "addr", ln.Addr().String(), "startup", time.Since(started).Round(time.Microsecond))

	select {
	case err := <-served:
		stopSnapshots()
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	shutdownErr := hs.Shutdown(shutdownCtx)
	// Queued webhooks are delivered (up to the deadline) before the state is written.
	if err := srv.Close(shutdownCtx); err != nil {
		logger.Warn("webhook queues not drained", "err", err)
	}
	stopSnapshots()
	if f.stateFile != "" {
		if err := srv.SaveState(f.stateFile); err != nil {
			return fmt.Errorf("writing the state file: %w", err)
		}
		logger.Info("state written", "file", f.stateFile)
	}
	if shutdownErr != nil && !errors.Is(shutdownErr, context.DeadlineExceeded) {
		return shutdownErr
	}
	return nil
}

// listenError says what to do when the mock cannot listen on addr.
func listenError(addr string, err error) error {
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("%w: another process listens on %s (another mock?): stop it, or pick another port with --addr 127.0.0.1:8081 (make run ADDR=127.0.0.1:8081), or --addr 127.0.0.1:0 for a free one", err, addr)
	case errors.Is(err, syscall.EACCES):
		return fmt.Errorf("%w: this user may not listen on %s: pick a port above 1023, e.g. --addr 127.0.0.1:8080", err, addr)
	}
	return fmt.Errorf("%w (--addr wants host:port, e.g. 127.0.0.1:8080)", err)
}

func newLogger(level, format string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// rateLimits are the limits the rate flags give.
func (f *serveFlags) rateLimits() mockserver.RateLimits {
	l := f.rate
	l.NoRetryAfter = !f.rateRetryAfter
	return l
}

// retryPolicy starts from the policy --webhook-retry names and applies the single fields given
// on the command line, in whatever order the flags came.
func (f *serveFlags) retryPolicy(fs *flag.FlagSet) error {
	p, err := mockserver.WebhookRetryPolicy(f.webhookPolicy)
	if err != nil {
		return fmt.Errorf("--webhook-retry: %w", err)
	}
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "webhook-max-attempts":
			p.MaxAttempts = f.webhookRetry.MaxAttempts
		case "webhook-retry-base":
			p.BaseDelay = f.webhookRetry.BaseDelay
		case "webhook-retry-max":
			p.MaxDelay = f.webhookRetry.MaxDelay
		case "webhook-retry-5xx":
			p.RetryOn5xx = f.webhookRetry.RetryOn5xx
		}
	})
	f.webhookRetry = p
	return nil
}

// config turns the flags into the mock's configuration, loading the document and the initial state.
func (f *serveFlags) config(logger *slog.Logger) (mockserver.Config, error) {
	cfg := mockserver.Config{
		StrictVersion:    f.strictVersion,
		StrictResponses:  f.strictResponses,
		SearchLag:        f.searchLag,
		ClientID:         f.clientID,
		ClientSecret:     f.clientSecret,
		TokenTTL:         f.tokenTTL,
		MaxBody:          f.maxBody,
		RateLimits:       f.rateLimits(),
		FaultSeed:        f.faultSeed,
		IDSeed:           f.idSeed,
		JournalSize:      f.journalSize,
		JournalBodies:    f.journalBodies,
		Logger:           logger,
		RedirectURIs:     f.redirectURIs,
		WebhookURLs:      f.webhookURLs,
		CORSOrigins:      f.corsOrigins,
		WebhookRetry:     f.webhookRetry,
		WebhookTimeout:   f.webhookTimeout,
		WebhookQueueSize: f.webhookQueue,
		WebhookLogSize:   f.webhookLog,
		AdminToken:       f.adminToken,
		AdminHosts:       f.allowedAdminHosts(),
	}
	if f.clientsFile != "" {
		data, err := os.ReadFile(f.clientsFile)
		if err != nil {
			return cfg, fmt.Errorf("--clients: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg.Clients); err != nil {
			return cfg, fmt.Errorf("--clients %s: %w", f.clientsFile, err)
		}
	}
	if f.faultsFile != "" {
		faults, err := mockserver.LoadFaults(f.faultsFile)
		if err != nil {
			return cfg, fmt.Errorf("--faults: %w", err)
		}
		cfg.Faults = faults
	}
	if f.webhookKey != "" {
		key, err := mockserver.ReadWebhookKeyFile(f.webhookKey)
		if err != nil {
			return cfg, fmt.Errorf("--webhook-key: %w", err)
		}
		cfg.WebhookKey = key
	}
	if f.specFile != "" {
		sp, err := spec.LoadFile(f.specFile)
		if err != nil {
			return cfg, err
		}
		cfg.Spec = sp
	}
	doc, source, err := f.initialState()
	if err != nil {
		return cfg, err
	}
	logger.Info("initial state", "source", source)
	cfg.Initial = doc
	return cfg, nil
}

// initialState picks the state at start: the state file if it exists, else the fixture file, else
// generated data.
func (f *serveFlags) initialState() (fixtures.Document, string, error) {
	if f.stateFile != "" {
		doc, err := fixtures.Load(f.stateFile)
		switch {
		case err == nil:
			return doc, "state file " + f.stateFile, nil
		case !errors.Is(err, os.ErrNotExist):
			return fixtures.Document{}, "", fmt.Errorf("the state file is not usable (it was left as it is): %w", err)
		}
	}
	if f.fixturesFile != "" {
		doc, err := fixtures.Load(f.fixturesFile)
		if err != nil {
			return fixtures.Document{}, "", err
		}
		return doc, "fixtures " + f.fixturesFile, nil
	}
	doc, err := fixtures.Generate(f.gen.options())
	if err != nil {
		return fixtures.Document{}, "", err
	}
	return doc, fmt.Sprintf("generated (seed %d, %d contacts per location)", f.gen.seed, f.gen.contacts), nil
}

// printBanner tells the user how to call the mock.
func printBanner(w io.Writer, srv *mockserver.Server, base string, f *serveFlags) error {
	locs, err := srv.Store().Locations(context.Background())
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "contactsmock is serving the Contacts API on %s\n\n", base)
	fmt.Fprintf(&b, "  inspector:      %s/__admin/ui/ (open it in a browser)\n", base)
	fmt.Fprintf(&b, "  admin API:      %s/__admin/health%s\n", base, adminNote(f))
	fmt.Fprintf(&b, "  webhook key:    %s/__admin/webhooks/public-key\n", base)
	fmt.Fprintf(&b, "  the document:   %s/__admin/openapi.yaml (and .json), its server this mock\n", base)
	if len(f.corsOrigins) > 0 {
		fmt.Fprintf(&b, "  CORS:           pages of %s may call the API\n", strings.Join(f.corsOrigins, ", "))
	}
	lim := srv.RateLimits()
	if lim.Off {
		fmt.Fprintf(&b, "  rate limits:    off\n")
	} else {
		fmt.Fprintf(&b, "  rate limits:    %d per %s, %d per day, per (client, location)\n", lim.Burst, lim.Window, lim.Daily)
	}
	fmt.Fprintf(&b, "  fault seed:     %d (replay with --fault-seed %d)\n", srv.FaultSeed(), srv.FaultSeed())
	if f.searchLag > 0 {
		fmt.Fprintf(&b, "  search lag:     %s (writes reach POST /contacts/search and the duplicate lookup this late)\n", f.searchLag)
	}
	if f.idSeed != 0 {
		fmt.Fprintf(&b, "  id seed:        %d (created ids replay; POST /__admin/reset restarts them)\n", f.idSeed)
	}
	fmt.Fprintf(&b, "  OAuth client:   client_id=%s client_secret=%s\n", f.clientID, f.clientSecret)
	fmt.Fprintf(&b, "  OAuth consent:  %s/oauth/chooselocation?response_type=code&client_id=%s&redirect_uri=%s&scope=%s\n",
		base, url.QueryEscape(f.clientID), url.QueryEscape("http://127.0.0.1:9000/callback"), url.QueryEscape("contacts.readonly contacts.write"))
	fmt.Fprintf(&b, "  token endpoint: POST %s/oauth/token (form: client_id, client_secret, grant_type, code | refresh_token)\n", base)
	if len(locs) == 0 {
		fmt.Fprintf(&b, "\nThe state is empty: create a location with POST %s/__admin/locations.\n", base)
		_, err := io.WriteString(w, b.String())
		return err
	}
	for i, l := range locs {
		fmt.Fprintf(&b, "  location %d:     %s (%s)\n", i+1, l.ID, l.Name)
	}
	loc := locs[0].ID
	full, err := srv.MintToken(loc, []string{mockserver.ScopeContactsReadonly, mockserver.ScopeContactsWrite}, 0)
	if err != nil {
		return err
	}
	ro, err := srv.MintToken(loc, []string{mockserver.ScopeContactsReadonly}, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(&b, "\nTokens for location %s (valid %s):\n", loc, f.tokenTTL)
	fmt.Fprintf(&b, "  full (contacts.readonly contacts.write):\n    %s\n", full.AccessToken)
	fmt.Fprintf(&b, "  read-only (contacts.readonly):\n    %s\n", ro.AccessToken)
	// Every variable the examples of README.md and docs/ use, in one line to paste.
	fmt.Fprintf(&b, "\nTry:\n  export BASE=%s LOCATION_ID=%s TOKEN=%s RO=%s\n", base, loc, full.AccessToken, ro.AccessToken)
	fmt.Fprintf(&b, "  curl -s \"$BASE/contacts/?locationId=$LOCATION_ID&limit=5\" -H \"Authorization: Bearer $TOKEN\" -H \"Version: 2021-07-28\"\n\n")
	_, err = io.WriteString(w, b.String())
	return err
}
