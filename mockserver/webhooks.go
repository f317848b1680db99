package mockserver

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/store"
)

// Webhook delivery.
//
// The store calls emit with every event, in change order, while it holds its lock; emit only
// appends a delivery record to the queue of every registration that wants the event (the payload
// is rendered later, outside the lock, by whoever needs it first), so a slow or dead receiver never
// slows the API. Each registration has one bounded FIFO
// queue and one goroutine that delivers it, so a receiver sees its events in change order (hence in
// order per contact). The price of that order is head-of-line blocking: while a delivery is being
// retried, the registration's later events wait behind it.
//
// Lock order: store lock → webhooks.mu → registration.mu. webhooks.logMu is taken on its own, never
// while holding registration.mu.

// Delivery headers besides x-ghl-signature and Content-Type.
const (
	// WebhookSignatureHeader carries the Ed25519 signature of the body, base64.
	WebhookSignatureHeader = "x-ghl-signature"
	// WebhookDeliveryHeader carries the delivery's id (the id in the delivery log).
	WebhookDeliveryHeader = "X-Contactsmock-Delivery"
	// WebhookAttemptHeader carries the attempt number, 1 for the first.
	WebhookAttemptHeader = "X-Contactsmock-Attempt"
)

// WebhookRetry is the delivery retry policy. A delivery is retried after a 429 (waiting Retry-After
// when the receiver sends it, the backoff otherwise) and, when RetryOn5xx is set, after a 5xx, a
// network error or a timeout (waiting the backoff). The backoff is BaseDelay after the first
// failure, doubling after each further one; every wait, Retry-After included, is capped at
// MaxDelay. After MaxAttempts attempts the delivery is failed. Any other answer is final: 2xx
// delivers, 410 Gone removes the registration, anything else fails at once.
//
// The zero value means DefaultWebhookRetry. Otherwise the fields are taken as given, except that a
// zero or negative MaxAttempts, BaseDelay or MaxDelay takes its default: start from
// DefaultWebhookRetry and change fields to keep RetryOn5xx on.
type WebhookRetry struct {
	// MaxAttempts counts every attempt, the first included (default 5).
	MaxAttempts int `json:"maxAttempts"`
	// BaseDelay is the wait after the first failed attempt (default 1 s).
	BaseDelay time.Duration `json:"-"`
	// MaxDelay caps every wait (default 30 s).
	MaxDelay time.Duration `json:"-"`
	// RetryOn5xx also retries 5xx answers, network errors and timeouts. The live sender retries only
	// after a 429 (about every 10 minutes): set it false to behave like it.
	RetryOn5xx bool `json:"retryOn5xx"`
}

// DefaultWebhookRetry is the retry policy of a zero Config.
var DefaultWebhookRetry = WebhookRetry{MaxAttempts: 5, BaseDelay: time.Second, MaxDelay: 30 * time.Second, RetryOn5xx: true}

// Defaults of the webhook fields of Config.
const (
	DefaultWebhookQueueSize = 1000
	DefaultWebhookLogSize   = 1000
	DefaultWebhookTimeout   = 10 * time.Second
)

func (r WebhookRetry) withDefaults() WebhookRetry {
	if r == (WebhookRetry{}) {
		return DefaultWebhookRetry
	}
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = DefaultWebhookRetry.MaxAttempts
	}
	if r.BaseDelay <= 0 {
		r.BaseDelay = DefaultWebhookRetry.BaseDelay
	}
	if r.MaxDelay <= 0 {
		r.MaxDelay = DefaultWebhookRetry.MaxDelay
	}
	r.MaxDelay = max(r.MaxDelay, r.BaseDelay)
	return r
}

// backoff is the wait after the attempt-th failed attempt (1-based).
func (r WebhookRetry) backoff(attempt int) time.Duration {
	d := r.BaseDelay
	for i := 1; i < attempt && d < r.MaxDelay; i++ {
		d *= 2
	}
	return min(d, r.MaxDelay)
}

// Delivery states.
const (
	WebhookPending   = "pending"   // queued, being sent or waiting for a retry
	WebhookDelivered = "delivered" // the receiver answered 2xx
	WebhookFailed    = "failed"    // a final answer other than 2xx, or attempts exhausted
	WebhookDropped   = "dropped"   // never completed: pushed out of a full queue, or its registration or the mock went away
)

// WebhookRegistration is a receiver of webhooks.
type WebhookRegistration struct {
	ID  string `json:"id"`
	URL string `json:"url"`
	// Events lists the event names it receives (all of them when registered without a list).
	Events []string `json:"events"`
	// LocationID limits it to one location's events; empty means every location.
	LocationID string             `json:"locationId,omitempty"`
	CreatedAt  fixtures.Timestamp `json:"createdAt"`
	Stats      WebhookStats       `json:"stats"`
}

// WebhookStats counts a registration's deliveries.
type WebhookStats struct {
	// Pending counts deliveries queued or in flight (at most the queue size plus one).
	Pending   int `json:"pending"`
	Delivered int `json:"delivered"`
	Failed    int `json:"failed"`
	// Dropped counts deliveries that never completed: pushed out of the full queue (the oldest queued
	// delivery goes), or abandoned when the registration was removed or the mock closed.
	Dropped int `json:"dropped"`
}

// WebhookDelivery is one event sent (or to be sent) to one registration, as the delivery log shows
// it.
type WebhookDelivery struct {
	// ID identifies the delivery (header X-Contactsmock-Delivery); a replay is a new delivery.
	ID string `json:"id"`
	// WebhookID is the body's webhookId: the same on every attempt and on replays.
	WebhookID      string `json:"webhookId"`
	EventType      string `json:"eventType"`
	RegistrationID string `json:"registrationId"`
	URL            string `json:"url"`
	LocationID     string `json:"locationId"`
	// ResourceID is the contact's, note's or task's id; ContactID the contact it belongs to.
	ResourceID string `json:"resourceId"`
	ContactID  string `json:"contactId"`
	State      string `json:"state"`
	// Attempts counts the attempts made; Statuses has each one's status (0: no answer).
	Attempts int              `json:"attempts"`
	Statuses []int            `json:"statuses"`
	History  []WebhookAttempt `json:"history"`
	// LatencyMs is the time from the event to the final outcome (absent while pending).
	LatencyMs *float64 `json:"latencyMs,omitempty"`
	LastError string   `json:"lastError,omitempty"`
	// CreatedAt is the event's time on the mock's clock.
	CreatedAt fixtures.Timestamp `json:"createdAt"`
	// ReplayOf is the delivery this one replays.
	ReplayOf string `json:"replayOf,omitempty"`
	// Signature is the x-ghl-signature value sent (empty before the first attempt).
	Signature string          `json:"signature,omitempty"`
	Payload   json.RawMessage `json:"payload"`
}

// WebhookAttempt is one try of a delivery.
type WebhookAttempt struct {
	// At is when the attempt started, on the mock's clock.
	At     fixtures.Timestamp `json:"at"`
	Status int                `json:"status"`
	// DurationMs is how long the receiver took to answer (wall time).
	DurationMs float64 `json:"durationMs"`
	Error      string  `json:"error,omitempty"`
	// RetryInMs is the wait before the next attempt, when there is one.
	RetryInMs *float64 `json:"retryInMs,omitempty"`
}

// webhooks is the dispatcher: registrations, their queues and workers, and the delivery log.
type webhooks struct {
	key       ed25519.PrivateKey
	retry     WebhookRetry
	queueSize int
	logSize   int
	client    *http.Client
	ownClient bool
	sleep     func(context.Context, time.Duration) error
	now       func() time.Time
	// validate checks a payload against the document (strict mode only); violation records a failure.
	validate  func(event string, body []byte) error
	violation func(error)
	log       *slog.Logger

	mu     sync.RWMutex // guards regs and closed
	regs   []*registration
	closed bool

	logMu sync.Mutex // guards ring, byID and the mutable fields of every delivery
	ring  []*delivery
	byID  map[string]*delivery

	wg sync.WaitGroup // one per running worker
}

type registration struct {
	id, url, locationID string
	events              []string
	accept              map[string]bool // nil: every event
	created             fixtures.Timestamp

	ctx    context.Context
	cancel context.CancelCauseFunc
	wake   chan struct{} // capacity 1: "the queue changed"

	mu       sync.Mutex // guards the fields below
	queue    []*delivery
	inflight bool
	draining bool
	stats    WebhookStats // Pending is computed
}

type delivery struct {
	id, webhookID, event, regID, url  string
	locationID, resourceID, contactID string
	replayOf                          string
	ev                                *pendingEvent
	created                           fixtures.Timestamp
	enqueued                          time.Time // wall clock, for latency

	bodyOnce sync.Once
	body     []byte // set by payload
	bodyErr  error

	// guarded by webhooks.logMu
	state     string
	history   []WebhookAttempt
	lastError string
	latency   time.Duration
	signature string
}

var (
	errWebhookClosed  = errors.New("mockserver: closed")
	errWebhookDeleted = errors.New("the registration was deleted")
	errWebhookGone    = errors.New("the receiver answered 410 Gone: the registration was removed")
)

func newWebhooks(cfg Config, now func() time.Time, log *slog.Logger) (*webhooks, error) {
	w := &webhooks{
		key:       cfg.WebhookKey,
		retry:     cfg.WebhookRetry.withDefaults(),
		queueSize: cfg.WebhookQueueSize,
		logSize:   cfg.WebhookLogSize,
		client:    cfg.WebhookClient,
		sleep:     cfg.WebhookSleep,
		now:       now,
		log:       log,
		byID:      map[string]*delivery{},
	}
	if w.key == nil {
		k, err := GenerateWebhookKey()
		if err != nil {
			return nil, err
		}
		w.key = k
	} else if len(w.key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("mockserver: the webhook key has %d bytes, want %d", len(w.key), ed25519.PrivateKeySize)
	}
	if w.queueSize <= 0 {
		w.queueSize = DefaultWebhookQueueSize
	}
	if w.logSize <= 0 {
		w.logSize = DefaultWebhookLogSize
	}
	if w.sleep == nil {
		w.sleep = sleepContext
	}
	if w.client == nil {
		timeout := cfg.WebhookTimeout
		if timeout <= 0 {
			timeout = DefaultWebhookTimeout
		}
		w.client = newWebhookClient(timeout)
		w.ownClient = true
	}
	return w, nil
}

// newWebhookClient returns the delivery client: bounded in time at every step, never following
// redirects (a redirected POST would turn into a GET; a 3xx is a failed delivery).
func newWebhookClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: min(timeout, 5*time.Second)}).DialContext,
			TLSHandshakeTimeout:   min(timeout, 5*time.Second),
			ResponseHeaderTimeout: timeout,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       30 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// sleepContext waits d of real time, or until ctx ends (then it returns the context's cause): the
// pause between webhook delivery attempts, and injected latency (faults). Both are real time on
// purpose: the mock's clock is for what the API computes (expiry, windows), not for how long
// things take.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return context.Cause(ctx)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// --- registrations --------------------------------------------------------------------------

// checkWebhookURL accepts absolute http and https URLs with a host.
func checkWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return newError(http.StatusUnprocessableEntity, []string{"url must be a URL address (absolute, http or https)"})
	}
	return nil
}

func (w *webhooks) register(rawURL string, events []string, locationID string) (WebhookRegistration, error) {
	var msgs []string
	if err := checkWebhookURL(rawURL); err != nil {
		msgs = append(msgs, err.(*APIError).Message.([]string)...)
	}
	var accept map[string]bool
	if events != nil {
		accept = map[string]bool{}
		for _, e := range events {
			if !slices.Contains(store.EventTypes, e) {
				msgs = append(msgs, "each value in events must be one of the following values: "+strings.Join(store.EventTypes, ", "))
				break
			}
			accept[e] = true
		}
		if len(events) == 0 {
			msgs = append(msgs, "events should not be empty (leave it out to receive every event)")
		}
	}
	if len(msgs) > 0 {
		return WebhookRegistration{}, newError(http.StatusUnprocessableEntity, msgs)
	}
	list := slices.Clone(store.EventTypes)
	if accept != nil {
		list = slices.DeleteFunc(list, func(e string) bool { return !accept[e] })
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	r := &registration{
		id: fixtures.NewID(rand.IntN), url: rawURL, locationID: locationID, events: list, accept: accept,
		created: fixtures.At(w.now()), ctx: ctx, cancel: cancel, wake: make(chan struct{}, 1),
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		cancel(errWebhookClosed)
		return WebhookRegistration{}, newError(http.StatusServiceUnavailable, "the mock is closing: no new webhook registrations")
	}
	w.regs = append(w.regs, r)
	w.wg.Add(1)
	go w.run(r)
	w.log.Info("webhook registered", "id", r.id, "url", r.url)
	return r.view(), nil
}

// unregister removes a registration; its worker stops and what it had queued is dropped.
func (w *webhooks) unregister(id string, cause error) bool {
	w.mu.Lock()
	i := slices.IndexFunc(w.regs, func(r *registration) bool { return r.id == id })
	if i < 0 {
		w.mu.Unlock()
		return false
	}
	r := w.regs[i]
	w.regs = slices.Delete(w.regs, i, i+1)
	w.mu.Unlock()
	r.cancel(cause)
	w.log.Info("webhook removed", "id", id, "cause", cause)
	return true
}

func (w *webhooks) list() []WebhookRegistration {
	w.mu.RLock()
	defer w.mu.RUnlock()
	out := make([]WebhookRegistration, 0, len(w.regs))
	for _, r := range w.regs {
		out = append(out, r.view())
	}
	return out
}

func (w *webhooks) get(id string) (WebhookRegistration, bool) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	for _, r := range w.regs {
		if r.id == id {
			return r.view(), true
		}
	}
	return WebhookRegistration{}, false
}

func (r *registration) view() WebhookRegistration {
	r.mu.Lock()
	st := r.stats
	st.Pending = len(r.queue)
	if r.inflight {
		st.Pending++
	}
	r.mu.Unlock()
	return WebhookRegistration{
		ID: r.id, URL: r.url, Events: slices.Clone(r.events), LocationID: r.locationID,
		CreatedAt: r.created, Stats: st,
	}
}

func (r *registration) wants(e store.Event) bool {
	return (r.accept == nil || r.accept[e.Type]) && (r.locationID == "" || r.locationID == e.LocationID)
}

// --- the store's sink -----------------------------------------------------------------------

// pendingEvent is an event waiting to be rendered; the store's copies in it are never modified.
type pendingEvent struct {
	e  store.Event
	at time.Time

	once     sync.Once
	rendered *renderedEvent
	err      error
}

func (p *pendingEvent) render() (*renderedEvent, error) {
	p.once.Do(func() { p.rendered, p.err = renderEvent(p.e, p.at) })
	return p.rendered, p.err
}

// payload returns the delivery's body, rendering it on first use.
func (d *delivery) payload() ([]byte, error) {
	d.bodyOnce.Do(func() {
		ev, err := d.ev.render()
		if err != nil {
			d.bodyErr = err
			return
		}
		d.body = ev.body(d.webhookID)
	})
	return d.body, d.bodyErr
}

// emit is the store's sink. It runs under the store's lock, so it only records and enqueues; the
// payload is rendered outside the lock.
func (w *webhooks) emit(e store.Event) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed || len(w.regs) == 0 {
		return
	}
	var ev *pendingEvent
	for _, r := range w.regs {
		if !r.wants(e) {
			continue
		}
		if ev == nil {
			ev = &pendingEvent{e: e, at: w.now()}
		}
		resource, contact := eventIDs(e)
		d := &delivery{
			id: newTraceID(), webhookID: newTraceID(), event: e.Type, regID: r.id, url: r.url,
			locationID: e.LocationID, resourceID: resource, contactID: contact, ev: ev,
			created: fixtures.At(ev.at), enqueued: time.Now(), state: WebhookPending,
		}
		w.enqueueLocked(r, d)
	}
}

// enqueueLocked logs d and appends it to r's queue, pushing the oldest queued delivery out when the
// queue is full. The caller holds w.mu (read or write) and has checked that r is registered.
func (w *webhooks) enqueueLocked(r *registration, d *delivery) {
	w.record(d)
	r.mu.Lock()
	var pushedOut *delivery
	if len(r.queue) >= w.queueSize {
		pushedOut = r.queue[0]
		r.queue[0] = nil
		r.queue = r.queue[1:]
		r.stats.Dropped++
	}
	r.queue = append(r.queue, d)
	r.mu.Unlock()
	if pushedOut != nil {
		w.finish(nil, pushedOut, WebhookDropped, fmt.Sprintf("the queue was full (%d): pushed out by a newer delivery", w.queueSize))
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// record adds a delivery to the log, forgetting the oldest beyond logSize.
func (w *webhooks) record(d *delivery) {
	w.logMu.Lock()
	defer w.logMu.Unlock()
	w.ring = append(w.ring, d)
	w.byID[d.id] = d
	if over := len(w.ring) - w.logSize; over > 0 {
		for _, old := range w.ring[:over] {
			delete(w.byID, old.id)
		}
		clear(w.ring[:over])
		w.ring = w.ring[over:]
	}
}

// finish sets a delivery's final state and, when r is given, counts it.
func (w *webhooks) finish(r *registration, d *delivery, state, msg string) {
	w.logMu.Lock()
	d.state = state
	if msg != "" {
		d.lastError = msg
	}
	d.latency = time.Since(d.enqueued)
	w.logMu.Unlock()
	if r == nil {
		return
	}
	r.mu.Lock()
	switch state {
	case WebhookDelivered:
		r.stats.Delivered++
	case WebhookFailed:
		r.stats.Failed++
	case WebhookDropped:
		r.stats.Dropped++
	}
	r.mu.Unlock()
}

// --- the worker -----------------------------------------------------------------------------

// take pops the queue's head, marking it in flight until settled.
func (r *registration) take() (d *delivery, draining bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.queue) == 0 {
		return nil, r.draining
	}
	d = r.queue[0]
	r.queue[0] = nil
	r.queue = r.queue[1:]
	r.inflight = true
	return d, false
}

// run delivers r's queue in order until r is removed, or the mock closes and the queue is empty.
func (w *webhooks) run(r *registration) {
	defer w.wg.Done()
	for r.ctx.Err() == nil {
		d, draining := r.take()
		if d == nil {
			if draining {
				break
			}
			select {
			case <-r.wake:
			case <-r.ctx.Done():
			}
			continue
		}
		w.deliver(r, d)
		r.mu.Lock()
		r.inflight = false
		r.mu.Unlock()
	}
	r.mu.Lock()
	left := r.queue
	r.queue, r.inflight = nil, false
	r.mu.Unlock()
	cause := "the mock closed"
	if err := context.Cause(r.ctx); err != nil {
		cause = err.Error()
	}
	for _, d := range left {
		w.finish(r, d, WebhookDropped, cause)
	}
}

type attemptResult struct {
	status     int
	err        error
	retryAfter time.Duration
	hasRetry   bool // the answer carried a usable Retry-After
}

func (a attemptResult) String() string {
	if a.err != nil {
		return a.err.Error()
	}
	return fmt.Sprintf("the receiver answered %d %s", a.status, http.StatusText(a.status))
}

// deliver sends one delivery until it is delivered, fails for good, or its registration goes.
func (w *webhooks) deliver(r *registration, d *delivery) {
	body, err := d.payload()
	if err != nil {
		w.finish(r, d, WebhookFailed, err.Error())
		return
	}
	if w.validate != nil {
		if err := w.validate(d.event, body); err != nil {
			w.violation(err)
		}
	}
	sig := base64.StdEncoding.EncodeToString(ed25519.Sign(w.key, body))
	w.logMu.Lock()
	d.signature = sig
	w.logMu.Unlock()
	for attempt := 1; ; attempt++ {
		res := w.attempt(r.ctx, d, body, sig, attempt)
		switch {
		case res.status >= 200 && res.status < 300:
			w.finish(r, d, WebhookDelivered, "")
			return
		case r.ctx.Err() != nil:
			w.finish(r, d, WebhookDropped, context.Cause(r.ctx).Error())
			return
		case res.status == http.StatusGone:
			w.finish(r, d, WebhookFailed, errWebhookGone.Error())
			w.unregister(r.id, errWebhookGone)
			return
		}
		wait, retry := w.retryAfter(res, attempt)
		if !retry {
			w.finish(r, d, WebhookFailed, res.String()+" (not retried)")
			return
		}
		if attempt >= w.retry.MaxAttempts {
			w.finish(r, d, WebhookFailed, fmt.Sprintf("gave up after %d attempts: %s", attempt, res))
			return
		}
		w.logMu.Lock()
		ms := float64(wait) / float64(time.Millisecond)
		d.history[len(d.history)-1].RetryInMs = &ms
		d.lastError = res.String()
		w.logMu.Unlock()
		if err := w.sleep(r.ctx, wait); err != nil || r.ctx.Err() != nil {
			if cause := context.Cause(r.ctx); cause != nil {
				err = cause
			}
			w.finish(r, d, WebhookDropped, "waiting to retry: "+err.Error())
			return
		}
	}
}

// retryAfter says whether to try again after res and how long to wait first.
func (w *webhooks) retryAfter(res attemptResult, attempt int) (time.Duration, bool) {
	switch {
	case res.status == http.StatusTooManyRequests:
		if res.hasRetry {
			return min(res.retryAfter, w.retry.MaxDelay), true
		}
		return w.retry.backoff(attempt), true
	case res.err != nil || res.status >= 500:
		return w.retry.backoff(attempt), w.retry.RetryOn5xx
	}
	return 0, false
}

// attempt POSTs the delivery once and records the outcome.
func (w *webhooks) attempt(ctx context.Context, d *delivery, body []byte, sig string, n int) attemptResult {
	at := fixtures.At(w.now())
	var res attemptResult
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "contactsmock-webhooks/1")
		req.Header.Set(WebhookSignatureHeader, sig)
		req.Header.Set(WebhookDeliveryHeader, d.id)
		req.Header.Set(WebhookAttemptHeader, strconv.Itoa(n))
		var resp *http.Response
		if resp, err = w.client.Do(req); err == nil {
			res.status = resp.StatusCode
			res.retryAfter, res.hasRetry = parseRetryAfter(resp.Header.Get("Retry-After"), w.now())
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			_ = resp.Body.Close()
		}
	}
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		res.err = err
	}
	a := WebhookAttempt{At: at, Status: res.status, DurationMs: float64(time.Since(start)) / float64(time.Millisecond)}
	if res.err != nil {
		a.Error = res.err.Error()
	}
	w.logMu.Lock()
	d.history = append(d.history, a)
	w.logMu.Unlock()
	return res
}

// parseRetryAfter reads Retry-After as seconds or as an HTTP date (relative to now).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(min(n, int64(time.Duration(1<<62)/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// --- the log and replay ---------------------------------------------------------------------

// WebhookDeliveryFilter narrows the delivery log; zero fields match everything.
type WebhookDeliveryFilter struct {
	RegistrationID, EventType, State, ContactID string
	// Limit caps the number returned (0: all the log holds).
	Limit int
}

func (f WebhookDeliveryFilter) match(d *delivery) bool {
	return (f.RegistrationID == "" || f.RegistrationID == d.regID) && (f.EventType == "" || f.EventType == d.event) &&
		(f.State == "" || f.State == d.state) && (f.ContactID == "" || f.ContactID == d.contactID)
}

// deliveries lists the log, newest first. Payloads are rendered after logMu is released: every
// store write emits under the store lock and records under logMu, so logMu is held only to copy.
func (w *webhooks) deliveries(f WebhookDeliveryFilter) []WebhookDelivery {
	var found []*delivery
	out := []WebhookDelivery{}
	w.logMu.Lock()
	for i := len(w.ring) - 1; i >= 0 && (f.Limit <= 0 || len(out) < f.Limit); i-- {
		if d := w.ring[i]; f.match(d) {
			found = append(found, d)
			out = append(out, d.viewLocked())
		}
	}
	w.logMu.Unlock()
	for i, d := range found {
		out[i].Payload = d.payloadJSON()
	}
	return out
}

func (w *webhooks) delivery(id string) (WebhookDelivery, bool) {
	w.logMu.Lock()
	d := w.byID[id]
	var v WebhookDelivery
	if d != nil {
		v = d.viewLocked()
	}
	w.logMu.Unlock()
	if d == nil {
		return WebhookDelivery{}, false
	}
	v.Payload = d.payloadJSON()
	return v, true
}

// payloadJSON is the delivery's body as raw JSON (rendered once, see payload).
func (d *delivery) payloadJSON() json.RawMessage {
	body, _ := d.payload()
	return json.RawMessage(body)
}

// viewLocked copies the delivery for the admin API, without its payload (the caller adds it after
// releasing webhooks.logMu, which it holds).
func (d *delivery) viewLocked() WebhookDelivery {
	v := WebhookDelivery{
		ID: d.id, WebhookID: d.webhookID, EventType: d.event, RegistrationID: d.regID, URL: d.url,
		LocationID: d.locationID, ResourceID: d.resourceID, ContactID: d.contactID, State: d.state,
		Attempts: len(d.history), Statuses: make([]int, len(d.history)), History: slices.Clone(d.history),
		LastError: d.lastError, CreatedAt: d.created, ReplayOf: d.replayOf, Signature: d.signature,
	}
	for i, a := range d.history {
		v.Statuses[i] = a.Status
	}
	if d.state != WebhookPending {
		ms := float64(d.latency) / float64(time.Millisecond)
		v.LatencyMs = &ms
	}
	return v
}

// replay queues the same body again (same webhookId, hence the same signature) to the same
// registration, as a new delivery.
func (w *webhooks) replay(id string) (WebhookDelivery, error) {
	w.logMu.Lock()
	orig := w.byID[id]
	w.logMu.Unlock()
	if orig == nil {
		return WebhookDelivery{}, newError(http.StatusNotFound,
			fmt.Sprintf("webhook delivery %s not found (the log keeps the last %d)", id, w.logSize))
	}
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return WebhookDelivery{}, newError(http.StatusServiceUnavailable, "the mock is closing: no replays")
	}
	i := slices.IndexFunc(w.regs, func(r *registration) bool { return r.id == orig.regID })
	if i < 0 {
		return WebhookDelivery{}, newError(http.StatusNotFound,
			fmt.Sprintf("webhook %s, which delivery %s went to, is no longer registered", orig.regID, id))
	}
	d := &delivery{
		id: newTraceID(), webhookID: orig.webhookID, event: orig.event, regID: orig.regID, url: orig.url,
		locationID: orig.locationID, resourceID: orig.resourceID, contactID: orig.contactID,
		replayOf: orig.id, ev: orig.ev, created: fixtures.At(w.now()), enqueued: time.Now(), state: WebhookPending,
	}
	w.enqueueLocked(w.regs[i], d)
	w.logMu.Lock()
	v := d.viewLocked()
	w.logMu.Unlock()
	v.Payload = d.payloadJSON()
	return v, nil
}

// --- stopping -------------------------------------------------------------------------------

// close stops accepting events, lets every worker deliver what is queued, and when ctx ends first
// abandons the rest (dropped). It returns once every worker has stopped.
func (w *webhooks) close(ctx context.Context) error {
	w.mu.Lock()
	w.closed = true
	regs := slices.Clone(w.regs)
	w.mu.Unlock()
	for _, r := range regs {
		r.mu.Lock()
		r.draining = true
		r.mu.Unlock()
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
	done := make(chan struct{})
	go func() {
		w.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		for _, r := range regs {
			r.cancel(errWebhookClosed)
		}
		<-done
		err = fmt.Errorf("mockserver: webhook queues abandoned before they drained: %w", ctx.Err())
	}
	for _, r := range regs {
		r.cancel(errWebhookClosed)
	}
	if w.ownClient {
		w.client.CloseIdleConnections()
	}
	return err
}
